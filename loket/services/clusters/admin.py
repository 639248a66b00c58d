"""Admin operations on clusters: rename, merge, split, pin organisations, assign managers.

Every operation checks ``policies.can_edit_clusters``, writes an audit event and flushes (the
request or CLI boundary commits). Forms carry ``version_id``; a stale one raises StaleEdit.
"""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from loket.clusters import name_clusters
from loket.db import db, utcnow
from loket.models import Cluster, Location, Organisation, User
from loket.models.users import ARCHIVED, ROLE_MANAGER
from loket.services import NotFound, ServiceError, StaleEdit, audit, policies
from loket.services.clusters.inputs import first_location, get_active_cluster
from loket.services.clusters.membership import follow_school_clusters, recompute_centres
from loket.services.clusters.run import new_cluster_key

NAME_MAX = 120


def _require_admin(actor: User) -> None:
    policies.require(policies.can_edit_clusters(actor), "Alleen beheerders kunnen clusters wijzigen.")


def _check_version(cluster: Cluster, version_id: int | str | None) -> None:
    if version_id is None or str(version_id).strip() == "":
        return
    try:
        if int(version_id) != cluster.version_id:
            raise StaleEdit()
    except ValueError as exc:
        raise StaleEdit() from exc


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleEdit() from exc


def _check_name(name: str | None, exclude_id: int | None = None) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ServiceError("Vul een naam voor het cluster in.", field="name")
    if len(clean) > NAME_MAX:
        raise ServiceError(f"De naam is te lang (maximaal {NAME_MAX} tekens).", field="name")
    clash = db.session.scalar(
        select(Cluster.id).where(
            func.lower(Cluster.name) == clean.lower(),
            Cluster.archived_at.is_(None),
            Cluster.id != (exclude_id or -1),
        )
    )
    if clash is not None:
        raise ServiceError(f"Er is al een cluster met de naam {clean!r}.", field="name")
    return clean


# --------------------------------------------------------------------------- rename
def rename_cluster(
    actor: User, cluster_id: int, name: str, *, version_id: int | str | None = None
) -> Cluster:
    """Give a cluster a new name; the name is locked, so re-clustering never replaces it."""
    _require_admin(actor)
    cluster = get_active_cluster(cluster_id)
    _check_version(cluster, version_id)
    clean = _check_name(name, exclude_id=cluster.id)
    old = cluster.name
    cluster.name = clean
    cluster.name_locked = True
    audit.record(
        actor, "cluster_renamed", cluster, from_state=old[:20], to_state=clean[:20], old=old, new=clean
    )
    _flush()
    return cluster


# --------------------------------------------------------------------------- merge
def merge_clusters(
    actor: User, target_id: int, source_id: int, *, version_id: int | str | None = None
) -> Cluster:
    """Move every member and manager of ``source`` into ``target`` and archive ``source``."""
    _require_admin(actor)
    if target_id == source_id:
        raise ServiceError("Kies een ander cluster om mee samen te voegen.", field="source_id")
    target = get_active_cluster(target_id)
    source = get_active_cluster(source_id)
    _check_version(target, version_id)
    moved = db.session.execute(
        Organisation.__table__.update()
        .where(Organisation.__table__.c.cluster_id == source.id)
        .values(cluster_id=target.id)
    ).rowcount
    for manager in list(source.managers):
        if manager not in target.managers:
            target.managers.append(manager)
    source.managers.clear()
    source.archived_at = utcnow()
    recompute_centres([target.id])
    follow_school_clusters()
    audit.record(
        actor,
        "cluster_merged",
        target,
        reason=f"{source.name} -> {target.name}",
        source_id=source.id,
        source=source.name,
        members=moved,
    )
    audit.record(actor, "cluster_dissolved", source, to_state="archived", merged_into=target.id)
    _flush()
    db.session.expire_all()
    return target


