"""Incremental join: a new school or company goes to the nearest suitable cluster at once (no full run).

Called by registration (``join_nearest_cluster``) and imports (``join_unclustered``); re-exported by
``loket.services.clusters``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from loket.clusters import ClusterInfo, ClusterParams, Join, Site, nearest_cluster
from loket.db import db
from loket.models import Cluster, Organisation, User
from loket.services import audit
from loket.services.clusters.inputs import SiteRow, current_bounds, load_sites
from loket.services.clusters.membership import MOVES_IN_AUDIT, follow_school_clusters, recompute_centres


@dataclass(frozen=True, slots=True)
class JoinResult:
    """Outcome of a join: the cluster (None when no cluster suits), distance and reason (Dutch)."""

    cluster: Cluster | None
    distance_km: float | None
    reason: str


def _infos() -> tuple[list[ClusterInfo], dict[str, int]]:
    counts = dict(
        db.session.execute(
            select(Organisation.cluster_id, func.count(Organisation.id))
            .where(Organisation.kind == "school", Organisation.cluster_id.is_not(None))
            .group_by(Organisation.cluster_id)
        ).all()
    )
    rows = db.session.execute(
        select(Cluster.id, Cluster.key, Cluster.centre_lat, Cluster.centre_lon).where(
            Cluster.archived_at.is_(None)
        )
    ).all()
    infos = [
        ClusterInfo(key=r.key, lat=r.centre_lat, lon=r.centre_lon, school_count=counts.get(r.id, 0))
        for r in rows
    ]
    return infos, {r.key: r.id for r in rows}


def join_nearest_cluster(
    org: Organisation, *, actor: User | None = None, params: ClusterParams | None = None
) -> JoinResult:
    """Put a new organisation in the nearest suitable cluster at once (no full run).

    Schools go to the nearest cluster within the radius that has room; companies to the nearest
    within the radius. Organisations that already have a cluster keep it. When none suits, the
    organisation stays without a cluster until the next run; the reason says why.
    """
    db.session.flush()
    if org.cluster_id is not None:
        return JoinResult(db.session.get(Cluster, org.cluster_id), None, "heeft al een cluster")
    rows = load_sites(org_ids=[org.id])
    if not rows:
        return JoinResult(None, None, "geen locatie met coördinaten")
    ((_, join, cluster_id),) = _join(rows, actor, params or current_bounds())
    db.session.refresh(org)
    cluster = db.session.get(Cluster, cluster_id) if cluster_id is not None else None
    return JoinResult(cluster, join.distance_km, join.reason)


def join_unclustered(
    org_ids: Iterable[int] | None = None,
    *,
    kind: str | None = None,
    actor: User | None = None,
    params: ClusterParams | None = None,
) -> int:
    """Join every active organisation without a cluster (or only those in ``org_ids``, or of one
    ``kind``) to its nearest suitable cluster in bulk, e.g. after an import. Returns how many
    joined; the others stay without a cluster until the next full run."""
    if not db.session.scalar(select(Cluster.id).where(Cluster.archived_at.is_(None)).limit(1)):
        return 0  # nothing to join yet: the first full run places everyone
    rows = load_sites(org_ids=org_ids, unclustered_only=True, kind=kind)
    if not rows:
        return 0
    outcomes = _join(rows, actor, params or current_bounds())
    return sum(1 for _, _, cid in outcomes if cid is not None)


def _join(
    rows: Sequence[SiteRow], actor: User | None, params: ClusterParams
) -> list[tuple[SiteRow, Join, int | None]]:
    infos, id_of_key = _infos()
    index = {info.key: i for i, info in enumerate(infos)}
    outcomes: list[tuple[SiteRow, Join, int | None]] = []
    for r in rows:
        site = Site(id=r.site_id, kind=r.kind, lat=r.lat, lon=r.lon, place=r.place)  # type: ignore[arg-type]
        join = nearest_cluster(site, infos, params)
        if join.key is None:
            outcomes.append((r, join, None))
            continue
        if r.kind == "school":  # the next school sees this one in the count
            i = index[join.key]
            old = infos[i]
            infos[i] = ClusterInfo(old.key, old.lat, old.lon, old.school_count + 1)
        outcomes.append((r, join, id_of_key[join.key]))
    updates = [{"b_id": r.org_id, "b_cluster": cid} for r, _, cid in outcomes if cid is not None]
    if not updates:
        return outcomes
    org_t = Organisation.__table__
    stmt = org_t.update().where(org_t.c.id == bindparam("b_id")).values(cluster_id=bindparam("b_cluster"))
    for start in range(0, len(updates), 2000):
        db.session.execute(stmt, updates[start : start + 2000])
    recompute_centres({u["b_cluster"] for u in updates})
    follow_school_clusters([u["b_id"] for u in updates])
    for r, join, cid in [o for o in outcomes if o[2] is not None][:MOVES_IN_AUDIT]:
        audit.record(
            actor,
            "cluster_joined",
            _OrgRef(r.org_id),
            to_state="joined",
            reason=join.reason,
            cluster_id=cid,
            distance_km=round(join.distance_km or 0.0, 2),
        )
    db.session.flush()
    return outcomes


class _OrgRef:
    __tablename__ = "organisation"

    def __init__(self, org_id: int) -> None:
        self.id = org_id
