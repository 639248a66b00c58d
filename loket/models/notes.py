"""Private notes of cluster managers on an organisation, a request or a match, with an optional
follow-up date that puts the note on the manager's list until it is marked done."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.users import User

NOTE_MAX = 2000  # characters of one note
NOTE_OBJECTS = ("organisation", "request", "match")


class ManagerNote(Base):
    """One note. ``object_type``/``object_id`` name what it is about; who may read it follows from
    that object's cluster at the time of reading (its managers and the admins)."""

    __tablename__ = "manager_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(12))  # organisation | request | match
    object_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_manager_note_object", "object_type", "object_id", "created_at"),
        Index("ix_manager_note_follow_up", "follow_up_on", "done_at"),
    )
