"""Learn feature weights from the decisions on suggested matches (pure: numpy, scipy, scikit-learn).

Input: one :class:`Decision` per decided (request, offer) pair: the pair's feature fits (the score
breakdown before weighting, ``Suggestion.fits``), whether the decision was positive (approved,
accepted, scheduled, completed with a good rating) or negative (rejected, declined), and the request it
belongs to. :func:`label` maps a match status (+ rating) to that label.

Method (see docs/MATCHING.md): within each request, every (positive, negative) pair of decided offers
gives one difference vector ``x_pos - x_neg``; a pairwise logistic loss with an L2 penalty is minimised
over non-negative weights (L-BFGS-B with bounds ``w >= 0``), so that positives score above negatives of
the same request. Features that do not describe the pair's fit but policy (``equity`` by default) are
not learned: they keep their current share. The learned weights are normalised and projected into the
admin's bounds (min/max share per feature). Quality is measured out of sample: grouped k-fold cross-
validation by request (``GroupKFold``), NDCG of the decided offers of each held-out request under the
current and under the learned weights.

:func:`fit_weights` proposes the learned weights (``accepted``) only when there are at least
``min_decisions`` decisions, the held-out NDCG is higher by at least ``margin`` and the paired bootstrap
interval of the gain lies above zero; otherwise it says why not. :func:`fit_by_cluster` does this per
cluster with enough decisions, nationally for the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold

from loket.matching.types import FEATURES, Reason, Weights

POSITIVE_STATES = frozenset({"approved", "accepted", "scheduled", "completed"})
NEGATIVE_STATES = frozenset({"rejected", "declined"})
GOOD_RATING = 4.0  # a completed match counts as positive when its mean rating (1-5) is at least this
DEFAULT_FIXED: tuple[str, ...] = ("equity",)  # policy, not preference: never learned from decisions


@dataclass(frozen=True)
class Decision:
    """One decided pair: its feature fits in [0, 1], the label, the request (group) and the cluster."""

    request_id: str
    fits: Mapping[str, float]
    positive: bool
    cluster: str | None = None


@dataclass(frozen=True)
class Bounds:
    """Admin-set limits on each feature's share of the weights (normalised to sum 1)."""

    low: Mapping[str, float] = field(default_factory=dict)
    high: Mapping[str, float] = field(default_factory=dict)

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo = np.array([float(self.low.get(f, 0.0)) for f in FEATURES])
        hi = np.array([float(self.high.get(f, 1.0)) for f in FEATURES])
        unknown = sorted((set(self.low) | set(self.high)) - set(FEATURES))
        if unknown:
            raise ValueError(f"grenzen voor onbekende kenmerken: {', '.join(unknown)}")
        bad = [f for f, a, b in zip(FEATURES, lo, hi, strict=True) if not (0.0 <= a <= b <= 1.0)]
        if bad:
            raise ValueError(f"grenzen moeten 0 <= min <= max <= 1 zijn; niet voor: {', '.join(bad)}")
        return lo, hi


