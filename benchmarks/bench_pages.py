"""List pages at the benchmark data size: server time per page (median / p95) beside a naive baseline.

Seeds 10,000 schools and 50,000 companies (with locations), 50,000 open requests and 50,000 open
offers in 40 clusters, 20,000 matches in various states and 2,000 notifications, with bulk inserts
into a fresh SQLite file (or ``--database-url``). Then times the manager and notification list
pages through the Flask test client as a cluster manager and as an admin, and as baseline the
same list built the naive way (every row, no pagination, relationships lazily loaded one by one).
Writes ``benchmarks/results/pages.json``.

    .venv/bin/python benchmarks/bench_pages.py [--small] [--runs 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from benchmarks.common import machine, percentile_ms, write_json  # noqa: E402
from loket import create_app  # noqa: E402
from loket.db import db  # noqa: E402
from loket.models import (  # noqa: E402
    Cluster,
    Location,
    Match,
    Notification,
    Offer,
    Organisation,
    Request,
    User,
    cluster_manager,
)

ACTIVITIES = ["gastles", "bedrijfsbezoek", "workshop", "praktijkopdracht", "loopbaanevent"]
STATES = ["proposed"] * 5 + ["approved"] * 2 + ["accepted", "scheduled", "completed", "rejected", "cancelled"]


def seed(n_schools: int, n_companies: int, n_matches: int, n_clusters: int = 40, chunk: int = 5000) -> dict:
    rnd = random.Random(7)
    now = datetime.now(UTC)
    today = date.today()
    conn = db.session.connection()

    def bulk(table, rows):
        for i in range(0, len(rows), chunk):
            conn.execute(insert(table), rows[i : i + chunk])

    bulk(
        Cluster.__table__,
        [
            {"id": c + 1, "key": f"k{c}", "name": f"Cluster {c:02d}", "centre_lat": 52.0, "centre_lon": 5.0}
            for c in range(n_clusters)
        ],
    )
    orgs, locs = [], []
    for i in range(n_schools + n_companies):
        kind = "school" if i < n_schools else "company"
        orgs.append(
            {
                "id": i + 1,
                "kind": kind,
                "name": f"{kind.title()} {i}",
                "levels": ["havo"],
                "sectors": ["energie"],
                "cluster_id": i % n_clusters + 1,
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
            }
        )
        locs.append(
            {
                "organisation_id": i + 1,
                "postcode": "8011 AA",
                "city": "Zwolle",
                "lat": 52.0 + rnd.random(),
                "lon": 5.0 + rnd.random(),
            }
        )
    bulk(Organisation.__table__, orgs)
    bulk(Location.__table__, locs)
    common = {"topic": "techniek", "sectors": ["energie"], "levels": ["havo"], "modes": ["at_school"]}
    reqs = [
        {
            "id": i + 1,
            "organisation_id": i % n_schools + 1,
            "activity": ACTIVITIES[i % len(ACTIVITIES)],
            "pupils": 25,
            "earliest": today,
            "latest": today + timedelta(days=120),
            "max_travel_km": 30.0,
            "status": "open",
            "created_at": now - timedelta(days=rnd.randint(0, 200)),
            "updated_at": now,
            "version_id": 1,
            **common,
        }
        for i in range(n_schools * 5)
    ]
    bulk(Request.__table__, reqs)
    offers = [
        {
            "id": i + 1,
            "organisation_id": n_schools + i % n_companies + 1,
            "activity": ACTIVITIES[i % len(ACTIVITIES)],
            "capacity": 5,
            "capacity_used": rnd.randint(0, 5),
            "earliest": today,
            "latest": today + timedelta(days=200),
            "radius_km": 40.0,
            "status": "open",
            "created_at": now - timedelta(days=rnd.randint(0, 200)),
            "updated_at": now,
            "version_id": 1,
            **common,
        }
        for i in range(n_companies)
    ]
    bulk(Offer.__table__, offers)
    matches = []
    for i in range(n_matches):
        req = reqs[i]
        cluster = orgs[req["organisation_id"] - 1]["cluster_id"]
        matches.append(
            {
                "request_id": req["id"],
                "offer_id": rnd.randint(1, n_companies),
                "cluster_id": cluster,
                "status": STATES[i % len(STATES)],
                "score": rnd.random(),
                "breakdown": {},
                "reasons": ["dichtbij"],
                "proposed_by": "engine",
                "status_changed_at": now - timedelta(days=rnd.randint(0, 30)),
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
            }
        )
    bulk(Match.__table__, matches)
    manager = User(
        email="bench-manager@example.test", role="cluster_manager", name="Beheerder", status="active"
    )
    admin = User(email="bench-admin@example.test", role="admin", name="Admin", status="active")
    db.session.add_all([manager, admin])
    db.session.flush()
    conn.execute(insert(cluster_manager), [{"cluster_id": 1, "user_id": manager.id}])
    bulk(
        Notification.__table__,
        [
            {
                "user_id": manager.id,
                "kind": "match_proposed",
                "message": f"Voorstel {i}",
                "link": "/koppelingen/1",
                "created_at": now - timedelta(minutes=i),
            }
            for i in range(2000)
        ],
    )
    db.session.commit()
    return {
        "schools": n_schools,
        "companies": n_companies,
        "requests": len(reqs),
        "offers": len(offers),
        "matches": len(matches),
        "clusters": n_clusters,
        "manager_id": manager.id,
        "admin_id": admin.id,
    }


def login(client, app, user_id: str) -> None:
    """Log the client in through the session (each request then runs in its own app context)."""
    from flask_login.utils import _create_identifier

    with app.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()
    with client.session_transaction() as s:
        s.clear()
        s.update({"_user_id": user_id, "_fresh": True, "_id": ident})


def time_page(client, url: str, runs: int) -> dict:
    times = []
    for _ in range(runs + 2):
        t = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t)
        assert resp.status_code == 200, (url, resp.status_code)
    times = times[2:]  # warm-up
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(percentile_ms(times, 95), 1),
    }


def naive_queue(cluster_ids: list[int] | None) -> int:
    """Baseline: every proposal, no pagination, each relationship loaded lazily (N+1)."""
    stmt = select(Match).where(Match.status == "proposed")
    if cluster_ids is not None:
        stmt = stmt.where(Match.cluster_id.in_(cluster_ids))
    n = 0
    for m in db.session.scalars(stmt):
        n += len(m.request.organisation.name) + len(m.offer.organisation.name)
        n += len(m.cluster.name) if m.cluster else 0
    return n


def time_fn(app, fn, runs: int) -> dict:
    times = []
    for _ in range(runs):
        with app.app_context():
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(percentile_ms(times, 95), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="1,000 schools / 5,000 companies (quick check)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument(
        "--database-url", default=None, help="an EMPTY database (default: a temporary SQLite file)"
    )
    args = ap.parse_args()
    n_schools, n_companies = (1000, 5000) if args.small else (10_000, 50_000)
    n_matches = n_schools * 2
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-long-enough-for-the-benchmark",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LOKET_MAIL_SEND_IMMEDIATELY": False,
        }
    )
    with app.app_context():
        db.create_all()
        t = time.perf_counter()
        size = seed(n_schools, n_companies, n_matches)
        seed_s = time.perf_counter() - t
        print(f"seeded in {seed_s:.1f}s: {size}", file=sys.stderr)
        ids = {role: db.session.get(User, size[f"{role}_id"]).get_id() for role in ("manager", "admin")}
        db.session.remove()
    # every request runs in its own app context and session, as in production
    client = app.test_client()
    if True:
        pages = [
            "/cluster/goedkeuren",
            "/cluster/goedkeuren?activity=workshop&age=7",
            "/cluster/overzicht",
            "/cluster/overzicht?view=offers",
            "/cluster/overzicht?view=waiting",
            "/meldingen/",
        ]
        results: dict[str, dict] = {}
        for role in ("manager", "admin"):
            login(client, app, ids[role])
            for page in pages:
                if role == "admin" and page == "/meldingen/":
                    continue
                results[f"{role} {page}"] = time_page(client, page, args.runs)
                print(f"{role:8} {page:45} {results[f'{role} {page}']}", file=sys.stderr)
        baseline = {
            "manager queue, naive (all rows, lazy loading)": time_fn(
                app, lambda: naive_queue([1]), max(3, args.runs // 4)
            ),
            "admin queue, naive (all rows, lazy loading)": time_fn(app, lambda: naive_queue(None), 3),
        }
        for k, v in baseline.items():
            print(f"baseline {k:45} {v}", file=sys.stderr)
        worst = max(r["p95_ms"] for r in results.values())
        out = {
            "benchmark": "list pages (server time through the Flask test client)",
            "database": url.split(":")[0],
            "size": {k: v for k, v in size.items() if not k.endswith("_id")},
            "seed_seconds": round(seed_s, 1),
            "runs": args.runs,
            "pages": results,
            "baseline": baseline,
            "target_ms": 300,
            "worst_p95_ms": worst,
            "within_target": worst < 300,
            "machine": machine(),
        }
    path = write_json("pages" if not args.small else "pages-small", out)
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
