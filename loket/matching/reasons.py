"""Reasons as data: why a pair is suggested (its strongest points and its weakest point) and why a
pair is not (the hard filter and by how much it misses).

A reason is ``{"code": ..., "params": {...}}`` with codes, numbers and short texts as parameters;
the weakest point carries ``"weak": True``. Nothing here is text for people: ``loket.reason_text``
renders a reason in the reader's language at display time.
"""

from __future__ import annotations

from dataclasses import dataclass

from loket.matching.encode import AT_COMPANY, AT_SCHOOL, PHYSICAL, Vocab, bits
from loket.matching.types import MatchConfig, Reason

#: how many strongest reasons a suggestion lists (the weakest point comes on top of these)
STRONGEST = 3


def _r(code: str, **params: object) -> Reason:
    return {"code": code, "params": params}


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass
class Pair:
    """What the reasons of one feasible pair are made of (plain values, read from the engine's tables)."""

    fits: dict[str, float]
    mode: str
    distance_km: float | None
    req_sect: int
    req_rel: int
    off_sect: int
    req_lvl: int
    off_lvl_x: int
    kind: int
    offer_activity: int
    topic_known: bool
    offer_topic: str
    acts_year: int
    req_modes: int
    off_modes: int
    travel_km: float
    radius_km: float


def _km(d: float | None) -> float | None:
    return None if d is None else round(d, 1)


def reasons(vocab: Vocab, config: MatchConfig, p: Pair) -> list[Reason]:
    """The strongest reasons of a pair (at most STRONGEST, by their share of the score), then its
    weakest point (``weak``: the feature that costs the most score) when it costs enough."""
    w = config.weights
    strong: list[tuple[float, Reason]] = []
    f = p.fits
    if p.mode == "online":
        strong.append((w["distance"] * f["distance"], _r("online")))
    elif p.distance_km is not None:
        strong.append((w["distance"] * f["distance"], _distance(p)))
    shared = bits(p.req_sect & p.off_sect)
    related = bits(p.req_rel & p.off_sect)
    if shared:
        strong.append((w["sector"], _r("same_sector", sectors=[vocab.sectors[j] for j in shared[:2]])))
    elif related:
        codes = [vocab.sectors[j] for j in related[:2]]
        strong.append((w["sector"] * f["sector"], _r("related_sector", sectors=codes)))
    if p.topic_known and f["topic"] >= config.topic_reason_threshold and p.offer_topic.strip():
        strong.append((w["topic"] * f["topic"], _r("topic", topic=_short(p.offer_topic))))
    covered = [vocab.levels[j] for j in bits(p.req_lvl & p.off_lvl_x)]
    if covered:
        strong.append((w["level"] * f["level"], _r("levels", levels=covered[:3])))
    if p.kind == 2:
        act = vocab.activities[p.offer_activity]
        strong.append((w["activity"] * f["activity"], _r("related_activity", activity=act)))
    if p.acts_year == 0:
        strong.append((w["equity"] * config.equity_school_share, _r("first_activity")))
    strong.sort(key=lambda t: -t[0])  # stable: equal shares keep the order above
    out = [r for share, r in strong[:STRONGEST] if share > 0]
    weak = weakest(vocab, config, p)
    beyond = p.mode == "at_school" and p.distance_km is not None and p.distance_km > p.travel_km
    if beyond and all(r["code"] != "comes_to_school" for r in [*out, *([weak] if weak else [])]):
        out.append(_distance(p))  # always say why an offer beyond the school's travel limit is in reach
    if weak is not None:
        same = _FEATURE_CODES[weak.pop("feature")]
        out = [r for r in out if r["code"] not in same and r["code"] != weak["code"]] + [weak]
    return out


def _distance(p: Pair) -> Reason:
    """The distance, and when the company comes beyond the school's own travel limit, that it does."""
    if p.mode == "at_school" and p.distance_km is not None and p.distance_km > p.travel_km:
        return _r("comes_to_school", km=_km(p.distance_km), radius_km=_km(p.radius_km))
    return _r("distance", km=_km(p.distance_km))


