"""Date options for a match: one side proposes one to three, the other side picks one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.users import User

OPTION_OPEN = "open"
OPTION_PICKED = "picked"
OPTION_WITHDRAWN = "withdrawn"  # replaced by a newer proposal, or another option was picked
OPTION_STATES = (OPTION_OPEN, OPTION_PICKED, OPTION_WITHDRAWN)
MAX_OPTIONS = 3


class DateOption(Base):
    """A proposed date, start, end and place for a match; ``round`` groups the options of one proposal."""

    __tablename__ = "match_date_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(10))  # school | company: who proposed it
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=OPTION_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposed_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_match_date_option_match_status", "match_id", "status"),)
