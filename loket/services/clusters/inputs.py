"""What a clustering run reads: organisation sites with coordinates, the stored active clusters,
and the parameter bounds from the configuration. Used by ``loket.services.clusters`` and the join
and admin services; nothing here writes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from loket.clusters import METHODS, ClusterError, ClusterParams
from loket.db import db
from loket.models import AuditEvent, Cluster, Location, Organisation, User
from loket.models.users import ARCHIVED
from loket.services import ServiceError, ServiceErrors


# --------------------------------------------------------------------------- reading organisations
@dataclass(frozen=True, slots=True)
class SiteRow:
    """One organisation with its primary location, as the engine sees it."""

    org_id: int
    site_id: str
    kind: str
    name: str
    lat: float
    lon: float
    place: str
    cluster_id: int | None
    pinned: bool


def site_id_of(org_id: int, external_id: str | None) -> str:
    """The id of an organisation in cluster output: its import external id, else ``org:<id>``."""
    return external_id or f"org:{org_id}"


def first_location():
    """Subquery: the primary (lowest id) location per organisation."""
    return (
        select(Location.organisation_id.label("org_id"), func.min(Location.id).label("loc_id"))
        .group_by(Location.organisation_id)
        .subquery()
    )


def live_organisation():
    """SQL condition: the organisation takes part (no users, or at least one not archived)."""
    any_user = exists().where(User.organisation_id == Organisation.id)
    live_user = exists().where(User.organisation_id == Organisation.id, User.status != ARCHIVED)
    return or_(~any_user, live_user)


def load_sites(
    *, org_ids: Iterable[int] | None = None, unclustered_only: bool = False, kind: str | None = None
) -> list[SiteRow]:
    """Active organisations with coordinates (optionally: only some ids, one kind, without a cluster)."""
    first = first_location()
    stmt = (
        select(
            Organisation.id,
            Organisation.external_id,
            Organisation.kind,
            Organisation.name,
            Organisation.cluster_id,
            Organisation.cluster_pinned,
            Location.lat,
            Location.lon,
            Location.city,
        )
        .join(first, first.c.org_id == Organisation.id)
        .join(Location, Location.id == first.c.loc_id)
        .where(live_organisation(), Location.lat.is_not(None), Location.lon.is_not(None))
        .order_by(Organisation.id)
    )
    if org_ids is not None:
        stmt = stmt.where(Organisation.id.in_(list(org_ids)))
    if unclustered_only:
        stmt = stmt.where(Organisation.cluster_id.is_(None))
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    return [
        SiteRow(
            org_id=r.id,
            site_id=site_id_of(r.id, r.external_id),
            kind=r.kind,
            name=r.name,
            lat=float(r.lat),
            lon=float(r.lon),
            place=(r.city or "").strip(),
            cluster_id=r.cluster_id,
            pinned=bool(r.cluster_pinned),
        )
        for r in db.session.execute(stmt)
    ]


def active_clusters() -> list[Cluster]:
    """Every cluster that is not archived, by name, with managers loaded."""
    stmt = (
        select(Cluster)
        .where(Cluster.archived_at.is_(None))
        .options(selectinload(Cluster.managers))
        .order_by(Cluster.name, Cluster.id)
    )
    return list(db.session.scalars(stmt))


def get_active_cluster(cluster_id: int | None) -> Cluster:
    """The cluster, or NotFound when it does not exist or was archived."""
    from loket.services import NotFound

    cluster = db.session.get(Cluster, cluster_id) if cluster_id is not None else None
    if cluster is None or cluster.archived_at is not None:
        raise NotFound("Dit cluster bestaat niet (meer).")
    return cluster


# --------------------------------------------------------------------------- bounds
def check_bounds(
    max_radius_km: float | None, min_schools: int | None, max_schools: int | None, method: str | None
) -> None:
    """Check the bounds an admin typed, all at once: ServiceErrors naming each wrong field. A value
    that is None (not given, or not a number) is not checked here."""
    errors = []
    if max_radius_km is not None and not (math.isfinite(float(max_radius_km)) and float(max_radius_km) > 0):
        errors.append(ServiceError(_l("De straal moet groter dan 0 km zijn."), field="max_radius_km"))
    if min_schools is not None and int(min_schools) < 1:
        errors.append(ServiceError(_l("Het minimum moet minstens 1 school zijn."), field="min_schools"))
    if min_schools is not None and max_schools is not None and int(max_schools) < int(min_schools):
        errors.append(
            ServiceError(
                _l("Het maximum mag niet kleiner zijn dan het minimum (%(n)s).", n=int(min_schools)),
                field="max_schools",
            )
        )
    if method is not None and method not in METHODS:
        errors.append(ServiceError(_l("Kies een bekende methode."), field="method"))
    if errors:
        raise ServiceErrors(errors)


def make_params(
    max_radius_km: float | None = None,
    min_schools: int | None = None,
    max_schools: int | None = None,
    method: str | None = None,
) -> ClusterParams:
    """Bounds for a run: the given values over the last applied run's bounds (or the defaults).

    A bad combination raises ServiceErrors naming each wrong field."""
    base = current_bounds()
    values = {
        "max_radius_km": float(max_radius_km) if max_radius_km is not None else base.max_radius_km,
        "min_schools": int(min_schools) if min_schools is not None else base.min_schools,
        "max_schools": int(max_schools) if max_schools is not None else base.max_schools,
        "method": method or base.method,
    }
    check_bounds(**values)
    try:
        return ClusterParams(**values)
    except ClusterError as exc:  # a rule of the engine not checked above
        raise ServiceError(str(exc)) from exc


def current_bounds() -> ClusterParams:
    """The bounds of the last applied run (stored in its audit event), else the engine defaults."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "clusters_applied")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    bounds = (event.data or {}).get("bounds") if event is not None else None
    if not bounds:
        return ClusterParams()
    try:
        return ClusterParams(
            max_radius_km=float(bounds["max_radius_km"]),
            min_schools=int(bounds["min_schools"]),
            max_schools=int(bounds["max_schools"]),
            method=str(bounds["method"]),
        )
    except (KeyError, TypeError, ValueError):
        return ClusterParams()


def bounds_dict(params: ClusterParams) -> dict[str, Any]:
    return {
        "max_radius_km": params.max_radius_km,
        "min_schools": params.min_schools,
        "max_schools": params.max_schools,
        "method": params.method,
    }
