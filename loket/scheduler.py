"""`loket scheduler`: the daily and frequent jobs, run on exactly one instance at a time.

The jobs are a table (:data:`JOBS`: name, interval, callable). Every instance may run
``loket scheduler``; one leads, the others wait for its lock:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated connection
  held while leading; a leader that dies closes its connection and the lock is gone at once.
- SQLite with ``LOKET_REDIS_URL``: a Redis key (``SET NX PX``) renewed by the leader every third
  of ``LOKET_SCHEDULER_LOCK_TTL_S``; a dead leader's key expires after that time.
- SQLite without Redis (development): an ``flock`` on ``scheduler.lock`` in the instance folder.

When each job last ran is kept in the database (``scheduler_job``), written in the same commit as
the job's own changes, so a restarted or different instance knows what is due. A failing job is
rolled back, logged and recorded, retried after ``LOKET_SCHEDULER_RETRY_S``, and never stops
the other jobs. The jobs are idempotent, so a job cut short by a dying leader runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask import Flask

from loket.db import db, utcnow

log = logging.getLogger("loket.scheduler")
AMS = ZoneInfo("Europe/Amsterdam")
DAILY = "daily"


# --------------------------------------------------------------------------- the jobs
def deadlines_job(now: datetime) -> Any:
    """What `loket deadlines` does: reminders, expiry, feedback requests, completion."""
    from loket.services.matches import deadlines

    return deadlines.run(now)


def digest_job(now: datetime) -> Any:
    """What `loket digest` does: the daily digest email (unmailed notifications only)."""
    from loket.services import notifications

    return notifications.send_digests(now)


def suggestions_job(now: datetime) -> Any:
    """What `loket match --refresh` does: rebuild every stored suggestion list (nightly; commits per
    block of owners, a long run that owns its loop)."""
    from loket.services.matching.refresh import refresh_all

    return refresh_all()


def match_job(now: datetime) -> Any:
    """What `loket match` (without --assign) does: store new proposals for the cluster managers."""
    from loket.services.matches.proposals import run_matching

    run = run_matching(10, assign_pairs=False, dry_run=False)
    return {
        "requests": run.requests,
        "offers": run.offers,
        "suggestions": len(run.suggestions),
        "created": run.created,
        "existing": run.existing,
    }


def mail_job(now: datetime) -> Any:
    """What `loket mail deliver` does: send queued mail whose (retry) time has come."""
    from loket.mail.delivery import deliver_due

    return deliver_due(now=now)


@dataclass(frozen=True)
class Job:
    """One scheduled job. ``interval`` is :data:`DAILY` (once a day, from
    ``LOKET_SCHEDULER_DAILY_AT`` Amsterdam time), a ``timedelta``, or the name of a config value in
    seconds. ``fn(now)`` runs in an app context, flushes (never commits) and returns a JSON-able
    result."""

    name: str
    interval: str | timedelta
    fn: Callable[[datetime], Any]


JOBS: list[Job] = [
    Job("deadlines", DAILY, deadlines_job),
    Job("digest", DAILY, digest_job),
    Job("suggestions", DAILY, suggestions_job),
    Job("match", DAILY, match_job),
    Job("mail", "LOKET_MAIL_DELIVER_EVERY_S", mail_job),
]


def interval_of(job: Job, config: dict) -> timedelta | None:
    """The fixed interval of a job; None for a daily job."""
    if job.interval == DAILY:
        return None
    if isinstance(job.interval, timedelta):
        return job.interval
    return timedelta(seconds=float(config[job.interval]))


def daily_time(config: dict) -> tuple[int, int]:
    raw = str(config["LOKET_SCHEDULER_DAILY_AT"])
    try:
        hour, minute = (int(part) for part in raw.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError as exc:
        raise ValueError(f"LOKET_SCHEDULER_DAILY_AT must be HH:MM (e.g. 06:00), got {raw!r}") from exc
    return hour, minute


def _next_daily(after: datetime, at: tuple[int, int]) -> datetime:
    local = after.astimezone(AMS)
    candidate = local.replace(hour=at[0], minute=at[1], second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=at[0], minute=at[1])
    return candidate.astimezone(after.tzinfo)


def next_run(job: Job, state, config: dict, now: datetime) -> datetime:
    """When ``job`` is due: at once if it never ran; after a failure, ``LOKET_SCHEDULER_RETRY_S``
    later (or its interval, if shorter); else its next daily time or last start + interval."""
    if state is None or state.last_started_at is None:
        return now
    last = state.last_started_at
    interval = interval_of(job, config)
    if state.last_ok is False:
        retry = timedelta(seconds=float(config["LOKET_SCHEDULER_RETRY_S"]))
        return last + (min(retry, interval) if interval else retry)
    if interval is None:
        return _next_daily(last, daily_time(config))
    return last + interval


# --------------------------------------------------------------------------- running jobs
def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Outcome:
    job: str
    ok: bool
    seconds: float
    result: Any = None
    error: str | None = None

    def as_json(self) -> dict:
        return {
            "job": self.job,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "result": self.result,
            "error": self.error,
        }


def _state(name: str):
    from loket.models import SchedulerJob

    row = db.session.get(SchedulerJob, name)
    if row is None:
        row = SchedulerJob(name=name, runs=0, failures_in_a_row=0)
        db.session.add(row)
    return row


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def run_job(job: Job, now: datetime | None = None) -> Outcome:
    """Run one job in the current app context: its changes and its state row in one commit; on
    failure roll back, then record the failure in a commit of its own. Never raises."""
    from loket.mail.delivery import deliver_after_commit

    started = utcnow()
    clock = time.perf_counter()
    try:
        result = _jsonable(job.fn(now or started))
        row = _state(job.name)
        row.last_started_at, row.last_finished_at = started, utcnow()
        row.last_ok, row.last_result, row.last_error = True, result, None
        row.last_instance = instance_name()
        row.runs = (row.runs or 0) + 1
        row.failures_in_a_row = 0
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - a failing job must not stop the others
        db.session.rollback()
        outcome = Outcome(job.name, False, time.perf_counter() - clock, error=f"{type(exc).__name__}: {exc}")
        log.exception("job %s failed after %.2f s", job.name, outcome.seconds)
        try:
            row = _state(job.name)
            row.last_started_at, row.last_finished_at = started, utcnow()
            row.last_ok, row.last_error = False, outcome.error[:4000]
            row.last_instance = instance_name()
            row.runs = (row.runs or 0) + 1
            row.failures_in_a_row = (row.failures_in_a_row or 0) + 1
            db.session.commit()
        except Exception:  # noqa: BLE001 - e.g. the database itself is down
            db.session.rollback()
            log.exception("could not record the failure of %s", job.name)
        return outcome
    outcome = Outcome(job.name, True, time.perf_counter() - clock, result=result)
    log.info("job %s ok in %.2f s: %s", job.name, outcome.seconds, result)
    try:
        deliver_after_commit()  # email the job queued (digest, deadline reminders)
    except Exception:  # noqa: BLE001 - stays queued; the mail job sends it later
        db.session.rollback()
        log.exception("sending the mail of %s failed; it stays queued", job.name)
    return outcome


def job_states() -> dict[str, Any]:
    from loket.models import SchedulerJob

    return {row.name: row for row in db.session.query(SchedulerJob).all()}


def due_jobs(app: Flask, now: datetime, jobs: list[Job] | None = None) -> list[Job]:
    states = job_states()
    return [j for j in (jobs or JOBS) if next_run(j, states.get(j.name), app.config, now) <= now]


def run_due(
    app: Flask,
    now: datetime | None = None,
    jobs: list[Job] | None = None,
    still_leading: Callable[[], bool] = lambda: True,
) -> list[Outcome]:
    """Run every job that is due (in table order) while we still lead; returns their outcomes."""
    outcomes = []
    moment = now or utcnow()
    try:
        due = due_jobs(app, moment, jobs)
    finally:
        db.session.remove()
    for job in due:
        if not still_leading():
            log.warning("lost the lock; %s and later jobs left to the new leader", job.name)
            break
        try:
            outcomes.append(run_job(job, now))
        finally:
            db.session.remove()  # no connection held between jobs
    return outcomes


def schedule(app: Flask, now: datetime | None = None, jobs: list[Job] | None = None) -> list[dict]:
    """The jobs with their interval, last run and next run (for ``--list``)."""
    moment = now or utcnow()
    states = job_states()
    rows = []
    for job in jobs or JOBS:
        state = states.get(job.name)
        interval = interval_of(job, app.config)
        at = daily_time(app.config)
        rows.append(
            {
                "job": job.name,
                "interval": f"daily at {at[0]:02d}:{at[1]:02d}"
                if interval is None
                else f"every {interval.total_seconds():g} s",
                "last_run": state.last_started_at.isoformat() if state and state.last_started_at else None,
                "last_ok": state.last_ok if state else None,
                "last_error": state.last_error if state else None,
                "next_run": max(next_run(job, state, app.config, moment), moment).isoformat(),
            }
        )
    return rows


# --------------------------------------------------------------------------- single instance
class LeaderLock(Protocol):
    kind: str

    def acquire(self) -> bool:
        """Try to become (or stay) the leader without waiting; True when we lead."""

    def still_held(self) -> bool:
        """Check (and renew) the lock; False once it is lost."""

    def release(self) -> None:
        """Stop leading."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (locks are per database)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresLock:
    """``pg_try_advisory_lock`` on a connection of its own, held (idle, autocommit) while leading."""

    kind = "postgresql advisory lock"

    def __init__(self, url, name: str = "loket.scheduler", connect_timeout: int = 5) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.key = lock_key(name)
        self.engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": connect_timeout},
        )
        self.conn = None

    def acquire(self) -> bool:
        from sqlalchemy import text

        if self.conn is not None:
            return self.still_held()
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        except Exception:
            conn.close()
            raise
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def still_held(self) -> bool:
        from sqlalchemy import text

        if self.conn is None:
            return False
        hi, lo = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            held = self.conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo"
                ),
                {"hi": hi, "lo": lo},
            ).scalar()
        except Exception:  # noqa: BLE001 - the connection died: the lock died with it
            log.warning("lock connection lost", exc_info=True)
            self._drop()
            return False
        if not held:
            self._drop()
        return bool(held)

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.invalidate()
                self.conn.close()
            self.conn = None

    def release(self) -> None:
        from sqlalchemy import text

        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None
        self.engine.dispose()


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLock:
    """``SET key token NX PX ttl``; the leader renews it (compare-and-expire) every ttl / 3 from a
    background thread, also while a long job runs. Lost when a renewal finds another token."""

    kind = "redis lock"

    def __init__(self, url: str, key: str, ttl_s: float = 60.0) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self.key = key
        self.ttl_ms = max(1000, int(ttl_s * 1000))
        self.token = f"{instance_name()}:{os.urandom(8).hex()}"
        self._held = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        if self._held.is_set():
            return self.still_held()
        if self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms):
            self._held.set()
            self._start_renewing()
            return True
        return False

    def _renew(self) -> bool:
        """False only when the key is provably not ours any more; a Redis error leaves the
        decision to the renewal thread (which gives up once a whole TTL passed unrenewed)."""
        try:
            return bool(self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        except Exception:  # noqa: BLE001
            log.warning("renewing the redis lock failed", exc_info=True)
            return True

    def _start_renewing(self) -> None:
        self._stop.clear()
        last_ok = time.monotonic()

        def loop() -> None:
            nonlocal last_ok
            while not self._stop.wait(self.ttl_ms / 3000):
                try:
                    renewed = bool(self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
                except Exception:  # noqa: BLE001
                    log.warning("renewing the redis lock failed", exc_info=True)
                    if time.monotonic() - last_ok > self.ttl_ms / 1000:
                        self._held.clear()
                        return
                    continue
                if not renewed:
                    log.warning("the redis lock now belongs to another instance")
                    self._held.clear()
                    return
                last_ok = time.monotonic()

        self._thread = threading.Thread(target=loop, name="scheduler-lock-renewal", daemon=True)
        self._thread.start()

    def still_held(self) -> bool:
        if not self._held.is_set():
            return False
        if not self._renew():
            self._held.clear()
            self._stop.set()
        return self._held.is_set()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._held.is_set():
            with contextlib.suppress(Exception):
                self.redis.eval(_RELEASE, 1, self.key, self.token)
        self._held.clear()
        with contextlib.suppress(Exception):
            self.redis.close()


class FileLock:
    """``flock`` on a file in the instance folder: one scheduler per machine (SQLite development)."""

    kind = "file lock"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        import fcntl

        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, instance_name().encode())
        self.fd = fd
        return True

    def still_held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        import fcntl

        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def make_lock(app: Flask) -> LeaderLock:
    """The lock for this deployment: PostgreSQL advisory lock, else Redis, else a file lock."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresLock(url, connect_timeout=int(app.config["LOKET_DB_CONNECT_TIMEOUT_S"]))
    redis_url = app.config["LOKET_REDIS_URL"]
    if redis_url:
        digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
        return RedisLock(
            redis_url, f"loket:scheduler:leader:{digest}", app.config["LOKET_SCHEDULER_LOCK_TTL_S"]
        )
    folder = Path(app.config["LOKET_INSTANCE_DIR"] or app.instance_path)
    return FileLock(folder / "scheduler.lock")


@contextlib.contextmanager
def leading(lock: LeaderLock) -> Iterator[bool]:
    """Try once to lead; yields whether we do; releases the lock at the end."""
    try:
        yield lock.acquire()
    finally:
        lock.release()


def run_forever(app: Flask, lock: LeaderLock, stop: threading.Event, tick_s: float | None = None) -> None:
    """Until ``stop`` is set: try to lead, and while leading run what is due every tick."""
    tick = tick_s or float(app.config["LOKET_SCHEDULER_TICK_S"])
    is_leader = False
    log.info("%s starting (%s, tick %.0f s)", instance_name(), lock.kind, tick)
    try:
        while not stop.is_set():
            try:
                if is_leader and not lock.still_held():
                    is_leader = False
                    log.warning("%s lost the %s; waiting", instance_name(), lock.kind)
                if not is_leader and lock.acquire():
                    is_leader = True
                    log.info("%s leads (%s)", instance_name(), lock.kind)
                if is_leader:
                    with app.app_context():
                        run_due(app, still_leading=lambda: not stop.is_set() and lock.still_held())
            except Exception:  # noqa: BLE001 - e.g. database or Redis briefly unreachable
                log.exception("tick failed; trying again in %.0f s", tick)
            stop.wait(tick)
    finally:
        lock.release()
        log.info("%s stopped", instance_name())
