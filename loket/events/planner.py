"""The career-day planner: the MILP (``model``) solved with scipy's HiGHS.

Small events are solved as one MILP (HiGHS' dual bound is the bound). A full event has too many
interchangeable rounds for HiGHS to finish in seconds, so the same model is then solved piecewise
(large neighbourhood search, ``search``): start from the best of the greedy baseline, a
hardest-first construction and the one-MILP attempt, then repeatedly free a handful of groups (all
their rounds) around a group that lacks a round or a preference, keep the rest fixed and re-solve
that part exactly with ``milp``; a part is accepted only when the whole objective improves. The
bound is then the LP relaxation of the full model, which no integer plan can exceed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from loket.events.greedy import greedy_indices, place_missing, start_indices
from loket.events.model import Model, dual_bound, repair
from loket.events.objective import evaluate, keep_set
from loket.events.prepare import Prepared, prepare
from loket.events.result import finish
from loket.events.search import search
from loket.events.types import MAX_PREFERENCES, Assignment, EventInput, Plan, Weights

DEFAULT_TIME_LIMIT = 10.0
#: Up to this many candidate triples the whole event is one MILP; above it, neighbourhood search.
EXACT_MAX_CANDIDATES = 2500
#: Share of the time limit the one-MILP attempt may take before the search takes over.
EXACT_SHARE = 0.4


def plan(
    event_input: EventInput,
    previous: Plan | Sequence[Assignment] | None = None,
    weights: Weights = Weights(),
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    exact_max: int = EXACT_MAX_CANDIDATES,
    strategy: Literal["auto", "exact", "search"] = "auto",
) -> Plan:
    """Plan the event: assign each group one session per round it attends, maximising the objective.

    ``previous`` (a plan or its assignments) earns ``weights.keep`` per repeated assignment, so a
    re-plan after a late change moves few groups. Stops after about ``time_limit`` seconds with the
    best plan found. ``strategy="auto"`` first tries events with at most ``exact_max`` candidate
    triples as one MILP (for a share of the time) and otherwise, or when that is not proven optimal,
    runs the neighbourhood search (module docstring); ``"exact"`` is one MILP for the whole time,
    ``"search"`` always the search. Bad input never raises: problems are in ``plan.issues`` and every
    unplaced group-round carries a reason.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    prep = prepare(event_input)
    prev = previous.assignments if isinstance(previous, Plan) else previous
    keep = keep_set(prep, prev)
    stats: dict = {"time_limit_s": time_limit}
    if prep.n == 0:
        stats.update(
            method="none", status="empty", bound_source="empty", seconds=round(time.perf_counter() - t0, 4)
        )
        return finish(prep, [], weights, keep=keep, bound=0.0, method="milp", stats=stats)

    model = Model(prep, weights, keep, np.arange(prep.n, dtype=np.int64))
    stats.update(variables=int(model.c.size), binaries=model.n_x, constraints=model.n_rows)
    bounds: list[float] = []
    exact_first = strategy == "exact" or (strategy == "auto" and prep.n <= exact_max)
    # The LP relaxation (the bound of the search) runs in a second thread: HiGHS releases the GIL,
    # so on two cores it costs the search no time. Without a one-MILP attempt it starts at once.
    with ThreadPoolExecutor(max_workers=1) as pool:
        lp = None if exact_first else pool.submit(_timed, model.relaxation, deadline - time.perf_counter())
        start = _start(prep, weights, keep)
        if exact_first:
            share = 1.0 if strategy == "exact" else EXACT_SHARE
            res = model.solve(share * (deadline - time.perf_counter()))
            if (dual := dual_bound(res)) is not None:
                bounds.append(dual)
            exact = repair(prep, model.chosen(res))
            stats["milp_incumbent"] = round(evaluate(prep, exact, weights, keep).total, 6) if exact else None
            if (
                exact
                and evaluate(prep, exact, weights, keep).total >= evaluate(prep, start, weights, keep).total
            ):
                start = exact
            if (res.status == 0 and bounds) or strategy == "exact":
                stats.update(
                    method="exact",
                    status={0: "optimal", 1: "time_limit"}.get(res.status, f"solver_status_{res.status}"),
                    bound_source="milp_dual_bound" if bounds else "trivial",
                    seconds=round(time.perf_counter() - t0, 4),
                )
                bound = min(bounds) if bounds else _trivial_bound(prep, weights, keep)
                return finish(prep, start, weights, keep=keep, bound=bound, method="milp", stats=stats)
            lp = pool.submit(_timed, model.relaxation, deadline - time.perf_counter())
        chosen = search(prep, weights, keep, start, deadline, stats)
        stats["best_found_s"] = round(stats.pop("best_found_at", t0) - t0, 4)
        lp_bound, lp_seconds = lp.result()
    stats["lp_seconds"] = round(lp_seconds, 4)
    if lp_bound is not None:
        bounds.append(lp_bound)
    stats.update(
        method="search",
        status="local_optimum" if stats.get("converged") else "time_limit",
        bound_source="lp_relaxation"
        if lp_bound is not None and lp_bound == min(bounds)
        else "milp_dual_bound",
    )
    if not bounds:
        bounds.append(_trivial_bound(prep, weights, keep))
        stats["bound_source"] = "trivial"
    stats["seconds"] = round(time.perf_counter() - t0, 4)
    return finish(prep, chosen, weights, keep=keep, bound=min(bounds), method="milp_search", stats=stats)


