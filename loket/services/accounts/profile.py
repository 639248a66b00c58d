"""Profiles: the own user profile (name, phone, language, notifications, email change) and the
organisation profile (name, location, BRIN/KvK, levels/sectors).

Every function flushes and never commits (the request boundary commits). Field checks are shared with
registration (``loket.services.accounts``).
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from loket import taxonomy
from loket.db import db, utcnow
from loket.mail.outbox import queue_email
from loket.models import Organisation, User
from loket.models.organisations import PROFILE_MAX, SCHOOL
from loket.services import NotFound, ServiceError, StaleEdit, audit, policies
from loket.services.accounts import links as tokens
from loket.services.accounts.fields import (
    check_brin,
    check_kvk,
    check_name,
    check_postcode,
    check_terms,
    find_user_by_email,
    normalise_email,
)
from loket.services.accounts.geocoding import set_location
from loket.services.accounts.mails import link_to, notice_existing

NOTIFY_MODES = ("immediate", "digest")


# --------------------------------------------------------------------------- profile
def update_profile(
    user: User, *, name: str, email: str, phone: str | None, locale: str, notify_mode: str
) -> bool:
    """Edit the own profile. A new address takes effect after its link is clicked; returns True then."""
    user.name = check_name(name, "name")
    phone = (phone or "").strip()
    if phone and not re.fullmatch(r"[+0-9 ()\-]{6,30}", phone):
        raise ServiceError(
            _l("Vul een telefoonnummer in met alleen cijfers, spaties, +, - of haakjes."), field="phone"
        )
    user.phone = phone or None
    if locale not in current_app.config["LOKET_LOCALES"]:
        raise ServiceError(_l("Kies Nederlands of Engels."), field="locale")
    if notify_mode not in NOTIFY_MODES:
        raise ServiceError(_l("Kies direct of een dagelijkse samenvatting."), field="notify_mode")
    user.locale, user.notify_mode = locale, notify_mode
    new_email = normalise_email(email)
    if not new_email or "@" not in new_email:
        raise ServiceError(_l("Vul een geldig e-mailadres in."), field="email")
    changing = new_email != user.email
    if changing:
        other = find_user_by_email(new_email)
        if other is not None:
            notice_existing(other, "email_change")
        else:
            token = tokens.make_token(user, tokens.CHANGE_EMAIL, new_email=new_email)
            link = link_to("auth.confirm_email_change", token=token)
            queue_email(user, "verify_email", to_addr=new_email, link=link, change=True)
    audit.record(user, "profile_updated", user)
    db.session.flush()
    return changing


def confirm_email_change(token: str) -> User:
    """Apply an address change from the link mailed to the new address (works once)."""
    user, payload = tokens.read_token(token, tokens.CHANGE_EMAIL)
    new_email = payload["e"]
    if find_user_by_email(new_email) is not None:
        raise tokens.TokenError(
            _l("Dit e-mailadres is intussen al in gebruik; je adres is niet gewijzigd."), "used"
        )
    old = user.email
    user.email, user.email_verified_at = new_email, utcnow()
    audit.record(user, "email_changed", user)
    queue_email(user, "email_changed", to_addr=old, new_email=new_email)
    db.session.flush()
    return user


# --------------------------------------------------------------------------- organisation profile
def check_profile(text: str | None) -> str:
    """The organisation's short profile: plain text, lines kept, at most PROFILE_MAX characters."""
    value = (text or "").replace("\r\n", "\n").strip()
    if len(value) > PROFILE_MAX:
        raise ServiceError(
            _l("De beschrijving is te lang (maximaal %(n)s tekens).", n=PROFILE_MAX), field="profile"
        )
    return value


def organisation_for_edit(actor: User, org_id: int) -> Organisation:
    """The organisation if the actor may edit it (NotFound / PermissionDenied otherwise)."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(_l("Deze organisatie bestaat niet."))
    policies.require(policies.can_edit_organisation(actor, org))
    return org


def update_organisation(
    actor: User,
    org_id: int,
    *,
    version_id: int | None,
    name: str,
    postcode: str,
    city: str | None,
    brin: str | None = None,
    kvk: str | None = None,
    levels=(),
    sectors=(),
    profile: str | None = None,
) -> Organisation:
    """Edit an organisation's profile and primary location (re-geocoded); StaleEdit on a stale form."""
    org = organisation_for_edit(actor, org_id)
    if version_id is None or int(version_id) != org.version_id:
        raise StaleEdit()
    with db.session.no_autoflush:  # one UPDATE (one version step) per edit
        org.name = check_name(name, "name", "org_name")
        pc = check_postcode(postcode)
        if org.kind == SCHOOL:
            org.brin = check_brin(brin)
            org.levels = check_terms(levels, taxonomy.levels(), "levels")
        else:
            org.kvk = check_kvk(kvk)
            org.sectors = check_terms(sectors, taxonomy.sectors(), "sectors")
        if profile is not None:
            org.profile = check_profile(profile)
        set_location(org, pc, city)
        org.updated_at = utcnow()  # always an UPDATE, so the version moves also for location-only edits
    audit.record(actor, "organisation_updated", org)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleEdit() from exc
    return org
