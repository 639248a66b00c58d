"""School holidays per region (loaded by admins from a CSV) and a school's own days off."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loket.db import Base, UTCDateTime, utcnow

REGIONS = ("noord", "midden", "zuid")


class SchoolHoliday(Base):
    """An official school holiday of one region (first and last day, inclusive)."""

    __tablename__ = "school_holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(6))
    school_year: Mapped[str] = mapped_column(String(9))  # 2026-2027
    name: Mapped[str] = mapped_column(String(60))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("region", "school_year", "name", name="uq_school_holiday_region_year_name"),
        Index("ix_school_holiday_region_days", "region", "first_day", "last_day"),
    )


class SchoolDayOff(Base):
    """A day (or days) a school has no lessons besides the official holidays (study day, ...)."""

    __tablename__ = "school_day_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_school_day_off_org_days", "organisation_id", "first_day"),)
