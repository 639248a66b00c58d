"""The one way Loket sends an email: claim a row, send it over SMTP, record the outcome.

Every email is an ``OutboxMessage`` row (``loket.mail.outbox.queue_email``, or a reactivation
run's prepared rows). ``Sender.deliver`` is the only code that sends one:

1. the MIME message was built from the row beforehand (``load_batch``); a row that cannot be
   built (a header value with a line break, an address the email package rejects, ...) is
   marked ``failed`` with the error and the rows after it go on;
2. wait for the rate (``LOKET_MAIL_RATE_PER_S``; 0 = no wait);
3. claim it: ``queued`` -> ``sending``, attempts + 1, a conditional UPDATE, commit (a row some
   other process claimed first is skipped, so two senders never both send it);
4. send over SMTP (``loket.mail.transport``);
5. record the outcome and commit: ``sent``; back to ``queued`` with ``next_attempt_at = now +
   LOKET_MAIL_RETRY_BASE_S * 2^(attempt-1)`` (at most an hour) on a 4xx answer or a connection
   error; ``failed`` on a 5xx answer, an unexpected error, or a temporary error at attempt
   ``LOKET_MAIL_MAX_ATTEMPTS``.

A process killed between 3 and 5 leaves the row in ``sending``; it is never sent again
automatically (at most once; reactivation runs mark such rows ``unknown``).

Callers: ``deliver_after_commit`` (the rows the transaction that just committed queued),
``deliver_due`` (the scheduled path: ``loket mail deliver``, ``loket worker``, cron) and the
reactivation run sender (``loket.services.reactivation.sending``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from loket.db import db, utcnow
from loket.mail.outbox import take_queued_ids
from loket.mail.transport import (
    FileTransport,
    PermanentSendError,
    SmtpSettings,
    SmtpTransport,
    TemporarySendError,
    mail_dir,
)
from loket.models import OutboxMessage
from loket.models.mail import FAILED, QUEUED, SENDING, SENT

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 3600.0
BATCH = 200
ERROR_MAX = 2000


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: from the ``LOKET_MAIL_*`` settings (``DeliveryPolicy.from_config``)."""

    max_attempts: int
    retry_base_s: float
    rate_per_s: float
    envelope_from: str | None

    @classmethod
    def from_config(cls, rate_per_s: float | None = None) -> DeliveryPolicy:
        """The app's policy; ``rate_per_s`` overrides ``LOKET_MAIL_RATE_PER_S`` (``--rate``)."""
        cfg = current_app.config
        return cls(
            max_attempts=int(cfg["LOKET_MAIL_MAX_ATTEMPTS"]),
            retry_base_s=float(cfg["LOKET_MAIL_RETRY_BASE_S"]),
            rate_per_s=float(cfg["LOKET_MAIL_RATE_PER_S"] if rate_per_s is None else rate_per_s),
            envelope_from=cfg["LOKET_BOUNCE_ADDRESS"] or None,
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """Back-off after the ``attempts``-th temporary failure."""
        return timedelta(seconds=min(MAX_BACKOFF_S, self.retry_base_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outgoing:
    """A queued row ready to send: its MIME message, or why it cannot be built."""

    row_id: int
    message: EmailMessage | None
    error: str | None = None


@dataclass
class DeliveryCounts:
    """Outcomes of one delivery pass: sent, retry (queued again with back-off), failed, skipped
    (claimed by another process first)."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str | None) -> None:
        if outcome == SENT:
            self.sent += 1
        elif outcome == QUEUED:
            self.retry += 1
        elif outcome == FAILED:
            self.failed += 1
        else:
            self.skipped += 1

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def build_message(row: OutboxMessage) -> EmailMessage:
    """Turn an outbox row into a MIME message (text with an HTML alternative); raises on a row
    the email package refuses (e.g. a header value with a line break)."""
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = current_app.config["LOKET_MAIL_FROM"]
    msg["To"] = formataddr((row.user.name or "", row.to_addr)) if row.user and row.user.name else row.to_addr
    msg["Message-ID"] = row.message_id
    for k, v in (row.headers or {}).items():
        msg[k] = v
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    return msg


def make_transport() -> SmtpTransport | FileTransport:
    """An SMTP connection (opened on first send) to ``LOKET_SMTP_URL``, or for a ``file://`` URL
    (development) a folder the messages are written to."""
    url = current_app.config["LOKET_SMTP_URL"]
    folder = mail_dir(url)
    if folder is not None:
        return FileTransport(folder)
    return SmtpTransport(SmtpSettings.from_url(url))


def load_batch(ids: Sequence[int]) -> list[Outgoing]:
    """The still-queued rows among ``ids`` (one query), each built into a MIME message up front."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .options(joinedload(OutboxMessage.user))
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.state == QUEUED)
        .order_by(OutboxMessage.id)
    ).all()
    batch = []
    for row in rows:
        try:
            batch.append(Outgoing(row.id, build_message(row)))
        except Exception as exc:  # noqa: BLE001 - recorded on the row; the next rows go on
            batch.append(Outgoing(row.id, None, f"bericht niet op te bouwen: {type(exc).__name__}: {exc}"))
    return batch


class Sender:
    """One sending process: an SMTP connection (reused, reopened after an error), the delivery
    policy and the rate. Use as a context manager; ``deliver`` one ``Outgoing`` at a time."""

    def __init__(
        self,
        policy: DeliveryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or DeliveryPolicy.from_config()
        self.sleep = sleep
        self.transport = make_transport()
        self._interval = 1.0 / self.policy.rate_per_s if self.policy.rate_per_s > 0 else 0.0
        self._last_send = 0.0

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.transport.close()

    def deliver(self, out: Outgoing) -> str | None:
        """Send one row with the bookkeeping above; returns its new state (``sent``, ``queued``
        for a retry, ``failed``) or None when another process had taken the row."""
        if out.message is None:
            return _record_unbuildable(out.row_id, out.error or "bericht niet op te bouwen")
        if self._interval:
            wait = self._last_send + self._interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        attempts = _claim(out.row_id)
        if attempts is None:
            return None
        self._last_send = time.monotonic()
        values: dict = {}
        try:
            self.transport.send(out.message, envelope_from=self.policy.envelope_from)
        except TemporarySendError as exc:
            log.warning("outbox: message %s not sent (attempt %s): %s", out.row_id, attempts, exc)
            values["last_error"] = str(exc)[:ERROR_MAX]
            if attempts >= self.policy.max_attempts:
                values["state"] = FAILED
            else:
                values["state"] = QUEUED
                values["next_attempt_at"] = utcnow() + self.policy.retry_delay(attempts)
        except PermanentSendError as exc:
            values.update(state=FAILED, last_error=str(exc)[:ERROR_MAX])
        except Exception as exc:  # noqa: BLE001 - maybe sent: never retried (at most once)
            log.exception("outbox: unexpected error sending message %s", out.row_id)
            self.transport.close()
            values.update(
                state=FAILED, last_error=f"onverwachte fout: {type(exc).__name__}: {exc}"[:ERROR_MAX]
            )
        else:
            values.update(state=SENT, sent_at=utcnow(), last_error=None)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == out.row_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return values["state"]


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


def _record_unbuildable(row_id: int, error: str) -> str | None:
    n = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.state == QUEUED)
        .values(state=FAILED, last_error=error[:ERROR_MAX])
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    log.warning("outbox: message %s cannot be built: %s", row_id, error)
    return FAILED if n else None


def deliver_ids(ids: Sequence[int], policy: DeliveryPolicy | None = None) -> DeliveryCounts:
    """Send the given rows that are still queued (due or not), in id order."""
    counts = DeliveryCounts()
    ids = sorted(ids)
    if not ids:
        return counts
    with Sender(policy) as sender:
        for start in range(0, len(ids), BATCH):
            for out in load_batch(ids[start : start + BATCH]):
                counts.add(sender.deliver(out))
    return counts


def deliver_after_commit() -> None:
    """Called right after the request/CLI commit: send what that transaction queued, unless
    ``LOKET_MAIL_SEND_IMMEDIATELY`` is off (then ``deliver_due`` sends it). Never raises: the
    change is committed, and a row that did not go out stays queued or is marked failed."""
    ids = take_queued_ids()
    if not ids or not current_app.config["LOKET_MAIL_SEND_IMMEDIATELY"]:
        return
    try:
        deliver_ids(ids)
    except Exception:  # noqa: BLE001 - never let mail break the page after a commit
        log.exception("outbox: delivering %s message(s) after the commit failed", len(ids))
        db.session.rollback()


def _due(now: datetime):
    return (
        (OutboxMessage.state == QUEUED)
        & OutboxMessage.run_id.is_(None)
        & (OutboxMessage.next_attempt_at.is_(None) | (OutboxMessage.next_attempt_at <= now))
    )


def deliver_due(limit: int = 500, now: datetime | None = None) -> dict[str, int]:
    """The scheduled path: send up to ``limit`` queued rows whose (retry) time has come.

    Rows of reactivation runs are left to their run (``loket reactivate --resume``). ``now``
    (default: the current time) decides which rows are due. Returns the counts ``due``,
    ``sent``, ``retry``, ``failed``, ``skipped`` and ``queued`` (ordinary rows still queued after
    this pass: retry time ahead, or beyond ``limit``).
    """
    now = now or utcnow()
    ids = list(
        db.session.scalars(select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit))
    )
    counts = deliver_ids(ids)
    queued = db.session.scalar(
        select(func.count()).where(OutboxMessage.state == QUEUED, OutboxMessage.run_id.is_(None))
    )
    db.session.commit()
    return {"due": len(ids), **counts.as_dict(), "queued": queued or 0}
