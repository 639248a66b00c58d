"""The scheduled jobs (:data:`JOBS`: name, interval, callable) and when each one is due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from loket.zone import AMSTERDAM as AMS

DAILY = "daily"


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
    from loket.services.matching.rebuild import refresh_all

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


def event_reminders_job(now: datetime) -> Any:
    """What `loket event remind` does: career-day reminders a week and a day before (once each)."""
    from loket.services.events import reminders

    return reminders.run(now)


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
    Job("event_reminders", DAILY, event_reminders_job),
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
    """(hour, minute) of LOKET_SCHEDULER_DAILY_AT; ValueError naming it when not HH:MM."""
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
