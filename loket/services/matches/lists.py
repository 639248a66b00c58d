"""A school's or company's matches for their own pages: paginated and eager-loaded, a fixed number of
queries per page whatever the number of rows (no N+1)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from loket.db import db, paginate
from loket.models import Match, Offer, Request
from loket.models.matches import APPROVED, OPEN_MATCH_STATES


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
    return paginate(stmt.order_by(Match.status_changed_at.desc(), Match.id.desc()), page, per_page)


def company_matches(org_id: int, *, page: int = 1, per_page: int = 25, status: str | None = None):
    """Matches on the company's offers, most recently changed first."""
    stmt = _filter_status(_company_matches_stmt(org_id), status)
    return paginate(stmt.order_by(Match.status_changed_at.desc(), Match.id.desc()), page, per_page)


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
