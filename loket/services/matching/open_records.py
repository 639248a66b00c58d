"""Open requests and offers straight from the database into engine records (Core selects, no ORM
objects): all of them or some by id, each at its own location or else its organisation's first, with
whether the organisation is active and each school's activities this school year; rows the engine
would refuse are skipped with the reason. Also the rejected or declined pairs the engine leaves out.
The candidate search around a few owners (``candidates``) builds on these selects.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache

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
    """The columns of a request or offer that its engine record needs, in the order that
    :func:`request_records` and :func:`offer_records` unpack; the JSON lists as text (a few distinct
    values over tens of thousands of rows, parsed once each)."""
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


def select_any_place(model, *where, extra: Sequence = ()):
    """Rows with their coordinates (own location, else the organisation's first; NULL when none);
    the ``extra`` columns come after ``active``, where :func:`request_records` and
    :func:`offer_records` leave them alone."""
    loc = aliased(Location)
    place = func.coalesce(model.location_id, primary_location(model))
    return (
        select(*record_columns(model), loc.lat, loc.lon, active_column(model), *extra)
        .select_from(model)
        .outerjoin(loc, loc.id == place)
        .where(*where)
    )


# --------------------------------------------------------------------------- rows -> records
def _code_lists() -> Callable[[str | list | None], list[str]]:
    """The JSON lists of codes of one batch of rows (selected as text, or already lists) as lists: a
    plain dict remembers each distinct text's parse (tens of thousands of rows carry a few hundred
    distinct lists); every record still gets a list of its own."""
    parsed: dict[str, tuple[str, ...]] = {}

    def parse(text: str | list | None) -> list[str]:
        if not isinstance(text, str):
            return list(text or ())
        found = parsed.get(text)
        if found is None:
            found = parsed[text] = tuple(json.loads(text) or ())
        return list(found)

    return parse


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
    """Selected request rows (one per id) as engine records; invalid ones skipped. The rows start with
    :func:`record_columns` (in its order), lat, lon and active; what follows is left alone."""
    acts = activities_this_year(today, {r.organisation_id for r in rows}) if rows else {}
    parse = _code_lists()
    recs = [  # unpacked by position: at 10,000 rows, named access and keywords cost a tenth of a second
        RequestRecord(
            str(id_),
            lat,
            lon,
            activity,
            parse(sectors),
            topic or "",
            parse(levels),
            pupils,
            earliest,
            latest,
            parse(modes),
            float(travel or 0.0),
            bool(active),
            acts.get(org, 0),
        )
        for (
            id_,
            org,
            activity,
            topic,
            sectors,
            levels,
            earliest,
            latest,
            modes,
            pupils,
            travel,
            lat,
            lon,
            active,
            *_,
        ) in _unique(rows)
    ]
    return _valid(recs)


def offer_records(rows: Sequence) -> Records:
    """Selected offer rows (one per id) as engine records; invalid ones skipped. The rows start with
    :func:`record_columns` (in its order), lat, lon and active; what follows is left alone."""
    parse = _code_lists()
    recs = [
        OfferRecord(
            str(id_),
            lat,
            lon,
            activity,
            parse(sectors),
            topic or "",
            parse(levels),
            capacity,
            max(0, capacity - used),
            earliest,
            latest,
            parse(modes),
            float(radius or 0.0),
            bool(active),
        )
        for (
            id_,
            _org,
            activity,
            topic,
            sectors,
            levels,
            earliest,
            latest,
            modes,
            capacity,
            used,
            radius,
            lat,
            lon,
            active,
            *_,
        ) in _unique(rows)
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
