"""Logging in and staying logged in: the Flask-Login loader, ending a user's sessions, and
checking credentials at login.

Every function flushes and never commits (the request boundary commits). An unknown address and a
wrong password get the same answer after the same work.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from loket import passwords
from loket.db import db, utcnow
from loket.models import User
from loket.models.users import ACTIVE, ARCHIVED, DORMANT, INVITED
from loket.services import ServiceError, audit
from loket.services.accounts.fields import find_user_by_email


def load_user(user_id: str) -> User | None:
    """Flask-Login loader for the session and the remember cookie. The id carries the security stamp
    and the session version (``User.get_id``): after a logout, "log out everywhere" or a password
    change/reset, an earlier cookie no longer matches and is refused."""
    try:
        raw_id, _ = user_id.split(":", 1)
        pk = int(raw_id)
    except (ValueError, TypeError, AttributeError):
        return None
    user = db.session.get(User, pk) if 0 < pk < 2**31 else None
    if user is None or user.get_id() != user_id or not user.is_active:
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session and remember cookie of ``user`` (logout, "log out everywhere", new password)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def log_out_everywhere(user: User) -> None:
    """The user's own "log out everywhere": every browser and device is logged out (audited)."""
    end_sessions(user)
    audit.record(user, "logged_out_everywhere", user)
    db.session.flush()


# --------------------------------------------------------------------------- login
def authenticate(email: str, password: str) -> User:
    """The user for these credentials, logged in now (last_login_at; dormant/invited -> active).

    Raises ServiceError with one message for an unknown address and a wrong password alike.
    """
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        passwords.waste_a_check(password)  # same work either way (timing)
        raise ServiceError(_l("Het e-mailadres of het wachtwoord klopt niet."), field="password")
    if not user.check_password(password or ""):
        raise ServiceError(_l("Het e-mailadres of het wachtwoord klopt niet."), field="password")
    if passwords.needs_rehash(user.password_hash):
        user.set_password(password)  # an older method or cost: store today's hash (same password)
    if user.status == ARCHIVED:
        raise ServiceError(
            _l("Dit account is gearchiveerd en kan niet meer inloggen. Neem contact op met Loket."),
            field="email",
        )
    if user.status in (DORMANT, INVITED):
        audit.record(user, "reactivated", user, from_state=user.status, to_state=ACTIVE, via="login")
        user.status = ACTIVE
    user.last_login_at = utcnow()
    db.session.flush()
    return user
