"""Career days: an event with its rounds, the companies' sessions, the schools' groups and the plan
(which group visits which session in which round). The planner itself is ``loket/events`` (pure)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from loket.models.event_feedback import EventFeedback, EventReminder
    from loket.models.organisations import Organisation

SESSION_KINDS = ("workshop", "demonstration", "stand")
MAX_GROUP_PREFERENCES = 5
EVENT_NAME_MAX = 160
DESCRIPTION_MAX = 4000


class CareerEvent(Base):
    """One career day (possibly over several days) for the schools and companies of some clusters."""

    __tablename__ = "career_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(EVENT_NAME_MAX))
    venue_postcode: Mapped[str] = mapped_column(String(7))
    description: Mapped[str] = mapped_column(Text, default="")
    registration_deadline: Mapped[date] = mapped_column(Date)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    cluster_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the stored assignments were made and the planner's figures then (objective, bound, gap, unplaced)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plan_summary: Mapped[dict] = mapped_column(JSON, default=dict)

    rounds: Mapped[list[EventRound]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="(EventRound.day, EventRound.starts_at, EventRound.id)",
    )
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSession.id"
    )
    groups: Mapped[list[EventGroup]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventGroup.id"
    )
    #: the plan (SQLite runs without foreign-key enforcement, so the ORM deletes these itself)
    assignments: Mapped[list[EventAssignment]] = relationship(cascade="all, delete-orphan")
    reminders: Mapped[list[EventReminder]] = relationship(cascade="all, delete")
    feedback: Mapped[list[EventFeedback]] = relationship(cascade="all, delete")


class EventRound(Base):
    """A time slot on one day of the event: a group visits one session per round."""

    __tablename__ = "event_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("career_event.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    event: Mapped[CareerEvent] = relationship(back_populates="rounds")
    #: SQLite runs without foreign-key enforcement: the ORM deletes the plan's rows of this round
    assignments: Mapped[list[EventAssignment]] = relationship(back_populates="round", cascade="all, delete")


class EventSession(Base):
    """A company's workshop, demonstration or stand, present in some rounds with seats per round."""

    __tablename__ = "event_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("career_event.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # workshop | demonstration | stand
    title: Mapped[str] = mapped_column(String(160))
    sector: Mapped[str] = mapped_column(String(40))
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every level
    seats_per_round: Mapped[int] = mapped_column(Integer)
    round_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    pupils_do: Mapped[str] = mapped_column(Text, default="")  # what pupils do
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[CareerEvent] = relationship(back_populates="sessions")
    organisation: Mapped[Organisation] = relationship()
    #: the plan's rows and the feedback on this session go with it (also on SQLite)
    assignments: Mapped[list[EventAssignment]] = relationship(back_populates="session", cascade="all, delete")
    feedback: Mapped[list[EventFeedback]] = relationship(cascade="all, delete")


class EventGroup(Base):
    """A school class registered for the event, with the rounds it can attend and its preferences."""

    __tablename__ = "event_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("career_event.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    class_name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(20))
    pupils: Mapped[int] = mapped_column(Integer)
    round_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    preferences: Mapped[list[str]] = mapped_column(JSON, default=list)  # sector codes, most wanted first
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[CareerEvent] = relationship(back_populates="groups")
    organisation: Mapped[Organisation] = relationship()
    #: the plan's rows of this group go with it (also on SQLite)
    assignments: Mapped[list[EventAssignment]] = relationship(back_populates="group", cascade="all, delete")


class EventAssignment(Base):
    """The plan: group ``group_id`` visits session ``session_id`` in round ``round_id``."""

    __tablename__ = "event_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("career_event.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("event_group.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("event_round.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_session.id", ondelete="CASCADE"))

    group: Mapped[EventGroup] = relationship(back_populates="assignments")
    round: Mapped[EventRound] = relationship(back_populates="assignments")
    session: Mapped[EventSession] = relationship(back_populates="assignments")

    __table_args__ = (
        UniqueConstraint("group_id", "round_id", name="uq_event_assignment_group_round"),
        Index("ix_event_assignment_session_round", "session_id", "round_id"),
    )
