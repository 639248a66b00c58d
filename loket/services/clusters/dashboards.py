"""Dashboard figures of the regional clusters (for their managers) and of the whole platform (for
admins), set-based: a few statements whatever the number of clusters.

An organisation is *active* when at least one of its users is active, *dormant* otherwise
(users only invited or dormant, or no users yet); organisations whose users are all archived
are left out. A request is *unmatched* while it is open and no match holds it (approved,
accepted, scheduled or completed). The school year runs 1 August - 31 July (loket.schoolyear).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select

from loket import schoolyear
from loket.db import db, utcnow
from loket.models import Cluster, Match, MatchFeedback, Offer, Organisation, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import COMPLETED, MATCH_STATES
from loket.models.users import ACTIVE, ARCHIVED
from loket.services import figure_cache
from loket.services.clusters.inputs import active_clusters, live_organisation
from loket.services.figures import offer_with_capacity, request_without_match
from loket.zone import AMSTERDAM as AMS

UNMATCHED_DAYS = 30


# --------------------------------------------------------------------------- figures
@dataclass(slots=True)
class MonthFigure:
    """Completed matches and pupils reached in one month of the school year."""

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
    unmatched: int = 0
    unmatched_over_30: int = 0
    offers_with_capacity: int = 0
    capacity_left: int = 0
    matches_by_state: dict[str, int] = field(default_factory=dict)
    completed_this_year: int = 0
    pupils_this_year: int = 0
    school_year: str = ""
    months: list[MonthFigure] = field(default_factory=list)


MONTHS_NL = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def org_activity():
    """Subquery, one scan of the users: per organisation with users, ``active`` (1 when a user is
    active) and ``live`` (1 when a user is not archived). Organisations without users are absent."""
    return (
        select(
            User.organisation_id.label("org_id"),
            func.max(case((User.status == ACTIVE, 1), else_=0)).label("active"),
            func.max(case((User.status != ARCHIVED, 1), else_=0)).label("live"),
        )
        .where(User.organisation_id.is_not(None))
        .group_by(User.organisation_id)
        .subquery()
    )


def organisation_counts(cluster_ids: list[int] | None = None) -> dict[int | None, dict[str, int]]:
    """Per cluster id: {"schools_active", "schools_dormant", "companies_active", "companies_dormant"}
    (for every cluster in one statement, shared between instances by ``figure_cache``)."""
    every = figure_cache.remember("organisation_counts", _organisation_counts_all)
    counts = {(None if cid == "none" else int(cid)): row for cid, row in every.items()}
    if cluster_ids is None:
        return counts
    return {cid: counts[cid] for cid in cluster_ids if cid in counts}


def _organisation_counts_all() -> dict[str, dict[str, int]]:
    act = org_activity()
    active = func.coalesce(act.c.active, 0)
    stmt = (
        select(
            Organisation.cluster_id, Organisation.kind, active.label("active"), func.count(Organisation.id)
        )
        .outerjoin(act, act.c.org_id == Organisation.id)
        .where(func.coalesce(act.c.live, 1) == 1)
        .group_by(Organisation.cluster_id, Organisation.kind, active)
    )
    out: dict[str, dict[str, int]] = {}
    for cid, kind, is_active, n in db.session.execute(stmt):
        row = out.setdefault("none" if cid is None else str(cid), _empty_counts())
        plural = "schools" if kind == "school" else "companies"
        row[f"{plural}_{'active' if is_active else 'dormant'}"] += int(n)
    return out


def _empty_counts() -> dict[str, int]:
    return {"schools_active": 0, "schools_dormant": 0, "companies_active": 0, "companies_dormant": 0}


def cluster_figures(cluster_id: int, today: date | None = None) -> ClusterFigures:
    """Dashboard figures for one cluster (organisations by the cluster they belong to now)."""
    return clusters_figures([cluster_id], today)[cluster_id]


def clusters_figures(cluster_ids: list[int], today: date | None = None) -> dict[int, ClusterFigures]:
    """Dashboard figures for several clusters at once: one statement per figure family (organisations,
    requests, offers, matches, the school year), whatever the number of clusters."""
    today = today or datetime.now(AMS).date()
    now = utcnow()
    ids = list(cluster_ids)
    figs = {cid: ClusterFigures(cluster_id=cid) for cid in ids}
    if not ids:
        return figs
    for cid, counts in organisation_counts(ids).items():
        if cid in figs:
            for key, value in counts.items():
                setattr(figs[cid], key, value)
    old = Request.created_at <= now - timedelta(days=UNMATCHED_DAYS)
    for cid, n_open, n_unmatched, n_old in db.session.execute(
        select(
            Organisation.cluster_id,
            func.count(Request.id),
            func.coalesce(func.sum(case((request_without_match(), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(request_without_match(), old), 1), else_=0)), 0),
        )
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Organisation.cluster_id.in_(ids), Request.status == REQ_OPEN)
        .group_by(Organisation.cluster_id)
    ):
        figs[cid].open_requests, figs[cid].unmatched, figs[cid].unmatched_over_30 = (
            int(n_open),
            int(n_unmatched),
            int(n_old),
        )
    for cid, n, left in db.session.execute(
        select(
            Organisation.cluster_id,
            func.count(Offer.id),
            func.coalesce(func.sum(Offer.capacity - Offer.capacity_used), 0),
        )
        .join(Organisation, Organisation.id == Offer.organisation_id)
        .where(Organisation.cluster_id.in_(ids), offer_with_capacity())
        .group_by(Organisation.cluster_id)
    ):
        figs[cid].offers_with_capacity, figs[cid].capacity_left = int(n), int(left)
    by_state: dict[int, dict[str, int]] = {cid: {} for cid in ids}
    for cid, status, n in db.session.execute(
        select(Match.cluster_id, Match.status, func.count(Match.id))
        .where(Match.cluster_id.in_(ids))
        .group_by(Match.cluster_id, Match.status)
    ):
        by_state[cid][status] = int(n)
    for cid, fig in figs.items():
        fig.matches_by_state = {s: by_state[cid].get(s, 0) for s in MATCH_STATES}
    _year_figures(figs, today)
    return figs


def _year_figures(figs: dict[int, ClusterFigures], today: date) -> None:
    year = schoolyear.of(today)
    start = datetime(year.start.year, year.start.month, 1, tzinfo=AMS)
    end = datetime(year.end.year, year.end.month, year.end.day, tzinfo=AMS) + timedelta(days=1)
    when = func.coalesce(Match.scheduled_start, Match.status_changed_at)
    pupils_fb = (
        select(func.max(MatchFeedback.pupils_reached))
        .where(MatchFeedback.match_id == Match.id, MatchFeedback.pupils_reached.is_not(None))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Match.cluster_id, Match.scheduled_start, Match.status_changed_at, pupils_fb, Request.pupils)
        .join(Request, Request.id == Match.request_id)
        .where(Match.cluster_id.in_(list(figs)), Match.status == COMPLETED, when >= start, when < end)
    ).all()
    index: dict[tuple[int, int, int], MonthFigure] = {}
    for cid, fig in figs.items():
        fig.school_year = year.label
        d = year.start
        while d <= year.end:
            m = MonthFigure(label=f"{MONTHS_NL[d.month - 1]} {d.year}", month=d)
            fig.months.append(m)
            index[(cid, d.year, d.month)] = m
            d = date(d.year + (d.month // 12), d.month % 12 + 1, 1)
    for cid, scheduled, changed, pupils_fb_value, pupils_req in rows:
        moment = (scheduled or changed).astimezone(AMS)
        m = index.get((cid, moment.year, moment.month))
        if m is None:
            continue
        m.completed += 1
        m.pupils += int(pupils_fb_value if pupils_fb_value is not None else (pupils_req or 0))
    for fig in figs.values():
        fig.completed_this_year = sum(m.completed for m in fig.months)
        fig.pupils_this_year = sum(m.pupils for m in fig.months)


# --------------------------------------------------------------------------- platform (admin)
@dataclass(slots=True)
class PlatformFigures:
    """The admin dashboard: the whole platform at a glance."""

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
    clusters = active_clusters()
    return PlatformFigures(
        organisations=dict(orgs),
        users_by_role={k: int(v) for k, v in by_role.items()},
        users_by_status={k: int(v) for k, v in by_status.items()},
        open_requests=db.session.scalar(select(func.count(Request.id)).where(Request.status == REQ_OPEN))
        or 0,
        unmatched_over_30=db.session.scalar(
            select(func.count(Request.id)).where(
                request_without_match(), Request.created_at <= now - timedelta(days=UNMATCHED_DAYS)
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
