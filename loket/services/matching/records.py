"""Database rows -> matching engine records (``loket.matching``): coordinates, the organisations
without an active user, and each school's activities this school year (the equity term).
Read-only; used by the matching adapter ``loket.services.matching``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, select

from loket.db import db
from loket.matching import OfferRecord, RequestRecord
from loket.models import Match, Offer, Request, User
from loket.models.matches import CAPACITY_HOLDING_STATES
from loket.models.users import ACTIVE


def public_id(obj: Request | Offer) -> str:
    """The id shown in JSON output: external_id, or the internal id when there is none."""
    return obj.external_id or str(obj.id)


def school_year_start(today: date) -> date:
    """1 August of the Dutch school year ``today`` lies in."""
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


# --------------------------------------------------------------------------- rows -> records
def _coords(obj: Request | Offer) -> tuple[float | None, float | None]:
    loc = obj.location or obj.organisation.primary_location
    return (loc.lat, loc.lon) if loc is not None else (None, None)


def inactive_org_ids() -> set[int]:
    """Organisations whose users are all dormant, invited or archived (none active).

    An organisation without any user row is not counted as inactive: there is nobody to reactivate.
    """
    active = func.sum(case((User.status == ACTIVE, 1), else_=0))
    rows = db.session.execute(
        select(User.organisation_id)
        .where(User.organisation_id.is_not(None))
        .group_by(User.organisation_id)
        .having(active == 0)
    )
    return {int(r) for (r,) in rows}


def activities_this_year(today: date) -> dict[int, int]:
    since = datetime.combine(school_year_start(today), time.min, tzinfo=UTC)
    rows = db.session.execute(
        select(Request.organisation_id, func.count(Match.id))
        .join(Match, Match.request_id == Request.id)
        .where(Match.status.in_(CAPACITY_HOLDING_STATES), Match.created_at >= since)
        .group_by(Request.organisation_id)
    )
    return {int(org): int(n) for org, n in rows}


def _shared_fields(obj: Request | Offer, active: bool) -> dict:
    """The fields a request record and an offer record have in common."""
    lat, lon = _coords(obj)
    return dict(
        id=str(obj.id),
        lat=lat,
        lon=lon,
        activity=obj.activity,
        sectors=list(obj.sectors or []),
        topic=obj.topic or "",
        levels=list(obj.levels or []),
        earliest=obj.earliest,
        latest=obj.latest,
        modes=list(obj.modes or []),
        active=active,
    )


def request_record(req: Request, active: bool, activities_this_year: int = 0) -> RequestRecord:
    """Engine record of one request row."""
    return RequestRecord(
        **_shared_fields(req, active),
        pupils=req.pupils,
        max_travel_km=float(req.max_travel_km or 0.0),
        activities_this_year=activities_this_year,
    )


def offer_record(offer: Offer, active: bool) -> OfferRecord:
    """Engine record of one offer row."""
    return OfferRecord(
        **_shared_fields(offer, active),
        capacity=offer.capacity,
        capacity_left=offer.capacity_left,
        radius_km=float(offer.radius_km or 0.0),
    )
