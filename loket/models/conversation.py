"""The message thread of a match: short plain-text messages between school, company and manager."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.users import User

MESSAGE_MAX = 2000  # characters of one message


class MatchMessage(Base):
    """One message in the thread of a match. The author is kept as a role ("school", "company",
    "manager") when the person is deleted (``author_id`` becomes NULL)."""

    __tablename__ = "match_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    author_role: Mapped[str] = mapped_column(String(10))  # school | company | manager
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_match_message_match_created", "match_id", "created_at"),)
