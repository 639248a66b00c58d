"""`loket scheduler`: due jobs run once and are recorded in the database; a failing job does not
stop the others; exactly one instance leads (PostgreSQL advisory lock, Redis lock, file lock) and
another takes over when the leader dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from loket.db import db
from loket.models import Match, SchedulerJob
from loket.scheduler.jobs import AMS, DAILY, Job, deadlines_job, mail_job
from loket.scheduler.locks import FileLock, PostgresLock, RedisLock, make_lock
from loket.scheduler.runner import run_job
from tests.helpers.reactivation import LOKET_CMD, child_env

REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
JOB_NAMES = ["deadlines", "digest", "suggestions", "match", "event_reminders", "mail"]


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return redis


def _states() -> dict[str, SchedulerJob]:
    db.session.rollback()  # see other processes' commits
    return {row.name: row for row in db.session.scalars(select(SchedulerJob))}


def _old_proposal(make) -> int:
    school, company = make.school(), make.company()
    make.user(school)
    make.user(company)
    m = make.match(make.request(school), make.offer(company), status="approved")  # company must act
    m.status_changed_at = datetime.now(UTC) - timedelta(days=8)  # past the 7-day reminder
    db.session.commit()
    return m.id  # the scheduler ends the session after each job: keep the id, not the object


# --------------------------------------------------------------------------- --once and --list
def test_once_runs_the_due_jobs_and_records_when(app, runner, make, mailbox):
    match_id = _old_proposal(make)
    result = runner.invoke(args=["scheduler", "--once", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["leading"] is True
    assert [r["job"] for r in out["ran"]] == JOB_NAMES
    assert all(r["ok"] for r in out["ran"]), out
    assert out["ran"][0]["result"]["reminded"] == 1  # what `loket deadlines` does
    db.session.rollback()
    assert db.session.get(Match, match_id).reminder_sent_at is not None
    assert mailbox.messages, "the reminder mail queued by the job was sent after its commit"

    states = _states()
    assert sorted(states) == sorted(JOB_NAMES)
    for name in JOB_NAMES:
        assert states[name].last_ok is True and states[name].runs == 1
        assert states[name].last_started_at <= states[name].last_finished_at
        assert states[name].last_instance
    # nothing is due right after: the times live in the database, not in the process
    again = json.loads(runner.invoke(args=["scheduler", "--once", "--json"]).stdout)
    assert again == {"leading": True, "ran": []}
    # two minutes later only the frequent mail job; the next day (after 06:00) all of them
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    ran = json.loads(runner.invoke(args=["scheduler", "--once", "--json", "--now", soon]).stdout)["ran"]
    assert [r["job"] for r in ran] == ["mail"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=12).isoformat()
    ran = json.loads(runner.invoke(args=["scheduler", "--once", "--json", "--now", tomorrow]).stdout)["ran"]
    assert [r["job"] for r in ran] == JOB_NAMES


def test_list_shows_interval_last_and_next_run(app, runner):
    before = json.loads(runner.invoke(args=["scheduler", "--list", "--json"]).stdout)
    assert [r["job"] for r in before] == JOB_NAMES
    assert before[0]["interval"] == "daily at 06:00" and before[0]["last_run"] is None
    assert before[-1]["interval"] == "every 60 s"
    runner.invoke(args=["scheduler", "--once"])
    after = {r["job"]: r for r in json.loads(runner.invoke(args=["scheduler", "--list", "--json"]).stdout)}
    nxt = datetime.fromisoformat(after["deadlines"]["next_run"])
    assert nxt > datetime.now(UTC) and nxt.astimezone(AMS).strftime("%H:%M") == "06:00"
    last_mail = datetime.fromisoformat(after["mail"]["last_run"])
    assert datetime.fromisoformat(after["mail"]["next_run"]) == last_mail + timedelta(seconds=60)
    plain = runner.invoke(args=["scheduler", "--list"]).output
    assert "deadlines" in plain and "volgende" in plain


def _boom(now):
    from loket.models import Organisation

    db.session.add(Organisation(kind="school", name="Half geschreven", levels=[], sectors=[]))
    db.session.flush()
    raise RuntimeError("de digest-server is stuk")


def test_a_failing_job_does_not_stop_the_others(app, runner, make, monkeypatch, caplog):
    from loket.models import Organisation

    match_id = _old_proposal(make)
    jobs = [
        Job("boom", DAILY, _boom),
        Job("deadlines", DAILY, deadlines_job),
        Job("mail", "LOKET_MAIL_DELIVER_EVERY_S", mail_job),
    ]
    monkeypatch.setattr("loket.scheduler.runner.JOBS", jobs)
    result = runner.invoke(args=["scheduler", "--once", "--json"])
    assert result.exit_code == 1  # something failed: cron and the operator hear about it
    ran = json.loads(result.stdout)["ran"]
    assert [(r["job"], r["ok"]) for r in ran] == [("boom", False), ("deadlines", True), ("mail", True)]
    assert ran[0]["error"] == "RuntimeError: de digest-server is stuk"
    assert "job boom failed" in caplog.text
    db.session.rollback()
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Half geschreven")) is None
    assert db.session.get(Match, match_id).reminder_sent_at is not None
    states = _states()
    assert states["boom"].last_ok is False and states["boom"].failures_in_a_row == 1
    assert "de digest-server is stuk" in states["boom"].last_error
    # retried after LOKET_SCHEDULER_RETRY_S (300 s), not a day later and not at every tick
    in_a_minute = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    ran = json.loads(runner.invoke(args=["scheduler", "--once", "--json", "--now", in_a_minute]).stdout)[
        "ran"
    ]
    assert [r["job"] for r in ran] == ["mail"]
    in_six = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    ran = json.loads(runner.invoke(args=["scheduler", "--once", "--json", "--now", in_six]).stdout)["ran"]
    assert [r["job"] for r in ran] == ["boom", "mail"]
    assert _states()["boom"].failures_in_a_row == 2


def test_the_mail_job_sends_mail_that_waited_for_a_retry(app, make, mailbox):
    from loket.mail.outbox import queue_email
    from loket.models import OutboxMessage

    user = make.user(make.school(), email="later@example.test")
    row = queue_email(user, "password_changed", reset_link="http://loket.test/x")
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)  # a temporary error, back-off over
    db.session.info.clear()  # not this transaction's own mail: only the scheduled path sends it
    db.session.commit()
    outcome = run_job(Job("mail", "LOKET_MAIL_DELIVER_EVERY_S", mail_job))
    assert outcome.ok, outcome
    assert mailbox.to("later@example.test")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).state == "sent"


def test_bad_daily_time_is_named(app, runner):
    app.config["LOKET_SCHEDULER_DAILY_AT"] = "6 uur"
    try:
        result = runner.invoke(args=["scheduler", "--list"])
        assert result.exit_code != 0
        assert "LOKET_SCHEDULER_DAILY_AT must be HH:MM" in str(result.exception)
    finally:
        app.config["LOKET_SCHEDULER_DAILY_AT"] = "06:00"


# --------------------------------------------------------------------------- the locks, in-process
def test_postgres_advisory_lock_has_one_holder_and_dies_with_its_connection(app, backend):
    if backend != "postgresql":
        pytest.skip("PostgreSQL advisory lock")
    a, b = PostgresLock(db.engine.url, "loket.test"), PostgresLock(db.engine.url, "loket.test")
    try:
        assert a.acquire() and a.still_held()
        assert not b.acquire()
        pid = a.conn.execute(text("SELECT pg_backend_pid()")).scalar()
        # the leader's connection dies (process killed, network gone): the server ends its session
        db.session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        db.session.commit()
        deadline = time.monotonic() + 5
        while not b.acquire():
            assert time.monotonic() < deadline, "the lock was not freed"
            time.sleep(0.05)
        assert not a.still_held()
        assert not a.acquire()  # the old leader, back, waits its turn
        b.release()
        assert a.acquire()
    finally:
        a.release()
        b.release()


def test_redis_lock_has_one_holder_is_renewed_and_expires():
    redis = _redis_or_skip()
    key = f"loket:test:leader:{uuid.uuid4().hex}"
    a, b = RedisLock(REDIS_URL, key, ttl_s=1.0), RedisLock(REDIS_URL, key, ttl_s=1.0)
    try:
        assert a.acquire()
        assert not b.acquire()
        time.sleep(2.5)  # longer than the TTL: a's renewal thread keeps it
        assert a.still_held() and not b.acquire()
        a._stop.set()  # the leader freezes (no renewals) ...
        a._thread.join()
        time.sleep(1.3)  # ... and its key expires
        assert b.acquire()
        assert not a.still_held()  # a renewal finds another token: a steps down
        assert redis.Redis.from_url(REDIS_URL).get(key).decode() == b.token
    finally:
        a.release()
        b.release()
    assert redis.Redis.from_url(REDIS_URL).get(key) is None


def test_file_lock_has_one_holder(tmp_path):
    a, b = FileLock(tmp_path / "scheduler.lock"), FileLock(tmp_path / "scheduler.lock")
    assert a.acquire() and not b.acquire()
    a.release()
    assert b.acquire()
    b.release()


def test_once_on_a_second_instance_runs_nothing_while_another_leads(app, runner):
    lock = make_lock(app)
    assert lock.acquire()
    try:
        result = runner.invoke(args=["scheduler", "--once", "--json"])
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {"leading": False, "ran": []}
        assert _states() == {}
    finally:
        lock.release()


# --------------------------------------------------------------------------- real processes
class Scheduler:
    """A real `loket scheduler` process whose log lines are collected as they come."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [*LOKET_CMD, "scheduler", "--tick", "0.2"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())

    def leads(self) -> bool:
        return any(f":{self.proc.pid} leads" in line for line in self.lines)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=20)
        self._reader.join(timeout=5)


