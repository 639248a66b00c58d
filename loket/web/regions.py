"""Cluster managers' home: per-cluster dashboard with a chart by month, and the offline cluster map."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from loket.services import regions
from loket.svg import MapPoint, MapSpec, area_for, bar_chart, map_svg

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
    visible = regions.visible_clusters(current_user)
    cluster_id = request.args.get("cluster", type=int)
    if cluster_id is not None:
        return visible, [regions.cluster_for_view(current_user, cluster_id)]
    return visible, None


@bp.get("/")
def dashboard():
    visible, chosen = _selection()
    if chosen is None:
        chosen = visible if not current_user.is_admin else visible[:1]
    sections = []
    for cluster in chosen:
        fig = regions.cluster_figures(cluster.id)
        chart = bar_chart(
            [m.label.split()[0] for m in fig.months],
            [m.completed for m in fig.months],
            title=_(
                "Afgeronde activiteiten per maand, %(c)s, schooljaar %(y)s", c=cluster.name, y=fig.school_year
            ),
            desc=_("Staafdiagram; dezelfde cijfers staan in de tabel eronder."),
            css_class=f"chart-{cluster.id}",
        )
        sections.append({"cluster": cluster, "fig": fig, "chart": chart})
    return render_template(
        "regions/dashboard.html",
        visible=visible,
        sections=sections,
        selected=chosen[0].id if len(chosen) == 1 else None,
    )


@bp.get("/kaart")
def map():  # noqa: A001 (endpoint name regions.map)
    visible, chosen = _selection()
    shown = chosen if chosen is not None else visible
    data = regions.map_data(shown)
    members: dict[int, list[tuple[float, float]]] = {c.id: [] for c in shown}
    for p in data.organisations:
        members.setdefault(p.cluster_id or 0, []).append((p.lat, p.lon))
    areas = [area_for(c.name, members.get(c.id, []), index=i) for i, c in enumerate(shown)]
    points: list[MapPoint] = []
    if not data.too_many:
        points += [MapPoint(p.lat, p.lon, p.kind, p.name) for p in data.organisations]
        points += [MapPoint(r.lat, r.lon, "request", r.label) for r in data.requests]
    counts = data.counts()
    totals = {
        "school": sum(c["school"] for c in counts.values()),
        "company": sum(c["company"] for c in counts.values()),
        "request": sum(c["request"] for c in counts.values()),
    }
    legend = [
        ("school", _("School")),
        ("company", _("Bedrijf")),
        ("request", _("Aanvraag zonder koppeling")),
        ("area", _("Clustergebied")),
    ]
    title = (
        _("Kaart van %(c)s", c=shown[0].name)
        if len(shown) == 1
        else _("Kaart van %(n)s clusters", n=len(shown))
    )
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
            tile_url=current_app.config.get("LOKET_TILE_URL") or None,
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
        selected=chosen[0].id if chosen else None,
        title=title,
    )
