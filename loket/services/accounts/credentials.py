"""Passwords: a reset by mailed link and a change by the user, each ending the user's other
sessions.

Every function flushes and never commits (the request boundary commits). A reset request for an
unknown address answers exactly like one for a known address (a notice instead of a link).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from loket.db import db, utcnow
from loket.mail.outbox import queue_email
from loket.models import User
from loket.models.users import ACTIVE, ARCHIVED, DORMANT, INVITED
from loket.services import ServiceError, audit
from loket.services.accounts import links as tokens
from loket.services.accounts.fields import check_password, find_user_by_email, normalise_email
from loket.services.accounts.mails import link_to
from loket.services.accounts.sessions import end_sessions


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to a usable account, else a notice that it has none.

    Both cases render and send one mail, so the answer takes as long either way (no account
    enumeration by timing). An address that is not even syntactically valid gets nothing: it cannot
    belong to an account, so skipping it reveals nothing.
    """
    user = find_user_by_email(email)
    if user is not None and user.status != ARCHIVED:
        token = tokens.make_token(user, tokens.RESET)
        queue_email(user, "reset_password", link=link_to("auth.reset_password", token=token))
        return
    address = normalise_email(email)
    if _mailable(address):
        queue_email(
            None,
            "reset_unknown",
            to_addr=address,
            email=address,
            reset_link=link_to("auth.forgot_password"),
            register_link=link_to("auth.register"),
        )


def _mailable(address: str) -> bool:
    """A syntactically valid address (no DNS lookup); test domains only when the app is TESTING."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False, test_environment=current_app.testing)
    except EmailNotValidError:
        return False
    return True


def check_reset_token(token: str) -> User:
    """The user of a valid reset link (TokenError otherwise); the link stays usable."""
    user, _ = tokens.read_token(token, tokens.RESET)
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; the link (and every other session) dies with it."""
    user, _ = tokens.read_token(token, tokens.RESET)
    user.set_password(check_password(password, email=user.email))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link proved the address
    if user.status in (DORMANT, INVITED):
        audit.record(user, "reactivated", user, from_state=user.status, to_state=ACTIVE, via="reset")
        user.status = ACTIVE
    end_sessions(user)
    audit.record(user, "password_reset", user)
    queue_email(user, "password_changed", reset_link=link_to("auth.forgot_password"))
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the own password (current one required); ends the user's other sessions."""
    if not user.check_password(current or ""):
        raise ServiceError(_l("Je huidige wachtwoord klopt niet."), field="current_password")
    user.set_password(check_password(new, email=user.email, field="new_password"))
    end_sessions(user)
    audit.record(user, "password_changed", user)
    queue_email(user, "password_changed", reset_link=link_to("auth.forgot_password"))
    db.session.flush()
