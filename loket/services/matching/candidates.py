"""The candidates of a few owners: the open rows within a lat/lon bounding box of the owners' reach
(``ix_location_lat_lon``) plus the rows that may happen online anywhere, narrowed by activity, dates
and capacity in SQL. Every filter here is one of the engine's hard filters, so the candidates are a
superset of the feasible pairs and the engine's lists over them equal its lists over everything
(``loket.matching.reach``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, and_, cast, func, or_, select, union_all
from sqlalchemy.orm import aliased

from loket.db import db
from loket.matching import OfferRecord, RequestRecord
from loket.models import Location, Offer, Request
from loket.services.matching.open_records import (
    Records,
    active_column,
    active_cond,
    is_open,
    offer_records,
    primary_location,
    record_columns,
    request_records,
    select_any_place,
    vocab,
)

KM_PER_DEGREE = 111.0  # a little less than the real 111.19: the box errs on the large side
BOX_SLACK_KM = 1.0


# --------------------------------------------------------------------------- the bounding box
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
        select(*record_columns(model), own.lat, own.lon, active_column(model))
        .select_from(model)
        .join(own, own.id == model.location_id)
        .where(in_box(own), *where)
    )
    without = (
        select(*record_columns(model), first.lat, first.lon, active_column(model))
        .select_from(model)
        .join(first, first.id == primary_location(model))
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


def online_cond(model):
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


# --------------------------------------------------------------------------- candidates
def activities_for(acts: Iterable[str], *, offers_for_requests: bool) -> list[str]:
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
        parts.append(select_any_place(model, *where, online_cond(model)))
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
        is_open(Offer),
        active_cond(Offer),  # an organisation without an active user is never matched
        Offer.activity.in_(activities_for([r.activity for r in live], offers_for_requests=True)),
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
        max_radius = float(db.session.scalar(select(func.max(Offer.radius_km)).where(is_open(Offer))) or 0.0)
    online = any("online" in r.modes for r in live)
    return offer_records(_found(Offer, circles, max_radius, Offer.radius_km, where, online))


def request_candidates(offers: Sequence[OfferRecord], today: date | None = None) -> Records:
    """Open requests that may be feasible for any of ``offers`` (the mirror of offer_candidates)."""
    live = [o for o in offers if o.active and o.capacity_left > 0]
    if not live:
        return Records()
    where = [
        is_open(Request),
        active_cond(Request),
        Request.activity.in_(activities_for([o.activity for o in live], offers_for_requests=False)),
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
            db.session.scalar(select(func.max(Request.max_travel_km)).where(is_open(Request))) or 0.0
        )
    online = any("online" in o.modes for o in live)
    rows = _found(Request, circles, max_travel, Request.max_travel_km, where, online)
    return request_records(rows, today or date.today())
