"""Read-only queries for the reactivation pages (views call these; no SQL in views)."""

from __future__ import annotations

from sqlalchemy import select

from loket.db import db, paginate
from loket.models import Cluster, EmailRun, User
from loket.services.policies import (
    can_view_reactivation,
    can_view_run,
    is_admin,
    managed_cluster_ids,
    require,
)
from loket.services.reactivation.runs import get_run


def visible_runs(actor: User, page: int, per_page: int):
    """Runs the actor may see, newest first, paginated."""
    require(can_view_reactivation(actor))
    q = select(EmailRun).order_by(EmailRun.id.desc())
    if not is_admin(actor):
        q = q.where(EmailRun.cluster_id.in_(managed_cluster_ids(actor)))
    return paginate(q, page, per_page)


def startable_clusters(actor: User) -> list[Cluster]:
    """Clusters the actor may start a run for (admins: all active clusters)."""
    require(can_view_reactivation(actor))
    q = select(Cluster).where(Cluster.archived_at.is_(None)).order_by(Cluster.name)
    if not is_admin(actor):
        q = q.where(Cluster.id.in_(managed_cluster_ids(actor)))
    return list(db.session.scalars(q))


def run_for(actor: User, run_id: int) -> EmailRun:
    """The run, if the actor may see it (404 / 403 otherwise)."""
    run = get_run(run_id)
    require(can_view_run(actor, run))
    return run


def cluster_name(cluster_id: int | None) -> str | None:
    if cluster_id is None:
        return None
    c = db.session.get(Cluster, cluster_id)
    return c.name if c else None
