"""Career-day services: who may create an event and register sessions and groups, every broken rule
at once, and ``loket event plan`` through the CLI storing (and replacing) the plan."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, CareerEvent, EventAssignment
from loket.services import PermissionDenied, ServiceErrors
from loket.services.events import (
    EventData,
    GroupData,
    RoundData,
    SessionData,
    create_event,
    register_group,
    register_session,
)
from tests.factories import commit

TODAY = date(2027, 2, 1)
DAY = date(2027, 4, 1)


@pytest.fixture
def world(make):
    """A cluster with its manager, two companies and two schools (with a user each)."""
    return build_world(make)


def build_world(make) -> dict:
    """A cluster with its manager, two companies and two schools (with a user each), another
    cluster with its manager."""
    companies = [make.company(sectors=("energie",)), make.company(sectors=("bouw",))]
    schools = [make.school(), make.school()]
    cluster = make.cluster(members=[*companies, *schools])
    other = make.cluster(name="Cluster Elders")
    return {
        "cluster": cluster,
        "other": other,
        "manager": make.manager([cluster]),
        "other_manager": make.manager([other]),
        "companies": [make.user(c) for c in companies],
        "schools": [make.user(s) for s in schools],
    }


def _event_data(cluster_ids, **kw) -> EventData:
    values = dict(
        name="Techniekdag Zwolle",
        venue_postcode="8011ab",
        description="Twee rondes techniek",
        registration_deadline=date(2027, 3, 1),
        cluster_ids=cluster_ids,
        rounds=[RoundData(DAY, time(9), time(10)), RoundData(DAY, time(10, 30), time(11, 30))],
    )
    values.update(kw)
    return EventData(**values)


def _setup_event(world) -> CareerEvent:
    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    rounds = [r.id for r in event.rounds]
    for user, sector, title in zip(world["companies"], ("energie", "bouw"), ("Zon", "Huis"), strict=True):
        register_session(user, event.id, SessionData("workshop", title, sector, [], 30, rounds), TODAY)
    for user, klas in zip(world["schools"], ("4H1", "4H2"), strict=True):
        register_group(user, event.id, GroupData(klas, "havo", 25, rounds, ["energie", "bouw"]), TODAY)
    commit()
    return event


def test_manager_creates_event_for_own_cluster_only(app, world):
    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    assert event.venue_postcode == "8011 AB" and not event.published and len(event.rounds) == 2
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == event.id)) == "event.create"
    )
    with pytest.raises(PermissionDenied):
        create_event(world["other_manager"], _event_data([world["cluster"].id]), TODAY)
    with pytest.raises(PermissionDenied):
        create_event(world["companies"][0], _event_data([world["cluster"].id]), TODAY)


def test_event_errors_come_all_at_once(app, world):
    bad = _event_data(
        [world["cluster"].id],
        name=" ",
        venue_postcode="12",
        registration_deadline=date(2026, 1, 1),
        rounds=[RoundData(DAY, time(11), time(10))],
    )
    with app.test_request_context(), pytest.raises(ServiceErrors) as exc:
        create_event(world["manager"], bad, TODAY)
    assert {e.field for e in exc.value.errors} == {
        "name",
        "venue_postcode",
        "registration_deadline",
        "rounds",
    }


def test_sessions_and_groups_by_members_of_the_clusters(app, world, make):
    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    rounds = [r.id for r in event.rounds]
    session = register_session(
        world["companies"][0], event.id, SessionData("stand", "Zon", "energie", ["havo"], 40, rounds), TODAY
    )
    assert session.organisation_id == world["companies"][0].organisation_id and session.levels == ["havo"]
    group = register_group(world["schools"][0], event.id, GroupData("4H1", "havo", 28, rounds[:1]), TODAY)
    assert group.round_ids == rounds[:1] and group.preferences == []
    outsider = make.user(make.company())
    with pytest.raises(PermissionDenied):
        register_session(outsider, event.id, SessionData("stand", "X", "energie", [], 10, rounds), TODAY)
    with pytest.raises(PermissionDenied):  # a company cannot register a class
        register_group(world["companies"][0], event.id, GroupData("4H1", "havo", 28, rounds), TODAY)
    with app.test_request_context(), pytest.raises(ServiceErrors) as exc:
        register_group(
            world["schools"][1],
            event.id,
            GroupData("", "nope", 0, [999999], ["energie", "bouw", "zorg", "ict", "logistiek", "media"]),
            TODAY,
        )
    assert {e.field for e in exc.value.errors} >= {"class_name", "levels", "pupils", "round_ids"}
    with app.test_request_context(), pytest.raises(ServiceErrors) as exc:
        register_session(world["companies"][1], event.id, SessionData("lezing", "", "", [], 0, []), TODAY)
    assert {e.field for e in exc.value.errors} == {"kind", "title", "sectors", "seats_per_round", "round_ids"}


def test_registration_closes_after_the_deadline(app, world):
    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    rounds = [r.id for r in event.rounds]
    with app.test_request_context(), pytest.raises(Exception, match="gesloten"):
        register_group(world["schools"][0], event.id, GroupData("4H1", "havo", 20, rounds), date(2027, 3, 2))


def test_cli_plans_stores_and_replaces(app, world, runner):
    event = _setup_event(world)
    result = runner.invoke(args=["event", "plan", str(event.id), "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["event"] == event.id and data["unplaced"] == []
    assert len(data["assignments"]) == 4  # two groups, two rounds each
    assert data["bound"] >= data["objective"] > 0
    # a group never sees the same company twice: two different sessions per group
    per_group: dict[int, set[int]] = {}
    for a in data["assignments"]:
        per_group.setdefault(a["group"], set()).add(a["session"])
    assert all(len(s) == 2 for s in per_group.values())
    db.session.expire_all()
    stored = db.session.scalar(select(func.count()).select_from(EventAssignment))
    assert stored == 4
    assert db.session.get(CareerEvent, event.id).plan_summary["assignments"] == 4

    result = runner.invoke(args=["event", "plan", str(event.id)])  # text output, replaces the plan
    assert result.exit_code == 0, result.output
    assert "objective" in result.stdout and "unplaced: 0" in result.stdout
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(EventAssignment)) == 4


def test_cli_reports_unplaced_groups_and_dry_run(app, world, runner):
    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    rounds = [r.id for r in event.rounds]
    register_session(
        world["companies"][0], event.id, SessionData("workshop", "Zon", "energie", [], 10, rounds), TODAY
    )
    register_group(world["schools"][0], event.id, GroupData("4H1", "havo", 25, rounds), TODAY)
    commit()
    result = runner.invoke(args=["event", "plan", str(event.id), "--dry-run", "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["assignments"] == [] and {u["reason"] for u in data["unplaced"]} == {"too_large"}
    assert db.session.scalar(select(func.count()).select_from(EventAssignment)) == 0
    missing = runner.invoke(args=["event", "plan", "999999"])
    assert missing.exit_code != 0
