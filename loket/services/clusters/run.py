"""Regional clusters: the adapter between the ORM and the pure engine in ``loket.clusters``.

    report = run_clustering(actor, ClusterParams(max_radius_km=25), dry_run=True)   # preview
    report = run_clustering(actor, params)                                          # store
    join_nearest_cluster(org)          # a new school/company joins the nearest suitable cluster

A run clusters every active organisation with coordinates, warm-started from the stored clusters
(``previous=``), then matches the new clusters to the stored ones by overlap (Hungarian
assignment, ``relabel``) so ids, keys, names and managers survive; pinned organisations
(``Organisation.cluster_pinned``) stay in their cluster and admin-renamed names
(``Cluster.name_locked``) are never replaced. Admin operations (rename, merge, split, pins,
managers) are in ``loket.services.cluster_admin``. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam

from loket.clusters import (
    ClusterError,
    ClusterParams,
    Site,
    feasible_pairs,
    form_clusters,
    relabel,
)
from loket.db import db, utcnow
from loket.models import Cluster, Organisation, User
from loket.services import ServiceError, audit, policies
from loket.services.clusters.inputs import (
    SiteRow,
    active_clusters,
    bounds_dict,
    current_bounds,
    load_sites,
)
from loket.services.clusters.membership import MOVES_IN_AUDIT, follow_school_clusters
from loket.services.clusters.report import Move, PlannedCluster, RunReport

PAIRS_KM = 10.0  # feasible school-company pairs for the border-crossing measure


class ConfirmationStale(ServiceError):
    """Storing was asked for a preview that no longer matches: ``report`` is the new preview."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(
            _l(
                "De indeling is veranderd sinds de proefrun (of de proefrun is niet bevestigd). "
                "Er is niets opgeslagen: bekijk de nieuwe proefrun hieronder en bevestig die."
            )
        )
        self.report = report


class _RunRecord:
    """Audit object for a run (no table of its own)."""

    __tablename__ = "clustering_run"
    id = None


def _unique_name(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base} {n}"
        n += 1
    taken.add(name)
    return name


def new_cluster_key() -> str:
    """A fresh stable key for a new cluster."""
    return "k" + uuid.uuid4().hex[:15]


# --------------------------------------------------------------------------- full run
def run_clustering(
    actor: User | None,
    params: ClusterParams | None = None,
    *,
    dry_run: bool = False,
    warm: bool = True,
    refresh_names: bool = False,
    pairs_km: float | None = PAIRS_KM,
    on_progress: Callable[[str], None] | None = None,
    confirm: str | None = None,
) -> RunReport:
    """Cluster all active organisations and (unless ``dry_run``) store the result.

    ``warm`` starts from the stored clusters (few sites move); ``warm=False`` is a fresh run (for
    new bounds). ``refresh_names`` renames clusters after their largest place, except names an
    admin locked. ``actor`` None is the system (CLI); otherwise it must be an admin, and storing
    needs ``confirm``: the ``fingerprint()`` of the previewed run. When the run would now do
    something else, nothing is stored and ``ConfirmationStale`` carries the new preview.
    """
    if actor is not None:
        policies.require(policies.can_edit_clusters(actor), "Alleen beheerders kunnen clusters indelen.")
    params = params or current_bounds()
    say = on_progress or (lambda _msg: None)
    rows = load_sites()
    clusters = {c.key: c for c in active_clusters()}
    by_id = {c.id: c for c in clusters.values()}
    previous = {r.site_id: by_id[r.cluster_id].key for r in rows if r.cluster_id in by_id}
    sites = [
        Site(
            id=r.site_id,
            kind=r.kind,  # type: ignore[arg-type]
            lat=r.lat,
            lon=r.lon,
            place=r.place,
            pinned_cluster=by_id[r.cluster_id].key if r.pinned and r.cluster_id in by_id else None,
        )
        for r in rows
    ]
    say(f"{len(sites)} organisaties, {len(clusters)} bestaande clusters")
    pairs = feasible_pairs(sites, pairs_km) if pairs_km else None
    use_previous = previous if (warm and previous) else None
    try:
        result = form_clusters(sites, params, pairs=pairs, previous=use_previous)
    except ClusterError as exc:
        raise ServiceError(str(exc)) from exc
    say(f"{result.n_clusters} clusters gevormd ({params.method}{', warme start' if use_previous else ''})")

    counter = iter(range(1, 1_000_000))
    mint: Callable[[int], str] = (
        (lambda _l: f"nieuw-{next(counter)}") if dry_run else (lambda _l: new_cluster_key())
    )
    change = relabel(previous, result.labels, fixed=result.pinned_keys, new_key=mint)

    members = result.members()
    kinds = {r.site_id: r.kind for r in rows}
    row_of = {r.site_id: r for r in rows}
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in change.mapping.values():  # kept names first: they never change
        old = clusters.get(key)
        if old is not None and (old.name_locked or not refresh_names):
            names[key] = old.name
            taken.add(old.name)
    for label, key in change.mapping.items():
        if key in names:
            continue
        old = clusters.get(key)
        base = result.names[label]
        names[key] = (
            base
            if (old is not None and old.name == base and base not in taken)
            else _unique_name(base, taken)
        )
        taken.add(names[key])
    planned: list[PlannedCluster] = []
    for label, key in change.mapping.items():
        old = clusters.get(key)
        ids = members[label]
        planned.append(
            PlannedCluster(
                key=key,
                id=old.id if old is not None else None,
                name=names[key],
                centre=result.centres[label],
                members=ids,
                managers=[u.email or u.display_name for u in old.managers] if old is not None else [],
                schools=sum(1 for s in ids if kinds[s] == "school"),
                companies=sum(1 for s in ids if kinds[s] == "company"),
                is_new=old is None,
            )
        )
    planned.sort(key=lambda c: (c.name, c.key))

    name_of_key = {pc.key: pc.name for pc in planned}
    moved = [
        Move(
            org_id=row_of[site].org_id,
            member=site,
            name=row_of[site].name,
            from_id=clusters[previous[site]].id if site in previous else None,
            from_name=clusters[previous[site]].name if site in previous else None,
            to_id=clusters[key].id if key in clusters else None,
            to_name=name_of_key[key],
        )
        for site, key in change.keys.items()
        if previous.get(site) != key
    ]
    report = RunReport(
        clusters=planned,
        measures=result.measures.to_dict(),
        moved=moved,
        new_clusters=[name_of_key[k] for k in change.new_clusters],
        dissolved=[(clusters[k].id, clusters[k].name) for k in change.dissolved],
        bounds=bounds_dict(params),
        warm=use_previous is not None,
        dry_run=dry_run,
    )
    if dry_run:
        return report
    if actor is not None and confirm != report.fingerprint():
        report.dry_run = True
        raise ConfirmationStale(report)
    _apply(actor, report, clusters, change.keys, row_of, change.dissolved)
    say(f"opgeslagen: {len(moved)} organisaties verplaatst, {len(report.new_clusters)} nieuw")
    return report


