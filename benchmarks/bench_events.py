"""Benchmark of the career-day planner: 60 companies, 6 rounds over 2 days, 120 groups (3,000 pupils).

Plans the seeded instance of `loket.events.generate` with the planner and, beside it, the greedy
baseline (first preference first, round by round) and one plain MILP over the whole event with the
same time limit; reports wall time, objective, bound and gap, fill rates, the share of groups that
get their first choice and the distinct worlds per group. Then a late change (the busiest session
is cancelled) is re-planned from the previous plan and from scratch, counting the groups that move.
Writes benchmarks/results/events.json.

    .venv/bin/python benchmarks/bench_events.py               # full size
    .venv/bin/python benchmarks/bench_events.py --small       # 15 companies, 30 groups, quick check
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy  # noqa: E402

from benchmarks.common import RESULTS, machine, peak_rss_mb, timed  # noqa: E402
from loket.events import (  # noqa: E402
    EventInput,
    Plan,
    Weights,
    compare,
    generate,
    greedy_plan,
    lp_bound,
    plan,
)

T = TypeVar("T")
TARGET_SECONDS = 10.0
TARGET_GAP = 0.02


def timed_cpu(fn: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``fn`` once; return its value, the wall time and the CPU time of this process (all threads)."""
    c0 = time.process_time()
    value, wall = timed(fn)
    return value, wall, time.process_time() - c0


def figures(
    ev: EventInput, p: Plan, seconds: float, cpu: float, bound: float, weights: Weights
) -> dict[str, Any]:
    """What the issue asks for, for one plan; gaps against ``bound`` (the best proven bound)."""
    s = p.stats
    ratios = p.fill_rates()
    placed_value = weights.place * s["placed"]
    worlds = Counter(len(set(v.values())) for v in p.by_group().values())
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "objective": round(p.objective, 3),
        "own_bound": round(p.bound, 3),
        "gap_to_bound": round((bound - p.objective) / bound, 5),
        # The placement term dominates the objective; this gap leaves it out (bound minus the value
        # of the group-rounds this plan places, against what the plan earns beyond placing them).
        "gap_beyond_placement": round((bound - p.objective) / (bound - placed_value), 5),
        "score": s["score"],
        "group_rounds": s["group_rounds"],
        "placed": s["placed"],
        "unplaced": dict(Counter(u.reason for u in p.unplaced)),
        "first_choice_share": s["first_choice_share"],
        "preferences_seen_mean": round(_preferences_seen(ev, p), 4),
        "distinct_worlds_mean": s["distinct_worlds_mean"],
        "distinct_worlds_histogram": {str(k): worlds[k] for k in sorted(worlds)},
        "fill": {
            "min": round(min(ratios), 4),
            "mean": round(statistics.fmean(ratios), 4),
            "max": round(max(ratios), 4),
            "stdev": round(statistics.pstdev(ratios), 4),
            "empty_session_rounds": sum(1 for r in ratios if r == 0),
            "session_rounds": len(ratios),
        },
        "solver": {
            k: s[k]
            for k in (
                "method",
                "status",
                "bound_source",
                "lp_seconds",
                "best_found_s",
                "milp_incumbent",
                "neighbourhoods_tried",
                "neighbourhoods_improved",
                "variables",
                "binaries",
                "constraints",
            )
            if k in s
        },
    }


def _preferences_seen(ev: EventInput, p: Plan) -> float:
    """Mean number of its own preferences a group sees (any session of that world or sector)."""
    sectors = {s.id: set(s.sectors) for s in ev.sessions}
    seen = p.by_group()
    counts = [
        sum(1 for pref in g.preferences if any(pref in sectors[sid] for sid in seen.get(g.id, {}).values()))
        for g in ev.groups
    ]
    return statistics.fmean(counts) if counts else 0.0


