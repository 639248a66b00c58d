"""Career days after registration: the lists a user may see, editing and withdrawing one's own
sessions and groups until the deadline, and what that does to a stored plan.

A withdrawn (or changed) session or group loses its assignments here, explicitly (SQLite does not
enforce foreign keys), the event's plan is marked ``stale`` and the event's managers are told that
it needs a re-plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from loket.db import db
from loket.models import CareerEvent, Cluster, EventAssignment, EventGroup, EventSession, User
from loket.models.users import ROLE_COMPANY, ROLE_SCHOOL
from loket.services import NotFound, audit, policies
from loket.services.events.registration import (
    GroupData,
    SessionData,
    check_group,
    check_open,
    check_session,
    get_event,
)
from loket.services.notifications.inbox import notify

#: what the planner reads of a session or group: changing it removes the row's assignments
PLANNING_FIELDS = {
    "session": ("sector", "levels", "seats_per_round", "round_ids"),
    "group": ("level", "pupils", "round_ids", "preferences"),
}


@dataclass(frozen=True)
class Listing:
    """The events a user sees on ``/loopbaandagen/``; ``manages`` are theirs to manage."""

    manages: list[CareerEvent]
    open_to_join: list[CareerEvent]
    can_create: bool


def creatable_clusters(actor: User) -> list[Cluster]:
    """The clusters a user may create an event for: an admin every one, a manager their own."""
    query = select(Cluster).order_by(Cluster.name, Cluster.id)
    if not policies.is_admin(actor):
        query = query.where(Cluster.id.in_(policies.managed_cluster_ids(actor) or {-1}))
    return list(db.session.scalars(query))


def visible_events(actor: User, today: date) -> Listing:
    """Managers and admins: the events they manage; school and company users: the published or still
    open events of their cluster (and any they already take part in)."""
    events = list(db.session.scalars(select(CareerEvent).order_by(CareerEvent.registration_deadline.desc())))
    manages = [e for e in events if policies.can_manage_event(actor, e)]
    joinable: list[CareerEvent] = []
    if actor.role in (ROLE_SCHOOL, ROLE_COMPANY) and actor.organisation_id is not None:
        taking_part = _events_taken_part(actor)
        joinable = [
            e
            for e in events
            if e.id in taking_part
            or (
                actor.organisation.cluster_id in (e.cluster_ids or [])
                and (e.published or today <= e.registration_deadline)
            )
        ]
    return Listing(
        manages, joinable, bool(creatable_clusters(actor)) and actor.role not in (ROLE_SCHOOL, ROLE_COMPANY)
    )


def _events_taken_part(actor: User) -> set[int]:
    model = EventGroup if actor.role == ROLE_SCHOOL else EventSession
    return set(
        db.session.scalars(select(model.event_id).where(model.organisation_id == actor.organisation_id))
    )


def own_sessions(actor: User, event_id: int) -> tuple[CareerEvent, list[EventSession]]:
    """The event and the sessions of the actor's company (who may register, or already did)."""
    event = get_event(event_id)
    mine = [s for s in event.sessions if policies.is_member(actor, s.organisation_id)]
    policies.require(policies.can_register_session(actor, event) or bool(mine))
    return event, mine


def own_groups(actor: User, event_id: int) -> tuple[CareerEvent, list[EventGroup]]:
    """The event and the groups of the actor's school (who may register, or already did)."""
    event = get_event(event_id)
    mine = [g for g in event.groups if policies.is_member(actor, g.organisation_id)]
    policies.require(policies.can_register_group(actor, event) or bool(mine))
    return event, mine


def get_own_session(actor: User, event_id: int, session_id: int) -> EventSession:
    """A session of the actor's company in this event; another's is NotFound (as a missing one)."""
    session = db.session.get(EventSession, session_id)
    if (
        session is None
        or session.event_id != event_id
        or not policies.is_member(actor, session.organisation_id)
    ):
        raise NotFound()
    return session


