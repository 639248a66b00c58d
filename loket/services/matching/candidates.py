"""Open requests and offers straight from the database into engine records (Core selects, no ORM
objects), either all of them, some by id, or the candidates of a few owners: the rows within a
lat/lon bounding box of the owners' reach (``ix_location_lat_lon``) plus the rows that may happen
online anywhere, narrowed by activity, dates and capacity in SQL. Every filter here is one of the
engine's hard filters, so the candidates are a superset of the feasible pairs and the engine's
lists over them equal its lists over everything (``loket.matching.reach``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache

from sqlalchemy import String, and_, cast, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased

from loket.db import db
from loket.matching import MatchInputError, OfferRecord, RequestRecord, split_valid
from loket.matching.encode import Vocab, encode
from loket.models import Location, Match, Offer, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import CAPACITY_HOLDING_STATES, DECLINED, REJECTED
from loket.models.users import ACTIVE
from loket.services.matching.records import school_year_start

log = logging.getLogger(__name__)
KM_PER_DEGREE = 111.0  # a little less than the real 111.19: the box errs on the large side
BOX_SLACK_KM = 1.0
CHUNK = 900  # ids per IN (...) list


@dataclass
class Records:
    """Engine records of requests or offers, and the rows the engine would refuse (with why)."""

    records: list = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ids(self) -> set[int]:
        return {int(r.id) for r in self.records}


@cache
def vocab() -> Vocab:
    return Vocab.load()


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterable[list[int]]:
    items = sorted(set(ids))
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------- select building blocks
def _active_cond(model):
    """True when the organisation has an active user, or no users at all (nobody to reactivate)."""
    org = model.organisation_id
    return or_(
        ~exists().where(User.organisation_id == org),
        exists().where(User.organisation_id == org, User.status == ACTIVE),
    )


def _active(model):
    return _active_cond(model).label("active")


def _columns(model) -> list:
    common = [
        model.id,
        model.organisation_id,
        model.activity,
        model.topic,
        model.sectors,
        model.levels,
        model.earliest,
        model.latest,
        model.modes,
    ]
    if model is Request:
        return [*common, Request.pupils, Request.max_travel_km]
    return [*common, Offer.capacity, Offer.capacity_used, Offer.radius_km]


def _primary_location(model):
    """The organisation's first location (the place of a row without a location of its own)."""
    return (
        select(func.min(Location.id))
        .where(Location.organisation_id == model.organisation_id)
        .correlate(model)
        .scalar_subquery()
    )


def _open(model):
    if model is Request:
        return Request.status == REQ_OPEN
    return and_(Offer.status == OFF_OPEN, Offer.capacity_used < Offer.capacity)


def _select_any_place(model, *where):
    """Rows with their coordinates (own location, else the organisation's first; NULL when none)."""
    loc = aliased(Location)
    place = func.coalesce(model.location_id, _primary_location(model))
    return (
        select(*_columns(model), loc.lat, loc.lon, _active(model))
        .select_from(model)
        .outerjoin(loc, loc.id == place)
        .where(*where)
    )


def _select_in_box(model, box: tuple[float, float, float, float], near, *where):
    """Rows whose place lies in ``box`` (lat_lo, lat_hi, lon_lo, lon_hi) and satisfies ``near(loc)``:
    through their own location (index on location lat/lon, then on the row's location_id), or
    through the organisation's first location for rows without a location of their own."""
    lat_lo, lat_hi, lon_lo, lon_hi = box
    own = aliased(Location)
    first = aliased(Location)

    def in_box(loc):
        return and_(loc.lat.between(lat_lo, lat_hi), loc.lon.between(lon_lo, lon_hi), near(loc))

    with_own = (
        select(*_columns(model), own.lat, own.lon, _active(model))
        .select_from(model)
        .join(own, own.id == model.location_id)
        .where(in_box(own), *where)
    )
    without = (
        select(*_columns(model), first.lat, first.lon, _active(model))
        .select_from(model)
        .join(first, first.id == _primary_location(model))
        .where(model.location_id.is_(None), in_box(first), *where)
    )
    return union_all(with_own, without)


