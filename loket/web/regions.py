"""Cluster managers' home: per-cluster dashboard with a chart by month, and the offline cluster map."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.i18n import current_locale
from loket.services.clusters import dashboards, period, regionmap, scope
from loket.services.events.figures import event_figures
from loket.svg import bar_chart
from loket.svgmap import AREA_COLOURS, MapPoint, MapSpec, area_for, map_svg
from loket.web import region_events, region_exports, region_period
from loket.web.inputs import id_arg

bp = Blueprint("regions", __name__, url_prefix="/regio")


@bp.before_request
def _only_managers_and_admins():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in ("cluster_manager", "admin"):
        abort(403)
    return None


def _selection():
    """(all visible clusters, the clusters to show); ``?cluster=ID`` must be one the user may see."""
    visible = scope.visible_clusters(current_user)
    cluster_id = id_arg("cluster")
    if cluster_id is not None:
        return visible, [scope.cluster_for_view(current_user, cluster_id)]
    return visible, None


MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month_label(month, *, year: bool = True) -> str:
    """'okt 2026' in Dutch, 'Oct 2026' in English (the service gives Dutch labels only)."""
    names = MONTHS_EN if current_locale() == "en" else dashboards.MONTHS_NL
    name = names[month.month - 1]
    return f"{name} {month.year}" if year else name


def _chart(cluster, fig):
    values = [m.completed for m in fig.months]
    busiest = max(fig.months, key=lambda m: m.completed) if any(values) else None
    summary = (
        _(
            "%(n)s activiteiten afgerond dit schooljaar; de drukste maand was %(m)s met %(k)s.",
            n=fig.completed_this_year,
            m=month_label(busiest.month),
            k=busiest.completed,
        )
        if busiest
        else _("Nog geen afgeronde activiteiten dit schooljaar.")
    )
    return bar_chart(
        [month_label(m.month, year=False) for m in fig.months],
        values,
        title=_(
            "Afgeronde activiteiten per maand, %(c)s, schooljaar %(y)s", c=cluster.name, y=fig.school_year
        ),
        desc=summary + " " + _("De tabel onder de grafiek geeft de cijfers per maand."),
        css_class=f"chart-{cluster.id}",
        y_label=_("activiteiten"),
        empty_text=_("Nog geen afgeronde activiteiten dit schooljaar"),
    )


@bp.get("/")
def dashboard():
    visible, chosen = _selection()
    many = chosen is None and len(visible) > 1  # one overview row per cluster
    if chosen is None:
        # admins see only the rows until they pick a cluster
        chosen = [] if current_user.is_admin and many else visible
    needed = {c.id for c in chosen} | ({c.id for c in visible} if many else set())
    figures = dashboards.clusters_figures(sorted(needed))  # a few statements, whatever the clusters
    overview = [(c, figures[c.id]) for c in visible] if many else []
    period_form, chosen_period, _valid = region_period.chosen_period()
    in_period = period.period_figures([c.id for c in chosen], chosen_period)
    career_days = event_figures([c.id for c in chosen], chosen_period)  # one statement
    sections = [
        {
            "cluster": c,
            "fig": figures[c.id],
            "chart": _chart(c, figures[c.id]),
            "period": in_period[c.id],
            "period_chart": region_period.period_chart(c.name, in_period[c.id]),
            "events": career_days[c.id],
            "events_chart": region_events.world_chart(c.id, c.name, career_days[c.id], chosen_period),
        }
        for c in chosen
    ]
    return render_template(
        "regions/dashboard.html",
        period_form=period_form,
        period=chosen_period,
        period_args=region_period.period_args(chosen_period),
        days=region_period.days,
        share=region_period.share,
        visible=visible,
        sections=sections,
        overview=overview,
        month_label=month_label,
        selected=chosen[0].id if len(chosen) == 1 else None,
    )


@bp.get("/kaart")
def map():  # noqa: A001 (endpoint name regions.map)
    visible, chosen = _selection()
    shown = chosen if chosen is not None else visible
    data = regionmap.map_data(shown)
    members: dict[int, list[tuple[float, float]]] = {c.id: [] for c in shown}
    for p in data.organisations:
        members.setdefault(p.cluster_id or 0, []).append((p.lat, p.lon))
    areas = [area_for(c.name, members.get(c.id, []), index=i) for i, c in enumerate(shown)]
    points: list[MapPoint] = []
    kind_names = {"school": _("School"), "company": _("Bedrijf")}
    if not data.too_many:
        points += [
            MapPoint(
                p.lat,
                p.lon,
                p.kind,
                f"{kind_names.get(p.kind, p.kind)}: {p.name}",
                url_for("regions.organisation", org_id=p.org_id),
            )
            for p in data.organisations
        ]
        points += [
            MapPoint(
                r.lat,
                r.lon,
                "request",
                _("Aanvraag zonder koppeling: %(l)s", l=r.label),
                url_for("regions.organisation", org_id=r.org_id, _anchor=f"request-{r.request_id}"),
            )
            for r in data.requests
        ]
    counts = data.counts()
    totals = {
        "school": sum(c["school"] for c in counts.values()),
        "company": sum(c["company"] for c in counts.values()),
        "request": sum(c["request"] for c in counts.values()),
    }
    legend = [
        ("school", _("School (%(n)s)", n=totals["school"])),
        ("company", _("Bedrijf (%(n)s)", n=totals["company"])),
        ("request", _("Aanvraag zonder koppeling (%(n)s)", n=totals["request"])),
        ("area", _("Clustergebied (eigen kleur per cluster)") if len(shown) > 1 else _("Clustergebied")),
    ]
    if data.too_many:
        legend = legend[3:]
    if not shown:
        title = _("Kaart")
    elif len(shown) == 1:
        title = _("Kaart van %(c)s", c=shown[0].name)
    else:
        title = _("Kaart van %(n)s clusters", n=len(shown))
    svg = map_svg(
        MapSpec(
            title=title,
            desc=_(
                "%(s)s scholen, %(b)s bedrijven en %(r)s aanvragen zonder koppeling; de tabel eronder geeft "
                "dezelfde aantallen per cluster.",
                s=totals["school"],
                b=totals["company"],
                r=totals["request"],
            ),
            points=points,
            areas=areas,
            legend=legend,
            tile_url=current_app.config["LOKET_TILE_URL"] or None,
        )
    )
    return render_template(
        "regions/map.html",
        visible=visible,
        shown=shown,
        svg=svg,
        counts=counts,
        totals=totals,
        too_many=data.too_many,
        points=points,
        selected=chosen[0].id if chosen else None,
        title=title,
        colours={c.id: AREA_COLOURS[i % len(AREA_COLOURS)] for i, c in enumerate(shown)},
    )


@bp.get("/organisatie/<id:org_id>")
def organisation(org_id: int):
    """The organisation behind a map marker: where it is, its cluster and its open requests."""
    org, requests = scope.organisation_for_view(current_user, org_id)
    return render_template("regions/organisation.html", org=org, requests=requests)


region_exports.register(bp)