# --------------------------------------------------------------------------- split
def split_cluster(actor: User, cluster_id: int, *, version_id: int | str | None = None) -> Cluster:
    """Split a cluster in two by 2-means on its schools' locations; returns the new cluster.

    Companies go to the nearer of the two centres. Pinned organisations stay in the original
    cluster. The new cluster is named after its largest place and gets the same managers.
    """
    _require_admin(actor)
    cluster = get_active_cluster(cluster_id)
    _check_version(cluster, version_id)
    first = first_location()
    rows = db.session.execute(
        select(
            Organisation.id,
            Organisation.kind,
            Organisation.cluster_pinned,
            Location.lat,
            Location.lon,
            Location.city,
        )
        .join(first, first.c.org_id == Organisation.id)
        .join(Location, Location.id == first.c.loc_id)
        .where(Organisation.cluster_id == cluster.id)
        .order_by(Organisation.id)
    ).all()
    schools = [r for r in rows if r.kind == "school"]
    if len(schools) < 2:
        raise ServiceError(f"{cluster.name} heeft minder dan twee scholen en kan niet worden gesplitst.")
    labels, centres = _two_means(np.array([[r.lat, r.lon] for r in schools], dtype=np.float64))
    label_of = {r.id: int(lab) for r, lab in zip(schools, labels, strict=True)}
    for r in rows:
        if r.kind != "school":
            d = [_km(r.lat, r.lon, c[0], c[1]) for c in centres]
            label_of[r.id] = int(np.argmin(d))
    keep = _label_to_keep(rows, label_of)
    for r in rows:
        if r.cluster_pinned:
            label_of[r.id] = keep
    new_ids = [r.id for r in rows if label_of[r.id] != keep]
    if not any(label_of[r.id] != keep for r in schools):
        raise ServiceError(f"{cluster.name} kan zo niet worden gesplitst: alle scholen zijn vastgezet.")
    places = [r.city or "" for r in rows if label_of[r.id] != keep]
    taken = set(db.session.scalars(select(Cluster.name).where(Cluster.archived_at.is_(None))))
    base = name_clusters([places])[0]
    name, n = base, 2
    while name in taken:
        name = f"{base} {n}"
        n += 1
    other = centres[1 - keep] if keep in (0, 1) else centres[1]
    new = Cluster(key=new_cluster_key(), name=name, centre_lat=float(other[0]), centre_lon=float(other[1]))
    new.managers.extend(cluster.managers)
    db.session.add(new)
    db.session.flush()
    db.session.execute(
        Organisation.__table__.update()
        .where(Organisation.__table__.c.id.in_(new_ids))
        .values(cluster_id=new.id)
    )
    recompute_centres([cluster.id, new.id])
    follow_school_clusters(new_ids)
    audit.record(
        actor,
        "cluster_split",
        cluster,
        reason=f"{cluster.name} -> {new.name}",
        new_id=new.id,
        members_moved=len(new_ids),
    )
    audit.record(actor, "cluster_created", new, to_state="active", split_from=cluster.id)
    _flush()
    db.session.expire_all()
    return new


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from loket.geo import haversine_km

    return float(haversine_km(lat1, lon1, lat2, lon2))


