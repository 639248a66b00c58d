"""Who gets a reactivation message: dormant school and company users, by scope.

A recipient is a school or company user who is ``invited`` (never logged in), ``dormant`` without a
login, or whose last login is older than ``inactive_days``; who never unsubscribed, is not
archived, has an address, and was not mailed by another reactivation run in the last 30 days.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import Select, and_, or_, select

from loket.db import db, utcnow
from loket.models import ActionToken, EmailRun, Organisation, OutboxMessage, User
from loket.models.mail import QUEUED, SENDING, SENT
from loket.models.users import ARCHIVED, DORMANT, INVITED, ROLE_COMPANY, ROLE_SCHOOL
from loket.services import ServiceError

KIND_REACTIVATION = "reactivation"
KIND_REMINDER = "reactivation_reminder"
MESSAGE_KINDS = (KIND_REACTIVATION, KIND_REMINDER)
RECENT_DAYS = 30
ROLES = (ROLE_SCHOOL, ROLE_COMPANY)


@dataclass(frozen=True)
class Scope:
    """Parameters of a run's selection (stored in ``EmailRun.params``)."""

    inactive_days: int = 365
    cluster_id: int | None = None
    role: str | None = None
    limit: int | None = None

    def validate(self) -> Scope:
        """Raise ServiceError (Dutch, naming the field) when a parameter is unusable."""
        if not isinstance(self.inactive_days, int) or self.inactive_days < 1 or self.inactive_days > 3650:
            raise ServiceError("Inactief (dagen) moet een heel getal tussen 1 en 3650 zijn.", "inactive_days")
        if self.role not in (None, *ROLES):
            raise ServiceError("Rol moet 'school' of 'company' zijn (of leeg voor beide).", "role")
        if self.limit is not None and (not isinstance(self.limit, int) or self.limit < 1):
            raise ServiceError("Maximum aantal moet een positief heel getal zijn.", "limit")
        return self

    def as_params(self) -> dict:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict | None) -> Scope:
        p = params or {}
        return cls(
            inactive_days=int(p.get("inactive_days") or 365),
            cluster_id=p.get("cluster_id"),
            role=p.get("role"),
            limit=p.get("limit"),
        )


def recently_mailed_user_ids(days: int = RECENT_DAYS, exclude_run_id: int | None = None) -> Select:
    """Subquery: users with a reactivation message (queued, sending or sent) newer than ``days``."""
    q = select(OutboxMessage.user_id).where(
        OutboxMessage.kind.in_(MESSAGE_KINDS),
        OutboxMessage.state.in_((QUEUED, SENDING, SENT)),
        OutboxMessage.created_at >= utcnow() - timedelta(days=days),
        OutboxMessage.user_id.is_not(None),
    )
    if exclude_run_id is not None:
        q = q.where(OutboxMessage.run_id != exclude_run_id)
    return q


def recipients_query(scope: Scope) -> Select:
    """The SELECT of recipient users for ``scope``, ordered by id (stable for --limit)."""
    cutoff = utcnow() - timedelta(days=scope.inactive_days)
    roles = (scope.role,) if scope.role else ROLES
    q = (
        select(User)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(
            User.role.in_(roles),
            User.status != ARCHIVED,
            User.archived_at.is_(None),
            User.unsubscribed_at.is_(None),
            User.email.is_not(None),
            or_(
                User.status == INVITED,
                and_(User.last_login_at.is_not(None), User.last_login_at < cutoff),
                and_(User.status == DORMANT, User.last_login_at.is_(None)),
            ),
            User.id.not_in(recently_mailed_user_ids()),
        )
        .order_by(User.id)
    )
    if scope.cluster_id is not None:
        q = q.where(Organisation.cluster_id == scope.cluster_id)
    if scope.limit:
        q = q.limit(scope.limit)
    return q


def select_recipients(scope: Scope) -> list[User]:
    """The users a run with this scope would mail now."""
    return list(db.session.scalars(recipients_query(scope.validate())))


def count_recipients(scope: Scope) -> int:
    """How many users a run with this scope would mail now (for previews)."""
    from sqlalchemy import func

    sub = recipients_query(scope.validate()).with_only_columns(User.id).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


def reminder_recipient_ids(parent: EmailRun, scope: Scope) -> list[int]:
    """Recipients of ``parent`` who got the message and did not react since."""
    used = select(ActionToken.user_id).where(
        ActionToken.run_id == parent.id, ActionToken.used_at.is_not(None)
    )
    q = (
        select(User.id)
        .join(OutboxMessage, and_(OutboxMessage.user_id == User.id, OutboxMessage.run_id == parent.id))
        .where(
            OutboxMessage.state == SENT,
            OutboxMessage.bounced_at.is_(None),
            User.status != ARCHIVED,
            User.unsubscribed_at.is_(None),
            User.email.is_not(None),
            or_(User.last_login_at.is_(None), User.last_login_at <= OutboxMessage.sent_at),
            User.id.not_in(used),
        )
        .order_by(User.id)
    )
    if scope.limit:
        q = q.limit(scope.limit)
    return list(db.session.scalars(q))
