"""Engine suggestions joined with their rows: a request's offers, an offer's requests in reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from loket.db import db
from loket.models import Match, Offer, Organisation, Request
from loket.services.matching import adapter


# --------------------------------------------------------------------------- suggestions
@dataclass
class Candidate:
    """One engine suggestion joined with its row and any existing match for the pair."""

    rank: int
    score: float
    distance_km: float | None
    mode: str | None
    reasons: list[str]
    contributions: dict[str, float]
    obj: Any  # Offer (for a request) or Request (for an offer)
    match: Match | None


def _int_id(value: Any) -> int | None:
    """Engine ids are the internal ids as text (``loket.services.matching.request_record``)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _candidates(suggestions: list, key: str, model, existing: dict[int, Match]) -> list[Candidate]:
    ids = [i for i in (_int_id(getattr(s, key)) for s in suggestions) if i is not None]
    if not ids:
        return []
    rows = {
        r.id: r
        for r in db.session.scalars(
            select(model)
            .where(model.id.in_(ids))
            .options(joinedload(model.organisation).selectinload(Organisation.locations))
        ).unique()
    }
    out = []
    for s in suggestions:
        obj_id = _int_id(getattr(s, key))
        if obj_id not in rows:
            continue
        out.append(
            Candidate(
                rank=getattr(s, "rank", len(out) + 1),
                score=float(s.score),
                distance_km=s.distance_km,
                mode=getattr(s, "mode", None),
                reasons=list(getattr(s, "reasons", []) or []),
                contributions=dict(getattr(s, "contributions", {}) or {}),
                obj=rows[obj_id],
                match=existing.get(obj_id),
            )
        )
    return out


def suggested_offers(request_id: int, top_k: int = 10) -> list[Candidate]:
    """The engine's ranked offers for a request, with the offer rows and existing matches."""
    suggestions = adapter.suggest_for_request(request_id, top_k)
    rows = db.session.scalars(select(Match).where(Match.request_id == request_id))
    existing = {m.offer_id: m for m in rows}
    return _candidates(list(suggestions), "offer_id", Offer, existing)


def requests_in_reach(offer_id: int, top_k: int = 20) -> list[Candidate]:
    """The engine's ranked open requests for an offer, with the request rows and existing matches."""
    suggestions = adapter.requests_for_offer(offer_id, top_k)
    rows = db.session.scalars(select(Match).where(Match.offer_id == offer_id))
    existing = {m.request_id: m for m in rows}
    return _candidates(list(suggestions), "request_id", Request, existing)
