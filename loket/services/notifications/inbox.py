"""In-app notifications and their email: immediately, or bundled in a daily digest.

``notify`` adds a Notification row per user in the current transaction and, for users with
``notify_mode == "immediate"``, queues an email through the outbox (sent after the commit).
The daily digest is in ``loket.services.notifications.digest``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from loket.db import db, paginate, utcnow
from loket.mail.outbox import queue_email
from loket.mail.render import absolute_url
from loket.models import Notification, User
from loket.models.users import ARCHIVED, ROLE_ADMIN
from loket.services import NotFound, PermissionDenied

DIGEST = "digest"
IMMEDIATE = "immediate"


def reachable(users: Iterable[User | None]) -> list[User]:
    """Distinct users that can be notified (not archived, with an email address), in a stable order."""
    seen: dict[int, User] = {}
    for u in users:
        if u is not None and u.status != ARCHIVED and u.email and u.id not in seen:
            seen[u.id] = u
    return sorted(seen.values(), key=lambda u: u.id)


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == ROLE_ADMIN, User.status != ARCHIVED)))


def notify(
    users: Iterable[User | None],
    kind: str,
    message: str,
    link: str | None = None,
    *,
    template: str = "match_notice",
    subject: str | None = None,
    **context,
) -> list[Notification]:
    """Notify each user in-app and (unless they chose the digest) by email with a deep link.

    ``link`` is a site path (``/koppelingen/12``); the email gets the absolute URL.
    """
    now = utcnow()
    out: list[Notification] = []
    for user in reachable(users):
        note = Notification(user_id=user.id, kind=kind, message=message, link=link, created_at=now)
        db.session.add(note)
        if user.notify_mode != DIGEST:
            queue_email(
                user,
                template,
                kind=kind,
                subject=subject or message,
                message=message,
                link=absolute_url(link) if link else None,
                **context,
            )
            note.emailed_at = now
        out.append(note)
    db.session.flush()
    return out


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (the badge in the header)."""
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read."""
    note = db.session.get(Notification, notification_id)
    if note is None:
        raise NotFound(_l("Deze melding bestaat niet (meer)."))
    if note.user_id != user.id:
        raise PermissionDenied(_l("Dit is niet jouw melding."))
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()
    return note


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def page_for(user: User, *, page: int = 1, per_page: int = 25, unread_only: bool = False):
    """The user's notifications, newest first, paginated (only unread ones with ``unread_only``)."""
    if user is None or not user.is_authenticated:
        raise NotFound()
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
    return paginate(stmt, page, per_page)
