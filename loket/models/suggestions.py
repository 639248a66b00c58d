"""Stored suggestions: each open request's best offers and each open offer's best requests in reach,
kept up to date by ``loket.services.matching.refresh`` so that pages read them with one query."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loket.db import Base, UTCDateTime, utcnow

#: rows of a request's list (its offers; ordered by ``rank`` per ``request_id``)
FOR_REQUEST = "request"
#: rows of an offer's list (its requests in reach; ordered by ``rank`` per ``offer_id``)
FOR_OFFER = "offer"
SIDES = (FOR_REQUEST, FOR_OFFER)
#: the marker of a pending full rebuild (``SuggestionState`` with this side and owner 0)
EVERYTHING = "all"


class StoredSuggestion(Base):
    """One (request, offer) pair in the top-K list of its owner: the request (side ``request``) or
    the offer (side ``offer``), with the engine's score, breakdown, reasons (data: code + parameters,
    the weakest point last) and the soonest date both sides are available (the tie-break after
    distance)."""

    __tablename__ = "suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(String(8))  # FOR_REQUEST | FOR_OFFER: whose list this row is in
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)  # 1 = best, within the owner's list
    score: Mapped[float] = mapped_column(Float)
    breakdown: Mapped[dict] = mapped_column(JSON, default=dict)  # feature -> share of the score
    reasons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    distance_km: Mapped[float | None] = mapped_column(Float)
    mode: Mapped[str | None] = mapped_column(String(12))
    starts_on: Mapped[date | None] = mapped_column(Date)
    weights_version: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # a request's page: WHERE request_id = ? AND side = 'request' ORDER BY rank
        Index("ix_suggestion_request_side_rank", "request_id", "side", "rank"),
        # an offer's page: WHERE offer_id = ? AND side = 'offer' ORDER BY rank
        Index("ix_suggestion_offer_side_rank", "offer_id", "side", "rank"),
    )


class SuggestionState(Base):
    """Freshness of one owner's list: when it was computed, and since when a change is waiting.

    ``dirty_since`` is the oldest change not yet worked in (None when up to date), ``touched_at`` the
    latest one and ``touches`` counts them (a recomputation clears the mark only when no change came
    in meanwhile). Written in the same transaction as the change, so a crash after the commit leaves
    the mark for the next run (``loket match --refresh --dirty``).
    """

    __tablename__ = "suggestion_state"

    side: Mapped[str] = mapped_column(String(8), primary_key=True)  # FOR_REQUEST | FOR_OFFER | EVERYTHING
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dirty_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    touches: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    weights_version: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_suggestion_state_dirty_since", "dirty_since"),)
