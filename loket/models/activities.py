"""What schools ask for (requests) and what companies offer (offers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.organisations import Location, Organisation
    from loket.models.users import User

# request states
REQ_OPEN = "open"
REQ_PAUSED = "paused"
REQ_MATCHED = "matched"
REQ_COMPLETED = "completed"
REQ_CANCELLED = "cancelled"
REQUEST_STATES = (REQ_OPEN, REQ_PAUSED, REQ_MATCHED, REQ_COMPLETED, REQ_CANCELLED)

# offer states
OFF_OPEN = "open"
OFF_PAUSED = "paused"
OFF_CLOSED = "closed"
OFFER_STATES = (OFF_OPEN, OFF_PAUSED, OFF_CLOSED)


class Request(Base):
    """An activity a school asks for."""

    __tablename__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    activity: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    pupils: Mapped[int] = mapped_column(Integer)
    earliest: Mapped[date] = mapped_column(Date)
    latest: Mapped[date] = mapped_column(Date)
    modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_travel_km: Mapped[float] = mapped_column(Float, default=25.0)
    status: Mapped[str] = mapped_column(String(12), default=REQ_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    location: Mapped[Location | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        Index("ix_request_org_status", "organisation_id", "status"),
        Index("ix_request_status_created", "status", "created_at"),
        Index("ix_request_location", "location_id"),  # requests at the locations in a bounding box
    )


class Offer(Base):
    """An activity a company offers, with capacity per period."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    activity: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer)
    capacity_used: Mapped[int] = mapped_column(Integer, default=0)
    earliest: Mapped[date] = mapped_column(Date)
    latest: Mapped[date] = mapped_column(Date)
    modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    radius_km: Mapped[float] = mapped_column(Float, default=25.0)
    status: Mapped[str] = mapped_column(String(12), default=OFF_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    location: Mapped[Location | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        Index("ix_offer_org_status", "organisation_id", "status"),
        Index("ix_offer_status_created", "status", "created_at"),
        Index("ix_offer_location", "location_id"),  # offers at the locations in a bounding box
    )

    @property
    def capacity_left(self) -> int:
        return max(0, self.capacity - self.capacity_used)
