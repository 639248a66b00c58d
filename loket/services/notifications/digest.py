"""The daily digest: one email per user who chose it, with the notifications not yet mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from loket.db import db, utcnow
from loket.mail.outbox import queue_email
from loket.mail.render import absolute_url
from loket.models import Notification, User
from loket.models.users import ARCHIVED
from loket.services.notifications.inbox import DIGEST


def send_digests(now: datetime | None = None) -> dict[str, int]:
    """One digest email per digest user with unmailed notifications; marks them mailed.

    Idempotent: a second run the same day finds nothing unmailed and sends nothing.
    """
    now = now or utcnow()
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at <= now,
            User.notify_mode == DIGEST,
            User.status != ARCHIVED,
            User.email.is_not(None),
        )
        .order_by(User.id, Notification.created_at, Notification.id)
    ).all()
    by_user: dict[int, tuple[User, list[Notification]]] = {}
    for note, user in rows:
        by_user.setdefault(user.id, (user, []))[1].append(note)
    for user, notes in by_user.values():
        items = [
            {"message": n.message, "link": absolute_url(n.link) if n.link else None, "at": n.created_at}
            for n in notes
        ]
        queue_email(
            user,
            "digest",
            kind="digest",
            items=items,
            count=len(items),
            link=absolute_url("/meldingen"),
        )
        for n in notes:
            n.emailed_at = now
        user.last_digest_at = now
    db.session.flush()
    return {"users": len(by_user), "notifications": len(rows)}
