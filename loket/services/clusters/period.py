"""Region figures for a chosen period (school year, last 30 or 90 days, own dates), split po/vo.

Set-based: one statement per figure family (requests, completed activities, schools, schools with
an activity), whatever the number of clusters. Definitions:

- *requests by state*: the requests created in the period, by their state now;
- *time to first proposal*: days from a request's creation to its first match (median over the
  requests created in the period that have one); *time to scheduled*: days to the first time one
  of its matches was scheduled (from the audit log);
- *completed activities* and *pupils reached*: completed matches whose activity (or, without a
  date, whose completion) falls in the period; pupils from the feedback, else the request;
- *schools and companies active / dormant*: now (``dashboards.organisation_counts``);
- *share of schools with an activity*: schools with at least one scheduled or completed activity in
  the school year of the period's last day, over all schools of the cluster.

A request or school is *po* when one of its levels is primary education, *vo* when one is
secondary; one with both counts in both columns, one without levels only in the total.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from loket import schoolyear
from loket.db import db
from loket.models import AuditEvent, Match, MatchFeedback, Organisation, Request
from loket.models.activities import REQUEST_STATES
from loket.models.matches import COMPLETED, SCHEDULED
from loket.services import ServiceError, figure_cache
from loket.services.clusters.dashboards import AMS, org_activity, organisation_counts

SEGMENTS = ("all", "po", "vo")
PERIOD_KINDS = ("year", "90", "30", "custom")
MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start`` to ``end``, both inclusive; ``kind`` is how it was chosen."""

    start: date
    end: date
    kind: str = "custom"

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[from, to) as aware datetimes (Amsterdam midnight)."""
        lo = datetime(self.start.year, self.start.month, self.start.day, tzinfo=AMS)
        hi = datetime(self.end.year, self.end.month, self.end.day, tzinfo=AMS) + timedelta(days=1)
        return lo, hi


def make_period(kind: str | None, start: date | None, end: date | None, today: date) -> Period:
    """The period a picker chose: this school year (default), the last 30 or 90 days, or own dates
    (both needed, end not before start, at most three years: ServiceError naming the field)."""
    if kind == "30" or kind == "90":
        return Period(today - timedelta(days=int(kind) - 1), today, kind)
    if kind == "custom":
        if start is None:
            raise ServiceError(_l("Vul een begindatum in."), field="start")
        if end is None:
            raise ServiceError(_l("Vul een einddatum in."), field="end")
        if end < start:
            raise ServiceError(_l("De einddatum ligt voor de begindatum."), field="end")
        if (end - start).days > MAX_DAYS:
            raise ServiceError(_l("Kies een periode van hoogstens drie jaar."), field="end")
        return Period(start, end, "custom")
    year = schoolyear.of(today)
    return Period(year.start, year.end, "year")


@dataclass(slots=True)
class Segment:
    """The figures of one column (all, po or vo)."""

    requests_by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REQUEST_STATES, 0))
    days_to_proposal: list[float] = field(default_factory=list)
    days_to_scheduled: list[float] = field(default_factory=list)
    completed: int = 0
    pupils: int = 0
    schools_active: int = 0
    schools_dormant: int = 0
    schools_with_activity: int = 0

    @property
    def requests(self) -> int:
        return sum(self.requests_by_state.values())

    @property
    def median_days_to_proposal(self) -> float | None:
        return statistics.median(self.days_to_proposal) if self.days_to_proposal else None

    @property
    def median_days_to_scheduled(self) -> float | None:
        return statistics.median(self.days_to_scheduled) if self.days_to_scheduled else None

    @property
    def schools(self) -> int:
        return self.schools_active + self.schools_dormant

    @property
    def share_with_activity(self) -> float | None:
        return self.schools_with_activity / self.schools if self.schools else None


@dataclass(slots=True)
class PeriodFigures:
    """One cluster's figures for a period: a ``Segment`` per column, companies for the whole."""

    cluster_id: int
    period: Period
    school_year: str
    segments: dict[str, Segment] = field(default_factory=lambda: {s: Segment() for s in SEGMENTS})
    companies_active: int = 0
    companies_dormant: int = 0

    @property
    def all(self) -> Segment:
        return self.segments["all"]


def segments_of(levels: Iterable[str] | None) -> list[str]:
    """The columns a row with these levels counts in: always "all", plus "po" and/or "vo"."""
    codes = [str(c) for c in (levels or [])]
    out = ["all"]
    if any(c.startswith("po") for c in codes):
        out.append("po")
    if any(not c.startswith("po") for c in codes):
        out.append("vo")
    return out


def _days(later: datetime | None, earlier: datetime) -> float | None:
    if later is None:
        return None
    return max(0.0, (later - earlier).total_seconds() / 86400)


def period_figures(cluster_ids: list[int], period: Period) -> dict[int, PeriodFigures]:
    """Figures per cluster for ``period``: four statements (plus the shared organisation counts),
    shared between instances for LOKET_FIGURES_CACHE_S by ``figure_cache`` (they aggregate every
    request and school of the clusters: 100-150 ms of database time at benchmark size)."""
    ids = sorted(set(cluster_ids))
    key = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    name = f"period:{period.kind}:{period.start.isoformat()}:{period.end.isoformat()}:{key}"
    stored = figure_cache.remember(name, lambda: _to_json(_period_figures(ids, period)))
    return {int(cid): _from_json(int(cid), row, period) for cid, row in stored.items()}


