"""Feature weights learned from the managers' and the other side's decisions (pure: numpy, scipy,
scikit-learn; no Flask, no ORM).

A decision is a pair's feature fits (each in [0, 1], as the engine computed them) with a label: 1 for
a pair that was approved, accepted or completed well, 0 for one that was rejected or declined. The
score is a weighted mean of the fits, so a model ``P(good) = sigmoid(b + sum_f v_f * fit_f)`` with
``v_f >= 0`` gives weights ``w_f = v_f / sum(v)`` that rank pairs the same way the model does. It is
fitted by L-BFGS-B (non-negative bounds, an L2 penalty chosen by cross-validation over the requests),
then held to the admin's bounds. Ranking quality is the NDCG of the good pairs among each request's
decided pairs, measured on requests the fit never saw (grouped k-fold), for the current and the
learned weights side by side. :func:`tune` proposes the learned weights only when they are better by
a margin that is also clear of chance (a paired bootstrap over the held-out requests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold

from loket.matching.types import FEATURES

Bounds = Mapping[str, tuple[float, float]]
#: L2 penalties tried by the inner cross-validation
PENALTIES: tuple[float, ...] = (0.01, 0.1, 1.0)


@dataclass(frozen=True)
class Decision:
    """One decided pair: its feature fits, whether it was a good pair, and its request (the group)."""

    fits: Mapping[str, float]
    good: bool
    group: str


@dataclass
class TuneResult:
    """What :func:`tune` found: both weight sets (normalised), their held-out NDCG, and the verdict."""

    decisions: int
    groups: int
    current: dict[str, float]
    learned: dict[str, float] | None
    current_ndcg: float | None
    learned_ndcg: float | None
    gain_ci95: tuple[float, float] | None
    better: bool
    why: str
    folds: int = 0
    per_fold: list[dict[str, float]] = field(default_factory=list)

    def as_json(self) -> dict:
        """Plain JSON for the CLI and the stored weight set."""
        r = lambda v: None if v is None else round(float(v), 4)  # noqa: E731
        return {
            "decisions": self.decisions,
            "groups": self.groups,
            "folds": self.folds,
            "current": {k: r(v) for k, v in self.current.items()},
            "learned": None if self.learned is None else {k: r(v) for k, v in self.learned.items()},
            "current_ndcg": r(self.current_ndcg),
            "learned_ndcg": r(self.learned_ndcg),
            "gain_ci95": None if self.gain_ci95 is None else [r(x) for x in self.gain_ci95],
            "better": self.better,
            "why": self.why,
        }


def normalised(weights: Mapping[str, float]) -> dict[str, float]:
    """Feature -> weight / sum (every feature present)."""
    total = float(sum(weights[n] for n in FEATURES))
    if total <= 0:
        raise ValueError("de som van de gewichten moet groter dan 0 zijn")
    return {n: float(weights[n]) / total for n in FEATURES}


def matrix(decisions: Sequence[Decision]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray]:
    """(fits n x F in FEATURES order, labels 0/1, group per row)."""
    x = np.array([[float(d.fits.get(n, 0.0)) for n in FEATURES] for d in decisions], dtype=np.float64)
    y = np.array([1.0 if d.good else 0.0 for d in decisions])
    g = np.array([d.group for d in decisions], dtype=object)
    return x.reshape(len(decisions), len(FEATURES)), y, g


def fit_weights(x: NDArray[np.float64], y: NDArray[np.float64], penalty: float = 0.1) -> NDArray[np.float64]:
    """Non-negative logistic regression (L2 ``penalty`` on the coefficients, free intercept); returns
    the coefficients normalised to sum 1 (uniform when all are zero)."""
    n, f = x.shape
    xb = np.hstack([x, np.ones((n, 1))])

    def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        z = xb @ theta
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.logaddexp(0.0, z) - y * z  # log(1 + e^z) - y z
        reg = 0.5 * penalty * float(theta[:f] @ theta[:f])
        grad = xb.T @ (p - y) / n
        grad[:f] += penalty * theta[:f]
        return float(ll.mean()) + reg, grad

    bounds = [(0.0, None)] * f + [(None, None)]
    res = minimize(loss, np.zeros(f + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    v = np.maximum(res.x[:f], 0.0)
    return v / v.sum() if v.sum() > 0 else np.full(f, 1.0 / f)


def within_bounds(w: NDArray[np.float64], bounds: Bounds | None) -> NDArray[np.float64]:
    """``w`` (summing to 1) moved into the admin's bounds on the normalised weights, still summing to 1."""
    if not bounds:
        return w
    lo = np.array([bounds.get(n, (0.0, 1.0))[0] for n in FEATURES])
    hi = np.array([bounds.get(n, (0.0, 1.0))[1] for n in FEATURES])
    if lo.sum() > 1 or hi.sum() < 1:
        raise ValueError("de grenzen laten geen gewichten toe die samen 1 zijn")
    out = np.clip(w, lo, hi)
    for _ in range(50):  # spread the surplus or deficit over the features that can still move
        gap = 1.0 - out.sum()
        if abs(gap) < 1e-12:
            break
        free = (out < hi - 1e-12) if gap > 0 else (out > lo + 1e-12)
        room = (hi - out) if gap > 0 else (out - lo)
        share = np.where(free, room, 0.0)
        if share.sum() <= 0:
            break
        out = np.clip(out + gap * share / share.sum(), lo, hi)
    return out


