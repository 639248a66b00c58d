"""Career days on the web: the manager's grid, the public programme and a school's programme
(page and CSV). Thin: the service checks who may read what and gathers the rows."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from loket import taxonomy
from loket.exports import FORMATS, spreadsheet
from loket.i18n import current_locale
from loket.services import events as svc
from loket.services.events import pages
from loket.web.forms.base import LoketForm
from loket.web.forms.service_call import FAILED, attempt

bp = Blueprint("events", __name__, url_prefix="/loopbaandagen")


class PublishForm(LoketForm):
    """Publish or withdraw the public page (only the CSRF token; the route says which)."""


@bp.get("/<id:event_id>")
def public(event_id: int):
    """The published programme: per round the sessions present (no login, no schools named)."""
    event, programme = pages.public_programme(event_id)
    return render_template("events/public.html", event=event, programme=programme)


@bp.get("/<id:event_id>/beheer")
@login_required
def manage(event_id: int):
    """The manager's page: the event and, once planned, sessions x rounds with fill rates."""
    grid = pages.manager_grid(current_user, event_id)
    return render_template("events/manage.html", grid=grid, event=grid.event, publish_form=PublishForm())


@bp.post("/<id:event_id>/publiceren")
@login_required
def publish(event_id: int):
    """Publish the event's public page (``?uit=1`` withdraws it)."""
    form = PublishForm()
    if form.validate_on_submit():
        on = request.args.get("uit") != "1"
        if attempt(lambda: svc.set_published(current_user, event_id, on)) is not FAILED:
            flash(
                _("De openbare pagina is gepubliceerd.")
                if on
                else _("De openbare pagina is offline gehaald.")
            )
    return redirect(url_for("events.manage", event_id=event_id))


@bp.get("/<id:event_id>/programma")
@login_required
def school_programme(event_id: int):
    """A school's programme per group."""
    event, programmes = pages.school_programme(current_user, event_id)
    return render_template("events/school.html", event=event, programmes=programmes)


@bp.get("/<id:event_id>/programma.csv")
@login_required
def school_programme_csv(event_id: int):
    """The same programme as a CSV file: one line per group and round."""
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
