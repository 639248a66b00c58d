"""List pages at the benchmark data size: server time per page (median / p95) beside a naive baseline.

Seeds 10,000 schools and 50,000 companies (with locations), 50,000 open requests and 50,000 open
offers in 40 clusters, 20,000 matches in various states and 2,000 notifications, with bulk inserts
into a fresh SQLite file (or ``--database-url``). Then times the manager and notification list
pages through the Flask test client as a cluster manager and as an admin, and as baseline the
same list built the naive way (every row, no pagination, relationships lazily loaded one by one).
Writes ``benchmarks/results/pages.json``.

    .venv/bin/python benchmarks/bench_pages.py [--small] [--runs 20] [--database-url URL]

With ``LOKET_BENCH_DATABASE_URL`` (or ``--database-url``) naming a PostgreSQL server, a fresh
database is created there for the run and dropped afterwards. The catalogue pages (search, filters,
distance sort), the company's mirror and the own request/offer lists are timed as a school and a
company user, cold (first request) and warm, beside naive baselines (``pages_catalogue.py``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.common import create_database, drop_database, machine, percentile_ms, write_json  # noqa: E402
from benchmarks.pages_catalogue import CATALOGUE_PAGES, catalogue_baselines, catalogue_users  # noqa: E402
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
from loket.services.demo.names import TOPICS, offer_description  # noqa: E402

ACTIVITIES = ["gastles", "bedrijfsbezoek", "workshop", "praktijkopdracht", "loopbaanevent"]
SECTORS = list(TOPICS)
LEVEL_SETS = [["po"], ["vmbo"], ["havo", "vwo"], ["vmbo", "havo"], ["havo"], ["vwo"], ["po", "vmbo"]]
MODE_SETS = [["at_school"], ["at_company"], ["at_school", "online"], ["online"], ["at_school", "at_company"]]
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
                "id": i + 1,
                "organisation_id": i + 1,
                "postcode": "8011 AA",
                "city": "Zwolle",
                "lat": 51.0 + 2.3 * rnd.random(),  # the Netherlands, roughly
                "lon": 3.8 + 3.0 * rnd.random(),
            }
        )
    bulk(Organisation.__table__, orgs)
    bulk(Location.__table__, locs)

    def varied(i: int, kind: str) -> dict:
        """Topics, sectors, levels and modes that vary as in real data; descriptions on 60% of offers."""
        sector = SECTORS[i % len(SECTORS)]
        topic = TOPICS[sector][rnd.randrange(2)]
        activity = ACTIVITIES[i % len(ACTIVITIES)]
        out = {
            "activity": activity,
            "topic": topic,
            "sectors": [sector],
            "levels": LEVEL_SETS[rnd.randrange(len(LEVEL_SETS))],
            "modes": MODE_SETS[rnd.randrange(len(MODE_SETS))],
            "description": "",
        }
        if kind == "offer" and rnd.random() < 0.6:
            out["description"] = offer_description(lambda seq: seq[rnd.randrange(len(seq))], activity, topic)
        return out

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
            "location_id": i % n_schools + 1,
            **varied(i, "request"),
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
            "location_id": n_schools + i % n_companies + 1,
            **varied(i, "offer"),
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
    """Cold (the first request of this page) and warm (median / p95 of ``runs`` after two more)."""
    t = time.perf_counter()
    resp = client.get(url)
    cold = time.perf_counter() - t
    assert resp.status_code == 200, (url, resp.status_code)
    times = []
    for _ in range(runs + 2):
        t = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t)
        assert resp.status_code == 200, (url, resp.status_code)
    times = times[2:]  # warm-up
    return {
        "cold_ms": round(cold * 1000, 1),
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
        "--database-url",
        default=os.environ.get("LOKET_BENCH_DATABASE_URL"),
        help="a PostgreSQL server (default $LOKET_BENCH_DATABASE_URL): a fresh database is created on it "
        "and dropped afterwards; without it a temporary SQLite file",
    )
    args = ap.parse_args()
    n_schools, n_companies = (1000, 5000) if args.small else (10_000, 50_000)
    n_matches = n_schools * 2
    tmp = tempfile.TemporaryDirectory()
    base_url = args.database_url
    url = create_database(base_url) if base_url else f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    try:
        out = run(url, n_schools, n_companies, n_matches, args.runs)
    finally:
        if base_url:
            drop_database(base_url, url)
    out["size_flag"] = "small" if args.small else "full"
    path = write_json("pages" if not args.small else "pages-small", out)
    print(f"wrote {path}", file=sys.stderr)


def run(url: str, n_schools: int, n_companies: int, n_matches: int, runs: int) -> dict:
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
        users = catalogue_users(1, n_schools + 1)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        seed_s = time.perf_counter() - t
        print(f"seeded in {seed_s:.1f}s: {size}", file=sys.stderr)
        ids = {role: db.session.get(User, size[f"{role}_id"]).get_id() for role in ("manager", "admin")}
        ids.update(users)
        db.session.remove()
    # every request runs in its own app context and session, as in production
    client = app.test_client()
    pages = [
        "/cluster/goedkeuren",
        "/cluster/goedkeuren?activity=workshop&age=7",
        "/cluster/overzicht",
        "/cluster/overzicht?view=offers",
        "/cluster/overzicht?view=waiting",
        "/meldingen/",
    ]
    plan = [(role, page) for role in ("manager", "admin") for page in pages]
    plan = [p for p in plan if p != ("admin", "/meldingen/")] + CATALOGUE_PAGES
    results: dict[str, dict] = {}
    for role, page in plan:
        login(client, app, ids[role])
        results[f"{role} {page}"] = time_page(client, page, runs)
        print(f"{role:8} {page:70} {results[f'{role} {page}']}", file=sys.stderr)
    baseline = {
        "manager queue, naive (all rows, lazy loading)": time_fn(
            app, lambda: naive_queue([1]), max(3, runs // 4)
        ),
        "admin queue, naive (all rows, lazy loading)": time_fn(app, lambda: naive_queue(None), 3),
        **catalogue_baselines(time_fn, app, 1, runs),
    }
    for k, v in baseline.items():
        print(f"baseline {k:70} {v}", file=sys.stderr)
    worst = max(r["p95_ms"] for r in results.values())
    return {
        "benchmark": "list and search pages (server time, Flask test client; cold = first request)",
        "database": url.split(":")[0].split("+")[0],
        "size": {k: v for k, v in size.items() if not k.endswith("_id")},
        "seed_seconds": round(seed_s, 1),
        "runs": runs,
        "pages": results,
        "baseline": baseline,
        "target_ms": 300,
        "worst_p95_ms": worst,
        "within_target": worst < 300,
        "machine": machine(),
    }


if __name__ == "__main__":
    main()