@dataclass(frozen=True)
class Circle:
    """An owner's reach for the candidate search: ``fixed_km`` around (lat, lon) and/or the
    candidate's own radius (``per_row``: the offer's radius_km, or the request's max_travel_km)."""

    lat: float
    lon: float
    fixed_km: float
    per_row: bool


def _near(circles: Sequence[Circle], per_row_col):
    """SQL: the location lies in the box of at least one circle (a superset of the exact circles)."""

    def cond(loc):
        alts = []
        for c in circles:
            lon_scale = KM_PER_DEGREE * math.cos(math.radians(min(89.0, abs(c.lat) + 2.0)))
            dlat, dlon = func.abs(loc.lat - c.lat), func.abs(loc.lon - c.lon)
            r = c.fixed_km + BOX_SLACK_KM
            alts.append(and_(dlat <= r / KM_PER_DEGREE, dlon <= r / lon_scale))
            if c.per_row:
                rr = per_row_col + BOX_SLACK_KM
                alts.append(and_(dlat <= rr / KM_PER_DEGREE, dlon <= rr / lon_scale))
        return or_(*alts)

    return cond


def _online(model):
    """The row may happen online (a cheap superset test on the JSON text; the engine checks exactly)."""
    return cast(model.modes, String).like('%"online"%')


