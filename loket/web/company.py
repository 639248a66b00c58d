"""Company pages: dashboard, offers (new, edit, pause, close) with capacity, requests in reach, matches."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.models.activities import OFF_OPEN
from loket.services import NotFound, PermissionDenied, ServiceError, StaleEdit, listing
from loket.services import offers as offer_service
from loket.web.forms.activities import ActionForm, OfferForm, ReasonForm, topic_suggestions

bp = Blueprint("company", __name__, url_prefix="/bedrijf")
IN_REACH = 20
# errors rendered as 403/404/409 pages by loket.web.errors, never as a flash
PASS_THROUGH = (StaleEdit, PermissionDenied, NotFound)


@bp.before_request
def _only_companies():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role != "company" or current_user.organisation_id is None:
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
    active = listing.company_offers(org_id, page=1, per_page=_per_page(), status="actief")
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
    page = listing.company_offers(org_id, page=_page(), per_page=_per_page(), status=status)
    return render_template("company/offers.html", page=page, status=status)


def _render_form(form, offer=None, code: int = 200):
    return (
        render_template("company/offer_form.html", form=form, offer=offer, topics=topic_suggestions()),
        code,
    )


@bp.route("/aanbod/nieuw", methods=["GET", "POST"])
def new_offer():
    form = OfferForm()
    if request.method == "GET":
        form.radius_km.data = 25
    if form.validate_on_submit():
        try:
            offer = offer_service.publish_offer(current_user, form.to_data())
        except PASS_THROUGH:
            raise
        except ServiceError as exc:
            _show_error(form, exc)
        else:
            flash(_("Je aanbod is gepubliceerd. Hieronder zie je aanvragen binnen bereik."), "success")
            return redirect(url_for("company.offer_detail", offer_id=offer.id))
    return _render_form(form, code=422 if form.is_submitted() else 200)


@bp.get("/aanbod/<int:offer_id>")
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


@bp.route("/aanbod/<int:offer_id>/wijzigen", methods=["GET", "POST"])
def edit_offer(offer_id: int):
    offer = offer_service.get_for_edit(current_user, offer_id)
    form = OfferForm(obj=offer if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = offer.version_id
    if form.validate_on_submit():
        try:
            offer_service.update_offer(
                current_user, offer.id, form.to_data(), version_id=form.version_id.data or None
            )
        except PASS_THROUGH:
            raise
        except ServiceError as exc:
            _show_error(form, exc)
        else:
            flash(_("Het aanbod is bijgewerkt."), "success")
            return redirect(url_for("company.offer_detail", offer_id=offer.id))
    return _render_form(form, offer, code=422 if form.is_submitted() else 200)


def _simple_action(offer_id: int, fn, message: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        fn(current_user, offer_id, version_id=form.version_id.data or None)
    except PASS_THROUGH:
        raise
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("company.offer_detail", offer_id=offer_id))


@bp.post("/aanbod/<int:offer_id>/pauzeren")
def pause_offer(offer_id: int):
    return _simple_action(offer_id, offer_service.pause_offer, _("Het aanbod is gepauzeerd."))


@bp.post("/aanbod/<int:offer_id>/hervatten")
def resume_offer(offer_id: int):
    return _simple_action(offer_id, offer_service.resume_offer, _("Het aanbod staat weer open."))


@bp.route("/aanbod/<int:offer_id>/sluiten", methods=["GET", "POST"])
def close_offer(offer_id: int):
    offer = offer_service.get_for_edit(current_user, offer_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version_id.data = offer.version_id
    if form.validate_on_submit():
        try:
            offer_service.close_offer(
                current_user, offer.id, reason=form.reason.data, version_id=form.version_id.data or None
            )
        except PASS_THROUGH:
            raise
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Het aanbod is gesloten."), "success")
            return redirect(url_for("company.offers"))
    return render_template("company/offer_close.html", offer=offer, form=form)


@bp.post("/aanbod/<int:offer_id>/voorstellen/<int:request_id>")
def propose(offer_id: int, request_id: int):
    """'Voorstellen': propose this offer to a request in reach (the cluster manager approves)."""
    from loket.services import matches as match_service

    offer = offer_service.get_for_edit(current_user, offer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    in_reach = listing.requests_in_reach(offer.id, IN_REACH * 5)
    found = next((c for c in in_reach if c.obj.id == request_id), None)
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
        match = match_service.propose(current_user, request_id, offer.id, source="company", **extra)
    except PASS_THROUGH:
        raise
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("company.offer_detail", offer_id=offer.id))
    flash(_("Voorgesteld. De clusterbeheerder bekijkt het voorstel; je krijgt bericht."), "success")
    if "matches.detail" in current_app.view_functions:
        return redirect(url_for("matches.detail", match_id=match.id))
    return redirect(url_for("company.offer_detail", offer_id=offer.id))


@bp.get("/koppelingen")
def matches():
    status = request.args.get("status") or None
    org_id = current_user.organisation_id
    page = listing.company_matches(org_id, page=_page(), per_page=_per_page(), status=status)
    return render_template("company/matches.html", page=page, status=status, waiting_on=listing.waiting_on)
