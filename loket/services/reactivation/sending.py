"""The send loop of a run: one outbox row at a time, state written before and after each send.

For each row: claim it (``queued`` -> ``sending``, attempts + 1) with a conditional UPDATE and
commit; send over SMTP; mark ``sent`` (or back to ``queued`` with a back-off time on a 4xx, or
``failed`` on a 5xx / too many attempts) and commit. A process killed between the two commits
leaves the row in ``sending``: we cannot know whether the server accepted it, so a resume never
sends it again but marks it ``unknown`` for review (at most one such row per killed process).
``--resend-unknown`` requeues those after an operator checked the mail server's log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from loket.db import db, utcnow
from loket.mail.outbox import MailHeaderError, build_message, make_transport
from loket.mail.transport import PermanentSendError, TemporarySendError
from loket.models import EmailRun, OutboxMessage
from loket.models.mail import FAILED, QUEUED, SENDING, SENT
from loket.services import ServiceError
from loket.services.audit import record
from loket.services.reactivation.runs import CREATED, DONE, DRY_RUN, RUNNING, get_run, prepare_run

log = logging.getLogger(__name__)
UNKNOWN = "unknown"  # left in 'sending' by a killed process: maybe sent, never resent automatically
ID_BATCH = 200


@dataclass
class Totals:
    total: int
    queued: int
    sending: int
    sent: int
    failed: int
    unknown: int
    bounced: int

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.unknown


def totals(run_id: int) -> Totals:
    """Counts of the run's rows per state (one grouped query)."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.run_id == run_id)
            .group_by(OutboxMessage.state)
        ).all()
    )
    bounced = db.session.scalar(
        select(func.count()).where(OutboxMessage.run_id == run_id, OutboxMessage.bounced_at.is_not(None))
    )
    return Totals(
        total=sum(counts.values()),
        queued=counts.get(QUEUED, 0),
        sending=counts.get(SENDING, 0),
        sent=counts.get(SENT, 0),
        failed=counts.get(FAILED, 0),
        unknown=counts.get(UNKNOWN, 0),
        bounced=bounced or 0,
    )


def recover_interrupted(run_id: int) -> int:
    """Rows a killed process left in ``sending`` become ``unknown`` (never resent automatically)."""
    n = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.run_id == run_id, OutboxMessage.state == SENDING)
        .values(state=UNKNOWN, last_error="onbekend: het verzendproces stopte tijdens het verzenden")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if n:
        log.warning("run %s: %s message(s) in state 'sending' marked 'unknown' (not resent)", run_id, n)
    return n


def requeue_unknown(run_id: int) -> int:
    """Operator decision after checking the SMTP log: send the ``unknown`` rows again."""
    n = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.run_id == run_id, OutboxMessage.state == UNKNOWN)
        .values(state=QUEUED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return n


def _due_ids(run_id: int, after_id: int) -> list[int]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.run_id == run_id, OutboxMessage.state == QUEUED, OutboxMessage.id > after_id)
            .where(OutboxMessage.next_attempt_at.is_(None) | (OutboxMessage.next_attempt_at <= now))
            .order_by(OutboxMessage.id)
            .limit(ID_BATCH)
        )
    )


def _next_retry(run_id: int):
    return db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.run_id == run_id, OutboxMessage.state == QUEUED
        )
    )


