"""Greedy baseline: round by round, first preferences first; the benchmark's yardstick and the fallback."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from loket.events.objective import keep_set
from loket.events.prepare import Prepared, prepare
from loket.events.result import finish
from loket.events.types import Assignment, EventInput, Plan, Weights


def greedy_indices(prep: Prepared, keep: frozenset[int] = frozenset()) -> list[int]:
    """Chosen candidate indices of the greedy plan.

    Previous assignments (``keep``) are placed first when they still fit. Then for each round in time
    order, for preference rank 1..5, each group (order rotated per round, so nobody always comes last)
    that has not yet seen that preference takes the emptiest fitting session covering it; groups still
    without a session in that round take the emptiest fitting session of a world they have not seen,
    then any fitting session.
    """
    by_gr: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(prep.n):
        by_gr[(int(prep.cg[i]), int(prep.cr[i]))].append(i)
    load: dict[tuple[int, int], int] = defaultdict(int)
    placed: dict[tuple[int, int], int] = {}
    companies: dict[int, set] = defaultdict(set)
    worlds: dict[int, set[str]] = defaultdict(set)
    ranks: dict[int, set[int]] = defaultdict(set)
    chosen: list[int] = []

    def room(i: int) -> int:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        s = prep.sessions[si]
        if (gi, ri) in placed or s.company_id in companies[gi]:
            return -1
        return s.seats_per_round - load[(si, ri)] - prep.groups[gi].pupils

    def take(i: int) -> None:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        load[(si, ri)] += prep.groups[gi].pupils
        placed[(gi, ri)] = i
        companies[gi].add(prep.sessions[si].company_id)
        worlds[gi].add(prep.worlds[si])
        ranks[gi].update(prep.pref_ranks(gi, si))
        chosen.append(i)

    for i in sorted(keep):
        if room(i) >= 0:
            take(i)

    n_g = len(prep.groups)
    for ri in range(len(prep.round_ids)):
        shift = (ri * n_g) // max(len(prep.round_ids), 1)
        order = [(k + shift) % n_g for k in range(n_g)]
        order = [gi for gi in order if (gi, ri) in by_gr]
        for rank in range(1, max((len(p) for p in prep.prefs), default=0) + 1):
            for gi in order:
                if (gi, ri) in placed or rank in ranks[gi] or len(prep.prefs[gi]) < rank:
                    continue
                options = [i for i in by_gr[(gi, ri)] if rank in prep.pref_ranks(gi, int(prep.cs[i]))]
                best = max(options, key=room, default=None)
                if best is not None and room(best) >= 0:
                    take(best)
        for gi in order:
            if (gi, ri) in placed:
                continue
            options = by_gr[(gi, ri)]
            best = max(
                options,
                key=lambda i, gi=gi: (prep.worlds[int(prep.cs[i])] not in worlds[gi], room(i)),
                default=None,
            )
            if best is not None and room(best) < 0:
                best = max(options, key=room)
            if best is not None and room(best) >= 0:
                take(best)
    return chosen


def greedy_plan(
    event_input: EventInput, previous: Plan | Sequence[Assignment] | None = None, weights: Weights = Weights()
) -> Plan:
    """The greedy baseline as a Plan, scored with the planner's objective; ``bound`` is its own objective."""
    t0 = time.perf_counter()
    prep = prepare(event_input)
    prev = previous.assignments if isinstance(previous, Plan) else previous
    keep = keep_set(prep, prev)
    chosen = greedy_indices(prep, keep)
    stats = {"status": "greedy", "seconds": round(time.perf_counter() - t0, 4)}
    return finish(prep, chosen, weights, keep=keep, bound=None, method="greedy", stats=stats)


