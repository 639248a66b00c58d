"""The catalogue part of bench_pages.py: its users, its pages and its naive baselines."""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import String, cast, or_, select

from loket.db import db
from loket.geo import haversine_km
from loket.models import Offer, Organisation, User
from loket.services.catalogue.query import FIT_WEIGHTS, level_codes, sector_codes

# (role, url): every list and search page of the catalogue, its mirror and the own lists
CATALOGUE_PAGES = [
    ("school", "/school/aanbod"),
    ("school", "/school/aanbod?page=5"),
    ("school", "/school/aanbod?q=zonnepanelen"),
    ("school", "/school/aanbod?q=robots+fabriek&sorteer=distance"),
    ("school", "/school/aanbod?activiteit=gastles&niveau=havo&km=25"),
    ("school", "/school/aanbod?sector=energie&online=1&sorteer=distance"),
    ("school", "/school/aanbod?q=warmtepomp&sector=energie&niveau=havo-4&km=50&sorteer=distance"),
    ("school", "/school/aanvragen"),
    ("school", "/school/"),
    ("company", "/bedrijf/aanvragen-zoeken"),
    ("company", "/bedrijf/aanvragen-zoeken?q=programmeren&km=100"),
    ("company", "/bedrijf/aanvragen-zoeken?niveau=vmbo&sorteer=distance&km=50"),
    ("company", "/bedrijf/aanbod"),
    ("company", "/bedrijf/"),
]


def catalogue_users(school_org_id: int, company_org_id: int) -> dict[str, str]:
    """A verified user of the first school and of the first company; their login ids."""
    from datetime import UTC, datetime

    out = {}
    for role, org_id in (("school", school_org_id), ("company", company_org_id)):
        user = User(
            email=f"bench-{role}@example.test",
            role=role,
            name=role,
            status="active",
            organisation_id=org_id,
            email_verified_at=datetime.now(UTC),
        )
        db.session.add(user)
        db.session.flush()
        out[role] = user.get_id()
    db.session.commit()
    return out


def naive_catalogue(school_org_id: int, query: str = "", per_page: int = 25) -> int:
    """Baseline: every open offer through the ORM, filtered, scored and sorted in Python."""
    school = db.session.get(Organisation, school_org_id)
    origin = school.primary_location
    levels, sectors = level_codes(school.levels), sector_codes(school.sectors)
    words = query.lower().split()
    today = date.today()
    hits = []
    for offer in db.session.scalars(select(Offer).where(Offer.status == "open")):
        if offer.capacity_used >= offer.capacity or offer.latest < today:
            continue
        text = f"{offer.activity} {offer.topic} {offer.description}".lower()
        if words and not all(w in text for w in words):
            continue
        loc = offer.location  # lazy: one query per offer
        km = haversine_km(origin.lat, origin.lon, loc.lat, loc.lon) if loc else math.inf
        fit = FIT_WEIGHTS["levels"] * bool(levels & set(offer.levels))
        fit += FIT_WEIGHTS["sectors"] * bool(sectors & set(offer.sectors))
        fit += FIT_WEIGHTS["distance"] * max(0.0, 1 - km / 50)
        hits.append((-fit, km, offer))
    hits.sort(key=lambda h: (h[0], h[1]))
    return sum(len(o.organisation.name) for _, _, o in hits[:per_page])


def like_search(query: str, per_page: int = 25) -> int:
    """Baseline: the search as LIKE '%word%' on topic and description (no index can help)."""
    stmt = select(Offer.id).where(Offer.status == "open", Offer.capacity_used < Offer.capacity)
    for word in query.lower().split():
        pattern = f"%{word}%"
        stmt = stmt.where(
            or_(cast(Offer.topic, String).ilike(pattern), cast(Offer.description, String).ilike(pattern))
        )
    return len(db.session.scalars(stmt.order_by(Offer.id.desc()).limit(per_page)).all())


def catalogue_baselines(time_fn, app, school_org_id: int, runs: int) -> dict:
    return {
        "school catalogue, naive (all open offers through the ORM, Python filter and sort)": time_fn(
            app, lambda: naive_catalogue(school_org_id), max(2, runs // 10)
        ),
        "school catalogue ?q=zonnepanelen, naive (Python text search over all offers)": time_fn(
            app, lambda: naive_catalogue(school_org_id, "zonnepanelen"), max(2, runs // 10)
        ),
        "search ?q=robots fabriek, LIKE without the index": time_fn(
            app, lambda: like_search("robots fabriek"), max(3, runs // 4)
        ),
    }