def box_around(points: Sequence[tuple[float, float, float]]) -> tuple[float, float, float, float] | None:
    """The bounding box of the circles (lat, lon, radius km) (None when there are none)."""
    boxes = []
    for lat, lon, km in points:
        if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        r = km + BOX_SLACK_KM
        dlat = r / KM_PER_DEGREE
        top = min(89.0, abs(lat) + dlat)
        dlon = min(180.0, r / (KM_PER_DEGREE * math.cos(math.radians(top))))
        boxes.append((lat - dlat, lat + dlat, lon - dlon, lon + dlon))
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        max(b[1] for b in boxes),
        min(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# --------------------------------------------------------------------------- rows -> records
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


def _request_records(rows: Sequence, today: date) -> Records:
    acts = activities_this_year(today, {r.organisation_id for r in rows}) if rows else {}
    recs = [
        RequestRecord(
            id=str(r.id),
            lat=r.lat,
            lon=r.lon,
            activity=r.activity,
            sectors=list(r.sectors or []),
            topic=r.topic or "",
            levels=list(r.levels or []),
            pupils=r.pupils,
            earliest=r.earliest,
            latest=r.latest,
            modes=list(r.modes or []),
            max_travel_km=float(r.max_travel_km or 0.0),
            active=bool(r.active),
            activities_this_year=acts.get(r.organisation_id, 0),
        )
        for r in _unique(rows)
    ]
    return _valid(recs)


def _offer_records(rows: Sequence) -> Records:
    recs = [
        OfferRecord(
            id=str(r.id),
            lat=r.lat,
            lon=r.lon,
            activity=r.activity,
            sectors=list(r.sectors or []),
            topic=r.topic or "",
            levels=list(r.levels or []),
            capacity=r.capacity,
            capacity_left=max(0, r.capacity - r.capacity_used),
            earliest=r.earliest,
            latest=r.latest,
            modes=list(r.modes or []),
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
        encode(recs, vocab())  # the usual case: all valid, checked at once
        return Records(recs, [])
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
        return _request_records(db.session.execute(_select_any_place(Request, _open(Request))).all(), today)
    rows: list = []
    for part in chunks(ids):
        rows += db.session.execute(_select_any_place(Request, _open(Request), Request.id.in_(part))).all()
    return _request_records(rows, today)


def open_offers(ids: Iterable[int] | None = None) -> Records:
    """Open offers with places left (all, or those of ``ids``) as engine records."""
    if ids is None:
        return _offer_records(db.session.execute(_select_any_place(Offer, _open(Offer))).all())
    rows: list = []
    for part in chunks(ids):
        rows += db.session.execute(_select_any_place(Offer, _open(Offer), Offer.id.in_(part))).all()
    return _offer_records(rows)


def _activities_for(acts: Iterable[str], *, offers_for_requests: bool) -> list[str]:
    """Activities compatible with ``acts``: offer activities for request activities, or the reverse."""
    v = vocab()
    idx = [v.activities.index(a) for a in set(acts) if a in v.activities]
    kind = v.compat_kind
    n = len(v.activities)
    if offers_for_requests:
        return sorted({v.activities[b] for a in idx for b in range(n) if kind[a, b] > 0})
    return sorted({v.activities[a] for b in idx for a in range(n) if kind[a, b] > 0})


MAX_PRECISE = 200  # owners up to which the SQL tests each one's reach (beyond: one box around all)


def _found(model, circles: list[Circle], max_km: float, per_row_col, where: list, online: bool) -> list:
    parts = []
    box = box_around([(c.lat, c.lon, max(c.fixed_km, max_km if c.per_row else 0.0)) for c in circles])
    if box is not None:
        near = _near(circles, per_row_col) if len(circles) <= MAX_PRECISE else (lambda loc: and_(True))
        parts.append(_select_in_box(model, box, near, *where))
    if online:
        parts.append(_select_any_place(model, *where, _online(model)))
    rows: list = []
    for stmt in parts:
        rows += db.session.execute(stmt).all()
    return rows


def _placed(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon)


def offer_candidates(requests: Sequence[RequestRecord]) -> Records:
    """Open offers that may be feasible for any of ``requests``: compatible activity, overlapping
    dates, places left, and within reach (bounding box) or possibly online."""
    live = [r for r in requests if r.active]
    if not live:
        return Records()
    where = [
        _open(Offer),
        _active_cond(Offer),  # an organisation without an active user is never matched
        Offer.activity.in_(_activities_for([r.activity for r in live], offers_for_requests=True)),
        Offer.earliest <= max(r.latest for r in live),
        Offer.latest >= min(r.earliest for r in live),
    ]
    circles = [
        Circle(r.lat, r.lon, r.max_travel_km if "at_company" in r.modes else 0.0, "at_school" in r.modes)
        for r in live
        if ("at_school" in r.modes or "at_company" in r.modes) and _placed(r.lat, r.lon)
    ]
    max_radius = 0.0
    if any(c.per_row for c in circles):
        max_radius = float(db.session.scalar(select(func.max(Offer.radius_km)).where(_open(Offer))) or 0.0)
    online = any("online" in r.modes for r in live)
    return _offer_records(_found(Offer, circles, max_radius, Offer.radius_km, where, online))


def request_candidates(offers: Sequence[OfferRecord], today: date | None = None) -> Records:
    """Open requests that may be feasible for any of ``offers`` (the mirror of offer_candidates)."""
    live = [o for o in offers if o.active and o.capacity_left > 0]
    if not live:
        return Records()
    where = [
        _open(Request),
        _active_cond(Request),
        Request.activity.in_(_activities_for([o.activity for o in live], offers_for_requests=False)),
        Request.earliest <= max(o.latest for o in live),
        Request.latest >= min(o.earliest for o in live),
    ]
    circles = [
        Circle(o.lat, o.lon, o.radius_km if "at_school" in o.modes else 0.0, "at_company" in o.modes)
        for o in live
        if ("at_school" in o.modes or "at_company" in o.modes) and _placed(o.lat, o.lon)
    ]
    max_travel = 0.0
    if any(c.per_row for c in circles):
        max_travel = float(
            db.session.scalar(select(func.max(Request.max_travel_km)).where(_open(Request))) or 0.0
        )
    online = any("online" in o.modes for o in live)
    rows = _found(Request, circles, max_travel, Request.max_travel_km, where, online)
    return _request_records(rows, today or date.today())


def excluded_pairs(*, request_ids: Iterable[int] = (), offer_ids: Iterable[int] = ()) -> set[tuple[str, str]]:
    """(request id, offer id) as text of the rejected or declined pairs of these requests/offers."""
    base = select(Match.request_id, Match.offer_id).where(Match.status.in_((REJECTED, DECLINED)))
    out: set[tuple[str, str]] = set()
    for col, ids in ((Match.request_id, request_ids), (Match.offer_id, offer_ids)):
        for part in chunks(ids):
            out |= {(str(r), str(o)) for r, o in db.session.execute(base.where(col.in_(part)))}
    return out


def all_excluded_pairs() -> set[tuple[str, str]]:
    q = select(Match.request_id, Match.offer_id).where(Match.status.in_((REJECTED, DECLINED)))
    return {(str(r), str(o)) for r, o in db.session.execute(q)}