@dataclass
class LearnResult:
    """What :func:`fit_weights` found: both weight sets, their held-out NDCG and whether to store."""

    current: Weights
    learned: Weights | None
    current_ndcg: float | None
    learned_ndcg: float | None
    gain_ci90: tuple[float, float] | None
    n_decisions: int
    n_positive: int
    n_requests: int
    n_informative_requests: int
    n_pairs: int
    folds: int
    accepted: bool
    reason: Reason
    scope: str | None = None
    per_fold: list[tuple[float, float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe summary (weights as normalised shares)."""

        def w(x: Weights | None) -> dict[str, Any] | None:
            if x is None:
                return None
            return {"version": x.version, **{k: round(v, 4) for k, v in x.normalised().items()}}

        return {
            "scope": self.scope,
            "current": w(self.current),
            "learned": w(self.learned),
            "held_out_ndcg": {
                "current": None if self.current_ndcg is None else round(self.current_ndcg, 4),
                "learned": None if self.learned_ndcg is None else round(self.learned_ndcg, 4),
                "gain_ci90": None if self.gain_ci90 is None else [round(x, 4) for x in self.gain_ci90],
                "per_fold": [[round(a, 4), round(b, 4)] for a, b in self.per_fold],
            },
            "decisions": self.n_decisions,
            "positive": self.n_positive,
            "requests": self.n_requests,
            "informative_requests": self.n_informative_requests,
            "pairs": self.n_pairs,
            "folds": self.folds,
            "accepted": self.accepted,
            "reason": self.reason.to_json(),
        }


# --------------------------------------------------------------------------- labels and inputs
def label(status: str, rating: float | None = None, good_rating: float = GOOD_RATING) -> bool | None:
    """True (positive), False (negative) or None (no decision yet, or nothing to learn from).

    approved/accepted/scheduled: positive; completed: positive unless its mean rating is below
    ``good_rating`` (then None: the managers chose well, the activity itself disappointed);
    rejected/declined: negative; proposed/cancelled/expired: None.
    """
    if status in NEGATIVE_STATES:
        return False
    if status == "completed":
        return None if rating is not None and rating < good_rating else True
    if status in POSITIVE_STATES:
        return True
    return None


def fits_from_breakdown(breakdown: Mapping[str, Any], weights: Weights) -> dict[str, float] | None:
    """Feature fits from a stored breakdown: ``{"fits": {...}}`` as is, or contributions (normalised
    weight x fit, what older matches stored) divided by the normalised weights they were scored with.
    None when a fit cannot be recovered (a feature with weight 0, or a key missing)."""
    if isinstance(breakdown.get("fits"), Mapping):
        raw = breakdown["fits"]
        if all(f in raw for f in FEATURES):
            return {f: float(raw[f]) for f in FEATURES}
        return None
    share = weights.normalised()
    out = {}
    for f in FEATURES:
        if f not in breakdown or share[f] <= 0:
            return None
        out[f] = min(1.0, max(0.0, float(breakdown[f]) / share[f]))
    return out


def _matrix(decisions: Sequence[Decision]) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.intp]]:
    for d in decisions:
        missing = [f for f in FEATURES if f not in d.fits]
        if missing:
            raise ValueError(
                f"beslissing voor aanvraag {d.request_id}: kenmerken ontbreken: {', '.join(missing)}"
            )
    X = np.array([[float(d.fits[f]) for f in FEATURES] for d in decisions], dtype=np.float64).reshape(
        -1, len(FEATURES)
    )
    if not np.isfinite(X).all():
        raise ValueError("beslissingen bevatten een kenmerk dat geen eindig getal is")
    y = np.array([1 if d.positive else 0 for d in decisions], dtype=np.int8)
    codes: dict[str, int] = {}
    g = np.array([codes.setdefault(d.request_id, len(codes)) for d in decisions], dtype=np.intp)
    return X, y, g


# --------------------------------------------------------------------------- fitting
def _pair_diffs(X: NDArray[np.float64], y: NDArray[np.int8], g: NDArray[np.intp]) -> NDArray[np.float64]:
    """x_pos - x_neg for every positive/negative pair within a request."""
    out = []
    order = np.argsort(g, kind="stable")
    gs = g[order]
    bounds = np.flatnonzero(np.diff(gs)) + 1
    for idx in np.split(order, bounds):
        pos, neg = idx[y[idx] == 1], idx[y[idx] == 0]
        if len(pos) and len(neg):
            out.append((X[pos][:, None, :] - X[neg][None, :, :]).reshape(-1, X.shape[1]))
    return np.concatenate(out) if out else np.zeros((0, X.shape[1]))


def _fit_raw(D: NDArray[np.float64], l2: float) -> NDArray[np.float64]:
    """Non-negative w minimising mean log(1 + exp(-D w)) + l2 |w|^2 (L-BFGS-B, bounds w >= 0)."""
    k = D.shape[1]
    if k == 0 or len(D) == 0:
        return np.zeros(k)

    def loss(w: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        m = D @ w
        val = float(np.mean(np.logaddexp(0.0, -m)) + l2 * w @ w)
        s = -0.5 * (1.0 - np.tanh(m / 2.0))  # d/dm log(1 + exp(-m)) = -sigmoid(-m)
        grad = D.T @ s / len(D) + 2 * l2 * w
        return val, grad

    res = minimize(loss, np.full(k, 1.0), jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * k)
    return np.maximum(res.x, 0.0)


def _project(v: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64]) -> NDArray[np.float64]:
    """Shares summing to 1 within [lo, hi], proportional to ``v`` where no bound binds."""
    if lo.sum() > 1 + 1e-9 or hi.sum() < 1 - 1e-9:
        raise ValueError("de grenzen laten geen gewichten toe die samen 1 zijn (som min > 1 of som max < 1)")
    v = np.maximum(v, 0.0)
    w = np.clip(v / v.sum() if v.sum() > 0 else np.full(len(v), 1.0 / len(v)), lo, hi)
    for _ in range(4 * len(v)):
        gap = 1.0 - w.sum()
        if abs(gap) < 1e-12:
            break
        free = (w < hi - 1e-15) if gap > 0 else (w > lo + 1e-15)
        if not free.any():
            break
        base = np.where(free, np.maximum(v, 1e-12), 0.0)
        w = np.clip(w + gap * base / base.sum(), lo, hi)
    return w / w.sum()


def _learn(
    X: NDArray[np.float64],
    y: NDArray[np.int8],
    g: NDArray[np.intp],
    current: NDArray[np.float64],
    learn_mask: NDArray[np.bool_],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    l2: float,
) -> NDArray[np.float64]:
    """Normalised learned shares (fixed features keep their current share), within the bounds."""
    D = _pair_diffs(X, y, g)[:, learn_mask]
    raw = _fit_raw(D, l2)
    fixed_share = float(current[~learn_mask].sum())
    v = np.zeros(len(FEATURES))
    if raw.sum() > 0:
        v[learn_mask] = raw / raw.sum() * (1.0 - fixed_share)
    else:
        v[learn_mask] = current[learn_mask]
    v[~learn_mask] = current[~learn_mask]
    lo2, hi2 = lo.copy(), hi.copy()
    lo2[~learn_mask] = hi2[~learn_mask] = current[~learn_mask]
    return _project(v, lo2, hi2)


def ndcg_binary(labels: NDArray[np.int8], scores: NDArray[np.float64]) -> float:
    """NDCG of one ranked list with 0/1 relevance; tied scores share the average of their discounts
    (the expected value under a random order of the tie, as ``sklearn.metrics.ndcg_score``)."""
    n = len(labels)
    disc = 1.0 / np.log2(np.arange(n) + 2.0)
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    starts = np.flatnonzero(np.concatenate([[True], s[1:] != s[:-1]]))
    ends = np.append(starts[1:], n)
    csum = np.concatenate([[0.0], np.cumsum(disc)])
    avg = (csum[ends] - csum[starts]) / (ends - starts)
    dcg = float(sum(a * y[b:e].sum() for a, b, e in zip(avg, starts, ends, strict=True)))
    ideal = float(disc[: int(labels.sum())].sum())
    return dcg / ideal if ideal > 0 else 0.0


def _ndcg_per_group(
    X: NDArray[np.float64], y: NDArray[np.int8], g: NDArray[np.intp], w: NDArray[np.float64]
) -> dict[int, float]:
    """NDCG of every request with both a positive and a negative decision (ties averaged)."""
    out = {}
    s = X @ w
    order = np.argsort(g, kind="stable")
    bounds = np.flatnonzero(np.diff(g[order])) + 1
    for idx in np.split(order, bounds):
        if 0 < y[idx].sum() < len(idx):
            out[int(g[idx[0]])] = ndcg_binary(y[idx], s[idx])
    return out


def _version(w: NDArray[np.float64], n: int, scope: str | None) -> str:
    h = hashlib.sha1(json.dumps([[round(float(x), 6) for x in w], n, scope]).encode()).hexdigest()[:8]
    return f"learned-{h}"


def fit_weights(
    decisions: Sequence[Decision],
    current: Weights,
    *,
    min_decisions: int = 200,
    margin: float = 0.01,
    bounds: Bounds | None = None,
    folds: int = 5,
    fixed: Iterable[str] = DEFAULT_FIXED,
    l2: float = 1e-3,
    version: str | None = None,
    scope: str | None = None,
    seed: int = 0,
) -> LearnResult:
    """Fit weights to ``decisions`` and compare them with ``current`` out of sample (see module doc)."""
    if min_decisions < 1 or folds < 2 or margin < 0 or l2 < 0:
        raise ValueError("min_decisions >= 1, folds >= 2, margin >= 0 en l2 >= 0 vereist")
    fixed = tuple(fixed)
    unknown = sorted(set(fixed) - set(FEATURES))
    if unknown:
        raise ValueError(f"onbekende vaste kenmerken: {', '.join(unknown)}")
    lo, hi = (bounds or Bounds()).arrays()
    learn_mask = np.array([f not in fixed for f in FEATURES])
    cur = np.array([current.normalised()[f] for f in FEATURES])
    X, y, g = _matrix(decisions)
    n, n_pos = len(decisions), int(y.sum())
    informative = [grp for grp in np.unique(g) if 0 < y[g == grp].sum() < (g == grp).sum()]
    n_pairs = len(_pair_diffs(X, y, g)) if n else 0
    base = dict(
        current=current,
        n_decisions=n,
        n_positive=n_pos,
        n_requests=len(np.unique(g)),
        n_informative_requests=len(informative),
        n_pairs=n_pairs,
        scope=scope,
    )
    if n < min_decisions:
        return LearnResult(
            learned=None,
            current_ndcg=None,
            learned_ndcg=None,
            gain_ci90=None,
            folds=0,
            accepted=False,
            reason=Reason("learn_too_few", {"n": n, "min": min_decisions}),
            **base,  # type: ignore[arg-type]
        )
    k = min(folds, len(informative))
    if k < 2:
        return LearnResult(
            learned=None,
            current_ndcg=None,
            learned_ndcg=None,
            gain_ci90=None,
            folds=0,
            accepted=False,
            reason=Reason("learn_no_contrast", {"n": len(informative)}),
            **base,  # type: ignore[arg-type]
        )
    # cross-validation by request: only informative requests are split (the rest carry no ranking signal)
    keep = np.isin(g, informative)
    Xi, yi, gi = X[keep], y[keep], g[keep]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(np.unique(gi))  # shuffle the requests before the (deterministic) group folds
    relabel = {int(old): i for i, old in enumerate(perm)}
    gi_shuffled = np.array([relabel[int(x)] for x in gi])
    cur_scores: dict[int, float] = {}
    new_scores: dict[int, float] = {}
    per_fold = []
    for train, test in GroupKFold(n_splits=k).split(Xi, yi, gi_shuffled):
        w = _learn(Xi[train], yi[train], gi[train], cur, learn_mask, lo, hi, l2)
        a = _ndcg_per_group(Xi[test], yi[test], gi[test], cur)
        b = _ndcg_per_group(Xi[test], yi[test], gi[test], w)
        cur_scores.update(a)
        new_scores.update(b)
        per_fold.append((float(np.mean(list(a.values()))), float(np.mean(list(b.values())))))
    keys = sorted(cur_scores)
    diff = np.array([new_scores[x] - cur_scores[x] for x in keys])
    boot = diff[rng.integers(0, len(diff), size=(2000, len(diff)))].mean(axis=1)
    ci = (float(np.percentile(boot, 5)), float(np.percentile(boot, 95)))
    c_mean = float(np.mean([cur_scores[x] for x in keys]))
    l_mean = float(np.mean([new_scores[x] for x in keys]))
    final = _learn(Xi, yi, gi, cur, learn_mask, lo, hi, l2)
    learned = Weights(
        **{f: float(v) for f, v in zip(FEATURES, final, strict=True)},
        version=version or _version(final, n, scope),
    )
    gain = l_mean - c_mean
    params = {"current": round(c_mean, 4), "learned": round(l_mean, 4), "gain": round(gain, 4)}
    if gain < margin:
        reason = Reason("learn_not_better", params | {"margin": margin})
    elif ci[0] <= 0:
        reason = Reason("learn_not_sure", params | {"low": round(ci[0], 4)})
    else:
        reason = Reason("learn_better", params)
    return LearnResult(
        learned=learned,
        current_ndcg=c_mean,
        learned_ndcg=l_mean,
        gain_ci90=ci,
        folds=k,
        accepted=reason.code == "learn_better",
        reason=reason,
        per_fold=per_fold,
        **base,  # type: ignore[arg-type]
    )


def fit_by_cluster(
    decisions: Sequence[Decision], current: Weights, *, min_decisions: int = 200, **kw: Any
) -> dict[str | None, LearnResult]:
    """A result for the whole country (key None) and for every cluster with at least ``min_decisions``
    decisions of its own; a cluster without its own result uses the national one (:func:`for_cluster`)."""
    out: dict[str | None, LearnResult] = {
        None: fit_weights(decisions, current, min_decisions=min_decisions, scope=None, **kw)
    }
    by: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.cluster is not None:
            by[d.cluster].append(d)
    for cluster, ds in sorted(by.items()):
        if len(ds) >= min_decisions:
            out[cluster] = fit_weights(ds, current, min_decisions=min_decisions, scope=cluster, **kw)
    return out


def for_cluster(results: Mapping[str | None, LearnResult], cluster: str | None) -> LearnResult:
    """The result that applies to ``cluster``: its own when it had enough decisions, else national."""
    return results.get(cluster) or results[None]


__all__ = [
    "Bounds",
    "Decision",
    "LearnResult",
    "fit_by_cluster",
    "fit_weights",
    "fits_from_breakdown",
    "for_cluster",
    "label",
]
