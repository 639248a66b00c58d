"""School pages: dashboard, requests (new, edit, pause, cancel), suggested offers, matches."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.models.activities import REQ_OPEN
from loket.services import NotFound, PermissionDenied, ServiceError, StaleEdit, listing
from loket.services import requests as request_service
from loket.web.forms.activities import ActionForm, ReasonForm, RequestForm, topic_suggestions

bp = Blueprint("school", __name__, url_prefix="/school")
SUGGESTIONS = 10
# errors rendered as 403/404/409 pages by loket.web.errors, never as a flash
PASS_THROUGH = (StaleEdit, PermissionDenied, NotFound)


@bp.before_request
def _only_schools():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role != "school" or current_user.organisation_id is None:
        abort(403)
    return None


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _per_page() -> int:
    return int(current_app.config.get("LOKET_PAGE_SIZE", 25))


def _show_error(form, exc: ServiceError) -> None:
    if form is None or not form.set_service_error(exc):
        flash(exc.message, "error")


@bp.get("/")
def dashboard():
    org_id = current_user.organisation_id
    active = listing.school_requests(org_id, page=1, per_page=_per_page(), status="actief")
    return render_template(
        "school/dashboard.html",
        requests=active,
        matches_by_request=listing.matches_by_request([r.id for r in active.items]),
        request_counts=listing.request_counts(org_id),
        match_counts=listing.match_counts(org_id, "school"),
        open_matches=listing.open_matches(org_id, "school"),
        waiting_on=listing.waiting_on,
    )


@bp.get("/aanvragen")
def requests():
    status = request.args.get("status") or None
    org_id = current_user.organisation_id
    page = listing.school_requests(org_id, page=_page(), per_page=_per_page(), status=status)
    return render_template(
        "school/requests.html",
        page=page,
        status=status,
        matches_by_request=listing.matches_by_request([r.id for r in page.items]),
    )


def _render_form(form, req=None, code: int = 200):
    return (
        render_template("school/request_form.html", form=form, req=req, topics=topic_suggestions()),
        code,
    )


@bp.route("/aanvragen/nieuw", methods=["GET", "POST"])
def new_request():
    form = RequestForm()
    if request.method == "GET":
        form.max_travel_km.data = 25
    if form.validate_on_submit():
        try:
            req = request_service.create_request(current_user, form.to_data())
        except PASS_THROUGH:
            raise
        except ServiceError as exc:
            _show_error(form, exc)
        else:
            flash(_("Je aanvraag is geplaatst. Hieronder zie je de best passende aanbiedingen."), "success")
            return redirect(url_for("school.request_detail", request_id=req.id))
    return _render_form(form, code=422 if form.is_submitted() else 200)


@bp.get("/aanvragen/<int:request_id>")
def request_detail(request_id: int):
    req = request_service.get_for_edit(current_user, request_id)
    candidates = listing.suggested_offers(req.id, SUGGESTIONS) if req.status == REQ_OPEN else []
    return render_template(
        "school/request_detail.html",
        req=req,
        candidates=candidates,
        matches=listing.matches_by_request([req.id]).get(req.id, []),
        action_form=ActionForm(version_id=req.version_id),
    )


@bp.route("/aanvragen/<int:request_id>/wijzigen", methods=["GET", "POST"])
def edit_request(request_id: int):
    req = request_service.get_for_edit(current_user, request_id)
    form = RequestForm(obj=req if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = req.version_id
    if form.validate_on_submit():
        try:
            request_service.update_request(
                current_user, req.id, form.to_data(), version_id=form.version_id.data or None
            )
        except PASS_THROUGH:
            raise
        except ServiceError as exc:
            _show_error(form, exc)
        else:
            flash(_("De aanvraag is bijgewerkt."), "success")
            return redirect(url_for("school.request_detail", request_id=req.id))
    return _render_form(form, req, code=422 if form.is_submitted() else 200)


def _simple_action(request_id: int, fn, message: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        fn(current_user, request_id, version_id=form.version_id.data or None)
    except PASS_THROUGH:
        raise
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("school.request_detail", request_id=request_id))


@bp.post("/aanvragen/<int:request_id>/pauzeren")
def pause_request(request_id: int):
    return _simple_action(request_id, request_service.pause_request, _("De aanvraag is gepauzeerd."))


@bp.post("/aanvragen/<int:request_id>/hervatten")
def resume_request(request_id: int):
    return _simple_action(request_id, request_service.resume_request, _("De aanvraag staat weer open."))


@bp.route("/aanvragen/<int:request_id>/annuleren", methods=["GET", "POST"])
def cancel_request(request_id: int):
    req = request_service.get_for_edit(current_user, request_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version_id.data = req.version_id
    if form.validate_on_submit():
        try:
            request_service.cancel_request(
                current_user, req.id, reason=form.reason.data, version_id=form.version_id.data or None
            )
        except PASS_THROUGH:
            raise
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("De aanvraag is geannuleerd."), "success")
            return redirect(url_for("school.requests"))
    return render_template("school/request_cancel.html", req=req, form=form)


@bp.post("/aanvragen/<int:request_id>/aanvragen/<int:offer_id>")
def ask_offer(request_id: int, offer_id: int):
    """'Aanvragen': propose this suggested offer for the request (the cluster manager approves)."""
    from loket.services import matches as match_service

    req = request_service.get_for_edit(current_user, request_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    found = next((c for c in listing.suggested_offers(req.id, SUGGESTIONS * 5) if c.obj.id == offer_id), None)
    extra = {}
    if found is not None:
        extra = dict(
            score=found.score,
            breakdown=found.contributions,
            reasons=found.reasons,
            distance_km=found.distance_km,
            mode=found.mode,
        )
    try:
        match = match_service.propose(current_user, req.id, offer_id, source="school", **extra)
    except PASS_THROUGH:
        raise
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("school.request_detail", request_id=req.id))
    flash(_("Aangevraagd. De clusterbeheerder bekijkt je aanvraag; je krijgt bericht."), "success")
    if "matches.detail" in current_app.view_functions:
        return redirect(url_for("matches.detail", match_id=match.id))
    return redirect(url_for("school.request_detail", request_id=req.id))


@bp.get("/koppelingen")
def matches():
    status = request.args.get("status") or None
    org_id = current_user.organisation_id
    page = listing.school_matches(org_id, page=_page(), per_page=_per_page(), status=status)
    return render_template("school/matches.html", page=page, status=status, waiting_on=listing.waiting_on)