def get_own_group(actor: User, event_id: int, group_id: int) -> EventGroup:
    """A group of the actor's school in this event; another's is NotFound (as a missing one)."""
    group = db.session.get(EventGroup, group_id)
    if group is None or group.event_id != event_id or not policies.is_member(actor, group.organisation_id):
        raise NotFound()
    return group


def _drop_assignments(actor: User, event: CareerEvent, what: str, **where: int) -> int:
    """Remove the assignments of one session or group; when there were any, mark the plan stale
    and tell the event's managers."""
    column = EventAssignment.session_id if "session_id" in where else EventAssignment.group_id
    value = next(iter(where.values()))
    n = db.session.execute(
        delete(EventAssignment)
        .where(EventAssignment.event_id == event.id, column == value)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not n:
        return 0
    db.session.expire(event, ["assignments"])
    event.plan_summary = {**(event.plan_summary or {}), "stale": True}
    managers = {
        m
        for c in db.session.scalars(select(Cluster).where(Cluster.id.in_(event.cluster_ids or [-1])))
        for m in c.managers
    }
    notify(
        sorted(managers, key=lambda u: u.id),
        "event.replan",
        f"{event.name}: {what} gewijzigd of afgemeld; de indeling moet opnieuw worden gemaakt.",
        f"/loopbaandagen/{event.id}/beheer",
    )
    audit.record(actor, "event.unplan", event, assignments=n, **where)
    return n


def _update(actor: User, row: EventSession | EventGroup, values: dict, kind: str, label: str) -> None:
    """Apply checked ``values`` to one's own session or group; a change of what the planner reads
    (``PLANNING_FIELDS``) removes its assignments."""
    changed = any(getattr(row, k) != values[k] for k in PLANNING_FIELDS[kind])
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    if changed:
        _drop_assignments(actor, row.event, label, **{f"{kind}_id": row.id})
    audit.record(actor, f"event.{kind}.update", row, event=row.event.id)


def _withdraw(actor: User, row: EventSession | EventGroup, kind: str, label: str, today: date) -> None:
    """Withdraw one's own session or group before the deadline (its assignments go with it)."""
    event = row.event
    check_open(event, today)
    _drop_assignments(actor, event, label, **{f"{kind}_id": row.id})
    audit.record(actor, f"event.{kind}.withdraw", row, event=event.id)
    db.session.delete(row)
    db.session.flush()
    db.session.expire(event, ["sessions" if kind == "session" else "groups"])


def update_session(
    actor: User, event_id: int, session_id: int, data: SessionData, today: date
) -> EventSession:
    """Change one's own session before the deadline; a change the plan depends on un-plans it."""
    session = get_own_session(actor, event_id, session_id)
    policies.require(policies.can_register_session(actor, session.event))
    check_open(session.event, today)
    _update(actor, session, check_session(session.event, data), "session", f"sessie {session.title}")
    return session


def withdraw_session(actor: User, event_id: int, session_id: int, today: date) -> None:
    """Withdraw one's own session before the deadline (its assignments go with it)."""
    session = get_own_session(actor, event_id, session_id)
    _withdraw(actor, session, "session", f"sessie {session.title}", today)


def update_group(actor: User, event_id: int, group_id: int, data: GroupData, today: date) -> EventGroup:
    """Change one's own group before the deadline; a change the plan depends on un-plans it."""
    group = get_own_group(actor, event_id, group_id)
    policies.require(policies.can_register_group(actor, group.event))
    check_open(group.event, today)
    _update(actor, group, check_group(group.event, data), "group", f"groep {group.class_name}")
    return group


def withdraw_group(actor: User, event_id: int, group_id: int, today: date) -> None:
    """Withdraw one's own group before the deadline (its assignments go with it)."""
    group = get_own_group(actor, event_id, group_id)
    _withdraw(actor, group, "group", f"groep {group.class_name}", today)
