"""The matching engine as it was before issue 14, measured in the same run as today's engine.

Machines differ two- to threefold between sessions, so a figure from an earlier session says little
about today's code. This module takes the engine of ``BASELINE`` (main at 9ccbf94: one request at a
time after a batched tree query, the engine whose all-top-10 was 6.6 s when issue 14 was written)
out of git into a temporary folder and measures it in a child process on the same synthetic data
(that tree's own ``make_data``, unchanged since), the same way ``bench_matching.py`` measures today's
engine: build, one request p95 over the same sample, all top-10.

    .venv/bin/python benchmarks/match_baseline.py      # the baseline's figures as JSON
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: main before issue 14's speed work (its all-top-10 measured 6.6 s in the session that wrote the issue)
BASELINE = "9ccbf9471a65a4ff6a4d10ea127ccd188743fcbb"
#: what the child needs of that tree: the engine, its data files and the benchmark's data generator
PATHS = ("loket", "data", "benchmarks")


def _extract(commit: str, into: Path) -> None:
    """Write ``PATHS`` of ``commit`` under ``into`` (``git archive``; the repository's own history)."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, *PATHS],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=BytesIO(done.stdout)) as tar:
        tar.extractall(into, filter="data")


def baseline_figures(size: tuple[int, int, int, int], commit: str = BASELINE) -> dict:
    """The baseline engine's figures on ``size`` (schools, companies, requests, offers); a dict with
    ``error`` instead when the commit is not in this clone (a shallow clone, say)."""
    with tempfile.TemporaryDirectory(prefix="loket-baseline-") as tmp:
        try:
            _extract(commit, Path(tmp))
        except subprocess.CalledProcessError as exc:
            return {"commit": commit, "error": exc.stderr.decode(errors="replace").strip()[-300:]}
        child = subprocess.run(
            [sys.executable, __file__, "--child", tmp, *map(str, size)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp,
        )
    if child.returncode != 0:
        return {"commit": commit, "error": child.stderr.strip()[-500:]}
    return {"commit": commit, **json.loads(child.stdout)}


def _measure(tree: str, schools: int, companies: int, n_requests: int, n_offers: int) -> dict:
    """In the child: the tree's engine on the tree's data generator, measured like bench_matching."""
    import importlib.util

    import numpy as np

    sys.path[:0] = [tree, f"{tree}/benchmarks"]  # its loket and its benchmark helpers, not today's
    spec = importlib.util.spec_from_file_location("baseline_bench", f"{tree}/benchmarks/bench_matching.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # the baseline tree's data generator (the same as today's)
    make_data = bench.make_data
    from loket.matching import Engine

    requests, offers = make_data(schools, companies, n_requests, n_offers)
    t0 = time.perf_counter()
    engine = Engine(offers)
    build_s = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    pick = rng.choice(len(requests), size=min(200, len(requests)), replace=False)
    sample = [requests[int(i)] for i in pick]
    for r in sample[:20]:  # warm-up
        engine.suggest(r)
    one = []
    for r in sample:
        t0 = time.perf_counter()
        engine.suggest(r, top_k=10)
        one.append(time.perf_counter() - t0)
    one.sort()
    t0 = time.perf_counter()
    engine.suggest_all(requests, top_k=10)
    all_s = time.perf_counter() - t0
    return {
        "build_s": round(build_s, 3),
        "one_request_p95_ms": round(one[min(len(one) - 1, round(0.95 * (len(one) - 1)))] * 1000, 3),
        "all_top10_s": round(all_s, 3),
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        tree, *numbers = sys.argv[2:]
        print(json.dumps(_measure(tree, *map(int, numbers))))
    else:
        print(json.dumps(baseline_figures((10_000, 50_000, 10_000, 50_000)), indent=2))
