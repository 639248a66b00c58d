"""The school's requests and the company's offers for their own pages: paginated, a fixed number of
queries per page whatever the number of rows (no N+1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from loket.db import db, paginate
from loket.models import Offer, Request
from loket.models.activities import OFF_CLOSED, REQ_CANCELLED, REQ_COMPLETED

CLOSED_REQUEST_STATES = (REQ_CANCELLED, REQ_COMPLETED)


# --------------------------------------------------------------------------- requests (school)
def school_requests(org_id: int, *, page: int = 1, per_page: int = 25, status: str | None = None):
    """The school's requests, newest first; ``status`` 'actief' hides cancelled/completed ones."""
    stmt = select(Request).where(Request.organisation_id == org_id)
    if status == "actief":
        stmt = stmt.where(Request.status.not_in(CLOSED_REQUEST_STATES))
    elif status:
        stmt = stmt.where(Request.status == status)
    return paginate(stmt.order_by(Request.created_at.desc(), Request.id.desc()), page, per_page)


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
    return paginate(stmt.order_by(Offer.created_at.desc(), Offer.id.desc()), page, per_page)


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
