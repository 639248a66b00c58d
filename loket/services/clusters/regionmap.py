"""What the regional map shows: organisations at their primary location and the unmatched open
requests of some clusters, or only the schools (outlining the cluster areas) when there are too
many markers; set-based, a few statements whatever the number of clusters or rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from loket import taxonomy
from loket.db import db
from loket.i18n import current_locale
from loket.models import Cluster, Location, Organisation, Request
from loket.services.clusters.dashboards import organisation_counts
from loket.services.clusters.inputs import live_organisation
from loket.services.figures import request_without_match

MAP_POINT_LIMIT = 4000  # above this many markers the map shows cluster areas only


@dataclass(frozen=True, slots=True)
class OrgPoint:
    """An organisation marker at its primary location."""

    org_id: int
    kind: str
    name: str
    lat: float
    lon: float
    cluster_id: int | None


@dataclass(frozen=True, slots=True)
class RequestPoint:
    """An unmatched open request, at its own location or its school's."""

    request_id: int
    label: str
    lat: float
    lon: float
    cluster_id: int | None
    org_id: int = 0  # the school


@dataclass(slots=True)
class MapData:
    """What the map shows. ``organisations`` are the markers, or with ``too_many`` only the schools
    that outline the cluster areas; ``totals`` counts every marker per cluster and kind."""

    clusters: list[Cluster]
    organisations: list[OrgPoint]
    requests: list[RequestPoint]
    too_many: bool = False
    totals: dict[int, Counter[str]] = field(default_factory=dict)

    def counts(self) -> dict[int, Counter[str]]:
        """Per cluster id: markers per kind (school, company, request)."""
        return self.totals


def _first_locations(cluster_ids: list[int], kind: str | None = None):
    """Subquery: the primary (lowest id) location of each organisation in these clusters."""
    stmt = (
        select(Location.organisation_id.label("org_id"), func.min(Location.id).label("loc_id"))
        .join(Organisation, Organisation.id == Location.organisation_id)
        .where(Organisation.cluster_id.in_(cluster_ids or [-1]))
        .group_by(Location.organisation_id)
    )
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    return stmt.subquery()


def map_totals(cluster_ids: list[int]) -> dict[int, Counter[str]]:
    """Per cluster: live schools, live companies and unmatched open requests (the organisations from
    ``organisation_counts``, shared between instances; one statement for the requests)."""
    totals: dict[int, Counter[str]] = {cid: Counter() for cid in cluster_ids}
    for cid, row in organisation_counts(cluster_ids).items():
        totals[cid]["school"] += row["schools_active"] + row["schools_dormant"]
        totals[cid]["company"] += row["companies_active"] + row["companies_dormant"]
    for cid, n in db.session.execute(
        select(Organisation.cluster_id, func.count(Request.id))
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Organisation.cluster_id.in_(cluster_ids or [-1]), request_without_match())
        .group_by(Organisation.cluster_id)
    ):
        totals[cid]["request"] += int(n)
    return totals


def _activity(code: str) -> str:
    return taxonomy.activities().label(code, current_locale())


def map_data(clusters: list[Cluster], *, limit: int = MAP_POINT_LIMIT) -> MapData:
    """Organisations (by primary location) and unmatched open requests of these clusters. Above
    ``limit`` markers only the schools are loaded (they outline the areas); statements are few and
    their number does not depend on the number of clusters or rows."""
    ids = [c.id for c in clusters]
    totals = map_totals(ids)
    too_many = sum(sum(c.values()) for c in totals.values()) > limit
    first = _first_locations(ids, "school" if too_many else None)
    orgs = [
        OrgPoint(r.id, r.kind, r.name, float(r.lat), float(r.lon), r.cluster_id)
        for r in db.session.execute(
            select(
                Organisation.id,
                Organisation.kind,
                Organisation.name,
                Organisation.cluster_id,
                Location.lat,
                Location.lon,
            )
            .join(first, first.c.org_id == Organisation.id)
            .join(Location, Location.id == first.c.loc_id)
            .where(live_organisation())
            .order_by(Organisation.id)
        )
    ]
    reqs: list[RequestPoint] = []
    if not too_many:
        req_loc = func.coalesce(Request.location_id, first.c.loc_id)
        reqs = [
            RequestPoint(
                r.id, f"{r.name}: {_activity(r.activity)}", float(r.lat), float(r.lon), r.cluster_id, r.org_id
            )
            for r in db.session.execute(
                select(
                    Request.id,
                    Request.activity,
                    Organisation.id.label("org_id"),
                    Organisation.name,
                    Organisation.cluster_id,
                    Location.lat,
                    Location.lon,
                )
                .join(Organisation, Organisation.id == Request.organisation_id)
                .join(first, first.c.org_id == Organisation.id)
                .join(Location, Location.id == req_loc)
                .where(request_without_match())
                .order_by(Request.id)
            )
        ]
    return MapData(clusters=clusters, organisations=orgs, requests=reqs, too_many=too_many, totals=totals)
