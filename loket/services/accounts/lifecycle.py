"""Accounts: registration, email verification, login, password reset and invites.

Editing a profile or an organisation lives in ``loket.services.accounts.profile``.

Every function flushes and never commits (the request boundary commits). Nothing here reveals
whether an email address is registered: registration with a known address and a reset request
for an unknown one answer exactly like the normal case; the owner of a known address is mailed
a notice instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from loket import passwords, taxonomy
from loket.db import db, utcnow
from loket.geo import Point
from loket.mail.outbox import queue_email
from loket.mail.render import absolute_url
from loket.models import Location, Organisation, User
from loket.models.organisations import COMPANY, ORG_KINDS, SCHOOL
from loket.models.users import ACTIVE, ARCHIVED, DORMANT, INVITED
from loket.services import ServiceError, audit, policies
from loket.services.accounts import geocoding
from loket.services.accounts import links as tokens
from loket.services.accounts.checks import (  # noqa: F401  (the names callers import from here)
    COMMON_PASSWORDS,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_brin,
    check_kvk,
    check_name,
    check_password,
    check_postcode,
    check_terms,
    normalise_email,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- loading + state
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


def is_verified(user: User | None) -> bool:
    """The user confirmed their email address (required to post requests and offers)."""
    return user is not None and user.email_verified_at is not None


# --------------------------------------------------------------------------- field checks (checks.py)
def resolve_location(postcode: str, city: str | None) -> Point:
    """Coordinates of a (checked) postcode; an unknown postcode is an error beside the postcode field.
    An online geocoder refines it when one is configured (``loket.services.geocoding``)."""
    return geocoding.locate(postcode, city)


def set_location(org: Organisation, postcode: str, city: str | None, point: Point | None = None) -> None:
    point = point or resolve_location(postcode, city)
    loc = org.primary_location
    if loc is None:
        loc = Location()
        org.locations.append(loc)
    loc.postcode, loc.city = postcode, (city or "").strip() or point.place
    loc.province, loc.lat, loc.lon, loc.precision = point.province, point.lat, point.lon, point.precision


# --------------------------------------------------------------------------- mail helpers
def link_to(endpoint: str, **values) -> str:
    """Absolute URL of ``endpoint`` for a mail."""
    return absolute_url(url_for(endpoint, _external=False, **values))


def send_verification(user: User) -> None:
    """(Re)send the verification link for the user's current address."""
    if user.email and user.email_verified_at is None:
        token = tokens.make_token(user, tokens.VERIFY)
        queue_email(user, "verify_email", link=link_to("auth.verify_email", token=token), change=False)


def notice_existing(user: User, reason: str) -> None:
    queue_email(
        user,
        "account_exists",
        reason=reason,
        login_link=link_to("auth.login"),
        reset_link=link_to("auth.forgot_password"),
    )


def find_user_by_email(email: str) -> User | None:
    email = normalise_email(email)
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


# --------------------------------------------------------------------------- registration
@dataclass(frozen=True)
class Registration:
    kind: str
    org_name: str
    postcode: str
    name: str
    email: str
    password: str
    city: str | None = None
    brin: str | None = None
    kvk: str | None = None
    levels: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    locale: str = "nl"