def _wait(cond, seconds: float, what: str, procs) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.proc.pid}\n" + "\n".join(p.lines[-30:]) for p in procs)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.1)


def _two_schedulers_one_leads_and_the_other_takes_over(app, env, takeover_s: float) -> None:
    db.session.commit()
    first, second = Scheduler(env), Scheduler(env)
    procs = [first, second]
    try:
        _wait(lambda: first.leads() or second.leads(), 30, "a leader", procs)
        _wait(lambda: len(_states()) == len(JOB_NAMES), 30, "the leader's first round of jobs", procs)
        time.sleep(1.0)  # several ticks: the follower keeps waiting
        assert first.leads() != second.leads(), "exactly one scheduler leads"
        leader, follower = (first, second) if first.leads() else (second, first)
        runs_before = {n: s.runs for n, s in _states().items()}
        assert runs_before == dict.fromkeys(JOB_NAMES, 1)

        os.kill(leader.proc.pid, signal.SIGKILL)  # dies without releasing anything
        leader.stop()
        killed_at = time.monotonic()
        _wait(follower.leads, takeover_s + 15, "the follower to take over", procs)
        took = time.monotonic() - killed_at
        assert took < takeover_s + 5, f"took over after {took:.1f} s"
        time.sleep(1.0)
        # the new leader read the last runs from the database: the daily jobs are not run again
        after = _states()
        for name in ("deadlines", "digest", "match"):
            assert after[name].runs == 1, name
            assert str(leader.proc.pid) in after[name].last_instance
        follower.stop()
        assert follower.proc.returncode == 0  # SIGTERM: finishes the tick, releases, exits
        assert any("stopped" in line for line in follower.lines)
    finally:
        for p in procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()


@pytest.mark.slow
def test_two_processes_on_postgresql(app, backend):
    if backend != "postgresql":
        pytest.skip("the advisory lock needs PostgreSQL")
    env = child_env(app, LOKET_REDIS_URL="")
    _two_schedulers_one_leads_and_the_other_takes_over(app, env, takeover_s=1)


@pytest.mark.slow
def test_two_processes_on_sqlite_with_redis(app, backend):
    if backend != "sqlite":
        pytest.skip("the Redis lock is used with SQLite")
    _redis_or_skip()
    env = child_env(app, LOKET_REDIS_URL=REDIS_URL, LOKET_SCHEDULER_LOCK_TTL_S="2")
    env["LOKET_RQ_QUEUE"] = f"loket-test-{uuid.uuid4().hex[:8]}"
    _two_schedulers_one_leads_and_the_other_takes_over(app, env, takeover_s=2)
