"""Pair-by-pair reference implementation (slow on purpose).

The benchmark's naive baseline (a Python loop over every pair with geopy's geodesic distance) and an
independent test oracle: it uses the taxonomy functions directly, no bit masks, no arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from geopy.distance import geodesic

from loket import taxonomy
from loket.matching.types import MatchConfig, OfferRecord, RequestRecord

DistanceFn = Callable[[float, float, float, float], float]


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic (WGS-84) distance in km with geopy."""
    return float(geodesic((lat1, lon1), (lat2, lon2)).km)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Scalar haversine in km (same sphere as the engine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def allowed_modes(req: RequestRecord, off: OfferRecord) -> set[str]:
    """Modes both accept, restricted by the activity compatibility table ('requires_mode')."""
    shared = set(req.modes) & set(off.modes)
    if req.activity == off.activity:
        return shared
    for entry in taxonomy.activity_compatibility().get(req.activity, []):
        if entry["offer"] == off.activity:
            need = entry.get("requires_mode")
            return shared & {need} if need else shared
    return set()


def feasible_modes(
    req: RequestRecord, off: OfferRecord, dist: DistanceFn = haversine_km, known_km: float | None = None
) -> set[str]:
    """Modes in which the pair passes every hard filter except 'excluded' (empty set = infeasible)."""
    if not (req.active and off.active) or off.capacity_left <= 0:
        return set()
    if not taxonomy.levels_overlap(req.levels, off.levels):
        return set()
    if max(req.earliest, off.earliest) > min(req.latest, off.latest):
        return set()
    modes = allowed_modes(req, off)
    out = set()
    if "online" in modes:
        out.add("online")
    if modes & {"at_school", "at_company"}:
        d = known_km if known_km is not None else dist(req.lat, req.lon, off.lat, off.lon)  # type: ignore[arg-type]
        if "at_school" in modes and d <= off.radius_km:
            out.add("at_school")
        if "at_company" in modes and d <= req.max_travel_km:
            out.add("at_company")
    return out


def naive_score(
    req: RequestRecord, off: OfferRecord, d: float | None, mode: str, config: MatchConfig
) -> float:
    """Score of one pair, feature by feature, without topic similarity (the benchmark only times it)."""
    w = config.weights
    phys = math.exp(-(d or 0.0) / config.distance_scale_km)
    f_dist = config.online_distance_fit if mode == "online" else phys
    if set(req.sectors) & set(off.sectors):
        f_sec = 1.0
    elif any(taxonomy.sectors_related(a, b) for a in req.sectors for b in off.sectors):
        f_sec = config.related_sector_fit
    else:
        f_sec = 0.0
    f_act = 1.0 if req.activity == off.activity else config.compatible_activity_fit
    covered = sum(1 for a in req.levels if any(taxonomy.level_matches(a, b) for b in off.levels))
    f_lvl = covered / len(req.levels)
    overlap = (min(req.latest, off.latest) - max(req.earliest, off.earliest)).days + 1
    f_date = min(1.0, overlap / ((req.latest - req.earliest).days + 1))
    unused = off.capacity_left / off.capacity if off.capacity else 0.0
    s = config.equity_school_share
    f_eq = s / (1 + req.activities_this_year) + (1 - s) * min(1.0, unused)
    return (
        w["distance"] * f_dist
        + w["sector"] * f_sec
        + w["activity"] * f_act
        + w["level"] * f_lvl
        + w["date"] * f_date
        + w["equity"] * f_eq
    )


def naive_top(
    req: RequestRecord,
    offers: list[OfferRecord],
    top_k: int = 10,
    config: MatchConfig | None = None,
    dist: DistanceFn = geodesic_km,
) -> list[tuple[float, str]]:
    """The naive way: loop over every offer, compute distance and filters and score pair by pair."""
    config = config or MatchConfig()
    scored: list[tuple[float, str]] = []
    for off in offers:
        has_coords = req.lat is not None and off.lat is not None
        d = dist(req.lat, req.lon, off.lat, off.lon) if has_coords else None  # type: ignore[arg-type]
        modes = feasible_modes(req, off, dist, d)
        if not modes:
            continue
        mode = "at_school" if "at_school" in modes else "at_company" if "at_company" in modes else "online"
        scored.append((naive_score(req, off, d, mode, config), off.id))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return scored[:top_k]
