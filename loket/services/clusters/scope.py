"""Which regional clusters a user sees (admins: all, managers: their own) and who is in one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.db import db, paginate
from loket.models import Cluster, Organisation, Request, User
from loket.models.users import ROLE_MANAGER
from loket.services import NotFound, PermissionDenied, policies


def visible_clusters(user: User | None) -> list[Cluster]:
    """Admins: every active cluster; managers: their own; anyone else: PermissionDenied."""
    if policies.is_admin(user):
        ids = None
    elif user is not None and user.role == ROLE_MANAGER and user.is_active:
        ids = policies.managed_cluster_ids(user)
    else:
        raise PermissionDenied("Deze pagina is voor clusterbeheerders en beheerders.")
    stmt = (
        select(Cluster)
        .where(Cluster.archived_at.is_(None))
        .options(selectinload(Cluster.managers))
        .order_by(Cluster.name, Cluster.id)
    )
    if ids is not None:
        stmt = stmt.where(Cluster.id.in_(ids or [-1]))
    return list(db.session.scalars(stmt))


def cluster_for_view(user: User | None, cluster_id: int) -> Cluster:
    """One cluster the user may see (NotFound / PermissionDenied otherwise)."""
    cluster = db.session.get(Cluster, cluster_id)
    if cluster is None or cluster.archived_at is not None:
        raise NotFound("Dit cluster bestaat niet (meer).")
    policies.require(policies.can_view_cluster(user, cluster), "Dit cluster beheer je niet.")
    return cluster


def cluster_members(cluster_id: int, *, page: int = 1, per_page: int = 25):
    """The organisations of a cluster, schools first, by name (a Flask-SQLAlchemy pagination)."""
    stmt = (
        select(Organisation)
        .where(Organisation.cluster_id == cluster_id)
        .options(selectinload(Organisation.locations))
        .order_by(Organisation.kind.desc(), Organisation.name, Organisation.id)
    )
    return paginate(stmt, page, per_page)


def organisation_for_view(user: User | None, org_id: int) -> tuple[Organisation, list[Request]]:
    """An organisation of a cluster the user manages (admins: any) with its open requests, for the
    map's links (NotFound / PermissionDenied otherwise)."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("Deze organisatie bestaat niet (meer).")
    policies.require(
        policies.manages_cluster(user, org.cluster_id),
        "Deze organisatie hoort niet bij jouw cluster.",
    )
    requests = list(
        db.session.scalars(
            select(Request)
            .where(Request.organisation_id == org.id, Request.status == "open")
            .order_by(Request.id)
        )
    )
    return org, requests
