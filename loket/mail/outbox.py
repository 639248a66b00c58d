"""Transactional outbox: services queue rows; delivery happens after the commit.

``queue_email`` adds an ``OutboxMessage`` in the caller's transaction and remembers its id on the
session. After the request (or CLI command) commits, ``deliver_after_commit`` sends those rows.
A row is marked ``sending`` and committed before the SMTP call and ``sent``/``failed`` after it,
so a crash never leads to a second send of the same row.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import select

from loket.db import db, utcnow
from loket.mail.render import render_email
from loket.mail.transport import PermanentSendError, SmtpSettings, SmtpTransport, TemporarySendError
from loket.models import OutboxMessage, User
from loket.models.mail import FAILED, QUEUED, SENDING, SENT
from loket.services import ServiceError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_SESSION_KEY = "loket_outbox_ids"
_HEADER_BREAKS = re.compile(r"[\x00\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class MailHeaderError(ServiceError):
    """A header value (subject, recipient name or address, extra header) holds a line break or NUL.

    Such a message is refused: ``queue_email`` stores it as ``failed`` with this message as the
    reason (the caller's page or command goes on), ``send_row`` fails a row queued before this check
    existed instead of leaving it in ``sending`` for ever, and ``build_message`` raises it.
    """

    def __init__(self, header: str, value: str) -> None:
        super().__init__(
            f"Deze e-mail kan niet worden gemaakt: de kopregel {header} bevat een regeleinde of "
            f"stuurteken ({value[:60]!r})."
        )
        self.header = header


def check_headers(
    subject: str, to_addr: str, to_name: str | None = None, headers: dict[str, str] | None = None
) -> None:
    """Raise MailHeaderError when any header value would contain a line break or NUL."""
    values = {"Subject": subject, "To": to_addr, "To (naam)": to_name or "", **(headers or {})}
    for name, value in values.items():
        if _HEADER_BREAKS.search(str(name)) or _HEADER_BREAKS.search(str(value)):
            raise MailHeaderError(name, str(value))


def queue_email(
    user: User | None,
    template: str,
    *,
    to_addr: str | None = None,
    kind: str | None = None,
    run_id: int | None = None,
    headers: dict[str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render and queue one email in the current transaction; sent after commit."""
    addr = to_addr or (user.email if user else None)
    if not addr:
        raise ValueError("queue_email: no recipient address")
    locale = user.locale if user else "nl"
    rendered = render_email(template, locale=locale, user=user, **context)
    try:
        check_headers(rendered.subject, addr, user.name if user else None, headers)
    except MailHeaderError as exc:
        refused: MailHeaderError | None = exc
    else:
        refused = None
    domain = current_app.config["LOKET_BASE_URL"].split("//")[-1].split("/")[0].split(":")[0] or "loket"
    msg = OutboxMessage(
        run_id=run_id,
        user_id=user.id if user else None,
        kind=kind or template,
        to_addr=_storable(addr) if refused else addr,
        subject=_storable(rendered.subject) if refused else rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers={k: _storable(v) for k, v in (headers or {}).items()} if refused else headers or {},
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain),
        state=FAILED if refused else QUEUED,
        last_error=refused.message if refused else None,
    )
    db.session.add(msg)
    db.session.flush()
    if refused is not None:
        log.warning("outbox: message %s (%s) refused: %s", msg.id, msg.kind, refused.message)
        return msg
    db.session.info.setdefault(_SESSION_KEY, []).append(msg.id)
    return msg


def _storable(value: str) -> str:
    """A refused header value as it is kept for the record: line breaks and NUL as spaces."""
    return _HEADER_BREAKS.sub(" ", str(value))


def build_message(row: OutboxMessage) -> EmailMessage:
    """Turn an outbox row into a MIME message (text with an HTML alternative).

    Raises MailHeaderError (never a half-built message) when a header value holds a line break."""
    check_headers(row.subject, row.to_addr, row.user.name if row.user else None, row.headers)
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


def make_transport() -> SmtpTransport:
    return SmtpTransport(SmtpSettings.from_url(current_app.config["LOKET_SMTP_URL"]))


def send_row(row: OutboxMessage, transport: SmtpTransport) -> bool:
    """Send one row with the sending/sent bookkeeping; commits around the SMTP call. True if sent.

    A row that cannot be built (a line break in a header) fails at once with the reason, instead of
    staying in ``sending`` for ever."""
    try:
        message = build_message(row)
    except MailHeaderError as exc:
        row.state = FAILED
        row.last_error = exc.message[:2000]
        db.session.commit()
        return False
    row.state = SENDING
    row.attempts += 1
    db.session.commit()
    bounce = current_app.config.get("LOKET_BOUNCE_ADDRESS") or None
    try:
        transport.send(message, envelope_from=bounce)
    except TemporarySendError as exc:
        row.last_error = str(exc)[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = FAILED
        else:
            row.state = QUEUED
            row.next_attempt_at = utcnow() + timedelta(seconds=min(3600, 2**row.attempts * 5))
        db.session.commit()
        return False
    except PermanentSendError as exc:
        row.state = FAILED
        row.last_error = str(exc)[:2000]
        db.session.commit()
        return False
    row.state = SENT
    row.sent_at = utcnow()
    row.last_error = None
    db.session.commit()
    return True


def deliver(ids: list[int]) -> int:
    """Send the given queued rows now; returns how many were sent. Failures stay queued for retry."""
    if not ids:
        return 0
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.state == QUEUED)
    ).all()
    sent = 0
    with make_transport() as transport:
        for row in rows:
            try:
                sent += send_row(row, transport)
            except Exception:  # noqa: BLE001 - never let mail break the page after a commit
                log.exception("outbox: sending message %s failed", row.id)
                db.session.rollback()
    return sent


def deliver_after_commit() -> None:
    """Called right after the request/CLI commit: send what this transaction queued."""
    ids = db.session.info.pop(_SESSION_KEY, [])
    if ids and current_app.config.get("LOKET_MAIL_SEND_IMMEDIATELY", True):
        deliver(ids)


def deliver_due(limit: int = 500, rate_per_s: float | None = None) -> int:
    """Send queued rows whose retry time has come (used by `loket outbox` and the worker)."""
    now = utcnow()
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.state == QUEUED, OutboxMessage.run_id.is_(None))
        .where((OutboxMessage.next_attempt_at.is_(None)) | (OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    interval = 1.0 / rate_per_s if rate_per_s else 0.0
    sent = 0
    with make_transport() as transport:
        for row in rows:
            sent += send_row(row, transport)
            if interval:
                time.sleep(interval)
    return sent
