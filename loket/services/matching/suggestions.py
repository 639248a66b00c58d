"""The stored suggestions for the pages: a request's offers, an offer's requests in reach.

One indexed query per list (``suggestion`` by owner and rank, joined with the other side's row, its
organisation and location, and any match of the pair) that leaves out what stopped being possible
since the list was computed: rows no longer open, offers without places, rejected or declined pairs.
No engine is built here (``incremental`` and ``rebuild`` of this package keep the rows current).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from loket.db import db
from loket.models import Match, Offer, Request, StoredSuggestion, SuggestionState
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import DECLINED, REJECTED
from loket.models.suggestions import FOR_OFFER, FOR_REQUEST


@dataclass
class Candidate:
    """One stored suggestion joined with its row and any existing match for the pair."""

    rank: int
    score: float
    distance_km: float | None
    mode: str | None
    reasons: list[dict]
    contributions: dict[str, float]
    obj: Any  # Offer (for a request) or Request (for an offer)
    match: Match | None


def _still_possible():
    pair = Match.status.not_in((REJECTED, DECLINED))
    return or_(Match.id.is_(None), pair)


def _read(side: str, owner_col, owner_id: int, model, top_k: int) -> list[Candidate]:
    other_col = StoredSuggestion.offer_id if model is Offer else StoredSuggestion.request_id
    open_ = (
        and_(Offer.status == OFF_OPEN, Offer.capacity_used < Offer.capacity)
        if model is Offer
        else Request.status == REQ_OPEN
    )
    stmt = (
        select(StoredSuggestion, model, Match)
        .join(model, model.id == other_col)
        .outerjoin(
            Match,
            and_(
                Match.request_id == StoredSuggestion.request_id, Match.offer_id == StoredSuggestion.offer_id
            ),
        )
        .where(StoredSuggestion.side == side, owner_col == owner_id, open_, _still_possible())
        .order_by(StoredSuggestion.rank)
        .limit(top_k)
        .options(joinedload(model.organisation), joinedload(model.location))
    )
    return [
        Candidate(
            rank=i,
            score=row.score,
            distance_km=row.distance_km,
            mode=row.mode,
            reasons=list(row.reasons or []),
            contributions=dict(row.breakdown or {}),
            obj=obj,
            match=match,
        )
        for i, (row, obj, match) in enumerate(db.session.execute(stmt).all(), start=1)
    ]


def suggested_offers(request_id: int, top_k: int = 10) -> list[Candidate]:
    """The request's best stored offers that are still possible, with the offer rows and matches."""
    return _read(FOR_REQUEST, StoredSuggestion.request_id, request_id, Offer, top_k)


def requests_in_reach(offer_id: int, top_k: int = 20) -> list[Candidate]:
    """The offer's best stored open requests in reach, with the request rows and matches."""
    return _read(FOR_OFFER, StoredSuggestion.offer_id, offer_id, Request, top_k)


def being_updated(side: str, owner_id: int) -> bool:
    """True while a change to this list waits to be worked in (or it was never computed)."""
    state = db.session.get(SuggestionState, (side, owner_id))
    return state is None or state.computed_at is None or state.dirty_since is not None


def request_list_pending(request_id: int) -> bool:
    return being_updated(FOR_REQUEST, request_id)


def offer_list_pending(offer_id: int) -> bool:
    return being_updated(FOR_OFFER, offer_id)
