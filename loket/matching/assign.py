"""Choose one match per request within offer capacities: optimal (sparse bipartite matching) and greedy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from loket.matching.types import Suggestion

_EPS = 1e-9


@dataclass
class Assignment:
    """Chosen pairs (each request at most once, each offer within capacity), their total and the leftovers."""

    total: float
    pairs: list[Suggestion] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _finish(candidates: Mapping[str, list[Suggestion]], chosen: list[Suggestion]) -> Assignment:
    chosen.sort(key=lambda s: (-s.score, s.request_id, s.offer_id))
    matched = {s.request_id for s in chosen}
    unmatched = sorted(r for r in candidates if r not in matched)
    return Assignment(total=float(sum(s.score for s in chosen)), pairs=chosen, unmatched=unmatched)


def assign(candidates: Mapping[str, list[Suggestion]], capacity: Mapping[str, int]) -> Assignment:
    """Maximise the total score over the candidate pairs (e.g. each request's top-K suggestions).

    Each request is matched at most once and offer ``o`` at most ``capacity[o]`` times (missing = 0).
    Solved exactly as a min-weight full bipartite matching: rows are requests, columns are capacity slots
    of offers (an offer gets min(capacity, candidate count) slots) plus one private "unmatched" column per
    request with cost 1, every real edge costs ``1 - score`` (+tiny), so minimising cost maximises score.
    """
    req_ids = sorted(candidates)
    n = len(req_ids)
    if n == 0:
        return Assignment(0.0)
    pairs: dict[tuple[int, str], Suggestion] = {}
    for i, r in enumerate(req_ids):
        for s in candidates[r]:
            if capacity.get(s.offer_id, 0) > 0:
                key = (i, s.offer_id)
                if key not in pairs or s.score > pairs[key].score:
                    pairs[key] = s
    if not pairs:
        return _finish(candidates, [])
    offer_ids = sorted({o for _, o in pairs})
    opos = {o: j for j, o in enumerate(offer_ids)}
    rows_l = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
    offs_l = np.fromiter((opos[o] for _, o in pairs), dtype=np.int64, count=len(pairs))
    cost_l = np.fromiter((1.0 - s.score + _EPS for s in pairs.values()), dtype=np.float64, count=len(pairs))
    deg = np.bincount(offs_l, minlength=len(offer_ids))
    cap = np.array([capacity[o] for o in offer_ids], dtype=np.int64)
    slots = np.minimum(cap, deg)
    slot_start = np.concatenate([[0], np.cumsum(slots)[:-1]])
    n_slots = int(slots.sum())
    # expand each edge over its offer's slots
    reps = slots[offs_l]
    e_rows = np.repeat(rows_l, reps)
    e_cost = np.repeat(cost_l, reps)
    first = np.repeat(slot_start[offs_l], reps)
    within = np.arange(len(e_rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    e_cols = first + within
    # dummy column per request: leaving it unmatched costs 1 (score 0)
    all_rows = np.concatenate([e_rows, np.arange(n)])
    all_cols = np.concatenate([e_cols, n_slots + np.arange(n)])
    all_cost = np.concatenate([e_cost, np.ones(n)])
    graph = sparse.csr_matrix((all_cost, (all_rows, all_cols)), shape=(n, n_slots + n))
    _, col_of_row = min_weight_full_bipartite_matching(graph)
    slot_offer = np.repeat(np.arange(len(offer_ids)), slots)
    chosen: list[Suggestion] = []
    for i, c in enumerate(col_of_row):
        if c < n_slots:
            chosen.append(pairs[(i, offer_ids[int(slot_offer[c])])])
    return _finish(candidates, chosen)


def greedy_assign(candidates: Mapping[str, list[Suggestion]], capacity: Mapping[str, int]) -> Assignment:
    """Baseline: take pairs by score (ties by ids) while the request is free and the offer has room."""
    left = dict(capacity)
    allp = sorted(
        (s for r in candidates for s in candidates[r]), key=lambda s: (-s.score, s.request_id, s.offer_id)
    )
    done: set[str] = set()
    chosen: list[Suggestion] = []
    for s in allp:
        if s.request_id in done or left.get(s.offer_id, 0) <= 0:
            continue
        done.add(s.request_id)
        left[s.offer_id] -= 1
        chosen.append(s)
    return _finish(candidates, chosen)
