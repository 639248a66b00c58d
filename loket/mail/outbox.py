"""Transactional outbox: services queue rows; delivery happens after the commit.

``queue_email`` renders an email into an ``OutboxMessage`` in the caller's transaction and
remembers its id on the session. After the request (or CLI command) commits,
``loket.mail.delivery.deliver_after_commit`` sends those rows; a rolled-back transaction sends
nothing. Rows that did not go out are retried by ``loket.mail.delivery.deliver_due``.
"""

from __future__ import annotations

import uuid
from email.utils import make_msgid

from flask import current_app

from loket.db import db
from loket.mail.render import render_email
from loket.models import OutboxMessage, User
from loket.models.mail import QUEUED

_SESSION_KEY = "loket_outbox_ids"


def base_domain() -> str:
    """The host name of LOKET_BASE_URL (for Message-IDs and calendar UIDs); "loket" without one."""
    return current_app.config["LOKET_BASE_URL"].split("//")[-1].split("/")[0].split(":")[0] or "loket"


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
    domain = base_domain()
    msg = OutboxMessage(
        run_id=run_id,
        user_id=user.id if user else None,
        kind=kind or template,
        to_addr=addr,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers=headers or {},
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain),
        state=QUEUED,
    )
    db.session.add(msg)
    db.session.flush()
    db.session.info.setdefault(_SESSION_KEY, []).append(msg.id)
    return msg


def queue_message(msg: OutboxMessage) -> OutboxMessage:
    """Queue an already rendered row (a test copy of a composed message) in the current
    transaction; like ``queue_email`` it leaves after the commit."""
    msg.state = QUEUED
    db.session.add(msg)
    db.session.flush()
    db.session.info.setdefault(_SESSION_KEY, []).append(msg.id)
    return msg


def take_queued_ids() -> list[int]:
    """The ids of the rows queued in this session's transaction (and forget them)."""
    return db.session.info.pop(_SESSION_KEY, [])
