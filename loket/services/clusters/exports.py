"""The manager's lists as tables for CSV/XLSX export: unmatched requests, offers with places left,
matches waiting on someone, the approval queue, a cluster's members and the period figures.

Each export is every row of the list the manager may see (their clusters; admins all), with the
same filters as the page: the lists run the page's own statement (``loket.services.matches.queue``)
unpaginated. ``loket.exports`` writes the files; every cell goes through ``safe_cell`` there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket import taxonomy
from loket.db import db
from loket.i18n import current_locale
from loket.labels import status_label
from loket.models import Cluster, Match, Organisation, User
from loket.reason_text import reasons_text
from loket.services import NotFound
from loket.services.clusters import scope as cluster_scope
from loket.services.clusters.period import SEGMENTS, Period, period_figures
from loket.services.matches import queue

EXPORTS = ("requests", "offers", "waiting", "queue", "members", "figures")


@dataclass(slots=True)
class Table:
    """A sheet: its name, the header and the rows (plain values; the writer makes them safe)."""

    name: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _cluster_names() -> dict[int, str]:
    return {cid: name for cid, name in db.session.execute(select(Cluster.id, Cluster.name))}


def _activity(code: str) -> str:
    return taxonomy.activities().label(code, current_locale())


def requests_table(user: User, filters: queue.Filters) -> Table:
    """Requests without a match (the overview's definition), oldest first."""
    rows = db.session.scalars(queue.open_requests_stmt(user, filters))
    names = _cluster_names()
    header = [_l("Nummer"), _l("School"), _l("Cluster"), _l("Activiteit"), _l("Onderwerp"), _l("Leerlingen")]
    header += [_l("Vanaf"), _l("Tot en met"), _l("Ingediend")]
    table = Table(str(_l("Aanvragen")), [str(h) for h in header])
    for r in rows:
        org = r.organisation
        table.rows.append(
            [r.id, org.name, names.get(org.cluster_id, ""), _activity(r.activity), r.topic, r.pupils]
            + [r.earliest, r.latest, r.created_at.date()]
        )
    return table


def offers_table(user: User, filters: queue.Filters) -> Table:
    """Open offers with places left, oldest first."""
    rows = db.session.scalars(queue.offers_with_capacity_stmt(user, filters))
    names = _cluster_names()
    header = [_l("Nummer"), _l("Bedrijf"), _l("Cluster"), _l("Activiteit"), _l("Onderwerp"), _l("Plaatsen")]
    header += [_l("Bezet"), _l("Vrij"), _l("Vanaf"), _l("Tot en met")]
    table = Table(str(_l("Aanbod")), [str(h) for h in header])
    for o in rows:
        org = o.organisation
        table.rows.append(
            [o.id, org.name, names.get(org.cluster_id, ""), _activity(o.activity), o.topic, o.capacity]
            + [o.capacity_used, o.capacity - o.capacity_used, o.earliest, o.latest]
        )
    return table


def _matches_table(rows: Iterable[Match], name: str) -> Table:
    names = _cluster_names()
    header = [_l("Nummer"), _l("Status"), _l("School"), _l("Bedrijf"), _l("Cluster"), _l("Activiteit")]
    header += [_l("Score (%)"), _l("Afstand (km)"), _l("Wacht op"), _l("Sinds"), _l("Redenen")]
    table = Table(name, [str(h) for h in header])
    for m in rows:
        table.rows.append(
            [m.id, status_label(m.status), m.request.organisation.name, m.offer.organisation.name]
            + [names.get(m.cluster_id, ""), _activity(m.request.activity), round(100 * (m.score or 0))]
            + [None if m.distance_km is None else round(m.distance_km, 1), queue.waiting_on(m)]
            + [m.status_changed_at.date(), reasons_text(m.reasons)]
        )
    return table


def waiting_table(user: User, filters: queue.Filters) -> Table:
    """Matches that wait on the manager, a side or a date, longest waiting first."""
    return _matches_table(db.session.scalars(queue.waiting_stmt(user, filters)), str(_l("Koppelingen")))


def queue_table(user: User, filters: queue.Filters) -> Table:
    """Proposals waiting for approval, oldest first."""
    return _matches_table(db.session.scalars(queue.approval_stmt(user, filters)), str(_l("Goedkeuren")))


def members_table(user: User, filters: queue.Filters) -> Table:
    """The organisations of one cluster (``filters.cluster_id`` is needed), schools first."""
    if filters.cluster_id is None:
        raise NotFound("Kies een cluster.")
    cluster = cluster_scope.cluster_for_view(user, filters.cluster_id)
    rows = db.session.scalars(
        select(Organisation)
        .where(Organisation.cluster_id == cluster.id)
        .options(selectinload(Organisation.locations))
        .order_by(Organisation.kind.desc(), Organisation.name, Organisation.id)
    )
    header = [_l("Nummer"), _l("Soort"), _l("Naam"), _l("Plaats"), _l("Postcode"), _l("Vastgezet")]
    table = Table(str(_l("Leden")), [str(h) for h in header])
    kinds = {"school": str(_l("school")), "company": str(_l("bedrijf"))}
    for org in rows:
        loc = org.primary_location
        table.rows.append(
            [
                org.id,
                kinds.get(org.kind, org.kind),
                org.name,
                loc.city if loc else "",
                loc.postcode if loc else "",
            ]
            + [str(_l("ja")) if org.cluster_pinned else str(_l("nee"))]
        )
    return table


def figures_table(user: User, filters: queue.Filters, period: Period) -> Table:
    """The region figures of the period (the yearly report for a school year): one row per cluster,
    figure and column (total, po, vo)."""
    clusters = cluster_scope.visible_clusters(user)
    if filters.cluster_id is not None:
        clusters = [cluster_scope.cluster_for_view(user, filters.cluster_id)]
    figs = period_figures([c.id for c in clusters], period)
    header = [_l("Cluster"), _l("Van"), _l("Tot en met"), _l("Cijfer"), _l("Totaal"), _l("po"), _l("vo")]
    table = Table(str(_l("Cijfers")), [str(h) for h in header])
    for c in clusters:
        f = figs[c.id]
        segs = [f.segments[k] for k in SEGMENTS]

        def row(label, get: Callable[[Any], Any], c=c, segs=segs) -> None:
            table.rows.append([c.name, period.start, period.end, str(label), *[get(s) for s in segs]])

        row(_l("Aanvragen in de periode"), lambda s: s.requests)
        for state in f.all.requests_by_state:
            row(
                _l("waarvan %(s)s", s=status_label(state)), lambda s, st=state: s.requests_by_state.get(st, 0)
            )
        row(_l("Dagen tot het eerste voorstel (mediaan)"), lambda s: _round(s.median_days_to_proposal))
        row(_l("Dagen tot een vastgelegde datum (mediaan)"), lambda s: _round(s.median_days_to_scheduled))
        row(_l("Afgeronde activiteiten"), lambda s: s.completed)
        row(_l("Leerlingen bereikt"), lambda s: s.pupils)
        row(_l("Scholen actief"), lambda s: s.schools_active)
        row(_l("Scholen slapend"), lambda s: s.schools_dormant)
        row(_l("Aandeel scholen met een activiteit (%)"), lambda s: _round(_pct(s.share_with_activity)))
        table.rows.append(
            [c.name, period.start, period.end, str(_l("Bedrijven actief")), f.companies_active, None, None]
        )
        table.rows.append(
            [c.name, period.start, period.end, str(_l("Bedrijven slapend")), f.companies_dormant, None, None]
        )
    return table


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _pct(value: float | None) -> float | None:
    return None if value is None else 100 * value


def export_table(user: User, name: str, filters: queue.Filters, period: Period) -> Table:
    """The table of export ``name`` (one of ``EXPORTS``) as ``user`` may see it."""
    builders: dict[str, Callable[[], Table]] = {
        "requests": lambda: requests_table(user, filters),
        "offers": lambda: offers_table(user, filters),
        "waiting": lambda: waiting_table(user, filters),
        "queue": lambda: queue_table(user, filters),
        "members": lambda: members_table(user, filters),
        "figures": lambda: figures_table(user, filters, period),
    }
    if name not in builders:
        raise NotFound("Deze lijst bestaat niet.")
    return builders[name]()
