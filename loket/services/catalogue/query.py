"""The catalogue query both sides share: filters, distance, a simple fit, full text, one page.

Everything happens in SQL, so a page costs two statements (count and rows) plus its eager loads,
whatever the number of rows:

- filters: activity, sector (with its related sectors), level (with its coarse parent and its
  refinements), online, a date inside the row's period, and a distance from the viewer's chosen
  location (a lat/lon box on ``ix_location_lat_lon``, then the flat-earth distance, exact enough
  within the Netherlands);
- full text: ``loket.services.catalogue.search.text_hits`` (FTS5 / PostgreSQL ``tsvector``);
- sort by fit (``FIT_WEIGHTS``: the viewer's levels, sectors and the distance) or by distance.

The page's distances are then computed exactly (haversine) in Python for the rows shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import joinedload

from loket import taxonomy
from loket.db import db
from loket.geo import haversine_km
from loket.models import Location
from loket.services.catalogue import search

KM_PER_DEGREE = 111.2
FIT_WEIGHTS = {"levels": 0.45, "sectors": 0.25, "distance": 0.30}
FIT_RADIUS_KM = 50.0  # the distance part of the fit is 0 from here on
SORTS = ("fit", "distance")
DISTANCES = (5, 10, 25, 50, 100)  # the choices offered for "within ... km"


@dataclass
class Filters:
    """What the viewer asked for (already checked by the form; unknown codes are ignored)."""

    q: str = ""
    activity: str | None = None
    sector: str | None = None
    level: str | None = None
    online: bool = False
    on_date: date | None = None
    km: float | None = None
    location_id: int | None = None
    sort: str = "fit"
    page: int = 1


@dataclass
class Hit:
    """One row of a catalogue page."""

    obj: Any  # Offer or Request, with organisation and location loaded
    fit: float
    distance_km: float | None
    relevance: float | None


@dataclass
class Page:
    """One page of hits, shaped like a Flask-SQLAlchemy pagination for the pager macro."""

    items: list[Hit]
    page: int
    per_page: int
    total: int
    origin: Location | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# --------------------------------------------------------------------------- taxonomy -> codes
def level_codes(levels: list[str]) -> set[str]:
    """The codes a row may carry to suit ``levels``: each level, its coarse parent, its refinements."""
    voc = taxonomy.levels()
    out: set[str] = set()
    for code in levels:
        if code not in voc.codes:
            continue
        out.add(code)
        parent = voc.get(code).parent
        if parent:
            out.add(parent)
        out.update(t.code for t in voc.terms if t.parent == code)
    return out


def sector_codes(sectors: list[str]) -> set[str]:
    """Each sector and the sectors related to it (both directions)."""
    voc = taxonomy.sectors()
    out: set[str] = set()
    for code in sectors:
        if code not in voc.codes:
            continue
        out.add(code)
        out.update(voc.get(code).related)
        out.update(t.code for t in voc.terms if code in t.related)
    return out


def has_any(json_col, codes: set[str]):
    """The JSON list column holds one of ``codes`` (on its text: the same on both databases; on
    PostgreSQL ``LIKE`` alternatives measured faster than one regular expression)."""
    as_text = cast(json_col, String)
    return or_(*(as_text.contains(f'"{c}"', autoescape=True) for c in sorted(codes)))


# --------------------------------------------------------------------------- distance
def km_squared(lat0: float, lon0: float):
    """Flat-earth squared distance in km² from (lat0, lon0) to ``Location`` (SQL, no functions)."""
    lon_km = KM_PER_DEGREE * math.cos(math.radians(lat0))
    dy = (Location.lat - lat0) * KM_PER_DEGREE
    dx = (Location.lon - lon0) * lon_km
    return dy * dy + dx * dx


def within(lat0: float, lon0: float, km: float):
    """``Location`` lies within ``km`` of (lat0, lon0): an indexed box, then the distance."""
    dlat = km / KM_PER_DEGREE
    dlon = km / (KM_PER_DEGREE * max(0.1, math.cos(math.radians(min(89.0, abs(lat0) + dlat)))))
    box = and_(Location.lat.between(lat0 - dlat, lat0 + dlat), Location.lon.between(lon0 - dlon, lon0 + dlon))
    return and_(box, km_squared(lat0, lon0) <= km * km)


# --------------------------------------------------------------------------- the query
def browse(
    model,
    open_condition,
    filters: Filters,
    *,
    origin: Location | None,
    fit_levels: list[str],
    fit_sectors: list[str],
    per_page: int,
    today: date,
) -> Page:
    """One page of open ``model`` rows under ``filters``, sorted by fit or distance."""
    conds = [open_condition, model.latest >= today]
    if filters.activity:
        conds.append(model.activity == filters.activity)
    if filters.sector and (codes := sector_codes([filters.sector])):
        conds.append(has_any(model.sectors, codes))
    if filters.level and (codes := level_codes([filters.level])):
        conds.append(has_any(model.levels, codes))
    online = has_any(model.modes, {"online"})
    if filters.online:
        conds.append(online)
    if filters.on_date:
        conds.append(and_(model.earliest <= filters.on_date, model.latest >= filters.on_date))
    if origin is not None and filters.km and not filters.online:
        conds.append(within(origin.lat, origin.lon, float(filters.km)))

    hits = search.text_hits(model, filters.q)
    d2 = km_squared(origin.lat, origin.lon) if origin is not None else literal(None)
    fit = _fit(model, d2 if origin is not None else None, fit_levels, fit_sectors)
    relevance = hits.c.relevance if hits is not None else literal(0.0)

    base = select(model).outerjoin(Location, Location.id == model.location_id).where(*conds)
    if hits is not None:
        base = base.join(hits, hits.c.id == model.id)
    total = db.session.scalar(select(func.count()).select_from(base.with_only_columns(model.id).subquery()))

    no_place = case((Location.id.is_(None), 1), else_=0)
    if filters.sort == "distance" and origin is not None:
        order = [no_place, d2.asc(), fit.desc(), model.id.desc()]
    else:
        order = [
            fit.desc(),
            relevance.desc(),
            no_place,
            d2.asc() if origin is not None else literal(0),
            model.id.desc(),
        ]
    page = max(1, filters.page)
    # first the page's ids with their sort keys (narrow rows: the sort stays in memory), then the rows
    ranked = (
        base.with_only_columns(model.id, fit.label("fit"), relevance.label("relevance"))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    keys = {row.id: (row.fit, row.relevance) for row in db.session.execute(ranked)}
    rows = {}
    if keys:
        load = (
            select(model)
            .where(model.id.in_(list(keys)))
            .options(joinedload(model.location), joinedload(model.organisation))
        )
        rows = {obj.id: obj for obj in db.session.scalars(load).unique()}
    items = []
    for obj_id, (fit_value, rel) in keys.items():
        obj = rows[obj_id]
        loc = obj.location
        dist = None
        if origin is not None and loc is not None:
            dist = float(haversine_km(origin.lat, origin.lon, loc.lat, loc.lon))
        items.append(
            Hit(
                obj=obj,
                fit=float(fit_value or 0.0),
                distance_km=dist,
                relevance=rel if hits is not None else None,
            )
        )
    return Page(items=items, page=page, per_page=per_page, total=int(total or 0), origin=origin)


def _fit(model, d2, levels: list[str], sectors: list[str]):
    """The fit between 0 and 1: the viewer's levels, sectors, and nearness (``FIT_WEIGHTS``)."""
    parts = []
    if codes := level_codes(levels):
        parts.append(case((has_any(model.levels, codes), FIT_WEIGHTS["levels"]), else_=0.0))
    if codes := sector_codes(sectors):
        parts.append(case((has_any(model.sectors, codes), FIT_WEIGHTS["sectors"]), else_=0.0))
    if d2 is not None:
        r2 = FIT_RADIUS_KM * FIT_RADIUS_KM
        near = case((d2 < r2, FIT_WEIGHTS["distance"] * (1.0 - d2 / r2)), else_=0.0)
        parts.append(case((Location.id.is_(None), 0.0), else_=near))
    if not parts:
        return literal(0.0)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total
