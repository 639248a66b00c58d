"""The manager's broker pages (routes of the ``manager`` blueprint): candidates and near misses for a
request or for an offer with places left, widening the search, proposing on the school's behalf, and
contacting a party (a match's thread or a logged email)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from loket.models.conversation import MESSAGE_MAX
from loket.services import brokering
from loket.web.forms.base import LoketForm
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import in_id_range, parse_int
from loket.web.manager_notes import NoteForm


class PickForm(LoketForm):
    """Propose one candidate (the other side's id)."""

    other_id = HiddenField()


class ContactForm(LoketForm):
    """A message to the school or company of a candidate or of the row itself."""

    org_id = HiddenField()
    body = TextAreaField(
        _l("Bericht"),
        validators=[InputRequired(_l("Schrijf eerst een bericht.")), Length(max=MESSAGE_MAX)],
    )


def _widen() -> brokering.Widen:
    km = parse_int(request.args.get("km"))
    return brokering.Widen(
        extra_km=km if km in brokering.WIDEN_KM else 0,
        related=request.args.get("related") == "1",
        online=request.args.get("online") == "1",
    )


def _widen_args(w: brokering.Widen) -> dict:
    args = {
        "km": w.extra_km or None,
        "related": "1" if w.related else None,
        "online": "1" if w.online else None,
    }
    return {k: v for k, v in args.items() if v is not None}


def _page(kind: str, found: brokering.Brokerage):
    owner = found.owner
    notes = brokering.notes_for(current_user, "request", owner.id) if kind == "request" else []
    org_notes = brokering.notes_for(current_user, "organisation", owner.organisation_id)
    return render_template(
        "manager/broker.html",
        kind=kind,
        is_req=kind == "request",
        found=found,
        owner=owner,
        widen_km=brokering.WIDEN_KM,
        widen_args=_widen_args(found.widen),
        pick_form=PickForm(),
        contact_form=ContactForm(),
        note_form=NoteForm(
            object_type="request" if kind == "request" else "organisation",
            object_id=owner.id if kind == "request" else owner.organisation_id,
        ),
        notes=notes,
        org_notes=org_notes,
    )


def broker_request(request_id: int):
    """Offers for a request: stored suggestions, live candidates and near misses with why not."""
    return _page("request", brokering.broker_request(current_user, request_id, _widen()))


def broker_offer(offer_id: int):
    """Requests for an offer with places left: suggestions, live candidates, near misses."""
    return _page("offer", brokering.broker_offer(current_user, offer_id, _widen()))


def _back(kind: str, owner_id: int):
    args = {k: v for k, v in request.args.items() if k in ("km", "related", "online")}
    if kind == "request":
        return redirect(url_for("manager.broker_request", request_id=owner_id, **args))
    return redirect(url_for("manager.broker_offer", offer_id=owner_id, **args))


def _propose(kind: str, owner_id: int):
    brokering.owner_for(current_user, kind, owner_id)
    form = PickForm()
    if not form.validate_on_submit():
        abort(400)
    other = parse_int(form.other_id.data)
    if not in_id_range(other):
        abort(400)
    req_id, offer_id = (owner_id, other) if kind == "request" else (other, owner_id)
    match = attempt(lambda: brokering.propose_on_behalf(current_user, req_id, offer_id))
    if match is FAILED:
        return _back(kind, owner_id)
    flash(_("Voorgesteld namens de school en goedgekeurd; het bedrijf beslist nu."), "success")
    return redirect(url_for("matches.detail", match_id=match.id))


def propose_for_request(request_id: int):
    return _propose("request", request_id)


def propose_for_offer(offer_id: int):
    return _propose("offer", offer_id)


def _contact(kind: str, owner_id: int):
    brokering.owner_for(current_user, kind, owner_id)
    form = ContactForm()
    if not form.validate_on_submit():
        flash(_("Schrijf eerst een bericht."), "error")
        return _back(kind, owner_id)
    org_id = parse_int(form.org_id.data)
    if not in_id_range(org_id):
        abort(400)
    done = attempt(
        lambda: brokering.contact(current_user, org_id, form.body.data, about_kind=kind, about_id=owner_id)
    )
    if done is not FAILED:
        if done.kind == "thread":
            flash(_("Je bericht staat in het gesprek van de koppeling."), "success")
        else:
            flash(_("Je e-mail is verstuurd naar %(to)s.", to=", ".join(done.addresses)), "success")
    return _back(kind, owner_id)


def contact_for_request(request_id: int):
    return _contact("request", request_id)


def contact_for_offer(offer_id: int):
    return _contact("offer", offer_id)


def register(bp: Blueprint) -> None:
    """Add the broker routes to the manager blueprint."""
    bp.add_url_rule("/aanvragen/<id:request_id>/bemiddelen", view_func=broker_request, methods=["GET"])
    bp.add_url_rule("/aanbod/<id:offer_id>/bemiddelen", view_func=broker_offer, methods=["GET"])
    bp.add_url_rule("/aanvragen/<id:request_id>/voorstellen", view_func=propose_for_request, methods=["POST"])
    bp.add_url_rule("/aanbod/<id:offer_id>/voorstellen", view_func=propose_for_offer, methods=["POST"])
    bp.add_url_rule("/aanvragen/<id:request_id>/contact", view_func=contact_for_request, methods=["POST"])
    bp.add_url_rule("/aanbod/<id:offer_id>/contact", view_func=contact_for_offer, methods=["POST"])