def moved(first: Plan, later: Plan, forced: set) -> dict[str, int]:
    """Group-rounds that changed session or lost it, split into forced (in the cancelled session) and not."""
    ch = compare(first.assignments, later.assignments)
    changed = set(ch.moved) | set(ch.dropped)
    return {
        "forced": len(changed & forced),
        "unforced": len(changed - forced),
        "groups_moved": len({g for g, _ in changed}),
        "placed": later.stats["placed"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="15 companies, 30 groups, 750 pupils")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=9.0,
        help="planner time limit in s (9 s so the whole call, with input checks, stays under 10 s)",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    size = (
        dict(companies=15, groups=30, pupils=750)
        if args.small
        else dict(companies=60, groups=120, pupils=3000)
    )
    out_path = args.out or RESULTS / ("events-small.json" if args.small else "events.json")
    weights = Weights()
    load_before = os.getloadavg()

    ev, t_gen = timed(lambda: generate(args.seed, **size))
    print(f"instance: {len(ev.sessions)} sessions, {len(ev.groups)} groups in {t_gen:.2f} s", file=sys.stderr)
    planned, t_plan, c_plan = timed_cpu(lambda: plan(ev, weights=weights, time_limit=args.time_limit))
    print(f"planner: {t_plan:.2f} s objective {planned.objective:.1f} gap {planned.gap:.4%}", file=sys.stderr)
    greedy, t_greedy, c_greedy = timed_cpu(lambda: greedy_plan(ev, weights=weights))
    print(f"greedy: {t_greedy:.2f} s objective {greedy.objective:.1f}", file=sys.stderr)
    one_milp, t_one, c_one = timed_cpu(
        lambda: plan(ev, weights=weights, time_limit=args.time_limit, strategy="exact")
    )
    print(f"one MILP: {t_one:.2f} s objective {one_milp.objective:.1f}", file=sys.stderr)

    # Gaps are against the best bound known: the planner's, the one-MILP run's and the LP relaxation
    # solved once more here without a time limit (on a busy machine the planner's own LP may not
    # finish within the time limit; the planner then reports a weaker bound).
    offline_lp, t_lp = timed(lambda: lp_bound(ev, weights=weights))
    bound = min(b for b in (planned.bound, one_milp.bound, offline_lp) if b is not None)
    results = {
        "planner": figures(ev, planned, t_plan, c_plan, bound, weights),
        "greedy": figures(ev, greedy, t_greedy, c_greedy, bound, weights),
        "one_milp": figures(ev, one_milp, t_one, c_one, bound, weights),
    }

    # A late change: the busiest session is cancelled. Re-plan from the previous plan and from scratch.
    busiest = Counter(a.session for a in planned.assignments).most_common(1)[0][0]
    forced = {(a.group, a.round) for a in planned.assignments if a.session == busiest}
    later = replace(ev, sessions=tuple(s for s in ev.sessions if s.id != busiest))
    warm, t_warm = timed(lambda: plan(later, previous=planned, weights=weights, time_limit=args.time_limit))
    cold, t_cold = timed(lambda: plan(later, weights=weights, time_limit=args.time_limit))
    stability = {
        "change": f"session {busiest} cancelled ({len(forced)} group-rounds in it)",
        "previous_assignments": len(planned.assignments),
        "replan_from_previous": {**moved(planned, warm, forced), "seconds": round(t_warm, 3)},
        "replan_from_scratch": {**moved(planned, cold, forced), "seconds": round(t_cold, 3)},
    }
    print(f"stability: {stability}", file=sys.stderr)

    p = results["planner"]
    report = {
        "benchmark": "events",
        "size": {
            **size,
            "sessions": len(ev.sessions),
            "rounds": len(ev.rounds),
            "days": len({r.day for r in ev.rounds}),
            "group_rounds": p["group_rounds"],
            "candidate_triples": planned.stats["candidates"],
        },
        "seed": args.seed,
        "time_limit_s": args.time_limit,
        "weights": {
            "place": weights.place,
            "keep": weights.keep,
            "preference_by_rank": list(weights.preference),
            "world": weights.world,
            "fill": weights.fill,
        },
        "one_milp_note": (
            "strategy='exact': HiGHS on the whole model for the whole time limit; it returns the better "
            "of HiGHS' own incumbent (solver.milp_incumbent, null when it found none) and the planner's start"
        ),
        "bound": round(bound, 3),
        "bounds": {
            "planner": round(planned.bound, 3),
            "planner_source": planned.stats.get("bound_source"),
            "one_milp_dual_bound": round(one_milp.bound, 3),
            "lp_relaxation": round(offline_lp, 3) if offline_lp is not None else None,
            "lp_relaxation_seconds": round(t_lp, 3),
        },
        "results": results,
        "planner_over_greedy": {
            "objective_gain": round(planned.objective - greedy.objective, 3),
            "more_placed": p["placed"] - results["greedy"]["placed"],
        },
        "stability": stability,
        "targets": {"seconds": TARGET_SECONDS, "gap_to_lp_bound": TARGET_GAP},
        "within_targets": bool(p["seconds"] < TARGET_SECONDS and p["gap_to_bound"] <= TARGET_GAP),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": {
            **machine(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "load_average_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        },
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report["results"]["planner"], indent=2))
    print(f"wrote {out_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
