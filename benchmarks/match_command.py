"""`loket match` end to end on a seeded benchmark-size PostgreSQL database (used by bench_matching.py).

- ``seeded_database``: a new database seeded with ``loket seed-demo`` (or one given to reuse).
- ``run_match``: the REAL command as a subprocess with ``--timings``: wall time, the command's phases
  (load, index, score, assign, write, out) and peak memory of it and its worker process.
- ``export_csv`` / ``reference``: the engine's inputs exported once from the database to CSV, and a
  plain reference (``match_reference.py``: CSV -> numpy/BallTree engine -> JSON) timed the same way.
- ``assignment_figures``: from the command's own output (``--top 10`` and ``--assign``), the share
  of requests with a feasible offer that get a proposal, the distances of assigned pairs and the
  assignment rate of schools in the sparsest and the densest quarter of regions (offers within
  25 km, as bench_quality.py defines them), with the default weights and with the equity weight 0.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "match_reference.py"
REQUEST_COLS = ("id", "public", "lat", "lon", "activity", "sectors", "topic", "levels", "pupils")
REQUEST_COLS += ("earliest", "latest", "modes", "max_travel_km", "active", "activities_this_year")
OFFER_COLS = ("id", "public", "lat", "lon", "activity", "sectors", "topic", "levels", "capacity")
OFFER_COLS += ("capacity_left", "earliest", "latest", "modes", "radius_km", "active")


def bench_env(db_url: str, instance: Path) -> dict[str, str]:
    """The environment of a `loket` child process on the benchmark database (Redis db 14)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOKET_")},
        "LOKET_ENV": "production",
        "LOKET_SECRET_KEY": "bench-" + "s" * 40,
        "LOKET_DATABASE_URL": db_url,
        "LOKET_REDIS_URL": "redis://127.0.0.1:6379/14",
        "LOKET_SMTP_URL": f"file://{instance / 'mail'}",
        "LOKET_BASE_URL": "http://127.0.0.1",
        "LOKET_INSTANCE_DIR": str(instance),
        "PYTHONPATH": str(ROOT),
    }


