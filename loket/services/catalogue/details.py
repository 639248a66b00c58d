"""Detail pages of offers and requests for the people who may read them (``policies.can_read_*``).

A reader who may not see a row gets ``NotFound``, the same answer as for an id that does not exist:
a paused or closed row of someone else is not there for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from loket.db import db
from loket.models import Match, Offer, Request, User
from loket.services import NotFound, policies

PATHS = {"offer": "/aanbod/{}", "request": "/aanvragen/{}"}  # loket.web.details; emails need no request


def detail_path(kind: str, obj_id: int) -> str:
    """Site path of the detail page of an offer or request (``kind``: "offer" | "request")."""
    return PATHS[kind].format(int(obj_id))


@dataclass
class Details:
    """The row, whether the reader's organisation owns it, and the reader's matches with it."""

    obj: Any  # Offer or Request, organisation and location loaded
    own: bool
    matches: list[Match] = field(default_factory=list)


def _load(model, obj_id: int):
    stmt = (
        select(model)
        .where(model.id == obj_id)
        .options(joinedload(model.organisation), joinedload(model.location))
    )
    return db.session.scalar(stmt)


def org_matches(match_col, ids: list[int], other_model, org_id: int) -> list[Match]:
    """The matches of organisation ``org_id`` (through its own ``other_model`` rows: Request for a
    school, Offer for a company) with the rows ``ids`` (``match_col``: Match.offer_id or
    Match.request_id), oldest first."""
    if not ids:
        return []
    other_col = Match.offer_id if other_model is Offer else Match.request_id
    stmt = (
        select(Match)
        .join(other_model, other_model.id == other_col)
        .where(match_col.in_(ids), other_model.organisation_id == org_id)
        .order_by(Match.id)
    )
    return list(db.session.scalars(stmt))


def _party_matches(actor: User | None, match_col, obj_id: int, other_model) -> list[Match]:
    """The matches of the reader's organisation with this row (through its own requests/offers)."""
    if actor is None or actor.organisation_id is None:
        return []
    return org_matches(match_col, [obj_id], other_model, actor.organisation_id)


def offer_details(actor: User | None, offer_id: int) -> Details:
    """An offer's detail page: any school while it is open; owners, managers, matched schools always."""
    offer = _load(Offer, offer_id)
    if offer is None:
        raise NotFound(_l("Dit aanbod bestaat niet (meer)."))
    own = policies.is_member(actor, offer.organisation_id)
    matches = [] if own else _party_matches(actor, Match.offer_id, offer.id, Request)
    if not policies.can_read_offer(actor, offer, party=bool(matches)):
        raise NotFound(_l("Dit aanbod bestaat niet (meer)."))
    return Details(obj=offer, own=own, matches=matches)


def request_details(actor: User | None, request_id: int) -> Details:
    """A request's detail page: any company while it is open; owners, managers, matched companies
    always. The teacher who posted it is never part of it."""
    req = _load(Request, request_id)
    if req is None:
        raise NotFound(_l("Deze aanvraag bestaat niet (meer)."))
    own = policies.is_member(actor, req.organisation_id)
    matches = [] if own else _party_matches(actor, Match.request_id, req.id, Offer)
    if not policies.can_read_request(actor, req, party=bool(matches)):
        raise NotFound(_l("Deze aanvraag bestaat niet (meer)."))
    return Details(obj=req, own=own, matches=matches)
