"""What a career day gives out once planned: a calendar file per group and round (``loket.ics``),
each company's list of expected groups per session and round, and the manager's printable
programme. Every function checks who may read it (``loket.services.policies``); an object the
reader may not see does not exist for them (NotFound), as a school's .ics of another school."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket import ics
from loket.db import db
from loket.mail.outbox import base_domain
from loket.models import CareerEvent, EventAssignment, EventGroup, EventRound, EventSession, User
from loket.services import NotFound, policies
from loket.services.events.registration import get_event
from loket.zone import AMSTERDAM as AMS


def placements(event_id: int, *where) -> list[EventAssignment]:
    """The event's assignments with their group (and school) and session (and company) loaded."""
    query = (
        select(EventAssignment)
        .where(EventAssignment.event_id == event_id, *where)
        .options(
            selectinload(EventAssignment.group).selectinload(EventGroup.organisation),
            selectinload(EventAssignment.session).selectinload(EventSession.organisation),
        )
        .order_by(EventAssignment.id)
    )
    return list(db.session.scalars(query))


def round_times(r: EventRound) -> tuple[datetime, datetime]:
    """A round's start and end as aware datetimes in Europe/Amsterdam."""
    return (
        datetime.combine(r.day, r.starts_at, tzinfo=AMS),
        datetime.combine(r.day, r.ends_at, tzinfo=AMS),
    )


# --------------------------------------------------------------------------- .ics per round
def round_calendar(actor: User, event_id: int, group_id: int, round_id: int, *, url: str = "") -> str:
    """One VEVENT: the session the group visits in that round, with company, venue and times.
    Only the group's school and the event's managers; for anyone else (and a round without a
    session) the file does not exist."""
    event = get_event(event_id)
    group = db.session.get(EventGroup, group_id)
    rnd = db.session.get(EventRound, round_id)
    if group is None or rnd is None or group.event_id != event.id or rnd.event_id != event.id:
        raise NotFound()
    if not policies.can_read_group_programme(actor, event, group):
        raise NotFound()
    visit = db.session.scalar(
        select(EventAssignment)
        .where(EventAssignment.group_id == group.id, EventAssignment.round_id == rnd.id)
        .options(selectinload(EventAssignment.session).selectinload(EventSession.organisation))
    )
    if visit is None:
        raise NotFound()
    session = visit.session
    start, end = round_times(rnd)
    domain = base_domain()
    lines = [f"{session.title} ({session.organisation.name})", f"{event.name}: {group.class_name}"]
    if session.pupils_do:
        lines.append(session.pupils_do)
    if url:
        lines.append(url)
    return ics.calendar(
        [
            ics.Event(
                uid=f"loopbaandag-{event.id}-groep-{group.id}-ronde-{rnd.id}@{domain}",
                start=start,
                end=end,
                summary=f"{session.title}, {session.organisation.name}",
                location=f"{event.name}, {event.venue_postcode}",
                description="\n".join(lines),
                url=url,
                stamp=event.planned_at,
                # a re-plan may move the group: a later plan gives a higher sequence (minutes)
                sequence=int(event.planned_at.timestamp() // 60) if event.planned_at else 0,
            )
        ]
    )


# --------------------------------------------------------------------------- the company's list
@dataclass
class RoundList:
    """The groups expected in one session during one round, and their totals."""

    round: EventRound
    seats: int
    groups: list[EventGroup] = field(default_factory=list)

    @property
    def pupils(self) -> int:
        return sum(g.pupils for g in self.groups)


@dataclass
class SessionList:
    """One session of the company: per round it is present the groups expected."""

    session: EventSession
    rounds: list[RoundList]

    @property
    def groups(self) -> int:
        return sum(len(r.groups) for r in self.rounds)

    @property
    def pupils(self) -> int:
        return sum(r.pupils for r in self.rounds)


def session_lists(event: CareerEvent, sessions: list[EventSession]) -> list[SessionList]:
    """Per session, per round it is present, the groups of the stored plan (school, class, level,
    pupils: never who registered them)."""
    ids = [s.id for s in sessions]
    by_cell: dict[tuple[int, int], list[EventGroup]] = {}
    if ids:
        for a in placements(event.id, EventAssignment.session_id.in_(ids)):
            by_cell.setdefault((a.session_id, a.round_id), []).append(a.group)
    return [
        SessionList(
            s,
            [
                RoundList(r, s.seats_per_round, sorted(by_cell.get((s.id, r.id), []), key=_group_key))
                for r in event.rounds
                if r.id in (s.round_ids or [])
            ],
        )
        for s in sessions
    ]


def _group_key(g: EventGroup) -> tuple[str, str]:
    return (g.organisation.name.lower(), g.class_name.lower())


def company_list(actor: User, event_id: int) -> tuple[CareerEvent, list[SessionList]]:
    """The actor's company's sessions with the groups expected per round; for a company user whose
    company has sessions in the event."""
    event = get_event(event_id)
    policies.require(policies.can_read_company_list(actor, event))
    return event, session_lists(
        event, [s for s in event.sessions if s.organisation_id == actor.organisation_id]
    )


# --------------------------------------------------------------------------- the printable programme
@dataclass
class PrintRound:
    """One round of the printed programme: every session present with its groups."""

    round: EventRound
    sessions: list[tuple[EventSession, list[EventGroup]]]


def printable(actor: User, event_id: int) -> tuple[CareerEvent, list[PrintRound]]:
    """The whole event per round per session with the groups placed (managers of the event)."""
    event = get_event(event_id)
    policies.require(policies.can_manage_event(actor, event))
    sessions = db.session.scalars(
        select(EventSession)
        .where(EventSession.event_id == event.id)
        .options(selectinload(EventSession.organisation))
        .order_by(EventSession.id)
    )
    lists = session_lists(event, list(sessions))
    out = []
    for r in event.rounds:
        present = [(sl.session, rl.groups) for sl in lists for rl in sl.rounds if rl.round.id == r.id]
        out.append(PrintRound(r, present))
    return event, out