def register(data: Registration) -> User | None:
    """Create an organisation with one location and its first user, or mail the owner of a known address.

    All input is checked before anything is written (atomic). Returns the new user, or None when
    the address was already registered (the caller shows the same page either way).
    """
    if data.kind not in ORG_KINDS:
        raise ServiceError(_l("Kies of je een school of een bedrijf aanmeldt."), field="kind")
    org_name = check_name(data.org_name, "org_name")
    postcode = check_postcode(data.postcode)
    point = resolve_location(postcode, data.city)  # raises beside the postcode field
    brin = check_brin(data.brin) if data.kind == SCHOOL else None
    kvk = check_kvk(data.kvk) if data.kind == COMPANY else None
    levels = check_terms(data.levels, taxonomy.levels(), "levels") if data.kind == SCHOOL else []
    sectors = check_terms(data.sectors, taxonomy.sectors(), "sectors") if data.kind == COMPANY else []
    name = check_name(data.name, "name")
    email = normalise_email(data.email)
    if not email or "@" not in email:
        raise ServiceError(_l("Vul een geldig e-mailadres in."), field="email")
    password = check_password(data.password, email=email)

    # A known address costs the same work as a new one (no account enumeration by timing): the
    # password is hashed and the account is written either way, for a known address inside a
    # savepoint that is rolled back; both paths then mail once.
    org = Organisation(kind=data.kind, name=org_name, brin=brin, kvk=kvk, levels=levels, sectors=sectors)
    set_location(org, postcode, data.city, point)
    user = User(
        email=email,
        name=name,
        role=data.kind,
        status=ACTIVE,
        organisation=org,
        locale=data.locale if data.locale in ("nl", "en") else "nl",
    )
    user.set_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        user.email = None  # the address is taken; this row never outlives the savepoint
        try:
            with db.session.begin_nested() as savepoint:
                _create_account(org, user)
                savepoint.rollback()
        except SQLAlchemyError:  # only a rehearsal: never fail the real answer over it
            log.exception("register: rehearsal for a known address failed")
        notice_existing(existing, "register")
        return None
    _create_account(org, user)
    send_verification(user)
    return user


def _create_account(org: Organisation, user: User) -> None:
    db.session.add_all([org, user])
    db.session.flush()
    audit.record(user, "register", org, to_state=ACTIVE, user_id=user.id)
    from loket.services.clusters.join import join_nearest_cluster

    join_nearest_cluster(org, actor=user)  # in a region at once, not only after the next clustering run


def verify_email(token: str) -> User:
    """Mark the address in the link as verified (works once); TokenError otherwise."""
    user, _ = tokens.read_token(token, tokens.VERIFY)
    user.email_verified_at = utcnow()
    audit.record(user, "email_verified", user)
    db.session.flush()
    return user


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


# --------------------------------------------------------------------------- password reset
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


# --------------------------------------------------------------------------- invites
def require_can_invite(actor: User) -> None:
    """PermissionDenied unless the actor is a member of an organisation (and so may invite)."""
    policies.require(policies.can_invite_to_organisation(actor, actor.organisation_id))


def invite_colleague(actor: User, *, name: str, email: str) -> User | None:
    """Invite someone to the actor's organisation: a user with status ``invited`` and a mailed link.

    Only members of the organisation may invite. A known address gets a notice instead (None).
    """
    require_can_invite(actor)
    if not is_verified(actor):
        raise ServiceError(
            _l(
                "Bevestig eerst je eigen e-mailadres via de link in je mail; "
                "daarna kun je collega's uitnodigen."
            )
        )
    name = check_name(name, "name", "colleague")
    email = normalise_email(email)
    if not email or "@" not in email:
        raise ServiceError(_l("Vul een geldig e-mailadres in."), field="email")
    existing = find_user_by_email(email)
    if existing is not None:
        notice_existing(existing, "invite")
        return None
    org = actor.organisation
    assert org is not None
    user = User(email=email, name=name, role=org.kind, status=INVITED, organisation=org, locale=actor.locale)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "invite", user, to_state=INVITED, organisation_id=org.id)
    token = tokens.make_token(user, tokens.INVITE)
    queue_email(
        user,
        "invite_colleague",
        link=link_to("auth.accept_invite", token=token),
        inviter=actor,
        organisation=org,
    )
    return user


def check_invite_token(token: str) -> User:
    user, _ = tokens.read_token(token, tokens.INVITE)
    return user


def accept_invite(token: str, *, name: str, password: str) -> User:
    """Set name and password from an invitation link; the user becomes active and verified."""
    user, _ = tokens.read_token(token, tokens.INVITE)
    user.name = check_name(name, "name")
    user.set_password(check_password(password, email=user.email))
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(user, "invite_accepted", user, from_state=user.status, to_state=ACTIVE)
    user.status = ACTIVE
    user.last_login_at = utcnow()
    db.session.flush()
    return user