def loket(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `loket ARGS` (stdout captured, stderr captured); fail loudly."""
    cmd = [sys.executable, "-c", "import sys; from loket.cli import main; sys.exit(main())", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"loket {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


@contextmanager
def seeded_database(schools: int, companies: int, reuse: str | None, keep: bool) -> Iterator[dict]:
    """A seeded database: ``{"url", "env", "seed_s"}`` (dropped afterwards unless reused or kept)."""
    from common import create_database, drop_database

    base = os.environ.get("LOKET_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    url = reuse or create_database(base)
    instance = Path(tempfile.mkdtemp(prefix="loket-match-"))
    env = bench_env(url, instance)
    info: dict = {"url": url, "env": env, "seed_s": None, "reused": bool(reuse)}
    try:
        loket(env, "init-db")
        if not reuse:
            t0 = time.perf_counter()
            loket(env, "seed-demo", "--schools", str(schools), "--companies", str(companies))
            info["seed_s"] = round(time.perf_counter() - t0, 1)
        yield info
    finally:
        if not reuse and not keep:
            drop_database(base, url)
        elif keep:
            print(f"database kept: {url}", file=sys.stderr)


def _timings(stderr: str) -> dict:
    for line in reversed(stderr.splitlines()):
        if line.startswith('{"timings"'):
            return json.loads(line)["timings"]
    raise SystemExit("no timings line on stderr")


def run_match(env: dict[str, str], *args: str) -> dict:
    """`loket match ARGS --timings`: wall seconds, the phases, peak memory and the parsed JSON output."""
    from common import cpu_timed, load_average

    load = load_average()
    done, wall, cpu = cpu_timed(lambda: loket(env, "match", *args, "--timings"))
    phases = _timings(done.stderr)
    return {
        "args": " ".join(args),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "load_average": load,
        **phases,
        "_out": json.loads(done.stdout),
    }


def median_run(env: dict[str, str], repeats: int, *args: str) -> dict:
    """:func:`run_match` ``repeats`` times: the run with the median wall time, and every wall time."""
    runs = sorted((run_match(env, *args) for _ in range(repeats)), key=lambda r: r["wall_s"])
    return runs[len(runs) // 2] | {"wall_runs_s": [r["wall_s"] for r in runs]}


# --------------------------------------------------------------------------- CSV and the reference
def export_csv(db_url: str, folder: Path) -> dict[str, Path]:
    """The inputs of `loket match` (open requests, open offers, excluded pairs) from the database as
    CSV, read the way the command reads them (``open_records``)."""
    from loket import create_app
    from loket.db import db
    from loket.models import Offer, Request
    from loket.models.activities import OFF_OPEN, REQ_OPEN
    from loket.services.matching import open_records

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    paths = {k: folder / f"{k}.csv" for k in ("requests", "offers", "excluded")}
    with app.app_context():
        from datetime import date

        sel = open_records.select_any_place
        reqs = open_records.request_records(
            db.session.execute(sel(Request, Request.status == REQ_OPEN)).all(), date.today()
        ).records
        offs = open_records.offer_records(
            db.session.execute(sel(Offer, Offer.status == OFF_OPEN)).all()
        ).records
        public_r = dict(db.session.execute(db.select(Request.id, Request.external_id)).all())
        public_o = dict(db.session.execute(db.select(Offer.id, Offer.external_id)).all())
        excluded = open_records.all_excluded_pairs()
    for path, cols, recs, public in (
        (paths["requests"], REQUEST_COLS, reqs, public_r),
        (paths["offers"], OFFER_COLS, offs, public_o),
    ):
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for r in recs:
                row = {**r.__dict__, "public": public.get(int(r.id)) or r.id}
                w.writerow([";".join(row[c]) if isinstance(row[c], list) else row[c] for c in cols])
    with paths["excluded"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("request_id", "offer_id"))
        w.writerows(sorted(excluded))
    return paths


def reference(folder: Path, top_k: int = 10) -> dict:
    """``match_reference.py`` on the CSV files as a subprocess: wall seconds and its phases."""
    from common import cpu_timed, load_average

    load = load_average()
    done, wall, cpu = cpu_timed(
        lambda: subprocess.run(
            [sys.executable, str(REFERENCE), str(folder), "--top", str(top_k)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    )
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "load_average": load,
        **_timings(done.stderr),
        "suggestions": len(json.loads(done.stdout)),
    }


# --------------------------------------------------------------------------- assignment figures
def _quarters(folder: Path) -> tuple[dict[str, float], list[float]]:
    """Request public id -> matchable offers within 25 km of it, and the first and third quartile."""
    from sklearn.neighbors import BallTree

    def rows(name: str) -> list[dict]:
        with (folder / f"{name}.csv").open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    live = [
        (float(o["lat"]), float(o["lon"]))
        for o in rows("offers")
        if o["active"] == "True" and int(o["capacity_left"]) > 0 and o["lat"] not in ("", "nan")
    ]
    tree = BallTree(np.radians(live), metric="haversine")
    reqs = [r for r in rows("requests") if r["lat"] not in ("", "nan")]
    density = tree.query_radius(
        np.radians([[float(r["lat"]), float(r["lon"])] for r in reqs]), r=25.0 / 6371.0088, count_only=True
    )
    q1, q3 = np.percentile(density, [25, 75])
    return {r["public"]: float(d) for r, d in zip(reqs, density, strict=True)}, [float(q1), float(q3)]


def assignment_figures(top10: list[dict], assigned: list[dict], density: dict, q: list[float]) -> dict:
    """The figures of one `--assign` run beside the `--top 10` run (feasible = has a suggestion)."""
    feasible = {d["request"] for d in top10}
    got = {d["request"] for d in assigned}
    km = np.array([d["distance_km"] for d in assigned if d["distance_km"] is not None])
    sparse = {r for r, v in density.items() if v <= q[0]} & feasible
    dense = {r for r, v in density.items() if v >= q[1]} & feasible

    def rate(group: set[str]) -> float:
        return round(100 * len(group & got) / len(group), 2) if group else 0.0

    def pct(a: np.ndarray, p: float) -> float | None:
        return round(float(np.percentile(a, p)), 2) if len(a) else None

    return {
        "requests_with_feasible_offer": len(feasible),
        "assigned": len(got),
        "assigned_share_of_feasible_pct": round(100 * len(got) / max(1, len(feasible)), 2),
        "median_km_assigned": pct(km, 50),
        "p90_km_assigned": pct(km, 90),
        "assigned_online_or_without_distance": int(len(assigned) - len(km)),
        "sparse_quarter_requests": len(sparse),
        "dense_quarter_requests": len(dense),
        "sparse_quarter_rate_pct": rate(sparse),
        "dense_quarter_rate_pct": rate(dense),
        "sparse_minus_dense_pts": round(rate(sparse) - rate(dense), 2),
    }


@contextmanager
def national_weights(db_url: str, weights: dict[str, float]) -> Iterator[None]:
    """A national weight set in force for the block (inserted as a row, deleted afterwards)."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, delete, insert

    from loket.models import WeightSet

    eng = create_engine(db_url)
    table = WeightSet.__table__
    with eng.begin() as conn:
        new_id = conn.execute(
            insert(table)
            .values(
                version="bench", weights=weights, cluster_id=None, report={}, created_at=datetime.now(UTC)
            )
            .returning(table.c.id)
        ).scalar_one()
    try:
        yield
    finally:
        with eng.begin() as conn:
            conn.execute(delete(table).where(table.c.id == new_id))
        eng.dispose()


SCARCE = (
    "every 8th open offer (by id) with one place left, the others full, so that demand exceeds supply "
    "(as bench_quality.py's scarce scenario); the database is restored afterwards"
)


def equity_effect(figures: dict) -> dict:
    """Default minus equity weight 0, in points: the sparse quarter's rate and the sparse-dense gap."""
    d, z = figures["default"], figures["equity_weight_0"]
    return {
        "sparse_quarter_rate": round(d["sparse_quarter_rate_pct"] - z["sparse_quarter_rate_pct"], 2),
        "sparse_minus_dense": round(d["sparse_minus_dense_pts"] - z["sparse_minus_dense_pts"], 2),
        "assigned_share": round(d["assigned_share_of_feasible_pct"] - z["assigned_share_of_feasible_pct"], 2),
    }


@contextmanager
def scarce_capacity(db_url: str) -> Iterator[None]:
    """Open offers made scarce for the block (see SCARCE); their places used are restored afterwards."""
    from sqlalchemy import create_engine, select

    from loket.models import Offer
    from loket.models.activities import OFF_OPEN

    eng = create_engine(db_url)
    t = Offer.__table__
    with eng.begin() as conn:
        saved = conn.execute(
            select(t.c.id, t.c.capacity_used, t.c.capacity).where(t.c.status == OFF_OPEN)
        ).all()
        _set_used(conn, [{"i": i, "u": max(used, cap - 1 if i % 8 == 0 else cap)} for i, used, cap in saved])
    try:
        yield
    finally:
        with eng.begin() as conn:
            _set_used(conn, [{"i": i, "u": used} for i, used, _ in saved])
        eng.dispose()


def _set_used(conn, rows: list[dict]) -> None:
    from sqlalchemy import bindparam, update

    from loket.models import Offer

    t = Offer.__table__
    conn.execute(update(t).where(t.c.id == bindparam("i")).values(capacity_used=bindparam("u")), rows)
