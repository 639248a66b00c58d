"""Registration: an organisation with one location and its first user, and the verification of
the email address.

Every function flushes and never commits (the request boundary commits). Registering a known
address answers exactly like the normal case (its owner is mailed a notice instead), after the
same work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from loket import taxonomy
from loket.db import db, utcnow
from loket.models import Organisation, User
from loket.models.organisations import COMPANY, ORG_KINDS, SCHOOL
from loket.models.users import ACTIVE
from loket.services import ServiceError, audit
from loket.services.accounts import links as tokens
from loket.services.accounts.fields import (
    check_brin,
    check_kvk,
    check_name,
    check_password,
    check_postcode,
    check_terms,
    find_user_by_email,
    normalise_email,
)
from loket.services.accounts.geocoding import locate, set_location
from loket.services.accounts.mails import notice_existing, send_verification

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registration:
    """What the registration form gives: the organisation, its postcode, and the first user."""

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
    point = locate(postcode, data.city)  # raises beside the postcode field
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