def start_indices(prep: Prepared, weights: Weights, keep: frozenset[int] = frozenset()) -> list[int]:
    """A better start for the planner's search than the baseline: first choices, then hardest first.

    Previous assignments (``keep``) first when they still fit; then every group's first choice in
    the roomiest session offering it (groups with the fewest such options first); then the other
    group-rounds in order of fewest candidate sessions (large groups first among equals), each
    taking the candidate with room that adds most to the objective (new preference ranks, a new
    world, fill up to the round's target).
    """
    by_gr: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(prep.n):
        by_gr[(int(prep.cg[i]), int(prep.cr[i]))].append(i)
    load: dict[tuple[int, int], int] = defaultdict(int)
    placed: set[tuple[int, int]] = set()
    companies: dict[int, set[int]] = defaultdict(set)
    worlds: dict[int, set[int]] = defaultdict(set)
    covered: dict[int, int] = defaultdict(int)
    chosen: list[int] = []

    def fits(i: int) -> bool:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        return (
            (gi, ri) not in placed
            and int(prep.scompany[si]) not in companies[gi]
            and load[(si, ri)] + prep.groups[gi].pupils <= prep.sessions[si].seats_per_round
        )

    def gain(i: int) -> tuple[float, int]:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        new = int(prep.cmask[i]) & ~covered[gi]
        seats = prep.sessions[si].seats_per_round
        target = float(prep.target[ri]) * seats
        value = sum(weights.rank_score(k + 1) for k in range(new.bit_length()) if new >> k & 1)
        value += weights.world * (int(prep.sworld[si]) not in worlds[gi])
        value += (
            weights.fill
            * max(0.0, min(target, load[(si, ri)] + prep.groups[gi].pupils) - load[(si, ri)])
            / seats
        )
        value += weights.keep * (i in keep)
        return value, seats - load[(si, ri)]

    def take(i: int) -> None:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        load[(si, ri)] += prep.groups[gi].pupils
        placed.add((gi, ri))
        companies[gi].add(int(prep.scompany[si]))
        worlds[gi].add(int(prep.sworld[si]))
        covered[gi] |= int(prep.cmask[i])
        chosen.append(i)

    for i in sorted(keep):
        if fits(i):
            take(i)
    # First choices first: each group (fewest first-choice options first) takes the roomiest one.
    firsts: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(prep.cmask & 1).tolist():
        firsts[int(prep.cg[i])].append(i)
    for gi in sorted(firsts, key=lambda gi: (len(firsts[gi]), gi)):
        if covered[gi] & 1:
            continue
        options = [i for i in firsts[gi] if fits(i)]
        if options:
            take(max(options, key=lambda i: gain(i)[1]))
    order = sorted(by_gr, key=lambda gr: (len(by_gr[gr]), -prep.groups[gr[0]].pupils, gr))
    for gr in order:
        options = [i for i in by_gr[gr] if fits(i)]
        if options:
            take(max(options, key=gain))
    return chosen


def place_missing(prep: Prepared, chosen: list[int]) -> list[int]:
    """Place group-rounds still without a session by moving one seated group elsewhere in that round.

    For a missing (group, round) and a session it could join but that is too full, a group seated
    there moves to another session of the same round with room (a company it does not visit yet),
    when that frees enough seats. Repeats while it places more; the hard constraints hold throughout.
    """
    before = -1
    while len(chosen) > before:
        before = len(chosen)
        chosen = _place_missing_once(prep, chosen)
    return chosen


def _place_missing_once(prep: Prepared, chosen: list[int]) -> list[int]:
    chosen = list(chosen)
    n_r = max(len(prep.round_ids), 1)
    by_gr: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(prep.n):
        by_gr[(int(prep.cg[i]), int(prep.cr[i]))].append(i)
    pupils = [g.pupils for g in prep.groups]
    seats = [s.seats_per_round for s in prep.sessions]
    load: dict[int, int] = defaultdict(int)
    seat_of: dict[tuple[int, int], int] = {}
    companies: dict[int, set[int]] = defaultdict(set)
    sitting: dict[int, list[int]] = defaultdict(list)
    for i in chosen:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        load[si * n_r + ri] += pupils[gi]
        seat_of[(gi, ri)] = i
        companies[gi].add(int(prep.scompany[si]))
        sitting[si * n_r + ri].append(i)

    def move(i: int, add: bool) -> None:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        key = si * n_r + ri
        if add:
            load[key] += pupils[gi]
            seat_of[(gi, ri)] = i
            companies[gi].add(int(prep.scompany[si]))
            sitting[key].append(i)
            chosen.append(i)
        else:
            load[key] -= pupils[gi]
            del seat_of[(gi, ri)]
            companies[gi].discard(int(prep.scompany[si]))
            sitting[key].remove(i)
            chosen.remove(i)

    for (gi, ri), options in by_gr.items():
        if (gi, ri) in seat_of:
            continue
        done = False
        for i in options:
            si = int(prep.cs[i])
            if int(prep.scompany[si]) in companies[gi]:
                continue
            key = si * n_r + ri
            for j in list(sitting[key]):
                hj = int(prep.cg[j])
                if load[key] - pupils[hj] + pupils[gi] > seats[si]:
                    continue
                for k in by_gr[(hj, ri)]:
                    sk = int(prep.cs[k])
                    if sk == si or load[sk * n_r + ri] + pupils[hj] > seats[sk]:
                        continue
                    if int(prep.scompany[sk]) in companies[hj] - {int(prep.scompany[si])}:
                        continue
                    move(j, add=False)
                    move(k, add=True)
                    move(i, add=True)
                    done = True
                    break
                if done:
                    break
            if done:
                break
    return chosen
