"""Cluster managers: the approval queue (approve, bulk approve, reject, re-route) and the overview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from loket import taxonomy
from loket.i18n import current_locale
from loket.services import brokering
from loket.services import matches as svc
from loket.services.matches import queue as queries
from loket.web import broker, manager_notes
from loket.web.forms.base import LoketForm
from loket.web.forms.reasons import reason_field
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import id_arg, id_list, page_arg, parse_int

bp = Blueprint("manager", __name__, url_prefix="/cluster")
AGES = (7, 14, 21, 30, 60)
SCORES = (50, 70, 90)  # "at least this fit" on the approval queue, percent
broker.register(bp)
manager_notes.register(bp)


class CsrfForm(LoketForm):
    version_id = HiddenField()


class RejectForm(LoketForm):
    reason = reason_field(_l("Reden van de afwijzing"))
    version_id = HiddenField()


class RerouteForm(LoketForm):
    offer_id = RadioField(
        _l("Ander aanbod"), validators=[InputRequired(message=_l("Kies een aanbod."))], choices=[]
    )
    reason = reason_field(_l("Reden van het omleiden"))


@bp.before_request
def _only_managers():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in ("cluster_manager", "admin"):
        abort(403)
    return None


def _page() -> int:
    return page_arg()


def _per_page() -> int:
    return int(current_app.config["LOKET_PAGE_SIZE"])


def filters_from_args() -> queries.Filters:
    """The list filters of the query string (cluster, activity, state, age, score); unknown values
    are ignored. The manager's pages and their exports (``loket.web.region_exports``) read them."""
    activity = request.args.get("activity") or None
    if activity not in taxonomy.activities().codes:
        activity = None
    age = parse_int(request.args.get("age"))
    score = parse_int(request.args.get("score"))
    return queries.Filters(
        cluster_id=id_arg("cluster"),
        activity=activity,
        status=request.args.get("status") or None,
        min_age_days=age if age in AGES else None,
        min_score=score if score in SCORES else None,
    )


WAITING_SHORT = {
    "clusterbeheerder": _l("clusterbeheerder"),
    "school": _l("school"),
    "bedrijf": _l("bedrijf"),
    "datum (school en bedrijf)": _l("datum (school en bedrijf)"),
}


def _waiting_label(match) -> str:
    raw = queries.waiting_on(match)
    return str(WAITING_SHORT.get(raw, raw))


def _filter_args(f: queries.Filters) -> dict:
    args = {
        "cluster": f.cluster_id,
        "activity": f.activity,
        "status": f.status,
        "age": f.min_age_days,
        "score": f.min_score,
    }
    return {k: v for k, v in args.items() if v is not None}


def _version(form) -> int | None:
    return parse_int(form.version_id.data)


@bp.get("/goedkeuren")
def queue():
    f = filters_from_args()
    page = queries.approval_queue(current_user, f, page=_page(), per_page=_per_page())
    return render_template(
        "manager/queue.html",
        page=page,
        filters=f,
        filter_args=_filter_args(f),
        clusters=queries.visible_clusters(current_user),
        activities=taxonomy.activities().choices(current_locale()),
        ages=AGES,
        scores=SCORES,
        form=CsrfForm(),
        follow_ups=brokering.due_follow_ups(current_user),
        done_form=manager_notes.DoneForm(),
    )


@bp.post("/goedkeuren")
def bulk_approve():
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    ids = id_list(request.form.getlist("match_ids"))
    if not ids:
        flash(_("Kies eerst een of meer voorstellen."), "error")
        return redirect(url_for("manager.queue"))
    approved, errors = svc.bulk_approve(current_user, ids)
    if approved:
        flash(
            ngettext("%(num)s voorstel goedgekeurd.", "%(num)s voorstellen goedgekeurd.", len(approved)),
            "success",
        )
    for match_id, message in errors.items():
        flash(_("Voorstel %(id)s: %(msg)s", id=match_id, msg=message), "error")
    return redirect(url_for("manager.queue"))


@bp.post("/koppelingen/<id:match_id>/goedkeuren")
def approve(match_id: int):
    queries.match_for(current_user, match_id)
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(lambda: svc.approve(current_user, match_id, version=_version(form))) is not FAILED:
        flash(_("Voorstel goedgekeurd."), "success")
    return redirect(
        request.form.get("back") == "detail"
        and url_for("matches.detail", match_id=match_id)
        or url_for("manager.queue")
    )


@bp.route("/koppelingen/<id:match_id>/afwijzen", methods=["GET", "POST"])
def reject(match_id: int):
    match = queries.match_for(current_user, match_id)
    form = RejectForm(version_id=match.version_id)
    status = 200
    if form.validate_on_submit():
        rejected = attempt(
            lambda: svc.reject(current_user, match_id, form.reason.data, version=_version(form)),
            form,
            field="reason",
        )
        if rejected is not FAILED:
            flash(_("Voorstel afgewezen."), "success")
            return redirect(url_for("manager.queue"))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template("manager/reject.html", match=match, form=form), status


@bp.route("/koppelingen/<id:match_id>/omleiden", methods=["GET", "POST"])
def reroute(match_id: int):
    match = queries.match_for(current_user, match_id)
    options = brokering.reroute_alternatives(current_user, match)
    form = RerouteForm()
    form.offer_id.choices = [SelectChoice(str(o.offer.id), o.offer.organisation.name) for o in options]
    status = 200
    if form.validate_on_submit():
        new = attempt(
            lambda: svc.reroute(current_user, match_id, int(form.offer_id.data), form.reason.data),
            form,
            field="offer_id",
        )
        if new is not FAILED:
            flash(_("Aanvraag omgeleid naar een ander aanbod en goedgekeurd."), "success")
            return redirect(url_for("matches.detail", match_id=new.id))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template("manager/reroute.html", match=match, form=form, options=options), status


@bp.get("/overzicht")
def overview():
    f = filters_from_args()
    view = request.args.get("view", "requests")
    if view not in queries.OVERVIEW_VIEWS:
        view = "requests"
    fn = {
        "requests": queries.open_requests,
        "offers": queries.offers_with_capacity,
        "waiting": queries.waiting_matches,
    }[view]
    page = fn(current_user, f, page=_page(), per_page=_per_page())
    return render_template(
        "manager/overview.html",
        view=view,
        page=page,
        filters=f,
        filter_args=_filter_args(f),
        clusters=queries.visible_clusters(current_user),
        activities=taxonomy.activities().choices(current_locale()),
        ages=AGES,
        waiting_on=_waiting_label,
    )
