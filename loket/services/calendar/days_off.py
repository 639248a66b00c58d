"""A school's own days off (study days, a local holiday): added and removed by the school's users,
read by the date warnings of its matches."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import SchoolDayOff, User
from loket.models.users import ROLE_SCHOOL
from loket.services import NotFound, ServiceError, audit, policies

LONGEST_DAYS_OFF = 31


def _school_of(actor: User) -> int:
    policies.require(
        policies.is_member(actor, actor.organisation_id if actor else None) and actor.role == ROLE_SCHOOL,
        _l("Alleen scholen houden hun vrije dagen bij."),
    )
    return actor.organisation_id  # type: ignore[return-value]


def days_off_of(actor: User, *, since: date | None = None) -> list[SchoolDayOff]:
    """The actor's school's days off that end on or after ``since`` (default: 30 days ago)."""
    org_id = _school_of(actor)
    since = since or (utcnow().date() - timedelta(days=30))
    return list(
        db.session.scalars(
            select(SchoolDayOff)
            .where(SchoolDayOff.organisation_id == org_id, SchoolDayOff.last_day >= since)
            .order_by(SchoolDayOff.first_day, SchoolDayOff.id)
        )
    )


def add_day_off(actor: User, first_day: date, last_day: date | None, description: str) -> SchoolDayOff:
    """Add a day off (or a few days, at most 31) to the actor's school."""
    org_id = _school_of(actor)
    last_day = last_day or first_day
    if last_day < first_day:
        raise ServiceError(_l("De laatste dag ligt voor de eerste dag."), field="last_day")
    if (last_day - first_day).days >= LONGEST_DAYS_OFF:
        raise ServiceError(
            _l("Voeg hoogstens %(n)s dagen tegelijk toe.", n=LONGEST_DAYS_OFF), field="last_day"
        )
    text = " ".join((description or "").split())
    if not text:
        raise ServiceError(_l("Geef een omschrijving, bijvoorbeeld 'studiedag'."), field="description")
    if len(text) > 100:
        raise ServiceError(_l("De omschrijving is te lang (maximaal 100 tekens)."), field="description")
    day = SchoolDayOff(
        organisation_id=org_id,
        first_day=first_day,
        last_day=last_day,
        description=text,
        created_by_id=actor.id,
    )
    db.session.add(day)
    db.session.flush()
    audit.record(actor, "day_off_added", day, first_day=first_day.isoformat(), last_day=last_day.isoformat())
    db.session.flush()
    return day


def remove_day_off(actor: User, day_off_id: int) -> None:
    """Remove one of the actor's school's days off (another school's: 404)."""
    org_id = _school_of(actor)
    day = db.session.get(SchoolDayOff, day_off_id)
    if day is None or day.organisation_id != org_id:
        raise NotFound(_l("Deze vrije dag bestaat niet."))
    audit.record(actor, "day_off_removed", day, first_day=day.first_day.isoformat())
    db.session.delete(day)
    db.session.flush()


def days_off_between(org_id: int, first: date, last: date) -> list[SchoolDayOff]:
    """The school's days off overlapping ``first`` .. ``last`` (for the date warnings)."""
    return list(
        db.session.scalars(
            select(SchoolDayOff)
            .where(
                SchoolDayOff.organisation_id == org_id,
                SchoolDayOff.first_day <= last,
                SchoolDayOff.last_day >= first,
            )
            .order_by(SchoolDayOff.first_day)
        )
    )
