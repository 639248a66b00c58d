"""School pages: dashboard, requests (new, edit, pause, cancel), suggested offers, matches."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.models.activities import REQ_OPEN
from loket.services import listing
from loket.services import requests as request_service
from loket.web import activity_views as views
from loket.web.activity_views import FAILED
from loket.web.forms.activities import ActionForm, ReasonForm, RequestForm, topic_suggestions

bp = Blueprint("school", __name__, url_prefix="/school")
SUGGESTIONS = 10


@bp.before_request
def _only_schools():
    return views.only_role("school")


@bp.get("/")
def dashboard():
    org_id = current_user.organisation_id
    active = listing.school_requests(org_id, page=1, per_page=views.per_page(), status="actief")
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
    page = listing.school_requests(org_id, page=views.page_number(), per_page=views.per_page(), status=status)
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


def _detail_url(request_id: int) -> str:
    return url_for("school.request_detail", request_id=request_id)


@bp.route("/aanvragen/nieuw", methods=["GET", "POST"])
def new_request():
    form = RequestForm()
    if request.method == "GET":
        form.max_travel_km.data = 25
    if form.validate_on_submit():
        req = views.attempt(lambda: request_service.create_request(current_user, form.to_data()), form)
        if req is not FAILED:
            flash(_("Je aanvraag is geplaatst. Hieronder zie je de best passende aanbiedingen."), "success")
            return redirect(_detail_url(req.id))
    return _render_form(form, code=422 if form.is_submitted() else 200)


@bp.get("/aanvragen/<id:request_id>")
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


@bp.route("/aanvragen/<id:request_id>/wijzigen", methods=["GET", "POST"])
def edit_request(request_id: int):
    req = request_service.get_for_edit(current_user, request_id)
    form = RequestForm(obj=req if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = req.version_id
    if form.validate_on_submit():
        version_id = form.version_id.data or None
        saved = views.attempt(
            lambda: request_service.update_request(
                current_user, req.id, form.to_data(), version_id=version_id
            ),
            form,
        )
        if saved is not FAILED:
            flash(_("De aanvraag is bijgewerkt."), "success")
            return redirect(_detail_url(req.id))
    return _render_form(form, req, code=422 if form.is_submitted() else 200)


@bp.post("/aanvragen/<id:request_id>/pauzeren")
def pause_request(request_id: int):
    message = _("De aanvraag is gepauzeerd.")
    return views.simple_action(request_service.pause_request, request_id, message, _detail_url(request_id))


@bp.post("/aanvragen/<id:request_id>/hervatten")
def resume_request(request_id: int):
    message = _("De aanvraag staat weer open.")
    return views.simple_action(request_service.resume_request, request_id, message, _detail_url(request_id))


@bp.route("/aanvragen/<id:request_id>/annuleren", methods=["GET", "POST"])
def cancel_request(request_id: int):
    req = request_service.get_for_edit(current_user, request_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version_id.data = req.version_id
    if form.validate_on_submit():
        version_id = form.version_id.data or None
        done = views.attempt(
            lambda: request_service.cancel_request(
                current_user, req.id, reason=form.reason.data, version_id=version_id
            )
        )
        if done is not FAILED:
            flash(_("De aanvraag is geannuleerd."), "success")
            return redirect(url_for("school.requests"))
    return render_template("school/request_cancel.html", req=req, form=form)


@bp.post("/aanvragen/<id:request_id>/aanvragen/<id:offer_id>")
def ask_offer(request_id: int, offer_id: int):
    """'Aanvragen': propose this suggested offer for the request (the cluster manager approves)."""
    from loket.services import matches as match_service

    req = request_service.get_for_edit(current_user, request_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    extra = views.candidate_details(listing.suggested_offers(req.id, SUGGESTIONS * 5), offer_id)
    match = views.attempt(
        lambda: match_service.propose(current_user, req.id, offer_id, source="school", **extra)
    )
    if match is FAILED:
        return redirect(_detail_url(req.id))
    flash(_("Aangevraagd. De clusterbeheerder bekijkt je aanvraag; je krijgt bericht."), "success")
    if "matches.detail" in current_app.view_functions:
        return redirect(url_for("matches.detail", match_id=match.id))
    return redirect(_detail_url(req.id))


@bp.get("/koppelingen")
def matches():
    status = request.args.get("status") or None
    org_id = current_user.organisation_id
    page = listing.school_matches(org_id, page=views.page_number(), per_page=views.per_page(), status=status)
    return render_template("school/matches.html", page=page, status=status, waiting_on=listing.waiting_on)
