"""The answer: chosen candidate triples turned into a ``Plan`` (assignments in round order, a reason
for every unplaced group-round, the fill of every session-round, the figures of the plan)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from loket.events.objective import evaluate
from loket.events.prepare import Prepared, level_fits
from loket.events.types import Assignment, Fill, Id, Plan, Unplaced, Weights


def _reason(prep: Prepared, gi: int, ri: int, assigned: dict[int, dict[int, int]], load: dict) -> str:
    """Why group ``gi`` has no session in round ``ri`` (the first reason that holds)."""
    g = prep.groups[gi]
    present = [si for si, s in enumerate(prep.sessions) if prep.round_ids[ri] in s.rounds]
    if not present:
        return "no_session"
    fitting = [si for si in present if level_fits(g.level, prep.sessions[si].levels)]
    if not fitting:
        return "no_level"
    fitting = [si for si in fitting if prep.sessions[si].seats_per_round >= g.pupils]
    if not fitting:
        return "too_large"
    companies = {prep.sessions[si].company_id for si in assigned.get(gi, {}).values()}
    fitting = [si for si in fitting if prep.sessions[si].company_id not in companies]
    if not fitting:
        return "company_seen"
    if all(load.get((si, ri), 0) + g.pupils > prep.sessions[si].seats_per_round for si in fitting):
        return "full"
    return "not_chosen"


def finish(
    prep: Prepared,
    chosen: Iterable[int],
    weights: Weights,
    *,
    keep: frozenset[int],
    bound: float | None,
    method: str,
    stats: dict,
) -> Plan:
    """Turn chosen candidate indices into a Plan: assignments in round order, reasons, fill, figures."""
    idx = sorted(set(chosen), key=lambda i: (int(prep.cg[i]), int(prep.cr[i])))
    assigned: dict[int, dict[int, int]] = defaultdict(dict)
    load: dict[tuple[int, int], int] = defaultdict(int)
    for i in idx:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        assigned[gi][ri] = si
        load[(si, ri)] += prep.groups[gi].pupils
    assignments = [Assignment(*_gr(prep, i)) for i in idx]
    unplaced = list(prep.pre_unplaced)
    group_rounds = 0
    for gi, g in enumerate(prep.groups):
        for r in sorted(g.rounds, key=prep.round_pos.__getitem__):
            ri = prep.round_pos[r]
            group_rounds += 1
            if ri not in assigned.get(gi, {}):
                unplaced.append(Unplaced(g.id, r, _reason(prep, gi, ri, assigned, load)))
    fill = [
        Fill(s.id, r, load.get((si, prep.round_pos[r]), 0), s.seats_per_round)
        for si, s in enumerate(prep.sessions)
        for r in s.rounds
    ]
    score = evaluate(prep, idx, weights, keep)
    objective = score.total
    ub = max(objective, bound) if bound is not None else objective
    gap = (ub - objective) / abs(ub) if ub else 0.0
    groups_with_prefs = [gi for gi, p in enumerate(prep.prefs) if p]
    first = sum(
        1
        for gi in groups_with_prefs
        if any(1 in prep.pref_ranks(gi, si) for si in assigned.get(gi, {}).values())
    )
    worlds = [
        len({prep.worlds[si] for si in assigned.get(gi, {}).values()}) for gi in range(len(prep.groups))
    ]
    ratios = [f.ratio for f in fill]
    out_stats = {
        "groups": len(prep.groups),
        "sessions": len(prep.sessions),
        "rounds": len(prep.round_ids),
        "candidates": prep.n,
        "group_rounds": group_rounds,
        "placed": len(assignments),
        "unplaced": len(unplaced),
        "kept": len(keep.intersection(idx)),
        "first_choice_share": round(first / len(groups_with_prefs), 4) if groups_with_prefs else 0.0,
        "distinct_worlds_mean": round(float(np.mean(worlds)), 4) if worlds else 0.0,
        "fill_min": round(min(ratios), 4) if ratios else 0.0,
        "fill_mean": round(float(np.mean(ratios)), 4) if ratios else 0.0,
        "fill_max": round(max(ratios), 4) if ratios else 0.0,
        "score": score.to_json(),
    }
    out_stats.update(stats)
    return Plan(
        assignments=assignments,
        unplaced=unplaced,
        objective=objective,
        bound=ub,
        gap=gap,
        fill=fill,
        issues=list(prep.issues),
        stats=out_stats,
        method=method,
    )


def _gr(prep: Prepared, i: int) -> tuple[Id, Id, Id]:
    g, s, r = prep.key(i)
    return g, r, s
