"""Benchmark of the clustering engine: 10,000 schools + 50,000 companies over the Netherlands.

Runs every method of `loket.clusters.form_clusters`, reports its measures and wall time, and
runs a naive baseline beside it: a pure-Python loop that assigns every site to the nearest
cluster centre with a haversine per pair (the vectorised engine does the same assignment in
`nearest_centre`; both labelings are checked to be equal). Writes benchmarks/results/clusters.json.

    .venv/bin/python benchmarks/bench_clusters.py            # full size
    .venv/bin/python benchmarks/bench_clusters.py --small    # 1,000 + 5,000, quick check
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loket.clusters import (  # noqa: E402
    DEFAULT_METHOD,
    METHODS,
    ClusterParams,
    Site,
    feasible_pairs,
    form_clusters,
    relabel,
)
from loket.clusters.companies import nearest_centre  # noqa: E402
from loket.geo.gazetteer import Gazetteer  # noqa: E402

T = TypeVar("T")
RESULTS = ROOT / "benchmarks" / "results"
EARTH_RADIUS_KM = 6371.0088


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Run fn once; return its value and the wall time in seconds."""
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_sites(n_schools: int, n_companies: int, seed: int) -> list[Site]:
    """Schools and companies at real Dutch places, drawn in proportion to population."""
    rng = np.random.default_rng(seed)
    points = Gazetteer.default().random_points(n_schools + n_companies, rng)
    return [
        Site(
            f"s{i}" if i < n_schools else f"c{i - n_schools}",
            "school" if i < n_schools else "company",
            p.lat,
            p.lon,
            p.place,
        )
        for i, p in enumerate(points)
    ]


def naive_nearest(points: list[tuple[float, float]], centres: list[tuple[float, float]]) -> list[int]:
    """Baseline: a pure-Python double loop with one haversine per (site, centre) pair."""
    out: list[int] = []
    rc = [(math.radians(a), math.radians(b), math.cos(math.radians(a))) for a, b in centres]
    for lat, lon in points:
        p1, l1 = math.radians(lat), math.radians(lon)
        c1 = math.cos(p1)
        best, best_d = -1, float("inf")
        for j, (p2, l2, c2) in enumerate(rc):
            a = math.sin((p2 - p1) / 2) ** 2 + c1 * c2 * math.sin((l2 - l1) / 2) ** 2
            d = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))
            if d < best_d:
                best, best_d = j, d
        out.append(best)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1,000 schools + 5,000 companies")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--feasible-km", type=float, default=10.0, help="km for feasible pairs")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    n_s, n_c = (1_000, 5_000) if args.small else (10_000, 50_000)
    params = ClusterParams()
    out_path = args.out or RESULTS / ("clusters-small.json" if args.small else "clusters.json")

    sites, t_data = timed(lambda: make_sites(n_s, n_c, args.seed))
    print(f"data: {n_s} schools + {n_c} companies in {t_data:.2f} s", file=sys.stderr)
    pairs, t_pairs = timed(lambda: feasible_pairs(sites, args.feasible_km))
    print(f"feasible pairs within {args.feasible_km:g} km: {len(pairs)} in {t_pairs:.2f} s", file=sys.stderr)

    methods: dict[str, Any] = {}
    results = {}
    for method in METHODS:
        p = ClusterParams(
            max_radius_km=params.max_radius_km,
            min_schools=params.min_schools,
            max_schools=params.max_schools,
            method=method,
        )
        result, secs = timed(lambda p=p: form_clusters(sites, p, pairs=pairs))
        results[method] = result
        methods[method] = {"seconds": round(secs, 3), "measures": result.measures.to_dict()}
        print(f"{method}: {secs:.2f} s {result.measures.to_dict()}", file=sys.stderr)

    # Baseline beside the engine: assign every site to the nearest centre of the default run.
    ref = results[DEFAULT_METHOD]
    latlon = [(s.lat, s.lon) for s in sites]
    naive, t_naive = timed(lambda: naive_nearest(latlon, ref.centres))
    lat = np.array([s.lat for s in sites])
    lon = np.array([s.lon for s in sites])
    c = np.array(ref.centres)
    (vec, _), t_vec = timed(lambda: nearest_centre(lat, lon, c[:, 0], c[:, 1]))
    agree = float(np.mean(np.asarray(naive) == vec))
    baseline = {
        "task": f"assign {len(sites)} sites to the nearest of {len(ref.centres)} centres",
        "naive_python_haversine_seconds": round(t_naive, 3),
        "engine_vectorised_seconds": round(t_vec, 4),
        "speedup_same_task": round(t_naive / t_vec, 1) if t_vec > 0 else None,
        "naive_over_full_engine_run": round(t_naive / methods[DEFAULT_METHOD]["seconds"], 2),
        "labels_agree": round(agree, 6),
    }
    print(f"baseline: {baseline}", file=sys.stderr)

    # Stability: drop 1% of the sites, re-run cold and warm (previous=old keys), count what moved.
    kept = [s for i, s in enumerate(sites) if i % 100 != 7]
    stability: dict[str, Any] = {"dropped_sites": len(sites) - len(kept)}
    for method, result in results.items():
        p = ClusterParams(method=method)
        old = {sid: f"k{lab}" for sid, lab in result.labels.items()}
        cold = relabel(old, form_clusters(kept, p).labels)
        warm_result, t_warm = timed(lambda p=p, old=old: form_clusters(kept, p, previous=old))
        warm = relabel(old, warm_result.labels)
        stability[method] = {
            "cold_moved": len(cold.moved),
            "cold_new_dissolved": [len(cold.new_clusters), len(cold.dissolved)],
            "warm_moved": len(warm.moved),
            "warm_new_dissolved": [len(warm.new_clusters), len(warm.dissolved)],
            "warm_seconds": round(t_warm, 3),
        }
        print(f"stability {method}: {stability[method]}", file=sys.stderr)

    report = {
        "benchmark": "clusters",
        "size": {"schools": n_s, "companies": n_c, "organisations": n_s + n_c},
        "params": {
            "max_radius_km": params.max_radius_km,
            "min_schools": params.min_schools,
            "max_schools": params.max_schools,
            "random_state": params.random_state,
        },
        "seed": args.seed,
        "feasible_pairs": {"within_km": args.feasible_km, "count": len(pairs), "seconds": round(t_pairs, 3)},
        "default_method": DEFAULT_METHOD,
        "methods": methods,
        "baseline": baseline,
        "stability": stability,
        "budget_seconds": 15.0,
        "within_budget": all(m["seconds"] < 15.0 for m in methods.values()),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "platform": platform.platform(),
        },
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out_path)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
