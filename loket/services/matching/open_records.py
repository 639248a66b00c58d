"""Open requests and offers straight from the database into engine records (Core selects, no ORM
objects): all of them or some by id, each at its own location or else its organisation's first, with
whether the organisation is active and each school's activities this school year; rows the engine
would refuse are skipped with the reason. Also the rejected or declined pairs the engine leaves out.
The candidate search around a few owners (``candidates``) builds on these selects.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from loket.db import db
from loket.matching import MatchInputError, OfferRecord, RequestRecord, split_valid
from loket.matching.encode import Table, Vocab, encode
from loket.models import Location, Match, Offer, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import CAPACITY_HOLDING_STATES, DECLINED, REJECTED
from loket.models.users import ACTIVE
from loket.services.matching.records import school_year_start

log = logging.getLogger(__name__)
CHUNK = 900  # ids per IN (...) list


@dataclass
class Records:
    """Engine records of requests or offers, and the rows the engine would refuse (with why)."""

    records: list = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: the records encoded (the check that found them valid), for the engine to reuse; None after a skip
    table: Table | None = field(default=None, repr=False)

    @property
    def ids(self) -> set[int]:
        return {int(r.id) for r in self.records}


@cache
def vocab() -> Vocab:
    """The engine's vocabulary (loaded once)."""
    return Vocab.load()


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterable[list[int]]:
    """The distinct ``ids`` sorted, in lists of at most ``size`` (one ``IN (...)`` each)."""
    items = sorted(set(ids))
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------- select building blocks
def active_cond(model):
    """True when the organisation has an active user, or no users at all (nobody to reactivate)."""
    org = model.organisation_id
    return or_(
        ~exists().where(User.organisation_id == org),
        exists().where(User.organisation_id == org, User.status == ACTIVE),
    )


def active_column(model):
    """:func:`active_cond` as the column ``active``."""
    return active_cond(model).label("active")


def record_columns(model) -> list:
    """The columns of a request or offer that its engine record needs; the JSON lists as text
    (parsed by :func:`codes`: a few distinct values over tens of thousands of rows)."""
    common = [
        model.id,
        model.organisation_id,
        model.activity,
        model.topic,
        cast(model.sectors, String).label("sectors"),
        cast(model.levels, String).label("levels"),
        model.earliest,
        model.latest,
        cast(model.modes, String).label("modes"),
    ]
    if model is Request:
        return [*common, Request.pupils, Request.max_travel_km]
    return [*common, Offer.capacity, Offer.capacity_used, Offer.radius_km]


def primary_location(model):
    """The organisation's first location (the place of a row without a location of its own)."""
    return (
        select(func.min(Location.id))
        .where(Location.organisation_id == model.organisation_id)
        .correlate(model)
        .scalar_subquery()
    )


def is_open(model):
    """An open request; an open offer with places left."""
    if model is Request:
        return Request.status == REQ_OPEN
    return and_(Offer.status == OFF_OPEN, Offer.capacity_used < Offer.capacity)


def select_any_place(model, *where):
    """Rows with their coordinates (own location, else the organisation's first; NULL when none)."""
    loc = aliased(Location)
    place = func.coalesce(model.location_id, primary_location(model))
    return (
        select(*record_columns(model), loc.lat, loc.lon, active_column(model))
        .select_from(model)
        .outerjoin(loc, loc.id == place)
        .where(*where)
    )


# --------------------------------------------------------------------------- rows -> records
@lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text) or ())


def codes(text: str | list | None) -> list[str]:
    """A JSON list of codes selected as text (or already a list) as a new list."""
    if text is None:
        return []
    return list(_parsed(text)) if isinstance(text, str) else list(text)


def activities_this_year(today: date, org_ids: Iterable[int] | None) -> dict[int, int]:
    """Capacity-holding matches created this school year, per school (all schools with None)."""
    since = datetime.combine(school_year_start(today), time.min, tzinfo=UTC)
    q = (
        select(Request.organisation_id, func.count(Match.id))
        .join(Match, Match.request_id == Request.id)
        .where(Match.status.in_(CAPACITY_HOLDING_STATES), Match.created_at >= since)
        .group_by(Request.organisation_id)
    )
    if org_ids is None:
        return {int(o): int(n) for o, n in db.session.execute(q)}
    out: dict[int, int] = {}
    for part in chunks(org_ids):
        out.update(
            {int(o): int(n) for o, n in db.session.execute(q.where(Request.organisation_id.in_(part)))}
        )
    return out


