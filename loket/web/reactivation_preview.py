"""Routes of ``reactivation``: the rendered message of a run's sample recipient (HTML and text, to
open beside the start page) and the run report as CSV."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user

from loket.exports import FORMATS, spreadsheet
from loket.services.reactivation.preview import preview_run
from loket.services.reactivation.report import RunReport
from loket.web.forms.service_call import FAILED, attempt

# the preview is someone else's mail: no scripts, no forms, nothing loaded from elsewhere
PREVIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def report_csv(run_id: int, rep: RunReport) -> Response:
    """The run report as CSV: the total and one row per cluster."""
    header = [
        _("Cluster"),
        _("Geselecteerd"),
        _("Verstuurd"),
        _("Mislukt"),
        _("Gebounced"),
        _("Heractiveerd ≤ 7 dagen"),
        _("Heractiveerd ≤ 30 dagen"),
        _("Afgemeld"),
    ]

    def cells(name: str, c) -> list:
        return [
            name,
            c.selected,
            c.sent,
            c.failed,
            c.bounced,
            c.reactivated_7,
            c.reactivated_30,
            c.unsubscribed,
        ]

    rows = [cells(_("Totaal"), rep.totals)] + [cells(name, c) for name, c in rep.clusters]
    return Response(
        spreadsheet("csv", _("Rapport"), header, rows),
        mimetype=FORMATS["csv"],
        headers={"Content-Disposition": f'attachment; filename="loket-ronde-{run_id}.csv"'},
    )


def register(bp: Blueprint, form_class: type, scope_of: Callable, staff_required: Callable) -> None:
    """Add the message preview (``/heractivering/voorbeeld.html`` and ``.txt``) to ``bp``."""

    @staff_required
    def message_preview(fmt: str) -> Response:
        if fmt not in ("html", "txt"):
            abort(404)
        form = form_class(formdata=request.args, meta={"csrf": False})
        form.cluster_id.validate_choice = False  # the service checks who may preview which cluster
        if not form.validate():
            abort(400)
        preview = attempt(lambda: preview_run(current_user, scope_of(form)))
        if preview is FAILED or preview.message is None:
            abort(404)
        if fmt == "txt":
            return Response(preview.message.body_text, mimetype="text/plain")
        resp = Response(preview.message.body_html, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = PREVIEW_CSP
        return resp

    bp.add_url_rule("/heractivering/voorbeeld.<fmt>", "message_preview", message_preview, methods=["GET"])