def ndcg_groups(scores: NDArray[np.float64], y: NDArray[np.float64], g: NDArray) -> dict[str, float]:
    """NDCG of the good pairs in each group (request) with at least one good and one bad pair."""
    out: dict[str, float] = {}
    for key in dict.fromkeys(g.tolist()):
        idx = np.flatnonzero(g == key)
        labels = y[idx]
        if labels.min() == labels.max():
            continue
        order = idx[np.lexsort((np.arange(len(idx)), -scores[idx]))]
        disc = 1.0 / np.log2(np.arange(2, len(idx) + 2))
        dcg = float((y[order] * disc).sum())
        ideal = float((np.sort(labels)[::-1] * disc).sum())
        out[str(key)] = dcg / ideal
    return out


def _choose_penalty(x: NDArray, y: NDArray, g: NDArray) -> float:
    """The L2 penalty with the best inner cross-validated NDCG (the middle one when it cannot tell)."""
    groups = len(set(g.tolist()))
    if groups < 6:
        return PENALTIES[len(PENALTIES) // 2]
    best, best_v = PENALTIES[len(PENALTIES) // 2], -1.0
    for pen in PENALTIES:
        vals: list[float] = []
        for tr, te in GroupKFold(n_splits=3).split(x, y, g):
            if y[tr].min() == y[tr].max():
                continue
            w = fit_weights(x[tr], y[tr], pen)
            vals += list(ndcg_groups(x[te] @ w, y[te], g[te]).values())
        v = float(np.mean(vals)) if vals else -1.0
        if v > best_v + 1e-9:
            best, best_v = pen, v
    return best


def tune(
    decisions: Sequence[Decision],
    current: Mapping[str, float],
    *,
    bounds: Bounds | None = None,
    min_decisions: int = 200,
    margin: float = 0.01,
    folds: int = 5,
    seed: int = 14,
) -> TuneResult:
    """Learn weights from ``decisions``; compare them with ``current`` on held-out requests.

    ``better`` only when there are at least ``min_decisions`` decisions of both kinds, the learned
    weights' mean held-out NDCG beats the current one by ``margin`` and the 95 % bootstrap interval of
    the per-request gain lies above 0."""
    cur = normalised(current)
    x, y, g = matrix(decisions)
    n_groups = len(set(g.tolist()))
    base = TuneResult(len(decisions), n_groups, cur, None, None, None, None, False, "")
    if len(decisions) < min_decisions:
        base.why = f"te weinig beslissingen: {len(decisions)} < {min_decisions}"
        return base
    if y.min() == y.max():
        base.why = "alleen goedgekeurde of alleen afgewezen paren: niets te leren"
        return base
    k = min(folds, n_groups)
    if k < 2:
        base.why = "te weinig aanvragen om op te toetsen"
        return base
    w_cur = np.array([cur[n] for n in FEATURES])
    cur_vals: dict[str, float] = {}
    new_vals: dict[str, float] = {}
    per_fold = []
    for tr, te in GroupKFold(n_splits=k).split(x, y, g):
        if y[tr].min() == y[tr].max():
            continue
        pen = _choose_penalty(x[tr], y[tr], g[tr])
        w = within_bounds(fit_weights(x[tr], y[tr], pen), bounds)
        c = ndcg_groups(x[te] @ w_cur, y[te], g[te])
        nv = ndcg_groups(x[te] @ w, y[te], g[te])
        cur_vals.update(c)
        new_vals.update(nv)
        if c:
            per_fold.append(
                {"current": float(np.mean(list(c.values()))), "learned": float(np.mean(list(nv.values())))}
            )
    keys = sorted(cur_vals)
    if not keys:
        base.why = "geen aanvraag met zowel een goed als een afgewezen paar: niets te toetsen"
        return base
    a = np.array([new_vals[k_] for k_ in keys])
    b = np.array([cur_vals[k_] for k_ in keys])
    diff = a - b
    rng = np.random.default_rng(seed)
    boot = [float(diff[rng.integers(0, len(diff), len(diff))].mean()) for _ in range(2000)]
    ci = (float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5)))
    pen = _choose_penalty(x, y, g)
    learned = within_bounds(fit_weights(x, y, pen), bounds)
    gain = float(a.mean() - b.mean())
    better = gain >= margin and ci[0] > 0
    if better:
        why = f"beter op niet geziene aanvragen: +{gain:.3f} NDCG (marge {margin:.3f})"
    elif gain < margin:
        why = f"niet beter genoeg: {gain:+.3f} NDCG, marge {margin:.3f}"
    else:
        why = f"winst {gain:+.3f} NDCG niet zeker genoeg (95%-interval {ci[0]:+.3f} .. {ci[1]:+.3f})"
    return TuneResult(
        decisions=len(decisions),
        groups=n_groups,
        current=cur,
        learned={n: float(v) for n, v in zip(FEATURES, learned, strict=True)},
        current_ndcg=float(b.mean()),
        learned_ndcg=float(a.mean()),
        gain_ci95=ci,
        better=better,
        why=why,
        folds=k,
        per_fold=per_fold,
    )