def request_records(rows: Sequence, today: date) -> Records:
    """Selected request rows (one per id) as engine records; invalid ones skipped."""
    acts = activities_this_year(today, {r.organisation_id for r in rows}) if rows else {}
    recs = [
        RequestRecord(
            id=str(r.id),
            lat=r.lat,
            lon=r.lon,
            activity=r.activity,
            sectors=codes(r.sectors),
            topic=r.topic or "",
            levels=codes(r.levels),
            pupils=r.pupils,
            earliest=r.earliest,
            latest=r.latest,
            modes=codes(r.modes),
            max_travel_km=float(r.max_travel_km or 0.0),
            active=bool(r.active),
            activities_this_year=acts.get(r.organisation_id, 0),
        )
        for r in _unique(rows)
    ]
    return _valid(recs)


def offer_records(rows: Sequence) -> Records:
    """Selected offer rows (one per id) as engine records; invalid ones skipped."""
    recs = [
        OfferRecord(
            id=str(r.id),
            lat=r.lat,
            lon=r.lon,
            activity=r.activity,
            sectors=codes(r.sectors),
            topic=r.topic or "",
            levels=codes(r.levels),
            capacity=r.capacity,
            capacity_left=max(0, r.capacity - r.capacity_used),
            earliest=r.earliest,
            latest=r.latest,
            modes=codes(r.modes),
            radius_km=float(r.radius_km or 0.0),
            active=bool(r.active),
        )
        for r in _unique(rows)
    ]
    return _valid(recs)


def _unique(rows: Sequence) -> list:
    seen: dict[int, object] = {}
    for r in rows:
        seen.setdefault(r.id, r)
    return [seen[k] for k in sorted(seen)]


def _valid(recs: list) -> Records:
    try:
        table = encode(recs, vocab())  # the usual case: all valid, checked at once
        return Records(recs, [], table)
    except MatchInputError:
        pass
    good, errors = split_valid(recs, vocab())
    skipped = [str(e) for e in errors]
    for msg in skipped:
        log.debug("suggesties: overgeslagen: %s", msg)
    return Records(good, skipped)


# --------------------------------------------------------------------------- loaders
def open_requests(ids: Iterable[int] | None = None, today: date | None = None) -> Records:
    """Open requests (all, or those of ``ids`` that are open) as engine records."""
    today = today or date.today()
    if ids is None:
        return request_records(db.session.execute(select_any_place(Request, is_open(Request))).all(), today)
    rows: list = []
    for part in chunks(ids):
        rows += db.session.execute(select_any_place(Request, is_open(Request), Request.id.in_(part))).all()
    return request_records(rows, today)


def open_offers(ids: Iterable[int] | None = None) -> Records:
    """Open offers with places left (all, or those of ``ids``) as engine records."""
    if ids is None:
        return offer_records(db.session.execute(select_any_place(Offer, is_open(Offer))).all())
    rows: list = []
    for part in chunks(ids):
        rows += db.session.execute(select_any_place(Offer, is_open(Offer), Offer.id.in_(part))).all()
    return offer_records(rows)


# --------------------------------------------------------------------------- excluded pairs
def excluded_pairs(*, request_ids: Iterable[int] = (), offer_ids: Iterable[int] = ()) -> set[tuple[str, str]]:
    """(request id, offer id) as text of the rejected or declined pairs of these requests/offers."""
    base = select(Match.request_id, Match.offer_id).where(Match.status.in_((REJECTED, DECLINED)))
    out: set[tuple[str, str]] = set()
    for col, ids in ((Match.request_id, request_ids), (Match.offer_id, offer_ids)):
        for part in chunks(ids):
            out |= {(str(r), str(o)) for r, o in db.session.execute(base.where(col.in_(part)))}
    return out


def all_excluded_pairs() -> set[tuple[str, str]]:
    """(request id, offer id) as text of every rejected or declined pair."""
    q = select(Match.request_id, Match.offer_id).where(Match.status.in_((REJECTED, DECLINED)))
    return {(str(r), str(o)) for r, o in db.session.execute(q)}
