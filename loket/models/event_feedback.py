"""Career days after the plan: the reminders sent (one row per event, user and kind, so a second run
sends nothing) and the feedback of schools and companies per session (one row per user and session,
edited in place)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow
from loket.models.organisations import Organisation

REMINDER_KINDS = ("week", "day")
FEEDBACK_SIDES = ("school", "company")
FEEDBACK_COMMENT_MAX = 1000


class EventReminder(Base):
    """A reminder mail queued for ``user_id`` about ``event_id`` (``kind``: week or day before)."""

    __tablename__ = "event_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("career_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # week | day
    side: Mapped[str] = mapped_column(String(8))  # school | company
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "kind", name="uq_event_reminder_event_user_kind"),
    )


class EventFeedback(Base):
    """A school's or company's rating (1-5) and optional plain-text comment on one session."""

    __tablename__ = "event_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("career_event.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(8))  # school | company
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_event_feedback_session_user"),)
