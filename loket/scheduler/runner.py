"""Running the jobs: one job with its state row in one commit, the jobs that are due, the listing
of the schedule, and the loop that runs what is due while this instance leads."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask

from loket.db import db, utcnow
from loket.scheduler.jobs import JOBS, Job, daily_time, interval_of, next_run
from loket.scheduler.locks import LeaderLock, instance_name

log = logging.getLogger("loket.scheduler")


@dataclass
class Outcome:
    """What running one job gave: ok or its error, how long it took, its result."""

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
    """The ``scheduler_job`` rows by job name."""
    from loket.models import SchedulerJob

    return {row.name: row for row in db.session.query(SchedulerJob).all()}


def due_jobs(app: Flask, now: datetime, jobs: list[Job] | None = None) -> list[Job]:
    """The jobs (default: the table) whose next run is at or before ``now``."""
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
