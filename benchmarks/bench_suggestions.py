"""Stored suggestions at benchmark size: the full rebuild, the freshness of a new offer, and the
suggestion page read beside the old per-worker engine cache (the baseline).

Seeds with the demo seeder (`loket seed-demo --schools N --companies M`, which also computes the
suggestions) into PostgreSQL when LOKET_BENCH_DATABASE_URL is set (a throw-away database is created
there and dropped afterwards), else into a temporary SQLite file. Then:

- times `loket match --refresh` (the nightly full rebuild) through the real CLI;
- publishes new offers through the service (`publish_offer` + commit + the after-commit work, as a
  web request does without Redis) and times until each shows up in the stored suggestions of the
  requests it fits (target: under 5 s); the same with Redis, where a separate `loket worker`
  process does the work (when Redis answers at --redis-url); and pausing an offer that many lists
  hold (those lists must be recomputed);
- checks that the lists kept up this way equal a fresh full rebuild, row for row;
- times one request's suggestion page (`/school/aanvragen/<id>` through the Flask test client, and
  the service read alone), cold and warm, with its SQL statement count;
- baseline: the old design, where each web worker built an engine over all open offers (through the
  ORM) on first use and rebuilt it after every change (the `offer_engine` cache): its build time
  (the first page of every worker after each change) and its warm page time.

Writes ``benchmarks/results/suggestions.json`` (one entry per data size under ``runs``).

    .venv/bin/python benchmarks/bench_suggestions.py --schools 2000 --companies 10000
    .venv/bin/python benchmarks/bench_suggestions.py            # 10,000 schools, 50,000 companies
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.common import RESULTS, machine, percentile_ms, write_json  # noqa: E402

TARGET_FRESH_S = 5.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


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


def make_app(url: str, instance: Path):
    from loket import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-this",
            "LOKET_ENV": "development",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOKET_MAIL_SEND_IMMEDIATELY": False,
            "LOKET_INSTANCE_DIR": str(instance),
            "LOKET_REDIS_URL": None,
        }
    )


class Statements:
    """Counts the SQL statements sent while active."""

    def __init__(self, engine) -> None:
        self.engine, self.n = engine, 0

    def _count(self, *args) -> None:
        self.n += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def cli(app, *args: str) -> tuple[float, str, str]:
    runner = app.test_cli_runner()
    t0 = time.perf_counter()
    result = runner.invoke(args=list(args))
    secs = time.perf_counter() - t0
    if result.exit_code != 0:
        raise RuntimeError(f"loket {' '.join(args)} failed: {result.output}\n{result.exception}")
    return secs, result.stdout, getattr(result, "stderr", "")


def snapshot(db) -> list[tuple]:
    from loket.models import StoredSuggestion as S

    rows = db.session.execute(
        select(
            S.side, S.request_id, S.offer_id, S.rank, S.score, S.breakdown, S.reasons, S.distance_km, S.mode
        )
    ).all()
    return sorted(
        (r[0], r[1], r[2], r[3], r[4], json.dumps(r[5], sort_keys=True), tuple(r[6]), r[7], r[8])
        for r in rows
    )


# ------------------------------------------------------------------------------ freshness
def publishers(db, n: int, rng: random.Random) -> list:
    """n active company contacts in different places, allowed to publish (verified for the run)."""
    from loket.db import utcnow
    from loket.models import Organisation, User

    users = list(
        db.session.scalars(
            select(User)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.status == "active", Organisation.kind == "company")
            .order_by(User.id)
        )
    )
    chosen = rng.sample(users, min(n, len(users)))
    for u in chosen:
        u.email_verified_at = u.email_verified_at or utcnow()
    db.session.commit()
    return chosen


def new_offer_freshness(app, db, samples: int, rng: random.Random) -> dict[str, Any]:
    from loket.models import StoredSuggestion as S
    from loket.services.activities.offers import OfferData, publish_offer
    from loket.services.matching.dirty import refresh_after_commit

    today = date.today()
    out = []
    for user in publishers(db, samples, rng):
        data = OfferData(
            activity=rng.choice(["gastles", "workshop", "bedrijfsbezoek"]),
            sectors=["energie", "hightech", "chemie"],
            levels=["po", "vmbo", "havo", "vwo"],
            capacity=5,
            earliest=today,
            latest=today + timedelta(days=300),
            modes=["at_school", "at_company"],
            radius_km=40.0,
            topic=rng.choice(["zonne-energie in de praktijk", "robotica en programmeren", "waterstof"]),
        )
        t0 = time.perf_counter()
        offer = publish_offer(user, data)
        db.session.commit()  # the web's after-request commit ...
        work = refresh_after_commit()  # ... and the after-commit work (inline: no Redis)
        in_lists = db.session.scalar(select(func.count()).where(S.side == "request", S.offer_id == offer.id))
        secs = time.perf_counter() - t0
        reach = db.session.scalar(select(func.count()).where(S.side == "offer", S.offer_id == offer.id))
        out.append(
            {
                "seconds": round(secs, 3),
                "requests_listing_it": int(in_lists or 0),
                "its_requests_in_reach": int(reach or 0),
                "patched_lists": (work or {}).get("patched"),
                "recomputed_lists": (work or {}).get("recomputed"),
            }
        )
        print(f"  new offer {offer.id}: {secs:.3f} s, in {in_lists} request lists", file=sys.stderr)
    secs = [o["seconds"] for o in out]
    return {
        "samples": out,
        "p50_s": round(statistics.median(secs), 3) if secs else None,
        "max_s": round(max(secs), 3) if secs else None,
        "target_s": TARGET_FRESH_S,
        "met": bool(secs) and max(secs) < TARGET_FRESH_S,
    }


def rq_freshness(app, db, samples: int, rng: random.Random, redis_url: str) -> dict[str, Any]:
    """With Redis: the commit queues a job, a separate `loket worker` process does the work; the
    time runs from publishing until the worker has stored the new offer's lists."""
    import subprocess

    from redis import Redis
    from rq import Queue

    from loket.models import StoredSuggestion as S
    from loket.models import SuggestionState
    from loket.services.activities.offers import OfferData, publish_offer
    from loket.services.matching.dirty import refresh_after_commit
    from loket.worker import LOKET_CMD, child_env

    queue = f"loket-bench-{uuid.uuid4().hex[:8]}"
    conn = Redis.from_url(redis_url)
    app.config.update(LOKET_REDIS_URL=redis_url, LOKET_RQ_QUEUE=queue)
    proc = subprocess.Popen(
        [*LOKET_CMD, "worker"], env=child_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    out = []
    try:
        Queue(queue, connection=conn).enqueue("loket.services.matching.refresh.run_job")  # warm-up job
        deadline = time.monotonic() + 60
        while Queue(queue, connection=conn).count and time.monotonic() < deadline:
            time.sleep(0.05)
        today = date.today()
        for user in publishers(db, samples, rng):
            data = OfferData(
                activity="gastles",
                sectors=["energie", "hightech"],
                levels=["po", "vmbo", "havo", "vwo"],
                capacity=5,
                earliest=today,
                latest=today + timedelta(days=300),
                modes=["at_school", "at_company"],
                radius_km=40.0,
                topic="techniek in de praktijk",
            )
            t0 = time.perf_counter()
            offer = publish_offer(user, data)
            db.session.commit()
            refresh_after_commit()  # queues the job
            while time.perf_counter() - t0 < 60:
                db.session.rollback()
                st = db.session.get(SuggestionState, ("offer", offer.id))
                db.session.refresh(st)
                if st.dirty_since is None and st.computed_at is not None:
                    break
                time.sleep(0.01)
            secs = time.perf_counter() - t0
            listed = db.session.scalar(
                select(func.count()).where(S.side == "request", S.offer_id == offer.id)
            )
            out.append({"seconds": round(secs, 3), "requests_listing_it": int(listed or 0)})
            print(f"  [rq] new offer {offer.id}: {secs:.3f} s, in {listed} request lists", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        app.config.update(LOKET_REDIS_URL=None, LOKET_RQ_QUEUE="loket")
        for key in conn.scan_iter(f"*{queue}*"):
            conn.delete(key)
    secs = [o["seconds"] for o in out]
    return {
        "samples": out,
        "p50_s": round(statistics.median(secs), 3) if secs else None,
        "max_s": round(max(secs), 3) if secs else None,
        "target_s": TARGET_FRESH_S,
        "met": bool(secs) and max(secs) < TARGET_FRESH_S,
    }


def redis_available(url: str | None) -> bool:
    if not url:
        return False
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - no Redis: that part is skipped
        return False


def pause_freshness(db, samples: int) -> dict[str, Any]:
    """Pause the offers that most request lists hold (a full list then needs a recomputation)."""
    from loket.models import Offer
    from loket.models import StoredSuggestion as S
    from loket.services.matching.dirty import refresh_after_commit

    top = db.session.execute(
        select(S.offer_id, func.count())
        .where(S.side == "request")
        .group_by(S.offer_id)
        .order_by(func.count().desc(), S.offer_id)
        .limit(samples)
    ).all()
    out = []
    for offer_id, held in top:
        offer = db.session.get(Offer, offer_id)
        t0 = time.perf_counter()
        offer.status = "paused"  # as offers.pause_offer does, without the permission check
        db.session.commit()
        work = refresh_after_commit()
        secs = time.perf_counter() - t0
        left = db.session.scalar(select(func.count()).where(S.offer_id == offer_id))
        out.append(
            {
                "seconds": round(secs, 3),
                "lists_holding_it": int(held),
                "rows_left": int(left or 0),
                "recomputed_lists": (work or {}).get("recomputed"),
            }
        )
        print(f"  paused offer {offer_id} (in {held} lists): {secs:.3f} s", file=sys.stderr)
    secs = [o["seconds"] for o in out]
    return {"samples": out, "p50_s": round(statistics.median(secs), 3) if secs else None}


# ------------------------------------------------------------------------------ page reads
def page_reads(app, db, runs: int) -> dict[str, Any]:
    from flask import g

    from loket.models import Request, User
    from loket.services.demo.seed import SCHOOL_EMAIL
    from loket.services.matching.suggestions import suggested_offers

    user = db.session.scalar(select(User).where(User.email == SCHOOL_EMAIL))
    req = db.session.scalar(
        select(Request).where(Request.organisation_id == user.organisation_id, Request.status == "open")
    )
    from flask_login.utils import _create_identifier

    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()  # "strong" session protection compares it
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
        s["_id"] = ident
    url = f"/school/aanvragen/{req.id}"

    def get() -> tuple[float, int, int]:
        db.session.expunge_all()
        g.pop("_login_user", None)
        with Statements(db.engine) as st:
            t0 = time.perf_counter()
            resp = client.get(url)
            secs = time.perf_counter() - t0
        assert resp.status_code == 200, resp.status_code
        return secs, st.n, resp.get_data(as_text=True).count('class="card suggestion"')

    db.engine.dispose()  # cold: new connections, nothing cached in this session
    cold, statements, shown = get()
    warm = [get()[0] for _ in range(runs)]
    svc = []
    for _ in range(runs):
        db.session.expunge_all()
        t0 = time.perf_counter()
        suggested_offers(req.id, 10)
        svc.append(time.perf_counter() - t0)
    return {
        "request_id": req.id,
        "url": "/school/aanvragen/<id>",
        "suggestions_shown": shown,
        "sql_statements": statements,
        "cold_ms": round(cold * 1000, 1),
        "warm_p50_ms": round(percentile_ms(warm, 50), 2),
        "warm_p95_ms": round(percentile_ms(warm, 95), 2),
        "service_read_p50_ms": round(percentile_ms(svc, 50), 2),
        "runs": runs,
    }


def old_cache_baseline(db, request_id: int, runs: int) -> dict[str, Any]:
    """The per-worker cache this replaces: an Engine over every open offer loaded through the ORM
    (built on a worker's first suggestion page and after every change), then per page the
    cache fingerprint (three aggregates), the request's record, the engine query and the rows."""
    from sqlalchemy import case
    from sqlalchemy.orm import joinedload

    from loket.matching import Engine
    from loket.models import Location, Match, Offer, Organisation, User
    from loket.models.activities import OFF_OPEN
    from loket.models.users import ACTIVE
    from loket.services.matching import adapter
    from loket.services.matching.records import inactive_org_ids

    def fingerprint() -> tuple:
        active = User.status == ACTIVE
        users = db.session.execute(
            select(
                func.count(User.id),
                func.sum(User.id),
                func.sum(case((active, User.id), else_=0)),
                func.sum(case((active, User.organisation_id), else_=0)),
            )
        ).one()
        locs = db.session.execute(
            select(func.count(Location.id), func.sum(Location.lat + Location.lon))
        ).one()
        agg = db.session.execute(
            select(
                func.count(Offer.id),
                func.max(Offer.id),
                func.max(Offer.updated_at),
                func.sum(Offer.capacity_used),
            ).where(Offer.status == OFF_OPEN)
        ).one()
        return (tuple(users), tuple(locs), tuple(agg))

    db.session.expunge_all()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    fingerprint()
    recs, _ = adapter._offer_records(adapter._offer_rows(), inactive_org_ids())
    engine = Engine(recs)
    build_s = time.perf_counter() - t0
    rss1 = rss_mb()

    def page() -> float:
        t = time.perf_counter()
        fingerprint()
        req = db.session.get(adapter.Request, request_id)
        rrecs, _ = adapter._request_records([req], inactive_org_ids())
        sugg = engine.suggest(rrecs[0], 10, adapter._excluded(Match.request_id == req.id)) if rrecs else []
        list(db.session.scalars(select(Match).where(Match.request_id == request_id)))
        ids = [int(s.offer_id) for s in sugg]
        list(
            db.session.scalars(
                select(Offer)
                .where(Offer.id.in_(ids or [-1]))
                .options(joinedload(Offer.organisation).selectinload(Organisation.locations))
            ).unique()
        )
        return time.perf_counter() - t

    warm = [page() for _ in range(runs)]
    return {
        "method": "Engine over all open offers loaded through the ORM, per web worker (offer_engine cache)",
        "open_offers": len(recs),
        "build_s": round(build_s, 3),
        "build_rss_mb": round(rss1 - rss0, 1),
        "cold_page_ms": round((build_s + warm[0]) * 1000, 1),
        "warm_page_p50_ms": round(percentile_ms(warm, 50), 2),
        "warm_page_p95_ms": round(percentile_ms(warm, 95), 2),
        "rebuilt_after": "every approval, new offer, status or location change, in every worker",
    }


def in_fresh_process(url: str, design: str, request_id: int) -> dict[str, Any]:
    """A new process (like a fresh web worker) serves one suggestion page the ``new`` way (stored
    rows) or the ``old`` way (engine cache): its wall time and its memory before and after."""
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--child", design, "--child-url", url, "--child-request", str(request_id)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(design: str, url: str, request_id: int) -> None:
    """Body of ``in_fresh_process``: prints one JSON line."""
    with tempfile.TemporaryDirectory() as inst:
        app = make_app(url, Path(inst))
        with app.app_context():
            from loket.db import db
            from loket.services.matching.suggestions import suggested_offers

            db.session.execute(select(1))  # connect before measuring
            before = rss_mb()
            t0 = time.perf_counter()
            if design == "new":
                n = len(suggested_offers(request_id, 10))
            else:
                n = old_cache_baseline(db, request_id, 1)["open_offers"]
            secs = time.perf_counter() - t0
            print(
                json.dumps(
                    {
                        "first_page_s": round(secs, 3),
                        "rss_before_mb": round(before, 1),
                        "rss_after_mb": round(rss_mb(), 1),
                        "rss_growth_mb": round(rss_mb() - before, 1),
                        "rows": n,
                    }
                )
            )


# ------------------------------------------------------------------------------ one run
def run(
    url: str, backend: str, n_schools: int, n_companies: int, samples: int, runs: int, redis_url: str | None
) -> dict[str, Any]:
    from flask_migrate import upgrade

    from loket.db import db
    from loket.models import Offer, Request, StoredSuggestion

    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as inst:
        app = make_app(url, Path(inst))
        with app.app_context():
            upgrade()
            print(f"[{backend}] seed-demo {n_schools} schools, {n_companies} companies ...", file=sys.stderr)
            seed_s, _, seed_err = cli(
                app, "seed-demo", "--schools", str(n_schools), "--companies", str(n_companies)
            )
            counts = {
                "open_requests": db.session.scalar(select(func.count()).where(Request.status == "open")),
                "open_offers": db.session.scalar(select(func.count()).where(Offer.status == "open")),
            }
            print(f"[{backend}] loket match --refresh ...", file=sys.stderr)
            rss0 = rss_mb()
            refresh_s, out, _ = cli(app, "match", "--refresh", "--json")
            refresh_rss = rss_mb() - rss0
            refresh = json.loads(out)
            rows = db.session.scalar(select(func.count()).select_from(StoredSuggestion))
            print(f"[{backend}] refresh {refresh_s:.1f} s, {rows} rows; new offers ...", file=sys.stderr)
            fresh = new_offer_freshness(app, db, samples, rng)
            rq_fresh = (
                rq_freshness(app, db, max(2, samples // 2), rng, redis_url)
                if redis_available(redis_url)
                else {"skipped": "no Redis at --redis-url"}
            )
            paused = pause_freshness(db, max(1, samples // 2))
            kept = snapshot(db)
            equal_s, _, _ = cli(app, "match", "--refresh")
            rebuilt = snapshot(db)
            same = kept == rebuilt
            print(f"[{backend}] incremental == rebuild: {same}; page reads ...", file=sys.stderr)
            pages = page_reads(app, db, runs)
            print(f"[{backend}] web worker memory: a fresh process per design ...", file=sys.stderr)
            pages["fresh_worker"] = in_fresh_process(url, "new", pages["request_id"])
            print(f"[{backend}] baseline: the old per-worker engine ...", file=sys.stderr)
            baseline = old_cache_baseline(db, pages["request_id"], max(5, runs // 3))
            baseline["fresh_worker"] = in_fresh_process(url, "old", pages["request_id"])
            result = {
                "backend": backend,
                "size": {"schools": n_schools, "companies": n_companies, **counts},
                "seed_demo_s": round(seed_s, 1),
                "full_refresh": {
                    "cli_s": round(refresh_s, 2),
                    "rows": rows,
                    "top_k": refresh["top"],
                    "weights_version": refresh["weights_version"],
                    "process_rss_growth_mb": round(refresh_rss, 1),
                },
                "new_offer_freshness": fresh,
                "new_offer_freshness_rq_worker": rq_fresh,
                "pause_offer_freshness": paused,
                "incremental_equals_full_rebuild": same,
                "incremental_rows_compared": len(kept),
                "second_refresh_s": round(equal_s, 2),
                "page_read": pages,
                "baseline_old_per_worker_cache": baseline,
                "speedup_cold_page": round(baseline["cold_page_ms"] / max(pages["cold_ms"], 1e-9), 1),
            }
            db.session.remove()
            db.engine.dispose()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schools", type=int, default=10_000)
    ap.add_argument("--companies", type=int, default=50_000)
    ap.add_argument("--samples", type=int, default=6, help="new offers to time")
    ap.add_argument("--runs", type=int, default=30, help="warm page reads")
    ap.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="Redis for the queued variant (skipped when it does not answer; '' to skip)",
    )
    ap.add_argument("--child", choices=["new", "old"], help=argparse.SUPPRESS)
    ap.add_argument("--child-url", help=argparse.SUPPRESS)
    ap.add_argument("--child-request", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.child_url, args.child_request)
        return
    pg = os.environ.get("LOKET_BENCH_DATABASE_URL")
    drop = None
    with tempfile.TemporaryDirectory() as d:
        if pg:
            url, drop = pg_database(pg)
            backend = "postgresql"
        else:
            url, backend = f"sqlite:///{Path(d) / 'bench.db'}", "sqlite"
        try:
            result = run(url, backend, args.schools, args.companies, args.samples, args.runs, args.redis_url)
        finally:
            if drop is not None:
                drop()
    path = RESULTS / "suggestions.json"
    report: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    report.update(
        {
            "benchmark": "suggestions",
            "targets": {"new_offer_visible_s": TARGET_FRESH_S},
            "machine": machine(),
        }
    )
    report.setdefault("runs", {})[f"{backend}-{args.schools}x{args.companies}"] = result
    out = write_json("suggestions", report)
    print(json.dumps(result, indent=2), file=sys.stderr)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