def lp_bound(
    event_input: EventInput,
    previous: Plan | Sequence[Assignment] | None = None,
    weights: Weights = Weights(),
    *,
    time_limit: float = 600.0,
) -> float | None:
    """The LP relaxation's optimum for this input on its own (no plan can score more), or None."""
    prep = prepare(event_input)
    if prep.n == 0:
        return 0.0
    prev = previous.assignments if isinstance(previous, Plan) else previous
    model = Model(prep, weights, keep_set(prep, prev), np.arange(prep.n, dtype=np.int64))
    return model.relaxation(time_limit)


def _start(prep: Prepared, weights: Weights, keep: frozenset[int]) -> list[int]:
    """The better of the greedy baseline and the hardest-first construction, both with one-step repairs."""
    return max(
        (
            place_missing(prep, greedy_indices(prep, keep)),
            place_missing(prep, start_indices(prep, weights, keep)),
        ),
        key=lambda c: evaluate(prep, c, weights, keep).total,
    )


def _timed(fn: Callable[[float], float | None], arg: float) -> tuple[float | None, float]:
    t0 = time.perf_counter()
    value = fn(arg)
    return value, time.perf_counter() - t0


def _trivial_bound(prep: Prepared, weights: Weights, keep: frozenset[int]) -> float:
    """Every group-round placed and kept, every coverable preference and world seen, every room at target."""
    group_rounds = len(set((prep.cg * max(len(prep.round_ids), 1) + prep.cr).tolist()))
    n_g = len(prep.groups)
    covered = np.zeros(n_g, dtype=np.int64)
    np.bitwise_or.at(covered, prep.cg, prep.cmask)
    prefs = sum(
        weights.rank_score(k + 1) for m in covered.tolist() for k in range(MAX_PREFERENCES) if m >> k & 1
    )
    n_w = int(prep.sworld.max()) + 1
    seen = np.zeros(n_g * n_w, dtype=bool)
    seen[prep.cg * n_w + prep.sworld[prep.cs]] = True
    worlds = sum(
        min(int(k), len(g.rounds))
        for k, g in zip(seen.reshape(n_g, n_w).sum(axis=1), prep.groups, strict=True)
    )
    rooms = len(set((prep.cs * max(len(prep.round_ids), 1) + prep.cr).tolist()))
    fill = float(prep.target.max()) * rooms if prep.target.size else 0.0
    return (
        (weights.place + (weights.keep if keep else 0.0)) * group_rounds
        + prefs
        + weights.world * worlds
        + (weights.fill * fill)
    )
