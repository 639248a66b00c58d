"""The ways into a career day: a manager creates the event, companies register sessions, schools
register groups. Every input is checked completely; all broken rules come back at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from flask_babel import lazy_gettext as _l

from loket import taxonomy
from loket.db import db
from loket.models import CareerEvent, Cluster, EventGroup, EventRound, EventSession, User
from loket.models.events import DESCRIPTION_MAX, EVENT_NAME_MAX, MAX_GROUP_PREFERENCES, SESSION_KINDS
from loket.services import NotFound, ServiceError, audit, policies
from loket.services.accounts.fields import check_postcode
from loket.services.activities import rules
from loket.services.activities.rules import Checks

MAX_SEATS = 500
MAX_PUPILS = 200


@dataclass(frozen=True)
class RoundData:
    """One round: its day and times."""

    day: date | None
    start: time | None
    end: time | None


@dataclass(frozen=True)
class EventData:
    """What a manager fills in to create a career day."""

    name: str
    venue_postcode: str
    description: str
    registration_deadline: date | None
    cluster_ids: list[int]
    rounds: list[RoundData] = field(default_factory=list)


@dataclass(frozen=True)
class SessionData:
    """A company's session: kind, title, sector, levels (empty: all), seats per round, rounds and
    what pupils do."""

    kind: str
    title: str
    sector: str
    levels: list[str]
    seats_per_round: object
    round_ids: list[int]
    pupils_do: str = ""


@dataclass(frozen=True)
class GroupData:
    """A school's group: class name, level, pupils, the rounds it can attend, preferred sectors in order."""

    class_name: str
    level: str
    pupils: object
    round_ids: list[int]
    preferences: list[str] = field(default_factory=list)


def get_event(event_id: int) -> CareerEvent:
    """The event, or NotFound."""
    event = db.session.get(CareerEvent, event_id)
    if event is None:
        raise NotFound(_l("Deze loopbaandag bestaat niet."))
    return event


def _text(value: str | None, field_name: str, limit: int, required: object) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ServiceError(required, field=field_name)
    if len(text) > limit:
        raise ServiceError(_l("Maximaal %(limit)s tekens.", limit=limit), field=field_name)
    return text


def _clusters(ids: list[int]) -> list[int]:
    unique = sorted({int(i) for i in ids or []})
    if not unique:
        raise ServiceError(_l("Kies minstens één cluster."), field="cluster_ids")
    found = {c.id for c in db.session.query(Cluster).filter(Cluster.id.in_(unique))}
    if found != set(unique):
        raise ServiceError(_l("Onbekend cluster gekozen."), field="cluster_ids")
    return unique


def _rounds(items: list[RoundData]) -> list[RoundData]:
    if not items:
        raise ServiceError(_l("Voeg minstens één ronde toe."), field="rounds")
    for r in items:
        if r.day is None or r.start is None or r.end is None:
            raise ServiceError(_l("Elke ronde heeft een datum, een begin- en een eindtijd."), field="rounds")
        if r.end <= r.start:
            raise ServiceError(_l("Een ronde eindigt na haar begin."), field="rounds")
    return items


def check_event(data: EventData, today: date, checks: Checks | None = None) -> dict:
    """Every rule of an event's input at once (``ServiceErrors``); the checked values by column.
    With ``checks`` given the errors are left in it (the caller adds its own and calls ``done()``)."""
    own = checks is None
    checks = checks or Checks()
    name = checks.run(_text, data.name, "name", EVENT_NAME_MAX, _l("Geef de loopbaandag een naam."))
    postcode = checks.run(check_postcode, data.venue_postcode, "venue_postcode")
    description = checks.run(rules.long_text, data.description, "description", DESCRIPTION_MAX)
    cluster_ids = checks.run(_clusters, data.cluster_ids)
    rounds = checks.run(_rounds, data.rounds)
    deadline = data.registration_deadline
    if deadline is None:
        checks.errors.append(
            ServiceError(_l("Vul een geldige datum in (dd-mm-jjjj)."), field="registration_deadline")
        )
    elif deadline < today:
        checks.errors.append(
            ServiceError(_l("De aanmelddatum ligt in het verleden."), field="registration_deadline")
        )
    elif rounds and deadline > min(r.day for r in rounds if r.day):
        checks.errors.append(
            ServiceError(_l("De aanmelding sluit uiterlijk op de eerste dag."), field="registration_deadline")
        )
    if own:
        checks.done()
    return {
        "name": name,
        "venue_postcode": postcode,
        "description": description,
        "cluster_ids": cluster_ids,
        "rounds": rounds,
        "registration_deadline": deadline,
    }


