"""State of `loket scheduler`'s jobs, shared by every instance (never kept in process memory)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loket.db import Base, UTCDateTime


class SchedulerJob(Base):
    """When a scheduled job last ran and how it went; written in the job's own commit."""

    __tablename__ = "scheduler_job"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_result: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_instance: Mapped[str | None] = mapped_column(String(200))  # host:pid that ran it
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
