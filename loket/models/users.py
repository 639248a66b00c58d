"""People who log in: school and company contacts, cluster managers, admins."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow
from loket.passwords import hash_password, verify_password

if TYPE_CHECKING:
    from loket.models.clusters import Cluster
    from loket.models.organisations import Organisation

ROLE_SCHOOL = "school"
ROLE_COMPANY = "company"
ROLE_MANAGER = "cluster_manager"
ROLE_ADMIN = "admin"
ROLES = (ROLE_SCHOOL, ROLE_COMPANY, ROLE_MANAGER, ROLE_ADMIN)

INVITED = "invited"
ACTIVE = "active"
DORMANT = "dormant"
ARCHIVED = "archived"
STATUSES = (INVITED, ACTIVE, DORMANT, ARCHIVED)


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # None once archived
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE, index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str | None] = mapped_column(String(30))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    notify_mode: Mapped[str] = mapped_column(String(10), default="immediate")  # immediate | digest
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    # bumped on password change/reset so old reset links and sessions stop working
    security_stamp: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    managed_clusters: Mapped[list[Cluster]] = relationship(
        secondary="cluster_manager", back_populates="managers", order_by="Cluster.name"
    )

    __table_args__ = (
        # login and password reset look addresses up case-insensitively: lower(email) = :email
        Index("ix_user_email_lower", func.lower(email)),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.security_stamp = (self.security_stamp or 0) + 1

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.security_stamp or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login: archived accounts cannot log in
        return self.status != ARCHIVED

    @property
    def is_verified(self) -> bool:  # email confirmed (see loket.services.accounts)
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == ROLE_MANAGER

    @property
    def display_name(self) -> str:
        return self.name or (self.email or "")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role} {self.email!r}>"
