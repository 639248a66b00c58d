"""Load benchmark: Loket as production runs it, under 10, 25 and 50 logged-in users with writes.

What it does (bounded in count and time, only 127.0.0.1):
1. Seeds benchmark size (default 10,000 schools, 50,000 companies, one request/offer each) into a
   fresh PostgreSQL database (LOKET_BENCH_DATABASE_URL, default: a new database on the local
   server), runs `loket match --assign` (proposals for the managers) and `loket match --refresh`
   (stored suggestions), and gives passwords to a pool of school, company and manager users.
2. Serves it with `loket serve` (4 gunicorn workers, LOKET_ENV=production, Redis for rate limits
   and shared figures, a local SMTP sink for the mail the writes cause) and runs `loket worker`
   beside it at lower CPU priority (the suggestion updates the writes cause).
3. Runs stages of N simulated users, arriving over --ramp seconds (default 10: users log in one
   after another, not all in the same second) (all roles, 1-3 s think time, reads and writes: new requests,
   new offers, proposals, approvals) for --duration seconds each; in the last stage it restarts
   PostgreSQL once (--pg-restart, needs the local cluster and root) and measures how long the
   service needs to answer again.
4. Reports per endpoint p50/p95/p99, requests/s, errors, worker RSS, and confirmed writes lost
   (every write the server confirmed with a redirect to the new object is looked up afterwards),
   into benchmarks/results/load.json, beside the baseline of the old per-worker engine cache.

Run: `python benchmarks/bench_load.py` (full size, ~15 min) or `--small` (1,000 / 5,000, ~5 min);
`--reuse-db URL` measures an already seeded database (no seeding, no matching).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import create_database, drop_database, machine, percentile_ms, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-wachtwoord-2026"
TARGET_P95_MS, TARGET_P99_MS = 300.0, 1000.0
CLI = "import sys; from loket.cli import main; sys.exit(main())"

# the old design (engine cache in every web worker), measured on this machine class with the same
# scenario and size by the issue that asked for this benchmark (issue 10): the baseline figure
BASELINE = {
    "design": "per-worker engine cache (before suggestions were stored)",
    "source": "issue 10 measurements: gunicorn -w 4, PostgreSQL 15, 10k schools / 50k companies",
    "stages": {
        "10": {"requests_per_s": 1.4, "p95_ms": 23000, "error_rate": 0.01},
        "25": {"requests_per_s": 1.3, "p95_ms": 30000, "error_rate": 0.04},
        "50": {"requests_per_s": 1.2, "p95_ms": 43000, "error_rate": 0.09},
    },
    "worker_rss_mb": 743,
    "suggestion_page_cold_s": 13.5,
}


# --------------------------------------------------------------------------- process helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loket(env: dict, *args: str, timeout: float = 3600) -> str:
    """Run a `loket` command; its stderr (progress) goes to ours; return stdout."""
    cmd = [sys.executable, "-c", "import sys; from loket.cli import main; sys.exit(main())", *args]
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"loket {' '.join(args)} failed ({done.returncode})")
    return done.stdout.decode()


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of the gunicorn workers (children of the master), in MB."""
    out = subprocess.run(["ps", "-o", "pid=,ppid=,rss=", "-A"], capture_output=True, text=True).stdout
    rss = []
    for line in out.splitlines():
        pid, ppid, kb = (int(x) for x in line.split())
        if ppid == master_pid:
            rss.append(round(kb / 1024, 1))
    return rss


# --------------------------------------------------------------------------- the pool of users
@dataclass
class Account:
    role: str
    email: str
    request_ids: list[int] = field(default_factory=list)
    offer_ids: list[int] = field(default_factory=list)


