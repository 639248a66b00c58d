"""Read-side queries for the manager, match and notification pages.

Every list is paginated and loads what its template shows eagerly (a fixed number of queries per
page, whatever the number of rows). Scope: a manager sees their own clusters, an admin everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from loket.db import db, paginate, utcnow
from loket.models import AuditEvent, Cluster, Match, Offer, Organisation, Request, User
from loket.models.matches import ACCEPTED, APPROVED, PROPOSED
from loket.services import PermissionDenied, policies
from loket.services.figures import offer_with_capacity, request_without_match
from loket.services.matches.lifecycle import get_match

WAITING_STATES = (PROPOSED, APPROVED, ACCEPTED)
OVERVIEW_VIEWS = ("requests", "offers", "waiting")


@dataclass(frozen=True)
class Filters:
    """Filters of the manager lists (all optional)."""

    cluster_id: int | None = None
    activity: str | None = None
    status: str | None = None
    min_age_days: int | None = None
    min_score: int | None = None  # percent (approval queue)


def _match_options():
    return (
        selectinload(Match.request).selectinload(Request.organisation),
        selectinload(Match.offer).selectinload(Offer.organisation),
        selectinload(Match.cluster),
    )


def scope(user: User) -> set[int] | None:
    """Cluster ids this user may see; None = every cluster (admins). Others: PermissionDenied."""
    if policies.is_admin(user):
        return None
    if user is not None and user.is_manager and user.is_active:
        return policies.managed_cluster_ids(user)
    raise PermissionDenied(_l("Deze pagina is voor clusterbeheerders."))


def visible_clusters(user: User) -> list[Cluster]:
    ids = scope(user)
    stmt = select(Cluster).where(Cluster.archived_at.is_(None)).order_by(Cluster.name)
    if ids is not None:
        stmt = stmt.where(Cluster.id.in_(ids or [-1]))
    return list(db.session.scalars(stmt))


def _cluster_filter(column, user: User, filters: Filters):
    ids = scope(user)
    if filters.cluster_id is not None:
        if ids is not None and filters.cluster_id not in ids:
            raise PermissionDenied(_l("Dit cluster beheer je niet."))
        return column == filters.cluster_id
    if ids is None:
        return None
    return column.in_(ids or [-1])


def _older_than(column, days: int | None, now: datetime):
    return column <= now - timedelta(days=days) if days else None


def _where(stmt, *conds):
    return stmt.where(*[c for c in conds if c is not None])


def approval_stmt(user: User, filters: Filters, now=None) -> Select:
    """Proposals waiting for approval in the user's clusters, oldest first (the page and its export)."""
    now = now or utcnow()
    stmt = _where(
        select(Match).join(Request, Request.id == Match.request_id),
        Match.status == PROPOSED,
        _cluster_filter(Match.cluster_id, user, filters),
        Request.activity == filters.activity if filters.activity else None,
        _older_than(Match.status_changed_at, filters.min_age_days, now),
        Match.score >= filters.min_score / 100 if filters.min_score else None,
    ).options(*_match_options())
    return stmt.order_by(Match.status_changed_at, Match.id)


def approval_queue(user: User, filters: Filters, *, page: int = 1, per_page: int = 25, now=None):
    """One page of ``approval_stmt``."""
    return paginate(approval_stmt(user, filters, now), page, per_page)


def _activity_stmt(model, condition, user: User, filters: Filters, now) -> Select:
    """Requests or offers matching ``condition`` in the user's clusters, oldest first."""
    stmt = _where(
        select(model).join(Organisation, Organisation.id == model.organisation_id),
        condition,
        _cluster_filter(Organisation.cluster_id, user, filters),
        model.activity == filters.activity if filters.activity else None,
        _older_than(model.created_at, filters.min_age_days, now or utcnow()),
    ).options(selectinload(model.organisation))
    return stmt.order_by(model.created_at, model.id)


def open_requests_stmt(user: User, filters: Filters, now=None) -> Select:
    """Requests without a match (``loket.services.figures``) in the user's clusters, oldest first."""
    return _activity_stmt(Request, request_without_match(), user, filters, now)


def open_requests(user: User, filters: Filters, *, page: int = 1, per_page: int = 25, now=None):
    """One page of ``open_requests_stmt``."""
    return paginate(open_requests_stmt(user, filters, now), page, per_page)


def offers_with_capacity_stmt(user: User, filters: Filters, now=None) -> Select:
    """Open offers with places left in the user's clusters, oldest first (index order: fast at scale)."""
    return _activity_stmt(Offer, offer_with_capacity(), user, filters, now)


def offers_with_capacity(user: User, filters: Filters, *, page: int = 1, per_page: int = 25, now=None):
    """One page of ``offers_with_capacity_stmt``."""
    return paginate(offers_with_capacity_stmt(user, filters, now), page, per_page)


def waiting_stmt(user: User, filters: Filters, now=None) -> Select:
    """Matches that wait on someone (manager, accepting side, a date), longest waiting first."""
    now = now or utcnow()
    states = (filters.status,) if filters.status in WAITING_STATES else WAITING_STATES
    stmt = _where(
        select(Match).join(Request, Request.id == Match.request_id),
        Match.status.in_(states),
        _cluster_filter(Match.cluster_id, user, filters),
        Request.activity == filters.activity if filters.activity else None,
        _older_than(Match.status_changed_at, filters.min_age_days, now),
    ).options(*_match_options())
    return stmt.order_by(Match.status_changed_at, Match.id)


def waiting_matches(user: User, filters: Filters, *, page: int = 1, per_page: int = 25, now=None):
    """One page of ``waiting_stmt``."""
    return paginate(waiting_stmt(user, filters, now), page, per_page)


def waiting_on(match: Match) -> str:
    """Who the match waits on, in Dutch."""
    if match.status == PROPOSED:
        return "clusterbeheerder"
    if match.status == APPROVED:
        return "school" if policies.accepting_side(match) == "school" else "bedrijf"
    if match.status == ACCEPTED:
        return "datum (school en bedrijf)"
    return ""


# --------------------------------------------------------------------------- one match
def match_for(user: User, match_id: int) -> Match:
    """The match if this user may see it (404 when it does not exist, 403 when it is not theirs)."""
    match = get_match(match_id)
    policies.require(policies.can_view_match(user, match), _l("Deze koppeling hoort niet bij jou."))
    return match


def match_history(match_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "match", AuditEvent.object_id == match_id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
