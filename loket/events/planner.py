"""The career-day planner: a mixed-integer program solved with scipy's HiGHS (``scipy.optimize.milp``).

Binary ``x[g,s,r]`` = group g visits session s in round r, for every feasible triple (see
``prepare``). Hard constraints: a group visits at most one session per round, a session-round holds
at most its seats (counted in pupils), a group visits each company at most once. Levels and round
presence are enforced by creating only feasible triples. The objective is in docs/EVENTS.md.

Small events are solved as one MILP (HiGHS' dual bound is the bound). A full event has too many
interchangeable rounds for HiGHS to finish in seconds, so the same model is then solved piecewise
(large neighbourhood search): start from the best of the greedy baseline, a hardest-first
construction and the one-MILP attempt,
then repeatedly free a handful of groups (all their rounds) around a group that lacks a round or a
preference, keep the rest fixed and re-solve that part exactly with ``milp``; a part is accepted only
when the whole objective improves. The bound is then the LP relaxation of the full model, which no
integer plan can exceed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, linprog, milp

from loket.events.greedy import greedy_indices, place_missing, start_indices
from loket.events.prepare import Prepared, evaluate, finish, keep_set, prepare
from loket.events.types import MAX_PREFERENCES, Assignment, EventInput, Plan, Weights

DEFAULT_TIME_LIMIT = 10.0
#: Up to this many candidate triples the whole event is one MILP; above it, neighbourhood search.
EXACT_MAX_CANDIDATES = 2500
#: Share of the time limit the one-MILP attempt may take before the search takes over.
EXACT_SHARE = 0.4
#: Groups freed together in one neighbourhood of the search; the next size once a pass finds nothing.
NEIGHBOURHOOD_SIZES = (6, 10, 16, 24)


_PerKey = Callable[[np.ndarray], np.ndarray]


class _Model:
    """The MILP over the ``free`` candidates with the ``fixed`` ones already chosen, in scipy's form.

    Minimises ``c @ v`` (the negated objective minus the fixed part's constant) subject to
    ``A v <= ub`` and ``lower <= v <= upper``. Variables: x (one per usable free candidate, binary),
    then z[g,k] (group g sees its k-th preference), y[g,w] (group g sees world w), u[s,r] (fill of a
    session-round up to its round's target), all continuous in [0, cap] and bounded by the x that
    earn them; at an integer x their best values are 0/1 (z, y) or min(target, fill) (u).
    """

    def __init__(
        self,
        prep: Prepared,
        weights: Weights,
        keep: frozenset[int],
        free: np.ndarray,
        fixed: Sequence[int] = (),
    ) -> None:
        n_r = max(len(prep.round_ids), 1)
        n_s = max(len(prep.sessions), 1)
        n_c = int(prep.scompany.max()) + 1 if prep.scompany.size else 1
        n_w = int(prep.sworld.max()) + 1 if prep.sworld.size else 1
        pupils_g = np.array([g.pupils for g in prep.groups], dtype=float)
        seats_s = np.array([s.seats_per_round for s in prep.sessions], dtype=float)
        fx = np.asarray(fixed, dtype=np.int64)

        # What the fixed part already uses: group-rounds, companies per group, seats, preferences, worlds.
        load = np.bincount(
            prep.cs[fx] * n_r + prep.cr[fx], weights=pupils_g[prep.cg[fx]], minlength=n_s * n_r
        )
        covered = np.zeros(len(prep.groups), dtype=np.int64)
        np.bitwise_or.at(covered, prep.cg[fx], prep.cmask[fx])
        seen_world = set((prep.cg[fx] * n_w + prep.sworld[prep.cs[fx]]).tolist())

        f = np.asarray(free, dtype=np.int64)
        g, s, r = prep.cg[f], prep.cs[f], prep.cr[f]
        ok = ~np.isin(g * n_r + r, prep.cg[fx] * n_r + prep.cr[fx])
        ok &= ~np.isin(g * n_c + prep.scompany[s], prep.cg[fx] * n_c + prep.scompany[prep.cs[fx]])
        ok &= pupils_g[g] <= seats_s[s] - load[s * n_r + r] + 1e-9
        f, g, s, r = f[ok], g[ok], s[ok], r[ok]
        n = int(f.size)
        self.cand = f
        self.n_x = n
        pupils = pupils_g[g]

        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        ubs: list[np.ndarray] = []
        self.n_rows = 0
        x_idx = np.arange(n, dtype=np.int64)

        def add_rows(keys: np.ndarray, coef: np.ndarray, lim_of: _PerKey | float) -> None:
            """One row ``sum(coef * x) <= lim`` per distinct key, left out when it can never bind."""
            if not keys.size:
                return
            uniq, row = np.unique(keys, return_inverse=True)
            lim = lim_of(uniq).astype(float) if callable(lim_of) else np.full(uniq.size, float(lim_of))
            need = np.bincount(row, weights=coef, minlength=uniq.size) > lim + 1e-9
            if not need.any():
                return
            used = need[row]
            rows.append((np.cumsum(need) - 1)[row[used]] + self.n_rows)
            cols.append(x_idx[used])
            vals.append(coef[used])
            ubs.append(lim[need])
            self.n_rows += int(need.sum())

        ones = np.ones(n)
        add_rows(g * n_r + r, ones, 1.0)  # one session per group and round
        add_rows(s * n_r + r, pupils, lambda k: seats_s[k // n_r] - load[k])  # seats, in pupils
        add_rows(g * n_c + prep.scompany[s], ones, 1.0)  # never the same company twice

        aux_cost: list[np.ndarray] = []
        aux_cap: list[np.ndarray] = []
        n_aux = 0

        def add_aux(keys: np.ndarray, sel: np.ndarray, coef: np.ndarray, cost: _PerKey, cap: _PerKey) -> None:
            """One variable v per distinct key of ``x[sel]``: ``v <= sum(coef * x)``, ``v <= cap(key)``."""
            nonlocal n_aux
            keys, xs, coef = keys[sel], x_idx[sel], coef[sel]
            if not keys.size:
                return
            uniq, row = np.unique(keys, return_inverse=True)
            c, k = cost(uniq), cap(uniq)
            good = (c > 0) & (k > 1e-12)
            if not good.any():
                return
            new_row = np.cumsum(good) - 1
            m = int(good.sum())
            used = good[row]
            v_idx = n + n_aux + np.arange(m)
            rows.append(np.concatenate([self.n_rows + np.arange(m), self.n_rows + new_row[row[used]]]))
            cols.append(np.concatenate([v_idx, xs[used]]))
            vals.append(np.concatenate([np.ones(m), -coef[used]]))
            ubs.append(np.zeros(m))
            aux_cost.append(c[good])
            aux_cap.append(k[good])
            self.n_rows += m
            n_aux += m

        mask = prep.cmask[f]
        for k in range(1, MAX_PREFERENCES + 1):
            bit = 1 << (k - 1)
            sel = ((mask & bit) > 0) & ((covered[g] & bit) == 0)
            score = weights.rank_score(k)
            add_aux(g, sel, ones, lambda u, score=score: np.full(u.size, score), lambda u: np.ones(u.size))
        gw = g * n_w + prep.sworld[s]
        sel = ~np.isin(gw, np.fromiter(seen_world, dtype=np.int64, count=len(seen_world)))
        add_aux(gw, sel, ones, lambda u: np.full(u.size, weights.world), lambda u: np.ones(u.size))
        sr = s * n_r + r
        add_aux(
            sr,
            np.ones(n, dtype=bool),
            pupils / seats_s[s],
            lambda u: np.full(u.size, weights.fill),
            lambda u: np.maximum(0.0, prep.target[u % n_r] - load[u] / seats_s[u // n_r]),
        )

        x_cost = np.full(n, weights.place)
        if keep:
            x_cost[np.isin(f, np.fromiter(keep, dtype=np.int64, count=len(keep)))] += weights.keep
        n_var = n + n_aux
        self.c = -np.concatenate([x_cost, *aux_cost]) if aux_cost else -x_cost
        self.upper = np.concatenate([np.ones(n), *aux_cap]) if aux_cap else np.ones(n)
        self.lower = np.zeros(n_var)
        self.integrality = np.concatenate([np.ones(n), np.zeros(n_aux)])
        if rows:
            self.A = sparse.csr_array(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=(self.n_rows, n_var),
            )
            self.ub = np.concatenate(ubs)
        else:
            self.A = sparse.csr_array((0, n_var))
            self.ub = np.zeros(0)

    def solve(self, time_limit: float, mip_gap: float = 1e-4):
        """Run HiGHS' MILP solver; stops at ``time_limit`` seconds or a relative gap of ``mip_gap``."""
        constraints = [LinearConstraint(self.A, -np.inf, self.ub)] if self.n_rows else []
        return milp(
            self.c,
            integrality=self.integrality,
            bounds=(self.lower, self.upper),
            constraints=constraints,
            options={"time_limit": max(0.05, time_limit), "mip_rel_gap": mip_gap, "disp": False},
        )

    def relaxation(self, time_limit: float) -> float | None:
        """Optimum of the LP relaxation (no plan can score more), or None when not solved in time."""
        res = linprog(
            self.c,
            A_ub=self.A if self.n_rows else None,
            b_ub=self.ub if self.n_rows else None,
            bounds=np.column_stack([self.lower, self.upper]),
            method="highs-ipm",
            options={"time_limit": max(0.05, time_limit)},
        )
        return -float(res.fun) if res.status == 0 and res.fun is not None else None

    def chosen(self, res) -> list[int]:
        """Candidate indices set to 1 in a solver result (empty when it found no solution)."""
        if res.x is None:
            return []
        return [int(i) for i in self.cand[np.flatnonzero(res.x[: self.n_x] > 0.5)]]


def _repair(prep: Prepared, chosen: Sequence[int]) -> list[int]:
    """Drop chosen triples that break a hard constraint (a guard against solver tolerances)."""
    idx = np.asarray(chosen, dtype=np.int64)
    n_r = max(len(prep.round_ids), 1)
    n_c = int(prep.scompany.max(initial=0)) + 1
    g, s = prep.cg[idx], prep.cs[idx]
    keys, inv = np.unique(s * n_r + prep.cr[idx], return_inverse=True)
    pupils = np.array([gr.pupils for gr in prep.groups], dtype=float)
    seats = np.array([se.seats_per_round for se in prep.sessions], dtype=float)
    if (
        np.unique(g * n_r + prep.cr[idx]).size == idx.size
        and np.unique(g * n_c + prep.scompany[s]).size == idx.size
        and (np.bincount(inv, weights=pupils[g], minlength=keys.size) <= seats[keys // n_r]).all()
    ):
        return list(chosen)
    out: list[int] = []
    used_round: set[tuple[int, int]] = set()
    used_company: set[tuple[int, int]] = set()
    load: dict[tuple[int, int], int] = {}
    for i in chosen:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        company = int(prep.scompany[si])
        pupils = prep.groups[gi].pupils
        if (gi, ri) in used_round or (gi, company) in used_company:
            continue
        if load.get((si, ri), 0) + pupils > prep.sessions[si].seats_per_round:
            continue
        used_round.add((gi, ri))
        used_company.add((gi, company))
        load[(si, ri)] = load.get((si, ri), 0) + pupils
        out.append(i)
    return out


def _dual_bound(res) -> float | None:
    """Upper bound on the maximum from a HiGHS MILP result (it minimised the negated objective)."""
    dual = getattr(res, "mip_dual_bound", None)
    if dual is None or not math.isfinite(dual):
        return None
    return -float(dual)


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


def _search(
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
                model = _Model(prep, weights, keep, free, fixed)
                if model.n_x == 0:
                    continue
                res = model.solve(min(left, 2.0))
                tried += 1
                cand = _repair(prep, fixed + model.chosen(res))
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

    model = _Model(prep, weights, keep, np.arange(prep.n, dtype=np.int64))
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
            if (dual := _dual_bound(res)) is not None:
                bounds.append(dual)
            exact = _repair(prep, model.chosen(res))
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
        chosen = _search(prep, weights, keep, start, deadline, stats)
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
    model = _Model(prep, weights, keep_set(prep, prev), np.arange(prep.n, dtype=np.int64))
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
