"""Career days on the web: the manager's grid, the public programme and a school's programme
(page and CSV). Thin: the service checks who may read what and gathers the rows."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from loket import taxonomy
from loket.exports import FORMATS, spreadsheet
from loket.services.events import pages
from loket.web.forms.choices import current_locale

bp = Blueprint("events", __name__, url_prefix="/loopbaandagen")


def _login_required() -> Response | None:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.get("/<id:event_id>")
def public(event_id: int):
    """The published programme: per round the sessions present (no login, no schools named)."""
    event, programme = pages.public_programme(event_id)
    return render_template("events/public.html", event=event, programme=programme)


@bp.get("/<id:event_id>/beheer")
def manage(event_id: int):
    """The manager's page: the event and, once planned, sessions x rounds with fill rates."""
    if (refused := _login_required()) is not None:
        return refused
    grid = pages.manager_grid(current_user, event_id)
    return render_template("events/manage.html", grid=grid, event=grid.event)


@bp.get("/<id:event_id>/programma")
def school_programme(event_id: int):
    """A school's programme per group."""
    if (refused := _login_required()) is not None:
        return refused
    event, programmes = pages.school_programme(current_user, event_id)
    return render_template("events/school.html", event=event, programmes=programmes)


@bp.get("/<id:event_id>/programma.csv")
def school_programme_csv(event_id: int):
    """The same programme as a CSV file: one line per group and round."""
    if (refused := _login_required()) is not None:
        return refused
    event, programmes = pages.school_programme(current_user, event_id)
    locale = current_locale()
    header = [
        _("Klas"),
        _("Niveau"),
        _("Leerlingen"),
        _("Datum"),
        _("Begin"),
        _("Einde"),
        _("Bedrijf"),
        _("Sessie"),
        _("Sector"),
    ]
    rows = [
        [
            p.group.class_name,
            taxonomy.levels().label(p.group.level, locale),
            p.group.pupils,
            r.day.isoformat(),
            f"{r.starts_at:%H:%M}",
            f"{r.ends_at:%H:%M}",
            s.organisation.name if s else "",
            s.title if s else _("nog niet ingedeeld"),
            taxonomy.sectors().label(s.sector, locale) if s else "",
        ]
        for p in programmes
        for r, s in p.visits
    ]
    return Response(
        spreadsheet("csv", _("Programma"), header, rows),
        mimetype=FORMATS["csv"],
        headers={"Content-Disposition": f'attachment; filename="loopbaandag-{event.id}-programma.csv"'},
    )