def _two_means(latlon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """k-means with k=2 on an equirectangular projection; returns labels and centres (lat, lon)."""
    from sklearn.cluster import KMeans

    lat0 = float(latlon[:, 0].mean())
    xy = np.column_stack([latlon[:, 1] * math.cos(math.radians(lat0)), latlon[:, 0]])
    if len(np.unique(xy, axis=0)) < 2:  # all at one spot: split the list in two halves
        labels = np.array([i % 2 for i in range(len(xy))])
    else:
        labels = KMeans(n_clusters=2, n_init=10, random_state=0).fit(xy).labels_
    centres = np.array([latlon[labels == k].mean(axis=0) for k in (0, 1)])
    return labels, centres


def _label_to_keep(rows, label_of: dict[int, int]) -> int:
    """The half that keeps the old cluster: the one with the pinned organisations, else the larger."""
    pinned = [label_of[r.id] for r in rows if r.cluster_pinned]
    if pinned:
        return max((0, 1), key=pinned.count)
    sizes = [sum(1 for r in rows if r.kind == "school" and label_of[r.id] == k) for k in (0, 1)]
    return 0 if sizes[0] >= sizes[1] else 1


# --------------------------------------------------------------------------- pins
def _org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("Deze organisatie bestaat niet.")
    return org


def pin_organisation(actor: User, org_id: int, cluster_id: int) -> Organisation:
    """Put an organisation in a cluster for good: re-clustering never moves it."""
    _require_admin(actor)
    org = _org(org_id)
    cluster = get_active_cluster(cluster_id)
    old = org.cluster_id
    org.cluster_id = cluster.id
    org.cluster_pinned = True
    _flush()
    recompute_centres([c for c in (old, cluster.id) if c is not None])
    follow_school_clusters([org.id])
    audit.record(
        actor,
        "organisation_pinned",
        org,
        from_state=str(old) if old else None,
        to_state=str(cluster.id),
        cluster=cluster.name,
    )
    _flush()
    return org


def unpin_organisation(actor: User, org_id: int) -> Organisation:
    """Let re-clustering place the organisation again (it stays in its cluster until then)."""
    _require_admin(actor)
    org = _org(org_id)
    if not org.cluster_pinned:
        raise ServiceError(f"{org.name} is niet vastgezet.", field="org_id")
    org.cluster_pinned = False
    audit.record(actor, "organisation_unpinned", org, from_state="pinned", to_state="free")
    _flush()
    return org


# --------------------------------------------------------------------------- managers
def assign_manager(actor: User, cluster_id: int, user_id: int) -> Cluster:
    """Make a user with role cluster_manager a manager of this cluster."""
    _require_admin(actor)
    cluster = get_active_cluster(cluster_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    if user.role != ROLE_MANAGER or user.status == ARCHIVED:
        raise ServiceError(f"{user.display_name} is geen (actieve) clusterbeheerder.", field="user_id")
    if user in cluster.managers:
        raise ServiceError(f"{user.display_name} beheert {cluster.name} al.", field="user_id")
    cluster.managers.append(user)
    audit.record(actor, "cluster_manager_added", cluster, user_id=user.id, email=user.email)
    _flush()
    return cluster


def remove_manager(actor: User, cluster_id: int, user_id: int) -> Cluster:
    """Take a manager off this cluster (the cluster is flagged when it has none left)."""
    _require_admin(actor)
    cluster = get_active_cluster(cluster_id)
    user = db.session.get(User, user_id)
    if user is None or user not in cluster.managers:
        raise ServiceError("Deze gebruiker beheert dit cluster niet.", field="user_id")
    cluster.managers.remove(user)
    audit.record(actor, "cluster_manager_removed", cluster, user_id=user.id, email=user.email)
    _flush()
    return cluster


def search_managers(actor: User, query: str = "", limit: int = 20) -> list[User]:
    """Users with role cluster_manager (not archived) whose name or email contains ``query``."""
    _require_admin(actor)
    stmt = select(User).where(User.role == ROLE_MANAGER, User.status != ARCHIVED).order_by(User.name, User.id)
    q = (query or "").strip().lower()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    return list(db.session.scalars(stmt.limit(limit)))


def search_organisations(actor: User, query: str, limit: int = 20) -> list[Organisation]:
    """Organisations whose name (or external id) contains ``query``, for pinning."""
    _require_admin(actor)
    q = (query or "").strip().lower()
    if not q:
        return []
    like = f"%{q}%"
    stmt = (
        select(Organisation)
        .where(or_(func.lower(Organisation.name).like(like), func.lower(Organisation.external_id).like(like)))
        .order_by(Organisation.name, Organisation.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
