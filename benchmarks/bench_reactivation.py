"""Reactivation run at scale: 10,000 messages to a local SMTP server (aiosmtpd) in under 2 minutes,
with flat memory, beside a naive baseline (a new SMTP connection per message) on a sample.

Run: ``.venv/bin/python benchmarks/bench_reactivation.py [--n 10000] [--sample 500]``
(``LOKET_BENCH_DATABASE_URL`` selects the database; default a temporary SQLite file).
Writes ``benchmarks/results/reactivation.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine, write_json  # noqa: E402


def rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


class Counter:
    """aiosmtpd handler that only counts (a stand-in for a fast relay)."""

    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.n += 1
        return "250 OK"


def seed(db, n: int) -> None:
    """n dormant users (half schools, half companies) with one organisation + location each."""
    from sqlalchemy import insert

    from loket.models import Location, Offer, Organisation, Request, User

    places = [
        (52.5125, 6.0944, "8011 AA", "Zwolle"),
        (52.0907, 5.1214, "3511 AA", "Utrecht"),
        (51.4416, 5.4697, "5611 AA", "Eindhoven"),
        (53.2194, 6.5665, "9711 AA", "Groningen"),
    ]
    now = datetime.now(UTC)
    orgs, locs, users = [], [], []
    for i in range(1, n + 1):
        kind = "school" if i % 2 else "company"
        lat, lon, pc, city = places[i % len(places)]
        orgs.append(
            {
                "id": i,
                "kind": kind,
                "name": f"{kind.title()} {i} {city}",
                "levels": ["havo"],
                "sectors": ["energie"],
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
            }
        )
        locs.append(
            {
                "id": i,
                "organisation_id": i,
                "postcode": pc,
                "city": city,
                "lat": lat + (i % 97) / 1000,
                "lon": lon + (i % 89) / 1000,
                "precision": "pc4",
            }
        )
        users.append(
            {
                "id": i,
                "email": f"slaper{i}@bench.example",
                "name": f"Slaper {i}",
                "role": kind,
                "status": "dormant",
                "organisation_id": i,
                "locale": "nl",
                "notify_mode": "immediate",
                "last_login_at": now - timedelta(days=800),
                "created_at": now,
                "security_stamp": 0,
            }
        )
    db.session.execute(insert(Organisation), orgs)
    db.session.execute(insert(Location), locs)
    db.session.execute(insert(User), users)
    today = date.today()
    common = {
        "topic": "zonne-energie",
        "sectors": ["energie"],
        "levels": ["havo"],
        "earliest": today,
        "latest": today + timedelta(days=90),
        "modes": ["at_school"],
        "status": "open",
        "created_at": now,
        "updated_at": now,
        "version_id": 1,
        "activity": "gastles",
    }
    db.session.execute(
        insert(Offer),
        [
            {
                **common,
                "organisation_id": i,
                "location_id": i,
                "capacity": 3,
                "capacity_used": 0,
                "radius_km": 40.0,
            }
            for i in range(2, min(n, 2000) + 1, 2)
        ],
    )
    db.session.execute(
        insert(Request),
        [
            {**common, "organisation_id": i, "location_id": i, "pupils": 25, "max_travel_km": 30.0}
            for i in range(1, min(n, 2000) + 1, 2)
        ],
    )
    db.session.commit()


def baseline_new_connection(run_id: int) -> tuple[int, float]:
    """Baseline A: the same delivery (``loket.mail.delivery.Sender``), but a new SMTP connection
    (connect, EHLO, QUIT) per message."""
    from sqlalchemy import select

    from loket.db import db
    from loket.mail.delivery import DeliveryPolicy, Sender, load_batch
    from loket.models import OutboxMessage

    ids = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.run_id == run_id)))
    policy = DeliveryPolicy.from_config(rate_per_s=0)
    t0 = time.perf_counter()
    for out in load_batch(ids):
        with Sender(policy) as sender:
            sender.deliver(out)
    return len(ids), time.perf_counter() - t0


def baseline_orm_loop(run_id: int) -> tuple[int, float]:
    """Baseline B: a naive ORM outbox loop: load each row and its user through the ORM, build the
    message, write attributes and commit before and after the send; one reused connection."""
    from sqlalchemy import select

    from loket.db import db, utcnow
    from loket.mail.delivery import build_message, make_transport
    from loket.models import OutboxMessage

    ids = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.run_id == run_id)))
    t0 = time.perf_counter()
    with make_transport() as transport:
        for row_id in ids:
            row = db.session.get(OutboxMessage, row_id)
            msg = build_message(row)
            row.state, row.attempts = "sending", row.attempts + 1
            db.session.commit()
            transport.send(msg)
            row.state, row.sent_at = "sent", utcnow()
            db.session.commit()
    return len(ids), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=500)
    args = ap.parse_args()

    from aiosmtpd.controller import Controller

    from loket import create_app
    from loket.db import db
    from loket.services.reactivation import Scope, create_run, execute_run, prepare_run

    tmp = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    handler = Counter()
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    url = os.environ.get("LOKET_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-bench-secret-key-1234",
            "SQLALCHEMY_DATABASE_URI": url,
            "LOKET_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "LOKET_BASE_URL": "https://loket.example",
            "LOKET_MAIL_RATE_PER_S": 0,
            "LOKET_INSTANCE_DIR": str(tmp),
        }
    )
    result: dict = {"n": args.n, "database": url.split(":")[0], "machine": machine()}
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        seed(db, args.n)
        result["seed_s"] = round(time.perf_counter() - t0, 2)
        rss = {"start_mb": round(rss_mb(), 1)}

        t0 = time.perf_counter()
        run = create_run(None, Scope(inactive_days=365))
        prepare_run(run)
        db.session.commit()
        run_id = run.id
        db.session.expunge_all()
        prepare_s = time.perf_counter() - t0
        rss["after_prepare_mb"] = round(rss_mb(), 1)

        half = args.n // 2

        def on_progress(t) -> None:
            if t.done == half:
                rss["middle_mb"] = round(rss_mb(), 1)

        t0 = time.perf_counter()
        totals = execute_run(run_id, on_progress=on_progress)
        send_s = time.perf_counter() - t0
        rss["end_mb"] = round(rss_mb(), 1)
        assert totals.sent == args.n and handler.n == args.n, (totals, handler.n)

        # baselines on a sample: new runs over the first users (their earlier mail made 40 days old)
        from sqlalchemy import update

        from loket.models import OutboxMessage

        baselines = {}
        for name, fn in (
            ("new_connection_per_message", baseline_new_connection),
            ("orm_outbox_loop", baseline_orm_loop),
        ):
            db.session.execute(
                update(OutboxMessage).values(created_at=datetime.now(UTC) - timedelta(days=40))
            )
            db.session.commit()
            base_run = create_run(None, Scope(inactive_days=365, limit=args.sample))
            prepare_run(base_run)
            db.session.commit()
            n_base, base_s = fn(base_run.id)
            baselines[name] = (n_base, base_s)
        db.session.remove()
        db.drop_all()
    controller.stop()

    per_msg = send_s / args.n
    result.update(
        {
            "prepare_s": round(prepare_s, 2),
            "send_s": round(send_s, 2),
            "total_s": round(prepare_s + send_s, 2),
            "messages_per_s": round(args.n / send_s, 1),
            "under_2_minutes": prepare_s + send_s < 120,
            "rss": rss,
            "rss_growth_middle_to_end_mb": round(rss["end_mb"] - rss.get("middle_mb", rss["end_mb"]), 1),
            "baselines": {
                name: {
                    "sample": n_b,
                    "seconds": round(s_b, 2),
                    "ms_per_message": round(1000 * s_b / n_b, 2),
                    "ratio_vs_run_loop": round((s_b / n_b) / per_msg, 2),
                }
                for name, (n_b, s_b) in baselines.items()
            },
            "ms_per_message": round(1000 * per_msg, 2),
        }
    )
    path = write_json("reactivation", result)
    print(
        f"{args.n} messages: prepare {prepare_s:.1f} s + send {send_s:.1f} s "
        f"({args.n / send_s:.0f}/s); RSS {rss}; baselines {result['baselines']} -> {path}"
    )


if __name__ == "__main__":
    main()
