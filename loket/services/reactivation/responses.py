"""What a recipient does with the mail: confirm the profile (reactivate) or unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass

from loket.db import db, utcnow
from loket.geo import Gazetteer, GeoError, normalise_postcode
from loket.models import ActionToken, User
from loket.models.users import ACTIVE, ARCHIVED
from loket.services import ServiceError
from loket.services.audit import record
from loket.services.reactivation.tokens import load_reactivation_token, spend, user_for_unsubscribe

MIN_PASSWORD = 10


@dataclass(frozen=True)
class Profile:
    name: str
    organisation: str
    postcode: str
    needs_password: bool


def profile_for(token: str) -> tuple[ActionToken, Profile]:
    """The token (valid, unused, not expired) and the profile to show for confirmation."""
    row = load_reactivation_token(token)
    user = row.user
    if user.status == ARCHIVED:
        from loket.services.reactivation.tokens import TokenError

        raise TokenError("invalid", "Dit account bestaat niet meer.")
    org = user.organisation
    loc = org.primary_location if org else None
    return row, Profile(
        name=user.name or "",
        organisation=org.name if org else "",
        postcode=loc.postcode if loc else "",
        needs_password=not user.password_hash,
    )


def confirm_reactivation(
    token: str, *, name: str, organisation: str, postcode: str, password: str | None = None
) -> User:
    """Spend the link, apply corrections, make the user active (flush only)."""
    row, profile = profile_for(token)
    user = row.user
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if not name:
        raise ServiceError("Vul je naam in.", "name")
    if user.organisation is not None and not organisation:
        raise ServiceError("Vul de naam van je organisatie in.", "organisation")
    if profile.needs_password and len(password or "") < MIN_PASSWORD:
        raise ServiceError(f"Kies een wachtwoord van minstens {MIN_PASSWORD} tekens.", "password")
    org = user.organisation
    loc = org.primary_location if org else None
    if loc is not None and (postcode or "").strip():
        try:
            new_pc = normalise_postcode(postcode)
            point = Gazetteer.default().resolve(new_pc, None) if new_pc != _norm(loc.postcode) else None
        except GeoError as exc:
            raise ServiceError(str(exc), "postcode") from exc
        if point is not None:
            loc.postcode = new_pc
            loc.lat, loc.lon, loc.city, loc.province = point.lat, point.lon, point.place, point.province
    spend(row)
    previous = user.status
    user.name = name
    if org is not None and organisation != org.name:
        org.name = organisation
    if profile.needs_password:
        user.set_password(password or "")
    user.status = ACTIVE
    user.email_verified_at = user.email_verified_at or utcnow()
    record(user, "user.reactivate", user, from_state=previous, to_state=ACTIVE, run_id=row.run_id)
    db.session.flush()
    return user


def _norm(pc: str | None) -> str:
    try:
        return normalise_postcode(pc or "")
    except GeoError:
        return pc or ""


def unsubscribe(token: str) -> User:
    """Stop all reactivation mail to the user behind the link (idempotent, flush only)."""
    user = user_for_unsubscribe(token)
    if user.unsubscribed_at is None:
        user.unsubscribed_at = utcnow()
        record(user, "user.unsubscribe", user, reason="afmeldlink in heractiveringsmail")
        db.session.flush()
    return user
