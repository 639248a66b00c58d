"""Import delivery status notifications (RFC 3464) and mark outbox rows bounced.

Input: one ``.eml`` file, an mbox file, or a folder of ``.eml`` files. Each DSN
(``multipart/report; report-type=delivery-status``) names per recipient an ``Action``; a
``failed`` action is a bounce. The row is found by the Message-ID of the returned original
(``message/rfc822`` or ``text/rfc822-headers`` part), else by the original/final recipient
address (the newest sent reactivation row to that address).
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import OutboxMessage
from loket.models.mail import SENT
from loket.services import ServiceError
from loket.services.reactivation.selection import MESSAGE_KINDS


@dataclass
class BounceResult:
    files: int = 0
    reports: int = 0
    bounced: int = 0
    already: int = 0
    unmatched: list[str] = field(default_factory=list)
    skipped: int = 0  # not a DSN, or only delayed/delivered actions

    def as_dict(self) -> dict:
        return self.__dict__ | {"unmatched": list(self.unmatched)}


@dataclass(frozen=True)
class Bounce:
    recipient: str | None
    message_id: str | None
    status: str
    diagnostic: str


def _messages(path: Path) -> list[Message]:
    if path.is_dir():
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(path.glob("*.eml"))]
    if not path.exists():
        raise ServiceError(f"Bestand of map niet gevonden: {path}")
    head = path.read_bytes()[:5]
    if head.startswith(b"From "):
        box = mailbox.mbox(str(path), factory=None, create=False)
        try:
            return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]
        finally:
            box.close()
    return [message_from_bytes(path.read_bytes(), policy=policy.default)]


def _addr(value: str | None) -> str | None:
    if not value:
        return None
    _, _, addr = str(value).partition(";")
    return (addr or str(value)).strip().strip("<>").lower() or None


def parse_dsn(msg: Message) -> list[Bounce]:
    """The failed recipients of one DSN (empty when it is not a DSN or nothing failed)."""
    if msg.get_content_type() != "multipart/report":
        return []
    original_id = None
    groups: list[Message] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            payload = part.get_payload()
            groups.extend(payload if isinstance(payload, list) else [])
        elif ctype in ("message/rfc822", "message/rfc822-headers", "text/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original_id = inner[0].get("Message-ID")
            elif isinstance(inner, str):
                original_id = message_from_bytes(inner.encode(), policy=policy.default).get("Message-ID")
    bounces = []
    for group in groups[1:] if len(groups) > 1 else groups:  # first group: per-message fields
        action = str(group.get("Action", "")).strip().lower()
        if action != "failed":
            continue
        recipient = _addr(group.get("Original-Recipient")) or _addr(group.get("Final-Recipient"))
        bounces.append(
            Bounce(
                recipient=recipient,
                message_id=str(original_id).strip() if original_id else None,
                status=str(group.get("Status", "")).strip(),
                diagnostic=str(group.get("Diagnostic-Code", "")).strip(),
            )
        )
    return bounces


def _find_row(b: Bounce) -> OutboxMessage | None:
    if b.message_id:
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == b.message_id))
        if row is not None:
            return row
    if b.recipient:
        return db.session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.to_addr == b.recipient,
                OutboxMessage.kind.in_(MESSAGE_KINDS),
                OutboxMessage.state == SENT,
            )
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
            .limit(1)
        )
    return None


def import_bounces(path: Path | str) -> BounceResult:
    """Mark the outbox rows named by the DSNs at ``path`` as bounced (flush only)."""
    path = Path(path)
    msgs = _messages(path)
    result = BounceResult(files=1 if path.is_file() else len(msgs))
    now = utcnow()
    for msg in msgs:
        found = parse_dsn(msg if isinstance(msg, EmailMessage) else msg)
        if not found:
            result.skipped += 1
            continue
        result.reports += 1
        for b in found:
            row = _find_row(b)
            if row is None:
                result.unmatched.append(b.recipient or b.message_id or "?")
            elif row.bounced_at is not None:
                result.already += 1
            else:
                row.bounced_at = now
                row.last_error = f"bounce {b.status} {b.diagnostic}".strip()[:2000]
                result.bounced += 1
    db.session.flush()
    return result
