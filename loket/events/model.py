"""The career-day MILP in scipy's form, solved with HiGHS (``scipy.optimize.milp``).

Binary ``x[g,s,r]`` = group g visits session s in round r, for every feasible triple (see
``prepare``). Hard constraints: a group visits at most one session per round, a session-round holds
at most its seats (counted in pupils), a group visits each company at most once. Levels and round
presence are enforced by creating only feasible triples. The objective is in docs/EVENTS.md. The
model can cover part of the candidates with the rest fixed (a neighbourhood of the search).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, linprog, milp

from loket.events.prepare import Prepared
from loket.events.types import MAX_PREFERENCES, Weights

PerKey = Callable[[np.ndarray], np.ndarray]


class Model:
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

        def add_rows(keys: np.ndarray, coef: np.ndarray, lim_of: PerKey | float) -> None:
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

        def add_aux(keys: np.ndarray, sel: np.ndarray, coef: np.ndarray, cost: PerKey, cap: PerKey) -> None:
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


def repair(prep: Prepared, chosen: Sequence[int]) -> list[int]:
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


def dual_bound(res) -> float | None:
    """Upper bound on the maximum from a HiGHS MILP result (it minimised the negated objective)."""
    dual = getattr(res, "mip_dual_bound", None)
    if dual is None or not math.isfinite(dual):
        return None
    return -float(dual)
