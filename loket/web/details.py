"""Detail pages of offers and requests for everyone who may read them (the catalogue, suggestion
cards, lists and emails link here): ``/aanbod/<id>`` and ``/aanvragen/<id>``.

Who may read what is ``loket.services.catalogue.details`` (any school an open offer, any company an
open request, owners, their managers and the other side of a match always; otherwise 404).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from loket.services.catalogue import details

bp = Blueprint("details", __name__)


@bp.before_request
def _login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.get("/aanbod/<id:offer_id>")
def offer(offer_id: int):
    found = details.offer_details(current_user, offer_id)
    return render_template("catalogue/offer.html", d=found, offer=found.obj)


@bp.get("/aanvragen/<id:request_id>")
def request_page(request_id: int):
    found = details.request_details(current_user, request_id)
    return render_template("catalogue/request.html", d=found, req=found.obj)
