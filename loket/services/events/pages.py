"""What the career-day pages read: the manager's grid, the public programme and a school's
programme per group. Every function checks who may read it (``loket.services.policies``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.db import db
from loket.models import (
    CareerEvent,
    EventAssignment,
    EventGroup,
    EventRound,
    EventSession,
    Organisation,
    User,
)
from loket.services import NotFound, policies
from loket.services.events.feedback import SessionFeedback, feedback_by_session
from loket.services.events.outputs import placements
from loket.services.events.registration import get_event


@dataclass(frozen=True)
class Cell:
    """One session in one round: present or not, pupils and groups placed, against its seats."""

    present: bool
    pupils: int = 0
    groups: int = 0
    seats: int = 0

    @property
    def ratio(self) -> float:
        return self.pupils / self.seats if self.seats else 0.0


@dataclass(frozen=True)
class GridRow:
    session: EventSession
    cells: list[Cell]


@dataclass(frozen=True)
class Grid:
    """Sessions x rounds with fill rates (for the manager)."""

    event: CareerEvent
    rounds: list[EventRound]
    rows: list[GridRow]
    groups: int
    pupils: int
    #: per session with feedback: its average rating and comments
    feedback: dict[int, SessionFeedback] = field(default_factory=dict)
    #: names for the unplaced list: group id -> "class (school)", round id -> "day start-end"
    group_names: dict[int, str] = field(default_factory=dict)
    round_names: dict[int, str] = field(default_factory=dict)
    #: the organisations named on the page (held here so their rows stay in the identity map)
    organisations: dict[int, Organisation] = field(default_factory=dict)


def _assignments(event_id: int) -> list[EventAssignment]:
    query = (
        select(EventAssignment)
        .where(EventAssignment.event_id == event_id)
        .options(selectinload(EventAssignment.group), selectinload(EventAssignment.session))
    )
    return list(db.session.scalars(query))


def manager_grid(actor: User, event_id: int) -> Grid:
    """The grid of the stored plan; for an admin or a manager of one of the event's clusters."""
    event = get_event(event_id)
    policies.require(policies.can_manage_event(actor, event))
    placed: dict[tuple[int, int], list[int]] = {}
    for a in _assignments(event.id):
        placed.setdefault((a.session_id, a.round_id), []).append(a.group.pupils)
    # the schools and companies named on the page, in one statement (the many-to-one loads below then
    # come from the identity map)
    org_ids = {g.organisation_id for g in event.groups} | {s.organisation_id for s in event.sessions}
    orgs = {
        o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids or {0})))
    }
    rows = []
    for s in event.sessions:
        cells = []
        for r in event.rounds:
            pupils = placed.get((s.id, r.id), [])
            present = r.id in (s.round_ids or [])
            cells.append(Cell(present, sum(pupils), len(pupils), s.seats_per_round if present else 0))
        rows.append(GridRow(s, cells))
    return Grid(
        event=event,
        rounds=list(event.rounds),
        rows=rows,
        groups=len(event.groups),
        pupils=sum(g.pupils for g in event.groups),
        feedback=feedback_by_session(event.id),
        group_names={g.id: f"{g.class_name} ({orgs[g.organisation_id].name})" for g in event.groups},
        organisations=orgs,
        round_names={r.id: f"{r.day:%d-%m-%Y} {r.starts_at:%H:%M}-{r.ends_at:%H:%M}" for r in event.rounds},
    )


def public_programme(event_id: int) -> tuple[CareerEvent, list[tuple[EventRound, list[EventSession]]]]:
    """A published event and per round the sessions present (anyone, no login); an unpublished
    event does not exist for the public."""
    event = db.session.get(CareerEvent, event_id)
    if event is None or not event.published:
        raise NotFound()
    sessions = db.session.scalars(
        select(EventSession)
        .where(EventSession.event_id == event.id)
        .options(selectinload(EventSession.organisation))
        .order_by(EventSession.id)
    ).all()
    return event, [(r, [s for s in sessions if r.id in (s.round_ids or [])]) for r in event.rounds]


@dataclass(frozen=True)
class GroupProgramme:
    """One group's programme: per round of the event the session it visits (None: none)."""

    group: EventGroup
    visits: list[tuple[EventRound, EventSession | None]]


def school_programme(actor: User, event_id: int) -> tuple[CareerEvent, list[GroupProgramme]]:
    """The programme of each group of the actor's school (only its own groups)."""
    event = get_event(event_id)
    policies.require(policies.can_register_group(actor, event) or _has_groups(actor, event))
    by_group: dict[int, dict[int, EventSession]] = {}
    own_groups = select(EventGroup.id).where(EventGroup.organisation_id == actor.organisation_id)
    for a in placements(event.id, EventAssignment.group_id.in_(own_groups)):
        by_group.setdefault(a.group_id, {})[a.round_id] = a.session
    out = []
    for g in event.groups:
        if g.organisation_id != actor.organisation_id:
            continue
        sessions = by_group.get(g.id, {})
        out.append(GroupProgramme(g, [(r, sessions.get(r.id)) for r in event.rounds if r.id in g.round_ids]))
    return event, out


def _has_groups(actor: User, event: CareerEvent) -> bool:
    """A school that registered groups keeps seeing them even if it changed cluster since."""
    return policies.is_member(actor, actor.organisation_id) and any(
        g.organisation_id == actor.organisation_id for g in event.groups
    )
