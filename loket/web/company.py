"""Company pages: dashboard, offers (new, edit, pause, close) with capacity, requests in reach, matches."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.models.activities import OFF_OPEN
from loket.services import listing
from loket.services import offers as offer_service
from loket.web import activity_views as views
from loket.web.activity_views import FAILED
from loket.web.forms.activities import ActionForm, OfferForm, ReasonForm, topic_suggestions

bp = Blueprint("company", __name__, url_prefix="/bedrijf")
IN_REACH = 20


@bp.before_request
def _only_companies():
    return views.only_role("company")


@bp.get("/")
def dashboard():
    org_id = current_user.organisation_id
    active = listing.company_offers(org_id, page=1, per_page=views.per_page(), status="actief")
    return render_template(
        "company/dashboard.html",
        offers=active,
        offer_counts=listing.offer_counts(org_id),
        match_counts=listing.match_counts(org_id, "company"),
        open_matches=listing.open_matches(org_id, "company"),
        waiting_on=listing.waiting_on,
    )


@bp.get("/aanbod")
def offers():
    status = request.args.get("status") or None
    org_id = current_user.organisation_id
    page = listing.company_offers(org_id, page=views.page_number(), per_page=views.per_page(), status=status)
    return render_template("company/offers.html", page=page, status=status)


def _render_form(form, offer=None, code: int = 200):
    return (
        render_template("company/offer_form.html", form=form, offer=offer, topics=topic_suggestions()),
        code,
    )


def _detail_url(offer_id: int) -> str:
    return url_for("company.offer_detail", offer_id=offer_id)


@bp.route("/aanbod/nieuw", methods=["GET", "POST"])
def new_offer():
    form = OfferForm()
    if request.method == "GET":
        form.radius_km.data = 25
    if form.validate_on_submit():
        offer = views.attempt(lambda: offer_service.publish_offer(current_user, form.to_data()), form)
        if offer is not FAILED:
            flash(_("Je aanbod is gepubliceerd. Hieronder zie je aanvragen binnen bereik."), "success")
            return redirect(_detail_url(offer.id))
    return _render_form(form, code=422 if form.is_submitted() else 200)


@bp.get("/aanbod/<id:offer_id>")
def offer_detail(offer_id: int):
    offer = offer_service.get_for_edit(current_user, offer_id)
    matchable = offer.status == OFF_OPEN and offer.capacity_left > 0
    candidates = listing.requests_in_reach(offer.id, IN_REACH) if matchable else []
    return render_template(
        "company/offer_detail.html",
        offer=offer,
        candidates=candidates,
        matches=listing.matches_by_offer([offer.id]).get(offer.id, []),
        action_form=ActionForm(version_id=offer.version_id),
    )


@bp.route("/aanbod/<id:offer_id>/wijzigen", methods=["GET", "POST"])
def edit_offer(offer_id: int):
    offer = offer_service.get_for_edit(current_user, offer_id)
    form = OfferForm(obj=offer if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = offer.version_id
    if form.validate_on_submit():
        version_id = form.version_id.data or None
        saved = views.attempt(
            lambda: offer_service.update_offer(current_user, offer.id, form.to_data(), version_id=version_id),
            form,
        )
        if saved is not FAILED:
            flash(_("Het aanbod is bijgewerkt."), "success")
            return redirect(_detail_url(offer.id))
    return _render_form(form, offer, code=422 if form.is_submitted() else 200)


@bp.post("/aanbod/<id:offer_id>/pauzeren")
def pause_offer(offer_id: int):
    message = _("Het aanbod is gepauzeerd.")
    return views.simple_action(offer_service.pause_offer, offer_id, message, _detail_url(offer_id))


@bp.post("/aanbod/<id:offer_id>/hervatten")
def resume_offer(offer_id: int):
    message = _("Het aanbod staat weer open.")
    return views.simple_action(offer_service.resume_offer, offer_id, message, _detail_url(offer_id))


@bp.route("/aanbod/<id:offer_id>/sluiten", methods=["GET", "POST"])
def close_offer(offer_id: int):
    offer = offer_service.get_for_edit(current_user, offer_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version_id.data = offer.version_id
    if form.validate_on_submit():
        version_id = form.version_id.data or None
        done = views.attempt(
            lambda: offer_service.close_offer(
                current_user, offer.id, reason=form.reason.data, version_id=version_id
            )
        )
        if done is not FAILED:
            flash(_("Het aanbod is gesloten."), "success")
            return redirect(url_for("company.offers"))
    return render_template("company/offer_close.html", offer=offer, form=form)


@bp.post("/aanbod/<id:offer_id>/voorstellen/<id:request_id>")
def propose(offer_id: int, request_id: int):
    """'Voorstellen': propose this offer to a request in reach (the cluster manager approves)."""
    from loket.services import matches as match_service

    offer = offer_service.get_for_edit(current_user, offer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    extra = views.candidate_details(listing.requests_in_reach(offer.id, IN_REACH * 5), request_id)
    match = views.attempt(
        lambda: match_service.propose(current_user, request_id, offer.id, source="company", **extra)
    )
    if match is FAILED:
        return redirect(_detail_url(offer.id))
    flash(_("Voorgesteld. De clusterbeheerder bekijkt het voorstel; je krijgt bericht."), "success")
    if "matches.detail" in current_app.view_functions:
        return redirect(url_for("matches.detail", match_id=match.id))
    return redirect(_detail_url(offer.id))


@bp.get("/koppelingen")
def matches():
    status = request.args.get("status") or None
    org_id = current_user.organisation_id
    page = listing.company_matches(org_id, page=views.page_number(), per_page=views.per_page(), status=status)
    return render_template("company/matches.html", page=page, status=status, waiting_on=listing.waiting_on)
