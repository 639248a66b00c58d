"""Large neighbourhood search: repeatedly free a handful of groups (all their rounds) around a group
that lacks a round or a preference, keep the rest of the plan fixed and re-solve that part exactly
with the MILP (``model``); a part is accepted only when the whole objective improves."""

from __future__ import annotations

import time

import numpy as np

from loket.events.model import Model, repair
from loket.events.objective import evaluate
from loket.events.prepare import Prepared
from loket.events.types import MAX_PREFERENCES, Weights

#: Groups freed together in one neighbourhood of the search; the next size once a pass finds nothing.
NEIGHBOURHOOD_SIZES = (6, 10, 16, 24)


def _seed_order(prep: Prepared, chosen: list[int], weights: Weights, rng: np.random.Generator) -> list[int]:
    """Groups to start neighbourhoods from: most placeable rounds missing first, then the highest
    score of preferences it could see but does not (a lost 1st choice weighs most)."""
    n_g = len(prep.groups)
    n_r = max(len(prep.round_ids), 1)
    idx = np.asarray(chosen, dtype=np.int64)
    placeable = np.bincount(np.unique(prep.cg * n_r + prep.cr) // n_r, minlength=n_g)
    missing = placeable - np.bincount(prep.cg[idx], minlength=n_g)
    covered = np.zeros(n_g, dtype=np.int64)
    np.bitwise_or.at(covered, prep.cg[idx], prep.cmask[idx])
    coverable = np.zeros(n_g, dtype=np.int64)
    np.bitwise_or.at(coverable, prep.cg, prep.cmask)
    lost_mask = (coverable & ~covered).tolist()
    lost = np.array(
        [sum(weights.rank_score(k + 1) for k in range(MAX_PREFERENCES) if m >> k & 1) for m in lost_mask]
    )
    return np.lexsort((rng.random(n_g), -lost, -missing)).tolist()


def _neighbourhoods(
    prep: Prepared, chosen: list[int], seed: int, rng: np.random.Generator, size: int
) -> list[np.ndarray]:
    """Free candidates to re-solve around one seed group (the rest of the plan stays fixed).

    A seed that misses a round first gets that round alone, freed for itself and up to ``3 * size``
    groups sitting in sessions it could use there (they block it). Then always: the seed and up to
    ``size - 1`` such groups, with all their rounds free. Without a missing round, "sessions it
    could use" are those covering a preference it does not see yet (if any).
    """
    n_r = len(prep.round_ids)
    idx = np.asarray(chosen, dtype=np.int64)
    mine = prep.cg == seed
    own = idx[prep.cg[idx] == seed]
    missing = np.setdiff1d(prep.cr[mine], prep.cr[own])
    if missing.size:
        mine &= np.isin(prep.cr, missing)
    else:
        wanted = ((1 << len(prep.prefs[seed])) - 1) & ~int(np.bitwise_or.reduce(prep.cmask[own], initial=0))
        if wanted and ((prep.cmask & wanted) > 0)[mine].any():
            mine &= (prep.cmask & wanted) > 0
    usable = np.unique(prep.cs[mine] * n_r + prep.cr[mine])
    others = np.unique(prep.cg[idx[np.isin(prep.cs[idx] * n_r + prep.cr[idx], usable)]])
    others = rng.permutation(others[others != seed])
    out = []
    if missing.size:
        groups = np.concatenate([[seed], others[: 3 * size]])
        out.append(np.flatnonzero(np.isin(prep.cg, groups) & np.isin(prep.cr, missing)))
    out.append(np.flatnonzero(np.isin(prep.cg, np.concatenate([[seed], others[: size - 1]]))))
    return out


def search(
    prep: Prepared,
    weights: Weights,
    keep: frozenset[int],
    start: list[int],
    deadline: float,
    stats: dict,
) -> list[int]:
    """Large neighbourhood search with exact sub-MILPs; returns the best chosen candidates found.

    Passes over the seed groups (least happy first) with the smallest neighbourhood size; a pass
    without gain moves to the next size, a gain goes back to the smallest; a pass without gain at
    the largest size is a local optimum and ends the search.
    """
    rng = np.random.default_rng(0)
    best = list(start)
    best_val = evaluate(prep, best, weights, keep).total
    tried = improved = passes = 0
    level = 0
    converged = False
    while not converged and time.perf_counter() < deadline:
        passes += 1
        gain = False
        size = NEIGHBOURHOOD_SIZES[level]
        for seed in _seed_order(prep, best, weights, rng):
            for free in _neighbourhoods(prep, best, seed, rng, size):
                left = deadline - time.perf_counter()
                if left <= 0.05:
                    break
                free_set = set(free.tolist())
                fixed = [i for i in best if i not in free_set]
                model = Model(prep, weights, keep, free, fixed)
                if model.n_x == 0:
                    continue
                res = model.solve(min(left, 2.0))
                tried += 1
                cand = repair(prep, fixed + model.chosen(res))
                val = evaluate(prep, cand, weights, keep).total
                if val > best_val + 1e-6:
                    best, best_val, gain = cand, val, True
                    improved += 1
                    stats["best_found_at"] = time.perf_counter()
        if time.perf_counter() >= deadline - 0.05:
            break
        if gain:
            level = 0
        elif level + 1 < len(NEIGHBOURHOOD_SIZES):
            level += 1
        else:
            converged = True
    stats.update(
        neighbourhoods_tried=tried,
        neighbourhoods_improved=improved,
        passes=passes,
        converged=converged,
    )
    return best
