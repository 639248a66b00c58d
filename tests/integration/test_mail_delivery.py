"""One way to send mail: after the commit, by `loket mail deliver`, by the worker, and in runs.

Everything goes to the real SMTP server of the tests (aiosmtpd); ``mailbox.refuse`` makes it
answer 451 (try again later) or 550 (no such user) for a recipient.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.db import db, utcnow
from loket.mail.delivery import deliver_after_commit
from loket.mail.outbox import queue_email, take_queued_ids
from loket.models import OutboxMessage
from tests.conftest import Mailbox
from tests.helpers.reactivation import LOKET_CMD, child_env, dormant_population
from tests.integration.test_auth_register import school_form

REDIS_URL = "redis://127.0.0.1:6379/15"


def _row(addr: str) -> OutboxMessage:
    db.session.rollback()  # see what other sessions/processes committed
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == addr))


def _deliver(runner, *args: str) -> dict:
    result = runner.invoke(args=["mail", "deliver", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _iso(dt) -> str:
    return dt.replace(tzinfo=None).isoformat(timespec="seconds")


def _queue_three(make, broken_header: str) -> list[OutboxMessage]:
    """Three queued password-changed mails; the middle one carries an unbuildable header."""
    school = make.school()
    users = [make.user(school, email=f"drie{i}@example.test", name=f"Drie {i}") for i in range(3)]
    db.session.flush()
    rows = [
        queue_email(u, "password_changed", reset_link="http://loket.test/x", headers=h)
        for u, h in zip(users, [None, {"X-Loket-Note": broken_header}, None], strict=True)
    ]
    db.session.commit()
    return rows


# --- temporary and permanent SMTP errors -------------------------------------------------------
def test_verification_mail_meets_451_and_loket_mail_deliver_sends_it_after_the_back_off(
    app, client, runner, mailbox: Mailbox
):
    addr = "anna@school.example"
    mailbox.refuse[addr] = 451
    resp = client.post("/aanmelden", data=school_form())
    assert resp.status_code == 302  # the registration itself succeeded
    assert mailbox.to(addr) == []
    row = _row(addr)
    assert (row.kind, row.state, row.attempts) == ("verify_email", "queued", 1)
    assert "451" in row.last_error
    base = app.config["LOKET_MAIL_RETRY_BASE_S"]
    assert abs((row.next_attempt_at - utcnow()).total_seconds() - base) < 5
    retry_at = row.next_attempt_at

    del mailbox.refuse[addr]  # the server accepts mail again
    # before the back-off is over nothing is due
    assert _deliver(runner) == {"due": 0, "sent": 0, "retry": 0, "failed": 0, "skipped": 0, "queued": 1}
    assert mailbox.to(addr) == []
    # after it, the scheduled path sends it
    later = _deliver(runner, "--now", _iso(retry_at + timedelta(seconds=1)))
    assert later == {"due": 1, "sent": 1, "retry": 0, "failed": 0, "skipped": 0, "queued": 0}
    (msg,) = mailbox.to(addr)
    assert "Bevestig je e-mailadres" in msg["Subject"] and "/bevestigen/" in mailbox.text_of(msg)
    row = _row(addr)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    # and never twice
    assert _deliver(runner, "--now", _iso(retry_at + timedelta(hours=2)))["due"] == 0
    assert len(mailbox.to(addr)) == 1


def test_a_550_is_failed_at_once_and_never_retried(client, runner, mailbox: Mailbox):
    addr = "anna@school.example"
    mailbox.refuse[addr] = 550
    assert client.post("/aanmelden", data=school_form()).status_code == 302
    row = _row(addr)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert "550" in row.last_error
    del mailbox.refuse[addr]
    far = _iso(utcnow() + timedelta(days=1))
    assert _deliver(runner, "--now", far) == {
        "due": 0,
        "sent": 0,
        "retry": 0,
        "failed": 0,
        "skipped": 0,
        "queued": 0,
    }
    assert mailbox.to(addr) == []


def test_temporary_errors_back_off_and_fail_after_max_attempts(app, client, runner, mailbox: Mailbox):
    addr = "anna@school.example"
    mailbox.refuse[addr] = 451
    saved = app.config["LOKET_MAIL_MAX_ATTEMPTS"], app.config["LOKET_MAIL_RETRY_BASE_S"]
    app.config.update(LOKET_MAIL_MAX_ATTEMPTS=3, LOKET_MAIL_RETRY_BASE_S=10.0)
    try:
        assert client.post("/aanmelden", data=school_form()).status_code == 302
        first = _row(addr)
        assert (first.state, first.attempts) == ("queued", 1)
        waits = [(first.next_attempt_at - utcnow()).total_seconds()]
        out = _deliver(runner, "--now", _iso(first.next_attempt_at + timedelta(seconds=1)))
        assert (out["retry"], out["queued"]) == (1, 1)
        second = _row(addr)
        waits.append((second.next_attempt_at - utcnow()).total_seconds())
        out = _deliver(runner, "--now", _iso(second.next_attempt_at + timedelta(seconds=1)))
        assert (out["failed"], out["queued"]) == (1, 0)
    finally:
        app.config.update(LOKET_MAIL_MAX_ATTEMPTS=saved[0], LOKET_MAIL_RETRY_BASE_S=saved[1])
    # back-off doubles: 10 s, then 20 s (LOKET_MAIL_RETRY_BASE_S * 2^(attempt-1))
    assert abs(waits[0] - 10) < 3 and abs(waits[1] - 20) < 3
    last = _row(addr)
    assert (last.state, last.attempts) == ("failed", 3) and "451" in last.last_error
    assert mailbox.to(addr) == []


# --- a message that cannot be built ------------------------------------------------------------
@pytest.mark.parametrize("path", ["after_commit", "loket_mail_deliver"])
def test_a_message_that_cannot_be_built_is_failed_and_the_rows_after_it_still_go(
    app, make, runner, mailbox: Mailbox, path
):
    rows = _queue_three(make, broken_header="eerste regel\nBcc: iedereen@example.test")
    ids = [r.id for r in rows]
    if path == "after_commit":
        deliver_after_commit()
    else:
        take_queued_ids()  # as if LOKET_MAIL_SEND_IMMEDIATELY were off
        assert _deliver(runner) == {"due": 3, "sent": 2, "retry": 0, "failed": 1, "skipped": 0, "queued": 0}
    db.session.rollback()
    first, broken, last = (db.session.get(OutboxMessage, i) for i in ids)
    assert (first.state, last.state) == ("sent", "sent")
    assert broken.state == "failed" and broken.sent_at is None
    assert "linefeed" in broken.last_error and broken.last_error.startswith("bericht niet op te bouwen")
    assert len(mailbox.to("drie0@example.test")) == 1 and len(mailbox.to("drie2@example.test")) == 1
    assert mailbox.to("drie1@example.test") == []
    assert all("iedereen@example.test" not in rcpts for _, rcpts in mailbox.envelopes)


def test_queue_only_mode_leaves_mail_to_the_scheduled_path(app, client, runner, mailbox: Mailbox):
    app.config["LOKET_MAIL_SEND_IMMEDIATELY"] = False
    try:
        assert client.post("/aanmelden", data=school_form()).status_code == 302
    finally:
        app.config["LOKET_MAIL_SEND_IMMEDIATELY"] = True
    assert mailbox.messages == [] and _row("anna@school.example").state == "queued"
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 verstuurd" in result.stdout and "0 nog in de wachtrij" in result.stdout
    assert len(mailbox.to("anna@school.example")) == 1


def test_an_unusable_smtp_url_is_a_clear_error_and_the_mail_stays_queued(app, client, runner, mailbox):
    app.config["LOKET_MAIL_SEND_IMMEDIATELY"] = False
    try:
        assert client.post("/aanmelden", data=school_form()).status_code == 302
    finally:
        app.config["LOKET_MAIL_SEND_IMMEDIATELY"] = True
    good = app.config["LOKET_SMTP_URL"]
    app.config["LOKET_SMTP_URL"] = "http://mail.example.test"
    try:
        result = runner.invoke(args=["mail", "deliver"])
    finally:
        app.config["LOKET_SMTP_URL"] = good
    assert result.exit_code == 1
    assert "LOKET_SMTP_URL must start with smtp:// or smtps://" in result.stderr
    assert _row("anna@school.example").state == "queued"
    assert _deliver(runner)["sent"] == 1 and len(mailbox.to("anna@school.example")) == 1


def test_rows_of_a_reactivation_run_are_left_to_the_run(make, runner, mailbox: Mailbox):
    from loket.services.reactivation import Scope, create_run, prepare_run

    dormant_population(make, 2)
    db.session.commit()
    run = create_run(None, Scope(inactive_days=365))
    prepare_run(run)
    db.session.commit()
    assert _deliver(runner)["due"] == 0 and mailbox.messages == []


def test_a_run_uses_the_same_delivery_a_broken_row_fails_and_the_others_go(make, mailbox: Mailbox):
    from loket.services.reactivation import Scope, create_run, execute_run, prepare_run

    users = dormant_population(make, 3)
    db.session.commit()
    run = create_run(None, Scope(inactive_days=365))
    prepare_run(run)
    db.session.commit()
    broken = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == users[1].email))
    broken.headers = {**broken.headers, "X-Loket-Run": "1\r\nBcc: x@example.test"}
    db.session.commit()
    t = execute_run(run.id)
    assert (t.sent, t.failed, t.queued, t.unknown) == (2, 1, 0, 0)
    assert db.session.get(OutboxMessage, broken.id).last_error.startswith("bericht niet op te bouwen")
    assert sorted(m["To"].addresses[0].addr_spec for m in mailbox.messages) == sorted(
        [users[0].email, users[2].email]
    )


# --- the worker delivers due mail (Redis) ------------------------------------------------------
def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return redis


def _cleanup(redis, queue: str) -> None:
    conn = redis.Redis.from_url(REDIS_URL)
    for key in conn.scan_iter(f"*{queue}*"):
        conn.delete(key)


def test_loket_worker_burst_delivers_due_mail(app, make, mailbox: Mailbox):
    redis = _redis_or_skip()
    queue = f"loket-test-{uuid.uuid4().hex[:8]}"
    ids = [r.id for r in _queue_three(make, broken_header="ok")]
    take_queued_ids()  # not sent after the commit: left to the worker
    env = child_env(app, LOKET_REDIS_URL=REDIS_URL, LOKET_RQ_QUEUE=queue)
    try:
        worker = subprocess.run([*LOKET_CMD, "worker", "--burst"], env=env, capture_output=True, timeout=120)
    finally:
        _cleanup(redis, queue)
    assert worker.returncode == 0, worker.stderr.decode()
    db.session.rollback()
    assert [db.session.get(OutboxMessage, i).state for i in ids] == ["sent"] * 3
    assert len(mailbox.messages) == 3


def test_a_running_worker_delivers_mail_every_few_seconds_and_stops_cleanly(app, make, mailbox: Mailbox):
    redis = _redis_or_skip()
    queue = f"loket-test-{uuid.uuid4().hex[:8]}"
    env = child_env(app, LOKET_REDIS_URL=REDIS_URL, LOKET_RQ_QUEUE=queue, LOKET_MAIL_DELIVER_EVERY_S="0.3")
    proc = subprocess.Popen([*LOKET_CMD, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)  # the worker is up and has done its first (empty) pass
        assert proc.poll() is None, proc.stderr.read().decode()
        school = make.school()
        user = make.user(school, email="later@example.test")
        db.session.flush()
        queue_email(user, "password_changed", reset_link="http://loket.test/x")
        db.session.commit()
        take_queued_ids()  # the worker, not this process, sends it
        deadline = time.monotonic() + 30
        while not mailbox.to("later@example.test") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(mailbox.to("later@example.test")) == 1
        # the worker records 'sent' right after the SMTP answer: wait for its commit
        while _row("later@example.test").state != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _row("later@example.test").state == "sent"
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _cleanup(redis, queue)
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert len(mailbox.messages) == 1  # sent once although the worker passed many times
