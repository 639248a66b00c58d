"""Read-side queries for the school and company pages: paginated, eager-loaded, a fixed number of
queries per page whatever the number of rows (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from loket.db import db
from loket.models import Match, Offer, Organisation, Request
from loket.models.activities import OFF_CLOSED, REQ_CANCELLED, REQ_COMPLETED
from loket.models.matches import APPROVED, OPEN_MATCH_STATES

CLOSED_REQUEST_STATES = (REQ_CANCELLED, REQ_COMPLETED)


def _page(stmt, page: int, per_page: int):
    return db.paginate(stmt, page=max(1, page), per_page=per_page, error_out=False, max_per_page=100)


# --------------------------------------------------------------------------- requests (school)
def school_requests(org_id: int, *, page: int = 1, per_page: int = 25, status: str | None = None):
    """The school's requests, newest first; ``status`` 'actief' hides cancelled/completed ones."""
    stmt = select(Request).where(Request.organisation_id == org_id)
    if status == "actief":
        stmt = stmt.where(Request.status.not_in(CLOSED_REQUEST_STATES))
    elif status:
        stmt = stmt.where(Request.status == status)
    return _page(stmt.order_by(Request.created_at.desc(), Request.id.desc()), page, per_page)


def matches_by_request(request_ids: list[int]) -> dict[int, list[Match]]:
    """Request id -> its matches (with offer and company), newest first, in one query."""
    if not request_ids:
        return {}
    rows = db.session.scalars(
        select(Match)
        .where(Match.request_id.in_(request_ids))
        .options(joinedload(Match.offer).joinedload(Offer.organisation))
        .order_by(Match.created_at.desc(), Match.id.desc())
    ).all()
    out: dict[int, list[Match]] = defaultdict(list)
    for m in rows:
        out[m.request_id].append(m)
    return out


def matches_by_offer(offer_ids: list[int]) -> dict[int, list[Match]]:
    """Offer id -> its matches (with request and school), newest first, in one query."""
    if not offer_ids:
        return {}
    rows = db.session.scalars(
        select(Match)
        .where(Match.offer_id.in_(offer_ids))
        .options(joinedload(Match.request).joinedload(Request.organisation))
        .order_by(Match.created_at.desc(), Match.id.desc())
    ).all()
    out: dict[int, list[Match]] = defaultdict(list)
    for m in rows:
        out[m.offer_id].append(m)
    return out


def request_counts(org_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Request.status, func.count(Request.id))
        .where(Request.organisation_id == org_id)
        .group_by(Request.status)
    ).all()
    return {status: n for status, n in rows}


# --------------------------------------------------------------------------- offers (company)
def company_offers(org_id: int, *, page: int = 1, per_page: int = 25, status: str | None = None):
    """The company's offers, newest first; ``status`` 'actief' hides closed ones."""
    stmt = select(Offer).where(Offer.organisation_id == org_id)
    if status == "actief":
        stmt = stmt.where(Offer.status != OFF_CLOSED)
    elif status:
        stmt = stmt.where(Offer.status == status)
    return _page(stmt.order_by(Offer.created_at.desc(), Offer.id.desc()), page, per_page)


def offer_counts(org_id: int) -> dict[str, Any]:
    rows = db.session.execute(
        select(
            Offer.status,
            func.count(Offer.id),
            func.coalesce(func.sum(Offer.capacity), 0),
            func.coalesce(func.sum(Offer.capacity_used), 0),
        )
        .where(Offer.organisation_id == org_id)
        .group_by(Offer.status)
    ).all()
    counts = {status: n for status, n, _, _ in rows}
    live = [(cap, used) for status, _, cap, used in rows if status != OFF_CLOSED]
    counts["capacity"] = int(sum(c for c, _ in live))
    counts["capacity_used"] = int(sum(u for _, u in live))
    return counts


# --------------------------------------------------------------------------- matches
def _school_matches_stmt(org_id: int):
    return (
        select(Match)
        .join(Request, Match.request_id == Request.id)
        .where(Request.organisation_id == org_id)
        .options(
            joinedload(Match.request),
            joinedload(Match.offer).joinedload(Offer.organisation),
        )
    )


def _company_matches_stmt(org_id: int):
    return (
        select(Match)
        .join(Offer, Match.offer_id == Offer.id)
        .where(Offer.organisation_id == org_id)
        .options(
            joinedload(Match.offer),
            joinedload(Match.request).joinedload(Request.organisation),
        )
    )


def _filter_status(stmt, status: str | None):
    if status == "lopend":
        return stmt.where(Match.status.in_(OPEN_MATCH_STATES))
    if status:
        return stmt.where(Match.status == status)
    return stmt


def school_matches(org_id: int, *, page: int = 1, per_page: int = 25, status: str | None = None):
    """Matches on the school's requests, most recently changed first."""
    stmt = _filter_status(_school_matches_stmt(org_id), status)
    return _page(stmt.order_by(Match.status_changed_at.desc(), Match.id.desc()), page, per_page)


def company_matches(org_id: int, *, page: int = 1, per_page: int = 25, status: str | None = None):
    """Matches on the company's offers, most recently changed first."""
    stmt = _filter_status(_company_matches_stmt(org_id), status)
    return _page(stmt.order_by(Match.status_changed_at.desc(), Match.id.desc()), page, per_page)


def match_counts(org_id: int, side: str) -> dict[str, int]:
    """Status -> number of matches for a school (``side='school'``) or company."""
    if side == "school":
        stmt = select(Match.status, func.count(Match.id)).join(Request, Match.request_id == Request.id)
        stmt = stmt.where(Request.organisation_id == org_id)
    else:
        stmt = select(Match.status, func.count(Match.id)).join(Offer, Match.offer_id == Offer.id)
        stmt = stmt.where(Offer.organisation_id == org_id)
    return {status: n for status, n in db.session.execute(stmt.group_by(Match.status)).all()}


def waiting_on(match: Match, side: str) -> bool:
    """True when an approved match waits for this side to accept: the school accepts what a company
    proposed; the company accepts everything else (school requests, engine and manager proposals)."""
    accepting = "school" if match.proposed_by == "company" else "company"
    return match.status == APPROVED and accepting == side


def open_matches(org_id: int, side: str, limit: int = 50) -> list[Match]:
    """Running matches of a school or company (for the dashboard), most recently changed first."""
    stmt = _school_matches_stmt(org_id) if side == "school" else _company_matches_stmt(org_id)
    stmt = stmt.where(Match.status.in_(OPEN_MATCH_STATES))
    stmt = stmt.order_by(Match.status_changed_at.desc(), Match.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


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
    from loket.services import matching

    suggestions = matching.suggest_for_request(request_id, top_k)
    rows = db.session.scalars(select(Match).where(Match.request_id == request_id))
    existing = {m.offer_id: m for m in rows}
    return _candidates(list(suggestions), "offer_id", Offer, existing)


def requests_in_reach(offer_id: int, top_k: int = 20) -> list[Candidate]:
    """The engine's ranked open requests for an offer, with the request rows and existing matches."""
    from loket.services import matching

    suggestions = matching.requests_for_offer(offer_id, top_k)
    rows = db.session.scalars(select(Match).where(Match.offer_id == offer_id))
    existing = {m.request_id: m for m in rows}
    return _candidates(list(suggestions), "request_id", Request, existing)
