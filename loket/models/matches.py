"""Matches between one request and one offer, and the feedback afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.activities import Offer, Request
    from loket.models.clusters import Cluster
    from loket.models.users import User

PROPOSED = "proposed"
APPROVED = "approved"
ACCEPTED = "accepted"
SCHEDULED = "scheduled"
COMPLETED = "completed"
REJECTED = "rejected"
DECLINED = "declined"
CANCELLED = "cancelled"
EXPIRED = "expired"
MATCH_STATES = (PROPOSED, APPROVED, ACCEPTED, SCHEDULED, COMPLETED, REJECTED, DECLINED, CANCELLED, EXPIRED)
OPEN_MATCH_STATES = (PROPOSED, APPROVED, ACCEPTED, SCHEDULED)
CAPACITY_HOLDING_STATES = (APPROVED, ACCEPTED, SCHEDULED, COMPLETED)


class Match(Base):
    """One request paired with one offer; at most one row per pair, ever."""

    __tablename__ = "match"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=PROPOSED)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    distance_km: Mapped[float | None] = mapped_column(Float)
    mode: Mapped[str | None] = mapped_column(String(12))
    breakdown: Mapped[dict] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[dict]] = mapped_column(JSON, default=list)  # code + params (loket.reason_text)
    #: feature -> fit in [0, 1] when proposed (what ``loket tune-weights`` learns from), and the
    #: weights version that scored it
    fits: Mapped[dict | None] = mapped_column(JSON)
    weights_version: Mapped[str | None] = mapped_column(String(40))
    proposed_by: Mapped[str] = mapped_column(String(12), default="engine")  # engine|school|company|manager
    proposed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(Text)  # last rejection/decline/cancel reason
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(300))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[Request] = relationship()
    offer: Mapped[Offer] = relationship()
    cluster: Mapped[Cluster | None] = relationship()
    proposed_by_user: Mapped[User | None] = relationship()
    feedback: Mapped[list[MatchFeedback]] = relationship(back_populates="match", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        UniqueConstraint("request_id", "offer_id", name="uq_match_request_offer"),
        Index("ix_match_cluster_status", "cluster_id", "status"),
        Index("ix_match_status_changed", "status", "status_changed_at"),
    )


class MatchFeedback(Base):
    """Short feedback from one side of a match after the activity (1-5 and a comment)."""

    __tablename__ = "match_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(10))  # school | company
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    pupils_reached: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    match: Mapped[Match] = relationship(back_populates="feedback")

    __table_args__ = (UniqueConstraint("match_id", "side", name="uq_match_feedback_side"),)
