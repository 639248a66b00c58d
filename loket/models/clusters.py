"""Regional clusters and the managers who run them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.organisations import Organisation
    from loket.models.users import User

cluster_manager = Table(
    "cluster_manager",
    Base.metadata,
    Column("cluster_id", ForeignKey("cluster.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Cluster(Base):
    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # stable identity across re-clustering
    name: Mapped[str] = mapped_column(String(120))
    name_locked: Mapped[bool] = mapped_column(default=False)  # renamed by an admin: keep the name
    centre_lat: Mapped[float] = mapped_column(Float)
    centre_lon: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking (admin edits)

    organisations: Mapped[list[Organisation]] = relationship(back_populates="cluster")
    managers: Mapped[list[User]] = relationship(
        secondary=cluster_manager, back_populates="managed_clusters", order_by="User.name"
    )

    __mapper_args__ = {"version_id_col": version_id}