def _apply(
    actor: User | None,
    report: RunReport,
    clusters: dict[str, Cluster],
    keys: dict[str, str],
    row_of: dict[str, SiteRow],
    dissolved_keys: Sequence[str],
) -> None:
    now = utcnow()
    for pc in report.clusters:
        cluster = clusters.get(pc.key)
        if cluster is None:
            cluster = Cluster(key=pc.key, name=pc.name, centre_lat=pc.centre[0], centre_lon=pc.centre[1])
            db.session.add(cluster)
            clusters[pc.key] = cluster
        else:
            if cluster.name != pc.name:
                cluster.name = pc.name
            cluster.centre_lat, cluster.centre_lon = pc.centre
    dissolved_ids: list[int] = []
    for key in dissolved_keys:
        cluster = clusters[key]
        cluster.archived_at = now
        dissolved_ids.append(cluster.id)
    db.session.flush()
    for pc in report.clusters:
        if pc.id is None:
            pc.id = clusters[pc.key].id
            audit.record(actor, "cluster_created", clusters[pc.key], to_state="active", name=pc.name)
    for key in dissolved_keys:
        cluster = clusters[key]
        audit.record(actor, "cluster_dissolved", cluster, to_state="archived", name=cluster.name)
    id_of_key = {k: c.id for k, c in clusters.items()}
    report.moved = [
        Move(m.org_id, m.member, m.name, m.from_id, m.from_name, id_of_key[keys[m.member]], m.to_name)
        for m in report.moved
    ]
    org_t = Organisation.__table__
    set_cluster = (
        org_t.update().where(org_t.c.id == bindparam("b_id")).values(cluster_id=bindparam("b_cluster"))
    )
    params = [{"b_id": m.org_id, "b_cluster": m.to_id} for m in report.moved]
    for start in range(0, len(params), 2000):
        db.session.execute(set_cluster, params[start : start + 2000])
    if dissolved_ids:
        db.session.execute(
            org_t.update()
            .where(org_t.c.cluster_id.in_(dissolved_ids))
            .values(cluster_id=None, cluster_pinned=False)
        )
    follow_school_clusters()
    audit.record(
        actor,
        "clusters_applied",
        _RunRecord(),
        bounds=report.bounds,
        warm=report.warm,
        measures=report.measures,
        clusters=len(report.clusters),
        moved=len(report.moved),
        moves=[m.as_dict() for m in report.moved[:MOVES_IN_AUDIT]],
        new_clusters=report.new_clusters,
        dissolved=[name for _, name in report.dissolved],
    )
    db.session.flush()
    db.session.expire_all()
