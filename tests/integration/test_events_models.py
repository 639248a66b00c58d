"""Career-day rows: an event with rounds, sessions, groups and a plan; one session per group-round;
deleting the event removes everything under it (both databases)."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from loket.db import db
from loket.models import CareerEvent, EventAssignment, EventGroup, EventRound, EventSession
from tests.factories import commit


def _event(make) -> tuple[CareerEvent, EventSession, EventGroup]:
    cluster = make.cluster()
    company, school = make.company(), make.school()
    event = CareerEvent(
        name="Techniekdag Zwolle",
        venue_postcode="8011AB",
        description="Twee dagen techniek",
        registration_deadline=date(2027, 3, 1),
        cluster_ids=[cluster.id],
    )
    event.rounds.append(EventRound(day=date(2027, 4, 1), starts_at=time(9), ends_at=time(10)))
    event.rounds.append(EventRound(day=date(2027, 4, 1), starts_at=time(10, 30), ends_at=time(11, 30)))
    db.session.add(event)
    db.session.flush()
    round_ids = [r.id for r in event.rounds]
    session = EventSession(
        organisation_id=company.id,
        kind="workshop",
        title="Zonnepanelen bouwen",
        sector="energie",
        levels=["havo"],
        seats_per_round=30,
        round_ids=round_ids,
        pupils_do="Een paneel aansluiten",
    )
    group = EventGroup(
        organisation_id=school.id,
        class_name="4H2",
        level="havo",
        pupils=25,
        round_ids=round_ids,
        preferences=["energie", "bouw"],
    )
    event.sessions.append(session)
    event.groups.append(group)
    db.session.flush()
    return event, session, group


def test_event_rows_round_trip_and_cascade(app, make):
    event, session, group = _event(make)
    r1 = event.rounds[0]
    db.session.add(
        EventAssignment(event_id=event.id, group_id=group.id, round_id=r1.id, session_id=session.id)
    )
    commit()
    db.session.expire_all()
    loaded = db.session.get(CareerEvent, event.id)
    assert loaded.published is False and loaded.plan_summary == {}
    assert [r.starts_at for r in loaded.rounds] == [time(9), time(10, 30)]
    assert loaded.sessions[0].levels == ["havo"] and loaded.groups[0].preferences == ["energie", "bouw"]
    db.session.delete(loaded)
    commit()
    for model in (EventRound, EventSession, EventGroup):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.execute(select(EventAssignment)).first() is None


def test_one_session_per_group_and_round(app, make):
    event, session, group = _event(make)
    r1 = event.rounds[0]
    db.session.add(
        EventAssignment(event_id=event.id, group_id=group.id, round_id=r1.id, session_id=session.id)
    )
    db.session.flush()
    db.session.add(
        EventAssignment(event_id=event.id, group_id=group.id, round_id=r1.id, session_id=session.id)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