def _load_batch(ids: list[int]) -> list[tuple[int, EmailMessage]]:
    """Build the MIME messages of a batch of queued rows up front (one query, no reloads later)."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .options(joinedload(OutboxMessage.user))
        .where(OutboxMessage.id.in_(ids), OutboxMessage.state == QUEUED)
        .order_by(OutboxMessage.id)
    ).all()
    batch = []
    for row in rows:
        try:
            batch.append((row.id, build_message(row)))
        except MailHeaderError as exc:  # a line break in a header: this row fails, the others go
            row.state, row.last_error = FAILED, exc.message[:2000]
    db.session.flush()
    for row in rows:
        db.session.expunge(row)
    return batch


def _claim(row_id: int) -> int | None:
    """queued -> sending (attempts + 1) and commit, if nobody else took the row; returns attempts."""
    attempts = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.state == QUEUED)
        .values(state=SENDING, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return attempts


def _send_one(
    row_id: int,
    msg: EmailMessage,
    attempts: int,
    transport,
    bounce: str | None,
    max_attempts: int,
    base_s: float,
) -> str:
    """Send and record the outcome of one claimed row (one UPDATE + commit)."""
    values: dict = {}
    try:
        transport.send(msg, envelope_from=bounce)
    except TemporarySendError as exc:
        values["last_error"] = str(exc)[:2000]
        if attempts >= max_attempts:
            values["state"] = FAILED
        else:
            values["state"] = QUEUED
            values["next_attempt_at"] = utcnow() + timedelta(
                seconds=min(3600.0, base_s * 2 ** (attempts - 1))
            )
    except PermanentSendError as exc:
        values.update(state=FAILED, last_error=str(exc)[:2000])
    else:
        values.update(state=SENT, sent_at=utcnow(), last_error=None)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return values["state"]


def execute_run(
    run_id: int,
    *,
    on_progress: Callable[[Totals], None] | None = None,
    rate_per_s: float | None = None,
    wait_for_retries: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> Totals:
    """Prepare (if needed) and send a run; safe to call again after a crash (``--resume``)."""
    run = get_run(run_id)
    if run.status == DRY_RUN:
        raise ServiceError(f"Verzendronde {run_id} was een proefronde (dry-run) en verstuurt niets.")
    if run.status == CREATED:
        prepare_run(run)
        db.session.commit()
    recover_interrupted(run_id)
    cfg = current_app.config
    rate = cfg.get("LOKET_MAIL_RATE_PER_S", 0) if rate_per_s is None else rate_per_s
    interval = 1.0 / rate if rate and rate > 0 else 0.0
    max_attempts = int(cfg.get("LOKET_MAIL_MAX_ATTEMPTS", 5))
    base_s = float(cfg.get("LOKET_MAIL_RETRY_BASE_S", 30.0))
    bounce = cfg.get("LOKET_BOUNCE_ADDRESS") or None
    db.session.execute(update(EmailRun).where(EmailRun.id == run_id).values(status=RUNNING, error=None))
    db.session.commit()
    current = totals(run_id)
    if on_progress:
        on_progress(current)
    last_send = 0.0
    try:
        with make_transport() as transport:
            while True:
                after = 0
                ids = _due_ids(run_id, after)
                if not ids:
                    retry_at = _next_retry(run_id)
                    if retry_at is None or not wait_for_retries:
                        break
                    sleep(min(60.0, max(0.0, (retry_at - utcnow()).total_seconds())))
                    continue
                while ids:
                    for row_id, msg in _load_batch(ids):
                        if interval:
                            wait = last_send + interval - time.monotonic()
                            if wait > 0:
                                sleep(wait)
                        attempts = _claim(row_id)
                        if attempts is None:
                            continue
                        last_send = time.monotonic()
                        state = _send_one(row_id, msg, attempts, transport, bounce, max_attempts, base_s)
                        current.queued -= 1
                        if state == SENT:
                            current.sent += 1
                        elif state == FAILED:
                            current.failed += 1
                        else:
                            current.queued += 1
                        if on_progress:
                            on_progress(current)
                    after = ids[-1]
                    ids = _due_ids(run_id, after)
    except Exception as exc:
        db.session.rollback()
        db.session.execute(update(EmailRun).where(EmailRun.id == run_id).values(error=str(exc)[:2000]))
        db.session.commit()
        raise
    return finish(run_id)


def finish(run_id: int) -> Totals:
    """Write the totals on the run; status ``done`` when nothing is left queued."""
    t = totals(run_id)
    run = get_run(run_id)
    db.session.refresh(run)
    run.sent, run.failed = t.sent, t.failed + t.unknown
    if t.queued == 0 and t.sending == 0 and run.status != DONE:
        run.status = DONE
        run.finished_at = utcnow()
        record(None, "email_run.done", run, from_state=RUNNING, to_state=DONE, sent=t.sent, failed=t.failed)
    db.session.commit()
    return t
