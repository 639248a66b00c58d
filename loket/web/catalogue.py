"""The catalogue pages: schools browse open offers (``/school/aanbod``) and ask for one in one step
(``/school/aanbod/<id>/aanvragen``); companies browse open requests in reach
(``/bedrijf/aanvragen-zoeken``). Registered on the school and company blueprints, which already
admit only their own role."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket import taxonomy
from loket.i18n import current_locale
from loket.services.catalogue import ask, offers, requests
from loket.services.catalogue.query import DISTANCES
from loket.web.forms.activities import ActionForm
from loket.web.forms.catalogue import AskForm, filter_args, filters_from_args
from loket.web.forms.service_call import FAILED, attempt


def _per_page() -> int:
    return int(current_app.config["LOKET_PAGE_SIZE"])


def _choices() -> dict:
    loc = current_locale()
    return {
        "activities": taxonomy.activities().choices(loc),
        "sectors": taxonomy.sectors().choices(loc),
        "levels": taxonomy.levels().choices(loc),
        "distances": DISTANCES,
    }


def catalogue():
    """Open offers with places left, for the school: filters, search, fit or distance."""
    f = filters_from_args()
    page = offers.offers_for_school(current_user, f, per_page=_per_page())
    return render_template(
        "catalogue/offers.html", page=page, f=f, args=filter_args(f), action_form=ActionForm(), **_choices()
    )


def ask_offer(offer_id: int):
    """The short form that creates the request and the proposal in one step."""
    offer = attempt(lambda: ask.offer_to_ask(current_user, offer_id))  # full: flashed
    if offer is FAILED:
        return redirect(url_for("details.offer", offer_id=offer_id))
    form = AskForm()
    if not form.is_submitted():
        form.prefill(offer, current_user.organisation)
    elif form.validate():
        match = attempt(lambda: ask.ask_for_offer(current_user, offer_id, form.to_data()), form)
        if match is not FAILED:
            flash(_("Aangevraagd. De clusterbeheerder bekijkt je aanvraag; je krijgt bericht."), "success")
            return redirect(url_for("matches.detail", match_id=match.id))
    code = 422 if form.is_submitted() else 200
    return render_template("catalogue/ask.html", form=form, offer=offer), code


def find_requests():
    """Open requests in reach of the company, with the same filters and search."""
    f = filters_from_args()
    page = requests.requests_for_company(current_user, f, per_page=_per_page())
    return render_template("catalogue/requests.html", page=page, f=f, args=filter_args(f), **_choices())


def register_school(bp: Blueprint) -> None:
    bp.add_url_rule("/aanbod", "catalogue", catalogue, methods=["GET"])
    bp.add_url_rule(
        "/aanbod/<id:offer_id>/aanvragen", "ask_offer_from_catalogue", ask_offer, methods=["GET", "POST"]
    )


def register_company(bp: Blueprint) -> None:
    bp.add_url_rule("/aanvragen-zoeken", "find_requests", find_requests, methods=["GET"])
