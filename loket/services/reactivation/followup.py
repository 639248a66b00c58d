"""After a run: one reminder to those who did not react, then archiving of who stayed dormant.

Reminder: at least LOKET_REMINDER_AFTER_DAYS (21) after the parent run was sent, to its
recipients whose message was sent and who since then neither used the link nor logged in,
did not unsubscribe and are not archived. One reminder run per parent.

Archiving: a user still invited/dormant whose last reactivation mail (sent) is older than
LOKET_RETENTION_DAYS, and who received the reminder or unsubscribed, is archived: email, name,
phone and password are cleared, the copies of their messages are scrubbed, the status becomes
``archived``. Their organisation, its requests, offers and matches stay (history in aggregate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from loket.db import db, utcnow
from loket.models import ActionToken, EmailRun, Organisation, OutboxMessage, User
from loket.models.mail import SENT
from loket.models.users import ARCHIVED, DORMANT, INVITED
from loket.services import ServiceError
from loket.services.audit import record
from loket.services.policies import is_admin, require
from loket.services.reactivation.runs import DRY_RUN, KIND_RUN, KIND_RUN_REMINDER, create_run, get_run
from loket.services.reactivation.selection import KIND_REMINDER, MESSAGE_KINDS, Scope


def reminder_due_at(parent: EmailRun) -> datetime | None:
    start = parent.finished_at or parent.started_at
    days = current_app.config["LOKET_REMINDER_AFTER_DAYS"]
    return start + timedelta(days=days) if start else None


def existing_reminder(parent: EmailRun) -> EmailRun | None:
    return db.session.scalar(
        select(EmailRun).where(
            EmailRun.parent_run_id == parent.id,
            EmailRun.kind == KIND_RUN_REMINDER,
            EmailRun.status != DRY_RUN,
        )
    )


def create_reminder(actor: User | None, parent_id: int, *, now: datetime | None = None) -> EmailRun:
    """A reminder run for ``parent_id`` (status created; prepare/send it like any run)."""
    parent = get_run(parent_id)
    if parent.kind != KIND_RUN:
        raise ServiceError(
            "Een herinnering kan alleen volgen op een gewone heractiveringsronde.", "reminder_of"
        )
    if parent.status != "done":
        raise ServiceError(f"Verzendronde {parent.id} is nog niet klaar; een herinnering kan pas daarna.")
    due = reminder_due_at(parent)
    if due is None or (now or utcnow()) < due:
        raise ServiceError(
            f"Een herinnering voor ronde {parent.id} kan pas vanaf {due:%d-%m-%Y} "
            f"({current_app.config['LOKET_REMINDER_AFTER_DAYS']} dagen na de eerste mail).",
            "reminder_of",
        )
    if existing_reminder(parent) is not None:
        raise ServiceError(f"Voor verzendronde {parent.id} is al een herinnering gestuurd.", "reminder_of")
    scope = Scope.from_params(parent.params)
    return create_run(actor, scope, kind=KIND_RUN_REMINDER, parent=parent)


# --- archiving -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArchiveCandidate:
    user_id: int
    email: str
    name: str
    organisation: str
    status: str
    last_mail_at: datetime


def archive_candidates(now: datetime | None = None) -> list[ArchiveCandidate]:
    """Who would be archived now (the admin report lists them before it happens)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["LOKET_RETENTION_DAYS"])
    last_mail = (
        select(OutboxMessage.user_id, func.max(OutboxMessage.sent_at).label("last_at"))
        .where(OutboxMessage.kind.in_(MESSAGE_KINDS), OutboxMessage.state == SENT)
        .group_by(OutboxMessage.user_id)
        .subquery()
    )
    reminded = select(OutboxMessage.user_id).where(
        OutboxMessage.kind == KIND_REMINDER, OutboxMessage.state == SENT
    )
    used = select(ActionToken.user_id).where(ActionToken.used_at.is_not(None), ActionToken.used_at > cutoff)
    rows = db.session.execute(
        select(User, last_mail.c.last_at, Organisation.name)
        .join(last_mail, last_mail.c.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .where(
            User.status.in_((INVITED, DORMANT)),
            User.archived_at.is_(None),
            last_mail.c.last_at < cutoff,
            or_(User.id.in_(reminded), User.unsubscribed_at.is_not(None)),
            or_(User.last_login_at.is_(None), User.last_login_at < last_mail.c.last_at),
            User.id.not_in(used),
        )
        .order_by(User.id)
    ).all()
    return [
        ArchiveCandidate(u.id, u.email or "", u.name or "", org or "", u.status, last_at)
        for u, last_at, org in rows
    ]


def archive_user(user: User, actor: User | None = None) -> None:
    """Remove a user's personal data; keep the row (status archived) and the organisation's history."""
    previous = user.status
    user.email = None
    user.name = None
    user.phone = None
    user.password_hash = None
    user.status = ARCHIVED
    user.archived_at = utcnow()
    user.security_stamp = (user.security_stamp or 0) + 1
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user.id)
        .values(to_addr=f"gearchiveerd-{user.id}@invalid", body_text="", body_html=None, headers={})
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(ActionToken)
        .where(ActionToken.user_id == user.id, ActionToken.used_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    record(actor, "user.archive", user, from_state=previous, to_state=ARCHIVED, reason="retentie verstreken")


def archive_dormant(
    actor: User | None = None, *, dry_run: bool = False, now: datetime | None = None
) -> list[ArchiveCandidate]:
    """Archive every candidate (flush only); with ``dry_run`` only list them."""
    if actor is not None:
        require(is_admin(actor), "Alleen beheerders mogen gebruikers archiveren.")
    candidates = archive_candidates(now)
    if not dry_run:
        for c in candidates:
            user = db.session.get(User, c.user_id)
            if user is not None:
                archive_user(user, actor)
        db.session.flush()
    return candidates