def _to_json(figs: dict[int, PeriodFigures]) -> dict[str, dict]:
    return {
        str(cid): {
            "school_year": f.school_year,
            "companies_active": f.companies_active,
            "companies_dormant": f.companies_dormant,
            "segments": {name: asdict(seg) for name, seg in f.segments.items()},
        }
        for cid, f in figs.items()
    }


def _from_json(cluster_id: int, row: dict, period: Period) -> PeriodFigures:
    fig = PeriodFigures(cluster_id=cluster_id, period=period, school_year=row["school_year"])
    fig.companies_active, fig.companies_dormant = row["companies_active"], row["companies_dormant"]
    fig.segments = {name: Segment(**seg) for name, seg in row["segments"].items()}
    return fig


def _period_figures(cluster_ids: list[int], period: Period) -> dict[int, PeriodFigures]:
    year = schoolyear.of(period.end)
    figs = {cid: PeriodFigures(cluster_id=cid, period=period, school_year=year.label) for cid in cluster_ids}
    if not figs:
        return figs
    ids = list(figs)
    for cid, counts in organisation_counts(ids).items():
        figs[cid].companies_active = counts["companies_active"]
        figs[cid].companies_dormant = counts["companies_dormant"]
    lo, hi = period.bounds
    _requests(figs, ids, lo, hi)
    _completed(figs, ids, lo, hi)
    _schools(figs, ids, year)
    return figs


def _requests(figs: dict[int, PeriodFigures], ids: list[int], lo: datetime, hi: datetime) -> None:
    first_match = select(func.min(Match.created_at)).where(Match.request_id == Request.id).scalar_subquery()
    first_scheduled = (
        select(func.min(AuditEvent.at))
        .join(Match, and_(AuditEvent.object_type == "match", AuditEvent.object_id == Match.id))
        .where(Match.request_id == Request.id, AuditEvent.to_state == SCHEDULED)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Organisation.cluster_id,
            Request.status,
            Request.levels,
            Request.created_at,
            first_match,
            first_scheduled,
        )
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Organisation.cluster_id.in_(ids), Request.created_at >= lo, Request.created_at < hi)
    )
    for cid, status, levels, created, proposed_at, scheduled_at in rows:
        to_proposal, to_scheduled = _days(proposed_at, created), _days(scheduled_at, created)
        for seg in segments_of(levels):
            s = figs[cid].segments[seg]
            s.requests_by_state[status] = s.requests_by_state.get(status, 0) + 1
            if to_proposal is not None:
                s.days_to_proposal.append(to_proposal)
            if to_scheduled is not None:
                s.days_to_scheduled.append(to_scheduled)


def _completed(figs: dict[int, PeriodFigures], ids: list[int], lo: datetime, hi: datetime) -> None:
    when = func.coalesce(Match.scheduled_start, Match.status_changed_at)
    pupils_fb = (
        select(func.max(MatchFeedback.pupils_reached))
        .where(MatchFeedback.match_id == Match.id, MatchFeedback.pupils_reached.is_not(None))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Match.cluster_id, Request.levels, pupils_fb, Request.pupils)
        .join(Request, Request.id == Match.request_id)
        .where(Match.cluster_id.in_(ids), Match.status == COMPLETED, when >= lo, when < hi)
    )
    for cid, levels, reached, planned in rows:
        for seg in segments_of(levels):
            s = figs[cid].segments[seg]
            s.completed += 1
            s.pupils += int(reached if reached is not None else (planned or 0))


def _schools(figs: dict[int, PeriodFigures], ids: list[int], year: schoolyear.SchoolYear) -> None:
    act = org_activity()
    y_lo, y_hi = Period(year.start, year.end).bounds
    when = func.coalesce(Match.scheduled_start, Match.status_changed_at)
    busy = (
        select(Request.organisation_id)
        .join(Match, Match.request_id == Request.id)
        .where(Match.status.in_((SCHEDULED, COMPLETED)), when >= y_lo, when < y_hi)
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(
            Organisation.cluster_id,
            Organisation.levels,
            func.coalesce(act.c.active, 0),
            case((busy.c.organisation_id.is_not(None), 1), else_=0),
        )
        .outerjoin(act, act.c.org_id == Organisation.id)
        .outerjoin(busy, busy.c.organisation_id == Organisation.id)
        .where(
            Organisation.cluster_id.in_(ids),
            Organisation.kind == "school",
            func.coalesce(act.c.live, 1) == 1,
        )
    )
    for cid, levels, active, has_activity in rows:
        for seg in segments_of(levels):
            s = figs[cid].segments[seg]
            if active:
                s.schools_active += 1
            else:
                s.schools_dormant += 1
            s.schools_with_activity += int(has_activity)


__all__ = ["PERIOD_KINDS", "Period", "PeriodFigures", "Segment", "make_period", "period_figures"]
