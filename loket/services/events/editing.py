"""Editing a career day before it is published: the same rules as creating it, and its rounds kept
by id (a changed time stays the same round for the sessions and groups that chose it; a round that
sessions or groups chose cannot be removed)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from loket.db import db
from loket.models import CareerEvent, EventRound, User
from loket.services import ServiceError, audit, policies
from loket.services.activities.rules import Checks
from loket.services.events.registration import EventData, check_event, get_event


def editable_event(actor: User, event_id: int) -> CareerEvent:
    """The event, for whoever manages it, while it is not published (else a ServiceError)."""
    event = get_event(event_id)
    policies.require(policies.can_manage_event(actor, event))
    if event.published:
        raise ServiceError(_l("Een gepubliceerde loopbaandag wijzig je niet meer; haal hem eerst offline."))
    return event


def update_event(
    actor: User, event_id: int, data: EventData, row_ids: list[int | None], today: date
) -> CareerEvent:
    """Change an unpublished event. ``row_ids`` gives per round of ``data.rounds`` the id of the
    round it edits (None: a new round); rounds not named are removed, unless chosen already."""
    event = editable_event(actor, event_id)
    checks = Checks()
    values = check_event(data, today, checks)
    if values["cluster_ids"] is not None:
        policies.require(policies.can_create_event(actor, values["cluster_ids"]))
    by_id = {r.id: r for r in event.rounds}
    named = [i for i in row_ids if i is not None]
    if not set(named) <= set(by_id) or len(named) != len(set(named)):
        checks.errors.append(ServiceError(_l("Onbekende ronde gekozen."), field="rounds"))
    chosen = {i for s in event.sessions for i in s.round_ids or []} | {
        i for g in event.groups for i in g.round_ids or []
    }
    removed = [r for r in event.rounds if r.id not in named]
    if any(r.id in chosen for r in removed):
        checks.errors.append(
            ServiceError(
                _l("Een ronde waarvoor al sessies of groepen zijn aangemeld, kan niet weg."), field="rounds"
            )
        )
    checks.done()
    rounds = values.pop("rounds") or []
    for key, value in values.items():
        setattr(event, key, value)
    for rid, r in zip(row_ids, rounds, strict=True):
        row = by_id[rid] if rid is not None else EventRound(event_id=event.id)
        row.day, row.starts_at, row.ends_at = r.day, r.start, r.end
        if rid is None:
            event.rounds.append(row)
    for r in removed:
        event.rounds.remove(r)
    db.session.flush()
    audit.record(actor, "event.update", event, clusters=event.cluster_ids)
    return event
