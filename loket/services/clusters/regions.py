"""Read side of the regional clusters: which clusters a user sees, dashboard figures and map data.

An organisation is *active* when at least one of its users is active, *dormant* otherwise
(users only invited or dormant, or no users yet); organisations whose users are all archived
are left out. A request is *unmatched* while it is open and no match holds it (approved,
accepted, scheduled or completed). The school year runs 1 August - 31 July (loket.schoolyear).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import selectinload

from loket import schoolyear
from loket.db import db, paginate, utcnow
from loket.models import Cluster, Location, Match, MatchFeedback, Offer, Organisation, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import CAPACITY_HOLDING_STATES, COMPLETED, MATCH_STATES
from loket.models.users import ACTIVE, ROLE_MANAGER
from loket.services import NotFound, PermissionDenied, policies
from loket.services.clusters.inputs import first_location, live_organisation

AMS = ZoneInfo("Europe/Amsterdam")
UNMATCHED_DAYS = 30
MAP_POINT_LIMIT = 4000  # above this many markers the map shows cluster areas only


# --------------------------------------------------------------------------- scope
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


# --------------------------------------------------------------------------- figures
@dataclass(slots=True)
class MonthFigure:
    label: str  # "sep 2025"
    month: date  # first day
    completed: int = 0
    pupils: int = 0


@dataclass(slots=True)
class ClusterFigures:
    """The manager dashboard of one cluster."""

    cluster_id: int
    schools_active: int = 0
    schools_dormant: int = 0
    companies_active: int = 0
    companies_dormant: int = 0
    open_requests: int = 0
    unmatched_over_30: int = 0
    offers_with_capacity: int = 0
    capacity_left: int = 0
    matches_by_state: dict[str, int] = field(default_factory=dict)
    completed_this_year: int = 0
    pupils_this_year: int = 0
    school_year: str = ""
    months: list[MonthFigure] = field(default_factory=list)


MONTHS_NL = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def _active_org():
    return exists().where(User.organisation_id == Organisation.id, User.status == ACTIVE)


def organisation_counts(cluster_ids: list[int] | None = None) -> dict[int | None, dict[str, int]]:
    """Per cluster id: {"schools_active", "schools_dormant", "companies_active", "companies_dormant"}."""
    is_active = case((_active_org(), 1), else_=0)
    stmt = (
        select(
            Organisation.cluster_id, Organisation.kind, is_active.label("active"), func.count(Organisation.id)
        )
        .where(live_organisation())
        .group_by(Organisation.cluster_id, Organisation.kind, is_active)
    )
    if cluster_ids is not None:
        stmt = stmt.where(Organisation.cluster_id.in_(cluster_ids or [-1]))
    out: dict[int | None, dict[str, int]] = {}
    for cid, kind, active, n in db.session.execute(stmt):
        row = out.setdefault(
            cid, {"schools_active": 0, "schools_dormant": 0, "companies_active": 0, "companies_dormant": 0}
        )
        plural = "schools" if kind == "school" else "companies"
        row[f"{plural}_{'active' if active else 'dormant'}"] += int(n)
    return out


def _unmatched_condition():
    held = exists().where(Match.request_id == Request.id, Match.status.in_(CAPACITY_HOLDING_STATES))
    return and_(Request.status == REQ_OPEN, ~held)


def cluster_figures(cluster_id: int, today: date | None = None) -> ClusterFigures:
    """Dashboard figures for one cluster (organisations by the cluster they belong to now)."""
    today = today or datetime.now(AMS).date()
    now = utcnow()
    fig = ClusterFigures(cluster_id=cluster_id)
    counts = organisation_counts([cluster_id]).get(cluster_id, {})
    for key, value in counts.items():
        setattr(fig, key, value)
    in_cluster = Organisation.cluster_id == cluster_id
    fig.open_requests = (
        db.session.scalar(
            select(func.count(Request.id))
            .join(Organisation, Organisation.id == Request.organisation_id)
            .where(in_cluster, Request.status == REQ_OPEN)
        )
        or 0
    )
    fig.unmatched_over_30 = (
        db.session.scalar(
            select(func.count(Request.id))
            .join(Organisation, Organisation.id == Request.organisation_id)
            .where(
                in_cluster, _unmatched_condition(), Request.created_at <= now - timedelta(days=UNMATCHED_DAYS)
            )
        )
        or 0
    )
    offer_row = db.session.execute(
        select(func.count(Offer.id), func.coalesce(func.sum(Offer.capacity - Offer.capacity_used), 0))
        .join(Organisation, Organisation.id == Offer.organisation_id)
        .where(in_cluster, Offer.status == OFF_OPEN, Offer.capacity_used < Offer.capacity)
    ).one()
    fig.offers_with_capacity, fig.capacity_left = int(offer_row[0]), int(offer_row[1])
    by_state = dict(
        db.session.execute(
            select(Match.status, func.count(Match.id))
            .where(Match.cluster_id == cluster_id)
            .group_by(Match.status)
        ).all()
    )
    fig.matches_by_state = {s: int(by_state.get(s, 0)) for s in MATCH_STATES}
    _year_figures(fig, cluster_id, today)
    return fig


def _year_figures(fig: ClusterFigures, cluster_id: int, today: date) -> None:
    year = schoolyear.of(today)
    fig.school_year = year.label
    start = datetime(year.start.year, year.start.month, 1, tzinfo=AMS)
    end = datetime(year.end.year, year.end.month, year.end.day, tzinfo=AMS) + timedelta(days=1)
    when = func.coalesce(Match.scheduled_start, Match.status_changed_at)
    pupils_fb = (
        select(func.max(MatchFeedback.pupils_reached))
        .where(MatchFeedback.match_id == Match.id, MatchFeedback.pupils_reached.is_not(None))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Match.scheduled_start, Match.status_changed_at, pupils_fb, Request.pupils)
        .join(Request, Request.id == Match.request_id)
        .where(Match.cluster_id == cluster_id, Match.status == COMPLETED, when >= start, when < end)
    ).all()
    months = []
    d = year.start
    while d <= year.end:
        months.append(MonthFigure(label=f"{MONTHS_NL[d.month - 1]} {d.year}", month=d))
        d = date(d.year + (d.month // 12), d.month % 12 + 1, 1)
    index = {(m.month.year, m.month.month): m for m in months}
    for scheduled, changed, pupils_fb_value, pupils_req in rows:
        moment = (scheduled or changed).astimezone(AMS)
        m = index.get((moment.year, moment.month))
        if m is None:
            continue
        pupils = int(pupils_fb_value if pupils_fb_value is not None else (pupils_req or 0))
        m.completed += 1
        m.pupils += pupils
    fig.months = months
    fig.completed_this_year = sum(m.completed for m in months)
    fig.pupils_this_year = sum(m.pupils for m in months)


# --------------------------------------------------------------------------- map data
@dataclass(frozen=True, slots=True)
class OrgPoint:
    org_id: int
    kind: str
    name: str
    lat: float
    lon: float
    cluster_id: int | None


@dataclass(frozen=True, slots=True)
class RequestPoint:
    request_id: int
    label: str
    lat: float
    lon: float
    cluster_id: int | None


@dataclass(slots=True)
class MapData:
    clusters: list[Cluster]
    organisations: list[OrgPoint]
    requests: list[RequestPoint]
    too_many: bool = False

    def counts(self) -> dict[int, Counter[str]]:
        """Per cluster id: markers per kind (school, company, request)."""
        out: dict[int, Counter[str]] = {c.id: Counter() for c in self.clusters}
        for p in self.organisations:
            out.setdefault(p.cluster_id or 0, Counter())[p.kind] += 1
        for r in self.requests:
            out.setdefault(r.cluster_id or 0, Counter())["request"] += 1
        return out


def map_data(clusters: list[Cluster], *, limit: int = MAP_POINT_LIMIT) -> MapData:
    """Organisations (by primary location) and unmatched open requests of these clusters."""
    ids = [c.id for c in clusters]
    first = first_location()
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
            .where(Organisation.cluster_id.in_(ids or [-1]), live_organisation())
            .order_by(Organisation.id)
        )
    ]
    req_loc = func.coalesce(Request.location_id, first.c.loc_id)
    reqs = [
        RequestPoint(r.id, f"{r.name}: {r.activity}", float(r.lat), float(r.lon), r.cluster_id)
        for r in db.session.execute(
            select(
                Request.id,
                Request.activity,
                Organisation.name,
                Organisation.cluster_id,
                Location.lat,
                Location.lon,
            )
            .join(Organisation, Organisation.id == Request.organisation_id)
            .join(first, first.c.org_id == Organisation.id)
            .join(Location, Location.id == req_loc)
            .where(Organisation.cluster_id.in_(ids or [-1]), _unmatched_condition())
            .order_by(Request.id)
        )
    ]
    data = MapData(clusters=clusters, organisations=orgs, requests=reqs)
    if len(orgs) + len(reqs) > limit:
        data.too_many = True
    return data


# --------------------------------------------------------------------------- platform (admin)
@dataclass(slots=True)
class PlatformFigures:
    organisations: dict[str, int]
    users_by_role: dict[str, int]
    users_by_status: dict[str, int]
    open_requests: int
    unmatched_over_30: int
    open_offers: int
    matches_by_state: dict[str, int]
    clusters: int
    unclustered: int
    clusters_without_manager: list[Cluster]


def platform_figures() -> PlatformFigures:
    """Figures for the admin dashboard, with the clusters that have no manager."""
    now = utcnow()
    orgs: Counter[str] = Counter()
    for row in organisation_counts().values():
        orgs.update(row)
    by_role = dict(db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())
    by_status = dict(db.session.execute(select(User.status, func.count(User.id)).group_by(User.status)).all())
    matches = dict(
        db.session.execute(select(Match.status, func.count(Match.id)).group_by(Match.status)).all()
    )
    clusters = visible_clusters_all()
    return PlatformFigures(
        organisations=dict(orgs),
        users_by_role={k: int(v) for k, v in by_role.items()},
        users_by_status={k: int(v) for k, v in by_status.items()},
        open_requests=db.session.scalar(select(func.count(Request.id)).where(Request.status == REQ_OPEN))
        or 0,
        unmatched_over_30=db.session.scalar(
            select(func.count(Request.id)).where(
                _unmatched_condition(), Request.created_at <= now - timedelta(days=UNMATCHED_DAYS)
            )
        )
        or 0,
        open_offers=db.session.scalar(select(func.count(Offer.id)).where(Offer.status == OFF_OPEN)) or 0,
        matches_by_state={s: int(matches.get(s, 0)) for s in MATCH_STATES},
        clusters=len(clusters),
        unclustered=db.session.scalar(
            select(func.count(Organisation.id)).where(Organisation.cluster_id.is_(None), live_organisation())
        )
        or 0,
        clusters_without_manager=[c for c in clusters if not c.managers],
    )


def visible_clusters_all() -> list[Cluster]:
    stmt = (
        select(Cluster)
        .where(Cluster.archived_at.is_(None))
        .options(selectinload(Cluster.managers))
        .order_by(Cluster.name, Cluster.id)
    )
    return list(db.session.scalars(stmt))


def cluster_members(cluster_id: int, *, page: int = 1, per_page: int = 25):
    """The organisations of a cluster, schools first, by name (a Flask-SQLAlchemy pagination)."""
    stmt = (
        select(Organisation)
        .where(Organisation.cluster_id == cluster_id)
        .order_by(Organisation.kind.desc(), Organisation.name, Organisation.id)
    )
    return paginate(stmt, page, per_page)