#: the features a weakest point can be about (equity is about fairness, not about the pair's fit)
WEAK_FEATURES: tuple[str, ...] = ("topic", "sector", "distance", "activity", "level", "date")
#: a feature whose fit is at least this is not a weak point
WEAK_FIT_BELOW = 0.75
#: the strong reason codes that say the same as a weak point about the same feature
_FEATURE_CODES = {
    "distance": ("distance", "online"),
    "sector": ("same_sector", "related_sector"),
    "topic": ("topic",),
    "activity": ("related_activity",),
    "level": ("levels",),
    "date": (),
}


def weakest(vocab: Vocab, config: MatchConfig, p: Pair) -> Reason | None:
    """The weakest point of a pair (``weak``): of the features whose fit is below WEAK_FIT_BELOW and
    whose weighted loss is worth naming, the one with the lowest fit (the heavier on a tie); or None."""
    w = config.weights
    names = [n for n in WEAK_FEATURES if p.topic_known or n != "topic"]  # no topic asked: not a weakness
    if p.mode == "online" and not p.req_modes & PHYSICAL:
        names.remove("distance")  # the school asked for online only
    weak = [
        n
        for n in names
        if p.fits[n] < WEAK_FIT_BELOW and w[n] * (1.0 - p.fits[n]) >= config.weak_point_min_loss
    ]
    if not weak:
        return None
    name = min(weak, key=lambda n: (p.fits[n], -w[n]))
    reason: Reason
    if name == "distance":
        if p.mode == "online":
            physical = (p.req_modes & PHYSICAL) != 0
            reason = _r("online_only" if physical and not p.off_modes & PHYSICAL else "online_not_visit")
        elif p.distance_km is None:
            return None
        elif p.mode == "at_school" and p.distance_km is not None and p.distance_km > p.travel_km:
            reason = _distance(p)
        else:
            reason = _r("far", km=_km(p.distance_km))
    elif name == "sector":
        related = p.req_rel & p.off_sect
        reason = _r("related_sector_only") if related and p.fits["sector"] > 0 else _r("other_sector")
    elif name == "topic":
        reason = _r("other_topic") if p.fits["topic"] <= 0 else _r("topic_partly")
    elif name == "activity":
        reason = _r("other_activity", activity=vocab.activities[p.offer_activity])
    elif name == "level":
        reason = _r("levels_partly")
    else:
        reason = _r("dates_partly")
    reason["weak"] = True
    reason["feature"] = name  # taken off again by reasons()
    return reason


def failures(
    ok: dict[str, bool],
    *,
    distance_km: float,
    shared: int,
    radius_km: float,
    travel_km: float,
    date_gap_days: int = 0,
    request_activity: str = "",
    offer_activity: str = "",
) -> list[Reason]:
    """One reason per failed hard filter, in a fixed order, naming the filter and the margin."""
    out: list[Reason] = []
    if not ok["active"]:
        out.append(_r("inactive"))
    if not ok["activity"]:
        out.append(_r("activity_mismatch", request=request_activity, offer=offer_activity))
    if not ok["mode"]:
        out.append(_r("no_shared_mode"))
    if not ok["distance"]:
        limits = []
        if shared & AT_SCHOOL:
            limits.append(radius_km)
        if shared & AT_COMPANY:
            limits.append(travel_km)
        limit = max(limits)
        out.append(_r("too_far", km=_km(distance_km), limit_km=_km(limit), over_km=_km(distance_km - limit)))
    if not ok["level"]:
        out.append(_r("level_mismatch"))
    if not ok["date"]:
        out.append(_r("no_date_overlap", days=int(date_gap_days)))
    if not ok["capacity"]:
        out.append(_r("no_capacity"))
    if not ok.get("excluded", True):
        out.append(_r("declined_before"))
    return out
