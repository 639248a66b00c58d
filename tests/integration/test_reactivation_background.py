"""A run started on the web runs in the background: via RQ with Redis, else in a subprocess."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.db import db
from loket.models import ActionToken, EmailRun
from tests.conftest import Mailbox
from tests.helpers.reactivation import LOKET_CMD, child_env, dormant_population, login

REDIS_URL = "redis://127.0.0.1:6379/15"


def _wait_done(run_id: int, timeout: float = 60) -> EmailRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        run = db.session.get(EmailRun, run_id)
        if run.status == "done":
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} not done in time: {run.status}")


def _start_from_web(client, make) -> int:
    admin = make.admin(email="admin@example.test")
    db.session.commit()
    login(client, admin)
    data = {"cluster_id": 0, "role": "", "inactive_days": 365}
    preview = client.post("/heractivering/nieuw", data={**data, "action": "preview"}).get_data(as_text=True)
    confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', preview).group(1)
    resp = client.post("/heractivering/nieuw", data={**data, "action": "start", "confirm": confirm})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def test_without_redis_the_web_starts_a_subprocess(app, client, make, mailbox: Mailbox):
    users = dormant_population(make, 3)
    db.session.commit()
    assert not app.config.get("LOKET_REDIS_URL")
    run_id = _start_from_web(client, make)
    run = _wait_done(run_id)
    assert run.params["dispatched"].startswith("pid:")
    assert run.sent == 3
    assert sorted(m["To"].addresses[0].addr_spec for m in mailbox.messages) == sorted(u.email for u in users)


def test_the_subprocess_gets_every_setting_of_the_app_not_a_hand_picked_few(app, client, make, mailbox):
    """The child's environment is derived from app.config: a setting the old hand-written list
    left out (LOKET_REACTIVATION_TOKEN_DAYS) reaches the child as well as the mail settings."""
    users = dormant_population(make, 2)
    db.session.commit()
    changed = {
        "LOKET_REACTIVATION_TOKEN_DAYS": 3,
        "LOKET_MAIL_FROM": "Heractivering <terug@example.test>",
        "LOKET_BOUNCE_ADDRESS": "bounces@example.test",
    }
    saved = {k: app.config[k] for k in changed}
    app.config.update(changed)
    try:
        run_id = _start_from_web(client, make)
        run = _wait_done(run_id)
    finally:
        app.config.update(saved)
    assert run.params["dispatched"].startswith("pid:") and run.sent == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in mailbox.messages) == sorted(u.email for u in users)
    assert {str(m["From"]) for m in mailbox.messages} == {"Heractivering <terug@example.test>"}
    assert {sender for sender, _ in mailbox.envelopes} == {"bounces@example.test"}
    tokens = db.session.scalars(select(ActionToken).where(ActionToken.run_id == run_id)).all()
    assert len(tokens) == 2
    assert all(abs(t.expires_at - t.created_at - timedelta(days=3)) < timedelta(seconds=5) for t in tokens)


def test_with_redis_the_web_queues_to_rq_and_loket_worker_runs_it(app, client, make, mailbox: Mailbox):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue = f"loket-test-{uuid.uuid4().hex[:8]}"
    users = dormant_population(make, 3)
    db.session.commit()
    app.config.update(LOKET_REDIS_URL=REDIS_URL, LOKET_RQ_QUEUE=queue)
    try:
        run_id = _start_from_web(client, make)
        run = db.session.get(EmailRun, run_id)
        assert run.params["dispatched"] == f"rq:loket-run-{run_id}"
        assert run.status == "created" and mailbox.messages == []  # nothing happens without a worker
        from rq import Queue

        assert Queue(queue, connection=redis.Redis.from_url(REDIS_URL)).count == 1
        # a real `loket worker` process (burst: stops when the queue is empty)
        worker = subprocess.run(
            [*LOKET_CMD, "worker", "--burst"], env=child_env(app), capture_output=True, timeout=120
        )
        assert worker.returncode == 0, worker.stderr.decode()
    finally:
        app.config.update(LOKET_REDIS_URL=None, LOKET_RQ_QUEUE="loket")
        conn = redis.Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"*{queue}*"):
            conn.delete(key)
        for key in conn.scan_iter("rq:job:loket-run-*"):
            conn.delete(key)
    run = _wait_done(run_id, timeout=5)
    assert run.sent == 3
    assert sorted(m["To"].addresses[0].addr_spec for m in mailbox.messages) == sorted(u.email for u in users)
