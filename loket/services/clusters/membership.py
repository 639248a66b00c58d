"""Cluster membership upkeep after organisations move: companies follow the schools near them, and
each cluster's centre is the mean of its schools."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, select

from loket.db import db
from loket.models import Cluster, Location, Match, Organisation, Request
from loket.models.matches import OPEN_MATCH_STATES
from loket.services.clusters.inputs import first_location
from loket.services.matching import weight_sets

MOVES_IN_AUDIT = 200  # moves listed in one audit event of a run or a join


def follow_school_clusters(org_ids: Iterable[int] | None = None) -> None:
    """Open matches follow their school to its (new) cluster, so the right manager sees them; and
    the moved organisations' suggestions are redone when a cluster has weights of its own."""
    if org_ids is not None:
        org_ids = list(org_ids)
    weight_sets.membership_changed(org_ids)
    match_t, req_t, org_t = Match.__table__, Request.__table__, Organisation.__table__
    school_cluster = (
        select(org_t.c.cluster_id)
        .select_from(req_t.join(org_t, org_t.c.id == req_t.c.organisation_id))
        .where(req_t.c.id == match_t.c.request_id)
        .scalar_subquery()
    )
    cond = [match_t.c.status.in_(OPEN_MATCH_STATES), match_t.c.cluster_id.is_distinct_from(school_cluster)]
    if org_ids is not None:
        ids = list(org_ids)
        if not ids:
            return
        cond.append(match_t.c.request_id.in_(select(req_t.c.id).where(req_t.c.organisation_id.in_(ids))))
    db.session.execute(match_t.update().where(and_(*cond)).values(cluster_id=school_cluster))


def recompute_centres(cluster_ids: Iterable[int]) -> None:
    """Centre = mean location of the cluster's schools (unchanged when it has none)."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return
    first = first_location()
    rows = db.session.execute(
        select(Organisation.cluster_id, func.avg(Location.lat), func.avg(Location.lon))
        .join(first, first.c.org_id == Organisation.id)
        .join(Location, Location.id == first.c.loc_id)
        .where(Organisation.cluster_id.in_(ids), Organisation.kind == "school")
        .group_by(Organisation.cluster_id)
    ).all()
    for cid, lat, lon in rows:
        cluster = db.session.get(Cluster, cid)
        if cluster is not None and lat is not None:
            cluster.centre_lat, cluster.centre_lon = float(lat), float(lon)