def prepare_accounts(env: dict, n_each: int) -> list[Account]:
    """Give passwords to ``n_each`` school, company and manager users (and the demo admin)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("LOKET_")})
    from sqlalchemy import select

    from loket import create_app
    from loket.db import db, utcnow
    from loket.models import Cluster, Offer, Organisation, Request, User
    from loket.passwords import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["LOKET_DATABASE_URL"]})
    accounts: list[Account] = []
    with app.app_context():
        hashed = hash_password(PASSWORD)
        now = utcnow()
        for kind, model in (("school", Request), ("company", Offer)):
            orgs = db.session.scalars(
                select(Organisation.id)
                .join(model, model.organisation_id == Organisation.id)
                .where(Organisation.kind == kind, model.status == "open")
                .distinct()
                .limit(n_each)
            ).all()
            for org_id in orgs:
                user = db.session.scalar(select(User).where(User.organisation_id == org_id).limit(1))
                if user is None:
                    continue
                user.password_hash, user.status, user.email_verified_at = hashed, "active", now
                ids = db.session.scalars(
                    select(model.id).where(model.organisation_id == org_id, model.status == "open")
                ).all()
                acc = Account(kind, user.email)
                (acc.request_ids if kind == "school" else acc.offer_ids).extend(ids)
                accounts.append(acc)
        clusters = db.session.scalars(
            select(Cluster).where(Cluster.archived_at.is_(None)).limit(n_each)
        ).all()
        for i, cluster in enumerate(clusters):
            email = f"bench-manager-{i}@loket.bench"
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=f"Beheerder {i}", role="cluster_manager", status="active")
                user.managed_clusters.append(cluster)
                db.session.add(user)
            user.password_hash, user.email_verified_at = hashed, now
            accounts.append(Account("manager", email))
        admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
        admin.password_hash = hashed
        accounts.append(Account("admin", admin.email))
        db.session.commit()
    return accounts


# --------------------------------------------------------------------------- an HTTP client
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Browser:
    """One user's session: keeps cookies (Secure ones too: TLS ends at the load balancer)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urlencode(data, doseq=True) if data is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.getheader("Location") or "", text

    def csrf(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        m = CSRF.search(text)
        return (m.group(1) or m.group(2)) if m else ""


# --------------------------------------------------------------------------- the scenario
@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    writes: list[tuple[str, int]] = field(default_factory=list)  # confirmed (kind, id)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[name].append(seconds)
            if not ok:
                self.errors[name] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{name}: {detail}"[:300])


def timed_call(stats: Stats, name: str, fn, expect=(200,)):
    t0 = time.perf_counter()
    try:
        status, location, text = fn()
    except Exception as exc:  # noqa: BLE001 - a dropped connection is an error of the run
        stats.record(name, time.perf_counter() - t0, False, repr(exc))
        return None
    ok = status in expect
    stats.record(name, time.perf_counter() - t0, ok, f"{status} {location}")
    return (status, location, text) if ok else None


def login(b: Browser, acc: Account, stats: Stats) -> bool:
    token = b.csrf("/inloggen")
    data = {"csrf_token": token, "email": acc.email, "password": PASSWORD}
    return (
        timed_call(stats, "POST /inloggen", lambda: b.request("POST", "/inloggen", data), (302, 303))
        is not None
    )


def today_plus(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def school_step(b: Browser, acc: Account, stats: Stats, rng: random.Random) -> None:
    r = rng.random()
    if r < 0.35:
        timed_call(stats, "GET /school/", lambda: b.request("GET", "/school/"))
    elif r < 0.75 and acc.request_ids:
        rid = rng.choice(acc.request_ids)
        timed_call(stats, "GET /school/aanvragen/<id>", lambda: b.request("GET", f"/school/aanvragen/{rid}"))
    elif r < 0.9:
        token = b.csrf("/school/aanvragen/nieuw")
        data = {
            "csrf_token": token, "activity": "gastles", "sectors": ["energie"], "levels": ["havo"],
            "topic": "zonne-energie", "pupils": "25", "earliest": today_plus(14), "latest": today_plus(90),
            "modes": ["at_school"], "max_travel_km": "30",
        }  # fmt: skip
        res = timed_call(
            stats,
            "POST /school/aanvragen/nieuw",
            lambda: b.request("POST", "/school/aanvragen/nieuw", data),
            (302, 303),
        )
        if res and (m := re.search(r"/aanvragen/(\d+)", res[1])):
            with stats.lock:
                stats.writes.append(("request", int(m.group(1))))
            acc.request_ids.append(int(m.group(1)))
    else:
        timed_call(stats, "GET /school/koppelingen", lambda: b.request("GET", "/school/koppelingen"))


def company_step(b: Browser, acc: Account, stats: Stats, rng: random.Random) -> None:
    r = rng.random()
    if r < 0.35:
        timed_call(stats, "GET /bedrijf/", lambda: b.request("GET", "/bedrijf/"))
    elif r < 0.75 and acc.offer_ids:
        oid = rng.choice(acc.offer_ids)
        timed_call(stats, "GET /bedrijf/aanbod/<id>", lambda: b.request("GET", f"/bedrijf/aanbod/{oid}"))
    elif r < 0.9:
        token = b.csrf("/bedrijf/aanbod/nieuw")
        data = {
            "csrf_token": token, "activity": "gastles", "sectors": ["energie"], "levels": ["havo", "vwo"],
            "topic": "warmtepompen", "capacity": "3", "earliest": today_plus(7), "latest": today_plus(180),
            "modes": ["at_school"], "radius_km": "40",
        }  # fmt: skip
        res = timed_call(
            stats,
            "POST /bedrijf/aanbod/nieuw",
            lambda: b.request("POST", "/bedrijf/aanbod/nieuw", data),
            (302, 303),
        )
        if res and (m := re.search(r"/aanbod/(\d+)", res[1])):
            with stats.lock:
                stats.writes.append(("offer", int(m.group(1))))
            acc.offer_ids.append(int(m.group(1)))
    else:
        timed_call(stats, "GET /bedrijf/koppelingen", lambda: b.request("GET", "/bedrijf/koppelingen"))


APPROVE = re.compile(r'name="match_ids" value="(\d+)"')


def manager_step(b: Browser, acc: Account, stats: Stats, rng: random.Random) -> None:
    r = rng.random()
    if r < 0.3:
        res = timed_call(stats, "GET /cluster/goedkeuren", lambda: b.request("GET", "/cluster/goedkeuren"))
        ids = APPROVE.findall(res[2]) if res else []
        if ids and rng.random() < 0.5:
            mid = rng.choice(ids)
            m = CSRF.search(res[2])
            token = (m.group(1) or m.group(2)) if m else ""
            data = {"csrf_token": token, "match_ids": [mid]}
            timed_call(
                stats,
                "POST /cluster/goedkeuren",
                lambda: b.request("POST", "/cluster/goedkeuren", data),
                (302, 303, 409),
            )
    elif r < 0.55:
        timed_call(stats, "GET /regio/", lambda: b.request("GET", "/regio/"))
    elif r < 0.75:
        timed_call(stats, "GET /regio/kaart", lambda: b.request("GET", "/regio/kaart"))
    else:
        timed_call(stats, "GET /cluster/overzicht", lambda: b.request("GET", "/cluster/overzicht"))


def admin_step(b: Browser, acc: Account, stats: Stats, rng: random.Random) -> None:
    r = rng.random()
    path = "/beheer/" if r < 0.4 else "/beheer/clusters" if r < 0.7 else "/regio/"
    timed_call(stats, f"GET {path}", lambda: b.request("GET", path))


STEPS = {"school": school_step, "company": company_step, "manager": manager_step, "admin": admin_step}
MIX = ["school"] * 4 + ["company"] * 3 + ["manager"] * 2 + ["admin"]


def run_stage(port: int, accounts: list[Account], users: int, duration: float, think: tuple, stats: Stats,
              during=None, ramp: float = 10.0) -> float:  # fmt: skip
    by_role = defaultdict(list)
    for a in accounts:
        by_role[a.role].append(a)
    stop = time.monotonic() + duration

    def user(i: int) -> None:
        rng = random.Random(i)
        role = MIX[i % len(MIX)]
        nth = sum(1 for j in range(i) if MIX[j % len(MIX)] == role)  # each user its own account
        acc = by_role[role][nth % len(by_role[role])]
        b = Browser(port)
        if not login(b, acc, stats):
            return
        while time.monotonic() < stop:
            STEPS[role](b, acc, stats, rng)
            time.sleep(rng.uniform(*think))

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
        time.sleep(ramp / users)  # users arrive spread over the first `ramp` seconds
    if during is not None:
        during()
    for t in threads:
        t.join(duration + 120)
    return time.monotonic() - t0


def summarise(stats: Stats, seconds: float) -> dict:
    endpoints = {}
    total = errors = 0
    for name, xs in sorted(stats.times.items()):
        n_err = stats.errors.get(name, 0)
        endpoints[name] = {
            "n": len(xs), "errors": n_err, "p50_ms": round(percentile_ms(xs, 50), 1),
            "p95_ms": round(percentile_ms(xs, 95), 1), "p99_ms": round(percentile_ms(xs, 99), 1),
        }  # fmt: skip
        total += len(xs)
        errors += n_err
    return {
        "requests": total,
        "requests_per_s": round(total / seconds, 2) if seconds else 0,
        "errors": errors,
        "error_samples": stats.error_samples,
        "worst_p95_ms": max((e["p95_ms"] for e in endpoints.values()), default=0),
        "worst_p99_ms": max((e["p99_ms"] for e in endpoints.values()), default=0),
        "endpoints": endpoints,
    }


def pg_restart(port: int, stats: Stats, result: dict) -> None:
    """Restart the local PostgreSQL cluster and measure until a page answers again."""
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    t0 = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True)
    restarted = time.monotonic()
    probe = Browser(port)
    while time.monotonic() - restarted < 60:
        try:
            status, _, _ = probe.request("GET", "/readyz")
            if status == 200:
                break
        except OSError:
            pass
        time.sleep(0.05)
    result.update(
        restart_s=round(restarted - t0, 2), back_after_restart_s=round(time.monotonic() - restarted, 2)
    )


def lost_writes(env: dict, writes: list[tuple[str, int]]) -> int:
    from sqlalchemy import create_engine, text

    eng = create_engine(env["LOKET_DATABASE_URL"])
    lost = 0
    with eng.connect() as conn:
        for kind in ("request", "offer"):
            ids = sorted({i for k, i in writes if k == kind})
            if ids:
                query = text(f"SELECT count(*) FROM {kind} WHERE id = ANY(:ids)")
                lost += len(ids) - conn.execute(query, {"ids": ids}).scalar()
    eng.dispose()
    return lost


# --------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="1,000 schools / 5,000 companies")
    ap.add_argument("--schools", type=int, default=10_000)
    ap.add_argument("--companies", type=int, default=50_000)
    ap.add_argument("--stages", default="10,25,50")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per stage")
    ap.add_argument("--think", default="1,3", help="think time range in seconds")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--pg-restart", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--ramp", type=float, default=10.0, help="seconds over which a stage's users arrive")
    ap.add_argument("--reuse-db", metavar="URL", help="an already seeded database: skip seeding and matching")
    args = ap.parse_args()
    if args.small:
        args.schools, args.companies = 1000, 5000
    base_url = os.environ.get("LOKET_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    db_url = args.reuse_db or create_database(base_url)
    tmp = Path(tempfile.mkdtemp(prefix="loket-load-"))
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOKET_")},
        "LOKET_ENV": "production",
        "LOKET_SECRET_KEY": "bench-" + "s" * 40,
        "LOKET_DATABASE_URL": db_url,
        "LOKET_REDIS_URL": "redis://127.0.0.1:6379/14",
        "LOKET_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOKET_BASE_URL": "http://127.0.0.1",
        "LOKET_INSTANCE_DIR": str(tmp),
        "PYTHONPATH": str(ROOT),
    }
    report: dict = {
        "benchmark": "load: gunicorn + PostgreSQL, users of all roles with writes",
        "machine": machine(),
    }
    server = worker = None
    try:
        if args.reuse_db:
            loket(env, "init-db")
            report["reused_database"] = True
        else:
            t0 = time.perf_counter()
            loket(env, "init-db")
            loket(env, "seed-demo", "--schools", str(args.schools), "--companies", str(args.companies))
            report["seed_s"] = round(time.perf_counter() - t0, 1)
            t0 = time.perf_counter()
            loket(env, "match", "--assign", "--json", timeout=3600)
            report["match_assign_s"] = round(time.perf_counter() - t0, 1)
            t0 = time.perf_counter()
            loket(env, "match", "--refresh", timeout=3600)
            report["match_refresh_s"] = round(time.perf_counter() - t0, 1)
        accounts = prepare_accounts(env, 40)
        report["size"] = {"schools": args.schools, "companies": args.companies, "accounts": len(accounts)}
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True)
        port = free_port()
        server_log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed with the server
        server = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve",
             "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"],
            env=env, stdout=server_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        # the background worker as production runs it (suggestion updates, mail), at lower CPU
        # priority than the web workers (docs/OPERATIONS.md, "Production")
        worker = subprocess.Popen(
            ["nice", "-n", "10", sys.executable, "-c", CLI, "worker"],
            env=env, stdout=server_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if Browser(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        think = tuple(float(x) for x in args.think.split(","))
        stages = [int(x) for x in args.stages.split(",")]
        report["stages"] = {}
        for i, users in enumerate(stages):
            stats = Stats()
            restart: dict = {}
            during = None
            if args.pg_restart and i == len(stages) - 1 and os.path.isdir("/etc/postgresql"):

                def during(port=port, stats=stats, restart=restart):
                    time.sleep(args.duration / 2)
                    pg_restart(port, stats, restart)

            print(f"== stage: {users} users for {args.duration:.0f} s", file=sys.stderr)
            seconds = run_stage(port, accounts, users, args.duration, think, stats, during, args.ramp)
            summary = summarise(stats, seconds)
            summary["confirmed_writes"] = len(stats.writes)
            summary["confirmed_writes_lost"] = lost_writes(env, stats.writes)
            summary["worker_rss_mb"] = worker_rss_mb(server.pid)
            if restart:
                summary["postgresql_restart"] = restart
            report["stages"][str(users)] = summary
            print(
                f"   {summary['requests_per_s']} req/s, errors {summary['errors']}, worst p95 "
                f"{summary['worst_p95_ms']} ms, RSS {summary['worker_rss_mb']}",
                file=sys.stderr,
            )
        last = report["stages"][str(stages[-1])]
        report["targets"] = {
            "p95_ms": TARGET_P95_MS, "p99_ms": TARGET_P99_MS, "worker_rss_mb": 300,
            "met": {
                "p95": all(s["worst_p95_ms"] < TARGET_P95_MS for s in report["stages"].values()),
                "p99": all(s["worst_p99_ms"] < TARGET_P99_MS for s in report["stages"].values()),
                "rss": max(last["worker_rss_mb"] or [0]) < 300,
                "no_writes_lost": all(s["confirmed_writes_lost"] == 0 for s in report["stages"].values()),
            },
        }  # fmt: skip
        report["baseline"] = BASELINE
        path = write_json("load", report)
        print(f"wrote {path}", file=sys.stderr)
    finally:
        if server is not None:
            server_log.close()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        smtp.stop()
        if not args.keep_db and not args.reuse_db:
            drop_database(base_url, db_url)


if __name__ == "__main__":
    main()
