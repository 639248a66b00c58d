"""Hard filters and feature fits, vectorised over many (request, offer) pairs at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from loket.matching.encode import AT_COMPANY, AT_SCHOOL, ONLINE, Table, Vocab
from loket.matching.types import FEATURES, SCORE_QUANTUM, MatchConfig

# filter names, in the order explain() reports them
FILTERS: tuple[str, ...] = ("active", "activity", "mode", "distance", "level", "date", "capacity")

MODE_CODES: tuple[str, ...] = ("at_school", "at_company", "online")


@dataclass
class Checks:
    """Per-pair outcome of the hard filters (``excluded`` is checked by the caller)."""

    ok: dict[str, NDArray[np.bool_]]
    kind: NDArray[np.int8]
    school_ok: NDArray[np.bool_]
    company_ok: NDArray[np.bool_]
    online_ok: NDArray[np.bool_]
    shared: NDArray[np.uint8]

    def subset(self, idx: NDArray[np.intp]) -> Checks:
        """The pairs ``idx`` only (1-D checks)."""
        return Checks(
            ok={k: v[idx] for k, v in self.ok.items()},
            kind=self.kind[idx],
            school_ok=self.school_ok[idx],
            company_ok=self.company_ok[idx],
            online_ok=self.online_ok[idx],
            shared=self.shared[idx],
        )

    @property
    def feasible(self) -> NDArray[np.bool_]:
        out = self.ok["active"].copy()
        for name in FILTERS[1:]:
            out &= self.ok[name]
        return out


def check(rq: Table, of: Table, dist_km: NDArray[np.float64], vocab: Vocab) -> Checks:
    """Evaluate every hard filter for the pairs formed by broadcasting ``rq`` against ``of``."""
    kind = vocab.compat_kind[rq.act, of.act]
    shared = rq.modes & of.modes & vocab.compat_modes[rq.act, of.act]
    with np.errstate(invalid="ignore"):
        school_ok = ((shared & AT_SCHOOL) != 0) & (dist_km <= of.reach)
        company_ok = ((shared & AT_COMPANY) != 0) & (dist_km <= rq.reach)
    online_ok = (shared & ONLINE) != 0
    ok = {
        "active": rq.active & of.active,
        "activity": kind > 0,
        # an incompatible activity empties `shared`; report "no shared mode" only when that is true anyway
        "mode": (shared != 0) | ((kind == 0) & ((rq.modes & of.modes) != 0)),
        "distance": school_ok | company_ok | online_ok | (shared == 0),  # no shared mode is its own failure
        "level": (rq.lvl & of.lvl_x) != 0,
        "date": np.maximum(rq.start, of.start) <= np.minimum(rq.end, of.end),
        "capacity": of.cap_left > 0,
    }
    shape = np.broadcast(*ok.values()).shape
    ok = {k: _b(v, shape) for k, v in ok.items()}
    b = _b
    return Checks(
        ok=ok,
        kind=b(kind, shape),
        school_ok=b(school_ok, shape),
        company_ok=b(company_ok, shape),
        online_ok=b(online_ok, shape),
        shared=b(shared, shape),
    )


@dataclass
class Fits:
    """Feature fits in [0, 1] of feasible pairs, the chosen mode per pair and the score."""

    fits: dict[str, NDArray[np.float64]]
    mode: NDArray[np.int8]  # index into MODE_CODES
    score: NDArray[np.float64]

    def contributions(self, i: int, config: MatchConfig) -> dict[str, float]:
        """Per-feature share of the score of pair ``i`` (weights normalised, so they sum to the score)."""
        w = config.weights
        return {name: float(w[name] * self.fits[name][i]) for name in FEATURES}


def fits(
    rq: Table,
    of: Table,
    dist_km: NDArray[np.float64],
    topic_sim: NDArray[np.float64],
    checks: Checks,
    config: MatchConfig,
    topic_known: NDArray[np.bool_] | bool = True,
) -> Fits:
    """Feature fits and score of (feasible) pairs; arrays broadcast like in :func:`check`.

    The topic fit rises linearly from 0 at ``topic_floor`` similarity to 1 at ``topic_full``. Where the
    request names no topic (``topic_known`` false) it is the sector fit instead, so that requests
    without a topic are not scored lower across the board. The score is rounded to SCORE_QUANTUM.
    """
    with np.errstate(invalid="ignore"):
        phys_fit = np.exp(-np.nan_to_num(dist_km, nan=np.inf) / config.distance_scale_km)
    physical = checks.school_ok | checks.company_ok
    use_phys = physical & ((phys_fit >= config.online_distance_fit) | ~checks.online_ok)
    f_dist = np.where(use_phys, phys_fit, config.online_distance_fit)
    mode = np.where(use_phys, np.where(checks.school_ok, 0, 1), 2).astype(np.int8)

    same = (rq.sect & of.sect) != 0
    related = (rq.sect_rel & of.sect) != 0
    f_sector = np.where(same, 1.0, np.where(related, config.related_sector_fit, 0.0))
    f_act = np.where(checks.kind == 1, 1.0, config.compatible_activity_fit)
    f_level = np.bitwise_count(rq.lvl & of.lvl_x) / np.bitwise_count(rq.lvl)
    overlap = np.minimum(rq.end, of.end) - np.maximum(rq.start, of.start) + 1
    f_date = np.clip(overlap / (rq.end - rq.start + 1), 0.0, 1.0)
    school_term = 1.0 / (1.0 + rq.acts_year)
    unused = np.where(of.cap > 0, of.cap_left / np.maximum(of.cap, 1), 0.0)
    f_equity = config.equity_school_share * school_term + (1 - config.equity_school_share) * np.clip(
        unused, 0, 1
    )

    shape = checks.kind.shape
    out = {
        "distance": f_dist,
        "sector": f_sector,
        "topic": np.where(topic_known, topic_fit(topic_sim, config), f_sector),
        "activity": f_act,
        "level": f_level,
        "date": f_date,
        "equity": f_equity,
    }
    out = {k: _b(np.asarray(v, dtype=np.float64), shape) for k, v in out.items()}
    w = config.weights
    score = np.zeros(shape)
    for name in FEATURES:
        score = score + w[name] * out[name]
    score = np.round(np.clip(score, 0.0, 1.0) / SCORE_QUANTUM) * SCORE_QUANTUM
    return Fits(fits=out, mode=_b(mode, shape), score=score)


def topic_fit(sim: NDArray[np.float64] | float, config: MatchConfig) -> NDArray[np.float64]:
    """Topic similarity (cosine) -> topic fit in [0, 1] (see :func:`fits`)."""
    span = config.topic_full - config.topic_floor
    return np.clip((np.asarray(sim, dtype=np.float64) - config.topic_floor) / span, 0.0, 1.0)


def _b(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` broadcast to ``shape`` (no copy; returned as is when it has that shape already)."""
    a = np.asarray(a)
    return a if a.shape == shape else np.broadcast_to(a, shape)
