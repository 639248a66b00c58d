"""What schools ask for (requests) and what companies offer (offers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow
from loket.models.search import install as install_search
from loket.models.search import search_index

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

# Column order in CREATE TABLE, as in the first migration: the shared head (sort_order 0), the
# side's own figures (OWN), the shared period and modes, the side's distance (REACH), the shared
# tail. At equal sort_order a class's own columns come before the mixin's.
OWN, PERIOD, REACH, TAIL = 1, 2, 3, 4
SUBSTANCE = 5  # added later (the catalogue): description, duration and the side's own details

# longest texts (enforced by the column type on PostgreSQL and by loket.db's flush guard on SQLite)
DESCRIPTION_MAX = 4000
DETAIL_MAX = 1000  # what the school arranges, accessibility
COSTS_MAX = 200
DURATION_MAX = 24 * 60 * 5  # minutes: up to a working week of days


class ActivityColumns:
    """What a request and an offer share: who, what, for whom, when, where, status and version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    activity: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    earliest: Mapped[date] = mapped_column(Date, sort_order=PERIOD)
    latest: Mapped[date] = mapped_column(Date, sort_order=PERIOD)
    modes: Mapped[list[str]] = mapped_column(JSON, default=list, sort_order=PERIOD)
    status: Mapped[str] = mapped_column(String(12), default=REQ_OPEN, sort_order=TAIL)  # = OFF_OPEN
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=TAIL)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, sort_order=TAIL
    )
    version_id: Mapped[int] = mapped_column(Integer, default=1, sort_order=TAIL)
    # plain text or Markdown, rendered through loket.richtext (sanitised)
    description: Mapped[str] = mapped_column(
        String(DESCRIPTION_MAX), default="", server_default="", sort_order=SUBSTANCE
    )
    duration_minutes: Mapped[int | None] = mapped_column(Integer, sort_order=SUBSTANCE)

    @declared_attr
    def organisation(cls) -> Mapped[Organisation]:
        return relationship()

    @declared_attr
    def location(cls) -> Mapped[Location | None]:
        return relationship()

    @declared_attr
    def created_by(cls) -> Mapped[User | None]:
        return relationship()

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version_id}

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # the index names of the first migration: ix_request_org_status, ix_offer_status_created ...
        name = cls.__tablename__
        return (
            Index(f"ix_{name}_org_status", "organisation_id", "status"),
            Index(f"ix_{name}_status_created", "status", "created_at"),
            Index(f"ix_{name}_location", "location_id"),  # rows at the locations in a bounding box
            search_index(name),  # full text on PostgreSQL (SQLite: the FTS5 table, loket.models.search)
        )


class Request(ActivityColumns, Base):
    """An activity a school asks for."""

    __tablename__ = "request"

    pupils: Mapped[int] = mapped_column(Integer, sort_order=OWN)
    max_travel_km: Mapped[float] = mapped_column(Float, default=25.0, sort_order=REACH)
    # the school only welcomes a guest with a VOG (certificate of conduct; common in po)
    vog_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), sort_order=SUBSTANCE
    )


class Offer(ActivityColumns, Base):
    """An activity a company offers, with capacity per period."""

    __tablename__ = "offer"

    capacity: Mapped[int] = mapped_column(Integer, sort_order=OWN)
    capacity_used: Mapped[int] = mapped_column(Integer, default=0, sort_order=OWN)
    radius_km: Mapped[float] = mapped_column(Float, default=25.0, sort_order=REACH)
    group_size_max: Mapped[int | None] = mapped_column(Integer, sort_order=SUBSTANCE)  # pupils at once
    school_arranges: Mapped[str] = mapped_column(
        String(DETAIL_MAX), default="", server_default="", sort_order=SUBSTANCE
    )
    costs: Mapped[str] = mapped_column(
        String(COSTS_MAX), default="gratis", server_default="gratis", sort_order=SUBSTANCE
    )
    accessibility: Mapped[str] = mapped_column(
        String(DETAIL_MAX), default="", server_default="", sort_order=SUBSTANCE
    )
    guest_has_vog: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), sort_order=SUBSTANCE
    )

    @property
    def capacity_left(self) -> int:
        return max(0, self.capacity - self.capacity_used)


install_search(Request.__table__)
install_search(Offer.__table__)
