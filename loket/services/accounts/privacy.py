"""Personal-data rights: export everything Loket holds about a user; delete (anonymise) an account.

Deleting keeps the organisation and its history (requests, offers, matches, audit trail, the
messages in match threads, shown as written by a deleted user of their side) but removes the
person: name, email, phone and password are cleared, the account is archived, their
notifications and pending links are deleted, the copies of email sent to them are blanked, their
name and address are replaced in mail sent to others (an invitation they sent), and their dry-run
.eml files are removed. The last admin cannot delete their own account.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from loket.db import db, utcnow
from loket.models import (
    ActionToken,
    AuditEvent,
    EmailRun,
    MatchFeedback,
    MatchMessage,
    Notification,
    Offer,
    OutboxMessage,
    Request,
    User,
)
from loket.models.mail import FAILED, QUEUED
from loket.models.users import ARCHIVED, ROLE_ADMIN
from loket.services import ServiceError, audit

EXPORT_VERSION = 1


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _iso(getattr(obj, f)) for f in fields}


_USER_FIELDS = (
    "id", "email", "name", "phone", "role", "status", "locale", "notify_mode", "created_at",
    "last_login_at", "email_verified_at", "unsubscribed_at", "archived_at",
)  # fmt: skip
_ACTIVITY_FIELDS = (
    "id", "external_id", "activity", "topic", "sectors", "levels", "earliest", "latest", "modes",
    "status", "created_at", "updated_at",
)  # fmt: skip


def export_user_data(user: User) -> dict[str, Any]:
    """Everything about ``user`` as JSON-ready data (nothing about other people's accounts).

    The export itself is written to the audit log (after the data is collected).
    """
    org = user.organisation
    requests = db.session.scalars(
        select(Request).where(Request.created_by_id == user.id).order_by(Request.id)
    )
    offers = db.session.scalars(select(Offer).where(Offer.created_by_id == user.id).order_by(Offer.id))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
    )
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    mail_filter = OutboxMessage.user_id == user.id
    if user.email:
        mail_filter = or_(mail_filter, OutboxMessage.to_addr == user.email)
    mails = db.session.scalars(select(OutboxMessage).where(mail_filter).order_by(OutboxMessage.id))
    feedback = db.session.scalars(
        select(MatchFeedback).where(MatchFeedback.user_id == user.id).order_by(MatchFeedback.id)
    )
    messages = db.session.scalars(
        select(MatchMessage).where(MatchMessage.author_id == user.id).order_by(MatchMessage.id)
    )
    data = {
        "format": "loket-personal-data",
        "version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "account": _row(user, _USER_FIELDS),
        "organisation": None
        if org is None
        else {
            "id": org.id,
            "kind": org.kind,
            "name": org.name,
            "brin": org.brin,
            "kvk": org.kvk,
            "levels": org.levels,
            "sectors": org.sectors,
            "locations": [
                {"postcode": loc.postcode, "city": loc.city, "province": loc.province}
                for loc in org.locations
            ],
            "role": user.role,
        },
        "managed_clusters": [{"id": c.id, "name": c.name} for c in user.managed_clusters],
        "requests": [dict(_row(r, _ACTIVITY_FIELDS), pupils=r.pupils) for r in requests],
        "offers": [dict(_row(o, _ACTIVITY_FIELDS), capacity=o.capacity) for o in offers],
        "audit_events": [
            _row(e, ("id", "at", "action", "object_type", "object_id", "from_state", "to_state", "reason"))
            for e in events
        ],
        "notifications": [
            _row(n, ("id", "kind", "message", "link", "created_at", "read_at", "emailed_at")) for n in notes
        ],
        "feedback": [
            _row(f, ("id", "match_id", "side", "rating", "comment", "pupils_reached", "created_at"))
            for f in feedback
        ],
        "messages": [_row(m, ("id", "match_id", "author_role", "body", "created_at")) for m in messages],
        "emails": [
            _row(m, ("id", "kind", "to_addr", "subject", "body_text", "state", "created_at", "sent_at"))
            for m in mails
        ],
    }
    audit.record(user, "data_exported", user)
    db.session.flush()
    return data


def delete_account(user: User, password: str) -> None:
    """Remove the user's personal data after checking their password; the account is archived."""
    if not user.check_password(password or ""):
        raise ServiceError(_l("Het wachtwoord klopt niet; je account is niet verwijderd."), field="password")
    if user.role == ROLE_ADMIN and user.status != ARCHIVED and _other_admins(user) == 0:
        raise ServiceError(
            _l(
                "Je bent de laatste beheerder. Maak eerst iemand anders beheerder; daarna kun je je account "
                "verwijderen."
            )
        )
    old_email, old_name, old_phone = user.email, user.name, user.phone
    from_state = user.status
    user.name = None
    user.email = None
    user.phone = None
    user.password_hash = None
    user.security_stamp = (user.security_stamp or 0) + 1  # ends every session and link
    user.status = ARCHIVED
    user.archived_at = utcnow()
    user.unsubscribed_at = user.unsubscribed_at or utcnow()
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(ActionToken).where(ActionToken.user_id == user.id))
    db.session.execute(  # the messages stay in their threads, written by "a deleted user" of their side
        update(MatchMessage)
        .where(MatchMessage.author_id == user.id)
        .values(author_id=None)
        .execution_options(synchronize_session=False)
    )
    mail_filter = OutboxMessage.user_id == user.id
    if old_email:
        mail_filter = or_(mail_filter, OutboxMessage.to_addr == old_email)
    db.session.execute(  # never send what was still waiting for this person
        update(OutboxMessage)
        .where(mail_filter, OutboxMessage.state == QUEUED)
        .values(state=FAILED, last_error="account verwijderd")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(mail_filter)
        .values(to_addr="(verwijderd)", body_text="", body_html=None, subject="(verwijderd)")
        .execution_options(synchronize_session=False)
    )
    _redact_mail_copies(old_name, old_email, old_phone)
    _remove_dry_run_files(user.id)
    audit.record(user, "account_deleted", user, from_state=from_state, to_state=ARCHIVED)
    db.session.flush()


def _other_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == ROLE_ADMIN, User.status != ARCHIVED, User.id != user.id
        )
    )


REDACTED = "(verwijderd)"


def _redact_mail_copies(name: str | None, email: str | None, phone: str | None = None) -> None:
    """Mail sent to other people that names this person (an invitation they sent, a match notice with
    their contact details, a message they wrote): replace their name, address and phone in the
    stored copies."""
    for text in {s for s in (name, email, phone) if s and len(s.strip()) >= 3}:
        cols = (OutboxMessage.subject, OutboxMessage.body_text, OutboxMessage.body_html)
        db.session.execute(
            update(OutboxMessage)
            .where(or_(*(c.contains(text, autoescape=True) for c in cols)))
            .values({c: func.replace(c, text, REDACTED) for c in cols})
            .execution_options(synchronize_session=False)
        )


def _remove_dry_run_files(user_id: int) -> None:
    """Dry runs wrote one .eml per recipient into their folder: remove this person's files."""
    for params in db.session.scalars(select(EmailRun.params).where(EmailRun.status == "dry_run")):
        folder = (params or {}).get("dry_run_dir")
        if folder:
            (Path(folder) / f"{user_id:08d}.eml").unlink(missing_ok=True)
