"""Small shared helpers for the benchmarks: timing, peak memory, the JSON report."""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn`` once; return its value and the wall time in seconds."""
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def cpu_s() -> float:
    """User + system CPU seconds of this process and of its children waited for so far."""
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``fn`` once; return its value, the wall seconds and the CPU seconds (this process and the
    children it waited for): on a machine shared with other work the CPU time is the steadier figure."""
    c0, t0 = cpu_s(), time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0, cpu_s() - c0


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (how busy the machine was while measuring)."""
    import os

    return [round(x, 2) for x in os.getloadavg()]


def percentile_ms(seconds: list[float], q: float) -> float:
    """The q-th percentile (0-100) of durations given in seconds, in milliseconds."""
    xs = sorted(seconds)
    if not xs:
        return 0.0
    k = min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))
    return xs[k] * 1000.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_json(name: str, data: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` (pretty, UTF-8) and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def create_database(base_url: str) -> str:
    """A new, empty PostgreSQL database beside the one ``base_url`` names; its URL."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"loket_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, bench_url: str) -> None:
    """Drop the database of ``bench_url`` (connected through ``base_url``)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(bench_url).database}" WITH (FORCE)'))
    admin.dispose()