def create_event(actor: User, data: EventData, today: date) -> CareerEvent:
    """Create a career day (unpublished) with its rounds; by an admin or a manager of all its clusters."""
    checks = Checks()
    values = check_event(data, today, checks)
    if values["cluster_ids"] is not None:
        policies.require(policies.can_create_event(actor, values["cluster_ids"]))
    checks.done()
    rounds = values.pop("rounds")
    event = CareerEvent(
        **values,
        created_by_id=actor.id,
        rounds=[EventRound(day=r.day, starts_at=r.start, ends_at=r.end) for r in rounds or []],
    )
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.create", event, to_state="draft", clusters=values["cluster_ids"])
    return event


def is_open(event: CareerEvent, today: date) -> bool:
    """Whether registration (and changing one's registration) is still open ``today``."""
    return today <= event.registration_deadline


def check_open(event: CareerEvent, today: date) -> None:
    """Refuse a change after the event's registration deadline."""
    if not is_open(event, today):
        raise ServiceError(_l("De aanmelding voor deze loopbaandag is gesloten."))


def _round_ids(event: CareerEvent, ids: list[int]) -> list[int]:
    known = {r.id for r in event.rounds}
    chosen = sorted({int(i) for i in ids or []})
    if not chosen:
        raise ServiceError(_l("Kies minstens één ronde."), field="round_ids")
    if not set(chosen) <= known:
        raise ServiceError(_l("Onbekende ronde gekozen."), field="round_ids")
    return chosen


def _optional_levels(values: list[str]) -> list[str]:
    return rules.many(taxonomy.levels(), values, "levels") if [v for v in values or [] if v] else []


def _kind(value: str) -> str:
    if value not in SESSION_KINDS:
        raise ServiceError(_l("Kies workshop, demonstratie of stand."), field="kind")
    return value


def check_session(event: CareerEvent, data: SessionData) -> dict:
    """Every rule of a session's input at once (``ServiceErrors``); the checked values by column."""
    checks = Checks()
    values = {
        "kind": checks.run(_kind, data.kind),
        "title": checks.run(_text, data.title, "title", 160, _l("Geef de sessie een titel.")),
        "sector": checks.run(rules.one, taxonomy.sectors(), data.sector, "sectors"),
        "levels": checks.run(_optional_levels, data.levels),
        "seats_per_round": checks.run(
            rules.number,
            data.seats_per_round,
            "seats_per_round",
            1,
            MAX_SEATS,
            _l("Tussen 1 en 500 plaatsen."),
        ),
        "round_ids": checks.run(_round_ids, event, data.round_ids),
        "pupils_do": checks.run(rules.long_text, data.pupils_do, "pupils_do", DESCRIPTION_MAX),
    }
    checks.done()
    values["seats_per_round"] = int(values["seats_per_round"])
    return values


def register_session(actor: User, event_id: int, data: SessionData, today: date) -> EventSession:
    """A company user registers a session of their company for the event."""
    event = get_event(event_id)
    policies.require(policies.can_register_session(actor, event))
    check_open(event, today)
    session = EventSession(
        event_id=event.id,
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        **check_session(event, data),
    )
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "event.session", session, event=event.id)
    return session


def _preferences(values: list[str]) -> list[str]:
    chosen = [v for v in values or [] if v and str(v).strip()]
    if not chosen:
        return []
    codes = rules.many(taxonomy.sectors(), chosen, "sectors")
    if len(codes) > MAX_GROUP_PREFERENCES:
        raise ServiceError(_l("Kies hoogstens vijf voorkeuren."), field="preferences")
    return codes


def check_group(event: CareerEvent, data: GroupData) -> dict:
    """Every rule of a group's input at once (``ServiceErrors``); the checked values by column."""
    checks = Checks()
    values = {
        "class_name": checks.run(_text, data.class_name, "class_name", 60, _l("Vul de naam van de klas in.")),
        "level": checks.run(rules.one, taxonomy.levels(), data.level, "levels"),
        "pupils": checks.run(
            rules.number, data.pupils, "pupils", 1, MAX_PUPILS, _l("Tussen 1 en 200 leerlingen.")
        ),
        "round_ids": checks.run(_round_ids, event, data.round_ids),
        "preferences": checks.run(_preferences, data.preferences),
    }
    checks.done()
    values["pupils"] = int(values["pupils"])
    return values


def register_group(actor: User, event_id: int, data: GroupData, today: date) -> EventGroup:
    """A school user registers a class of their school for the event."""
    event = get_event(event_id)
    policies.require(policies.can_register_group(actor, event))
    check_open(event, today)
    group = EventGroup(
        event_id=event.id,
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        **check_group(event, data),
    )
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "event.group", group, event=event.id)
    return group


def set_published(actor: User, event_id: int, published: bool) -> CareerEvent:
    """Publish (or withdraw) the event's public page; by whoever may manage the event."""
    event = get_event(event_id)
    policies.require(policies.can_manage_event(actor, event))
    if event.published != published:
        before = "published" if event.published else "draft"
        event.published = published
        db.session.flush()
        audit.record(
            actor, "event.publish", event, from_state=before, to_state="published" if published else "draft"
        )
    return event
