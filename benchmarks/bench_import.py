"""Benchmark of `loket import`: 10,000 schools + 50,000 companies from CSV into a fresh database.

Generates schools.csv and companies.csv (real Dutch postcodes, drawn by population) in a temp
dir, imports them through the real service (validate + bulk write, one commit per file) into a
fresh SQLite database, and into PostgreSQL when LOKET_BENCH_DATABASE_URL is set (a throw-away
database is created there and dropped afterwards). Also times a second, idempotent import of the
same files, and a naive baseline beside it: row-by-row ORM add + flush per row (select by
external_id, add organisation, location and user) on a sample, extrapolated to the full size.
Writes benchmarks/results/import.json.

    .venv/bin/python benchmarks/bench_import.py            # 10,000 + 50,000
    .venv/bin/python benchmarks/bench_import.py --small    # 1,000 + 5,000, quick check
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from common import machine, peak_rss_mb, timed, write_json  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from loket import create_app  # noqa: E402
from loket.db import db  # noqa: E402
from loket.geo import Gazetteer  # noqa: E402
from loket.models import Location, Organisation, User  # noqa: E402
from loket.services import demo  # noqa: E402
from loket.services.imports import COLUMNS, import_file, status_for  # noqa: E402
from loket.services.imports.formats import OrgRow  # noqa: E402

TODAY = date(2026, 11, 1)
SEED = 2024


# ------------------------------------------------------------------------------ data
def write_csv(path: Path, kind: str, rows: list[OrgRow]) -> None:
    """Rows in the exchange format (as the old Loket would export them)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS[kind])
        for r in rows:
            code = r.brin if kind == "schools" else r.kvk
            lists = ";".join(r.levels if kind == "schools" else r.sectors)
            login = r.last_login.date().isoformat() if r.last_login else ""
            w.writerow(
                [
                    r.external_id,
                    r.name,
                    code,
                    r.postcode,
                    r.city,
                    lists,
                    r.contact_name,
                    r.contact_email,
                    login,
                ]
            )


def make_files(tmp: Path, n_schools: int, n_companies: int) -> dict[str, Path]:
    gen = demo.DemoGenerator(np.random.default_rng(SEED), Gazetteer.default(), TODAY)
    files = {"schools": tmp / "schools.csv", "companies": tmp / "companies.csv"}
    write_csv(files["schools"], "schools", [gen.school(i) for i in range(n_schools)])
    write_csv(files["companies"], "companies", [gen.company(i) for i in range(n_companies)])
    return files


# ------------------------------------------------------------------------------ databases
def app_for(url: str, instance: Path):
    return create_app(
        {
            "TESTING": True,
            "LOKET_ENV": "testing",
            "SECRET_KEY": "benchmark-secret-key-long-enough-for-this",
            "SQLALCHEMY_DATABASE_URI": url,
            "LOKET_INSTANCE_DIR": str(instance),
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOKET_INACTIVITY_DAYS": 365,
        }
    )


def fresh_schema() -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()


def pg_database(base: str) -> tuple[str, Any]:
    url = make_url(base)
    name = f"loket_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


# ------------------------------------------------------------------------------ runs
def import_and_commit(kind: str, path: Path) -> dict[str, Any]:
    report = import_file(kind, path, today=TODAY)
    db.session.commit()
    return report.as_dict()


def bulk_run(files: dict[str, Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label in ("first", "second"):
        total = 0.0
        for kind in ("schools", "companies"):
            report, secs = timed(lambda k=kind: import_and_commit(k, files[k]))
            out[f"{label}_{kind}"] = {
                "seconds": round(secs, 2),
                **{k: report[k] for k in ("rows", "created", "updated", "unchanged")},
            }
            total += secs
        rows = sum(out[f"{label}_{k}"]["rows"] for k in ("schools", "companies"))
        out[f"{label}_total"] = {"seconds": round(total, 2), "rows_per_s": round(rows / total)}
    return out


def naive_run(files: dict[str, Path], sample: int) -> dict[str, Any]:
    """Row by row: look the row up by external_id, add organisation + location + user, flush."""
    gaz = Gazetteer.default()
    with files["companies"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:sample]
    t0 = time.perf_counter()
    for r in rows:
        if db.session.scalar(select(Organisation).where(Organisation.external_id == r["external_id"])):
            continue
        pt = gaz.lookup_postcode(r["postcode"])
        org = Organisation(
            kind="company",
            external_id=r["external_id"],
            name=r["name"],
            kvk=r["kvk"] or None,
            levels=[],
            sectors=r["sectors"].split(";"),
        )
        org.locations.append(
            Location(postcode=r["postcode"], city=r["city"], province=pt.province, lat=pt.lat, lon=pt.lon)
        )
        login = None
        if r["last_login"]:
            from datetime import UTC, datetime

            d = date.fromisoformat(r["last_login"])
            login = datetime(d.year, d.month, d.day, tzinfo=UTC)
        db.session.add(org)
        db.session.add(
            User(
                email=r["contact_email"],
                name=r["contact_name"],
                role="company",
                organisation=org,
                status=status_for(login, TODAY, 365),
                last_login_at=login,
            )
        )
        db.session.flush()
    db.session.commit()
    secs = time.perf_counter() - t0
    return {"sample_rows": len(rows), "seconds": round(secs, 2), "rows_per_s": round(len(rows) / secs)}


def bench_backend(name: str, url: str, files: dict[str, Path], tmp: Path, sample: int, n_rows: int) -> dict:
    app = app_for(url, tmp / f"instance-{name}")
    with app.app_context():
        fresh_schema()
        result = bulk_run(files)
        fresh_schema()
        naive = naive_run(files, sample)
        naive["extrapolated_seconds"] = round(n_rows / naive["rows_per_s"], 1)
        result["naive"] = naive
        result["speedup_vs_naive"] = round(
            naive["extrapolated_seconds"] / result["first_total"]["seconds"], 1
        )
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    print(
        f"[{name}] import {n_rows} rows: {result['first_total']['seconds']} s "
        f"({result['first_total']['rows_per_s']} rows/s); second (idempotent): "
        f"{result['second_total']['seconds']} s; naive (row-by-row ORM, {sample} sampled): "
        f"~{naive['extrapolated_seconds']} s -> {result['speedup_vs_naive']}x faster",
        file=sys.stderr,
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="1,000 schools + 5,000 companies")
    ap.add_argument("--sample", type=int, default=2000, help="rows for the naive baseline")
    args = ap.parse_args()
    n_s, n_c = (1000, 5000) if args.small else (10_000, 50_000)
    sample = min(args.sample, n_c)
    report: dict[str, Any] = {
        "benchmark": "import",
        "size": {"schools": n_s, "companies": n_c},
        "target": "10,000 schools + 50,000 companies in under 120 s",
        "machine": machine(),
        "backends": {},
    }
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files, secs = timed(lambda: make_files(tmp, n_s, n_c))
        report["generate_csv_seconds"] = round(secs, 2)
        report["backends"]["sqlite"] = bench_backend(
            "sqlite", f"sqlite:///{tmp / 'bench.db'}", files, tmp, sample, n_s + n_c
        )
        pg = os.environ.get("LOKET_BENCH_DATABASE_URL")
        if pg:
            url, drop = pg_database(pg)
            try:
                report["backends"]["postgresql"] = bench_backend(
                    "postgresql", url, files, tmp, sample, n_s + n_c
                )
            finally:
                drop()
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    path = write_json("import" if not args.small else "import_small", report)
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
