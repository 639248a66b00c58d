"""Organisations (schools and companies) and their locations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.clusters import Cluster
    from loket.models.users import User

SCHOOL = "school"
COMPANY = "company"
ORG_KINDS = (SCHOOL, COMPANY)
PROFILE_MAX = 1000


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    brin: Mapped[str | None] = mapped_column(String(8))
    kvk: Mapped[str | None] = mapped_column(String(8))
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)
    cluster_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # a few sentences shown beside the organisation's offers and requests
    profile: Mapped[str] = mapped_column(String(PROFILE_MAX), default="", server_default="")

    locations: Mapped[list[Location]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Location.id"
    )
    users: Mapped[list[User]] = relationship(back_populates="organisation")
    cluster: Mapped[Cluster | None] = relationship(back_populates="organisations")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_school(self) -> bool:
        return self.kind == SCHOOL

    @property
    def primary_location(self) -> Location | None:
        return self.locations[0] if self.locations else None

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(40))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    precision: Mapped[str] = mapped_column(String(10), default="pc4")

    organisation: Mapped[Organisation] = relationship(back_populates="locations")

    # bounding-box searches of the stored suggestions (loket.services.matching.candidates)
    __table_args__ = (Index("ix_location_lat_lon", "lat", "lon"),)
