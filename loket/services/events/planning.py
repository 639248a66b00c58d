"""Plan a career day: rows -> the pure planner's records (``loket.events.types``) -> stored plan.

The previous plan's assignments are passed to the planner as ``previous`` so a re-plan after a late
change moves few groups; then they are replaced by the new ones and the figures (objective, bound,
gap, unplaced with reasons) are kept on the event.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from loket import taxonomy
from loket.db import db, utcnow
from loket.events import planner
from loket.events.types import Assignment, EventInput, Group, Plan, Round, Session
from loket.models import CareerEvent, EventAssignment, User
from loket.services import audit, policies
from loket.services.events.registration import get_event


def session_sectors(code: str | None) -> tuple[str, ...]:
    """A session's sectors for the planner: its world first, then the top sector itself (so a group
    that prefers the world and one that prefers the top sector are both served; docs/EVENTS.md)."""
    if not code:
        return ()
    try:
        parent = taxonomy.sectors().get(code).parent
    except taxonomy.TaxonomyError:
        parent = None
    return (parent, code) if parent else (code,)


def event_input(event: CareerEvent) -> EventInput:
    """The planner's view of the event's rows (ids are the database ids)."""
    rounds = tuple(Round(id=r.id, day=r.day, start=r.starts_at, end=r.ends_at) for r in event.rounds)
    sessions = tuple(
        Session(
            id=s.id,
            company_id=s.organisation_id,
            sectors=session_sectors(s.sector),
            levels=tuple(s.levels or ()),
            seats_per_round=s.seats_per_round,
            rounds=tuple(s.round_ids or ()),
        )
        for s in event.sessions
    )
    groups = tuple(
        Group(
            id=g.id,
            school_id=g.organisation_id,
            level=g.level,
            pupils=g.pupils,
            rounds=tuple(g.round_ids or ()),
            preferences=tuple(g.preferences or ()),
        )
        for g in event.groups
    )
    return EventInput(rounds=rounds, sessions=sessions, groups=groups)


def stored_assignments(event_id: int) -> list[Assignment]:
    """The event's current plan as the planner's records."""
    rows = db.session.execute(
        select(EventAssignment.group_id, EventAssignment.round_id, EventAssignment.session_id).where(
            EventAssignment.event_id == event_id
        )
    )
    return [Assignment(group=g, round=r, session=s) for g, r, s in rows]


def plan_event(
    event_id: int, actor: User | None = None, *, dry_run: bool = False, time_limit: float | None = None
) -> Plan:
    """Plan the event and (unless ``dry_run``) replace its stored assignments with the new plan.

    ``actor`` None is the command line (an operator); a user must be allowed to manage the event.
    """
    event = get_event(event_id)
    if actor is not None:
        policies.require(policies.can_manage_event(actor, event))
    previous = stored_assignments(event.id)
    kwargs = {"time_limit": time_limit} if time_limit is not None else {}
    plan = planner.plan(event_input(event), previous or None, **kwargs)
    if dry_run:
        return plan
    db.session.execute(delete(EventAssignment).where(EventAssignment.event_id == event.id))
    db.session.add_all(
        EventAssignment(event_id=event.id, group_id=a.group, round_id=a.round, session_id=a.session)
        for a in plan.assignments
    )
    event.planned_at = utcnow()
    event.plan_summary = {
        "objective": round(plan.objective, 6),
        "bound": round(plan.bound, 6),
        "gap": round(plan.gap, 6),
        "status": str(plan.stats.get("status", "")),
        "assignments": len(plan.assignments),
        "unplaced": [u.to_json() for u in plan.unplaced],
    }
    db.session.flush()
    audit.record(actor, "event.plan", event, assignments=len(plan.assignments), unplaced=len(plan.unplaced))
    return plan
