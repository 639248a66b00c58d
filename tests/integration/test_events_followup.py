"""Career days before and after: reminders a week and a day before (CLI and scheduler job, real SMTP,
each once), feedback afterwards (once per user and session, edited in place, every error at once,
shown on the manager's grid), the pupils reached on the region dashboard, English unplaced reasons,
and the ORM deleting a session's, group's or round's plan rows on both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import EventAssignment, EventFeedback, EventGroup, EventReminder, EventRound, EventSession
from loket.scheduler.jobs import JOBS
from loket.scheduler.runner import run_job
from loket.services.events import (
    GroupData,
    RoundData,
    SessionData,
    create_event,
    register_group,
    register_session,
)
from loket.services.events.reminders import kind_for
from tests.factories import commit
from tests.integration.lifecycle_helpers import login, logout
from tests.integration.test_english_pages import dutch_in
from tests.integration.test_events_service import TODAY, _event_data, _setup_event, build_world

PAST_DAY = date(2025, 4, 1)


@pytest.fixture
def world(make):
    return build_world(make)


def _plan(runner, event_id: int) -> None:
    result = runner.invoke(args=["event", "plan", str(event_id), "--time-limit", "5"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def planned(app, world, runner):
    event = _setup_event(world)
    _plan(runner, event.id)
    return event.id


@pytest.fixture
def held(app, world, runner):
    """The same event, held in 2025 (so feedback is open now)."""
    today = date(2025, 2, 1)
    data = _event_data(
        [world["cluster"].id],
        registration_deadline=date(2025, 3, 1),
        rounds=[RoundData(PAST_DAY, time(9), time(10)), RoundData(PAST_DAY, time(10, 30), time(11, 30))],
    )
    event = create_event(world["manager"], data, today)
    rounds = [r.id for r in event.rounds]
    for user, sector, title in zip(world["companies"], ("energie", "bouw"), ("Zon", "Huis"), strict=True):
        register_session(user, event.id, SessionData("workshop", title, sector, [], 30, rounds), today)
    for user, klas in zip(world["schools"], ("4H1", "4H2"), strict=True):
        register_group(user, event.id, GroupData(klas, "havo", 25, rounds, ["energie", "bouw"]), today)
    commit()
    _plan(runner, event.id)
    return event.id


# --------------------------------------------------------------------------- reminders
def test_which_reminder_is_due():
    first = date(2027, 4, 1)
    assert kind_for(first, date(2027, 3, 24)) is None
    assert [kind_for(first, date(2027, 3, d)) for d in (25, 29, 30, 31)] == ["week", "week", "week", "day"]
    assert kind_for(first, first) == "day" and kind_for(first, date(2027, 4, 2)) is None


def test_reminders_a_week_and_a_day_before_each_once(app, world, planned, runner, mailbox):
    week = runner.invoke(args=["event", "remind", "--now", "2027-03-25T05:00"])
    assert week.exit_code == 0, week.output
    assert json.loads(week.stdout) == {"events": 1, "school": 2, "company": 2, "skipped": 0}
    school, company = world["schools"][0], world["companies"][0]
    (msg,) = mailbox.to(school.email)
    text = mailbox.text_of(msg)
    assert msg["Subject"] == "Over een week: Techniekdag Zwolle"
    assert "4H1" in text and "4H2" not in text and "Zon" in text and "Huis" in text
    assert f"http://loket.test/loopbaandagen/{planned}/programma" in text
    assert text.count(f"http://loket.test/loopbaandagen/{planned}/groepen/") == 2  # an .ics per round
    (msg,) = mailbox.to(company.email)
    text = mailbox.text_of(msg)
    assert "Zon" in text and "4H1" in text and "4H2" in text and "Huis" not in text
    assert world["schools"][0].organisation.name in text and school.email not in text
    assert f"http://loket.test/loopbaandagen/{planned}/bedrijf" in text
    again = runner.invoke(args=["event", "remind", "--now", "2027-03-27T05:00"])
    assert json.loads(again.stdout)["school"] == 0 and len(mailbox.messages) == 4
    mailbox.clear()
    job = next(j for j in JOBS if j.name == "event_reminders")
    outcome = run_job(job, datetime(2027, 3, 31, 5, tzinfo=UTC))  # the scheduler's way
    assert outcome.ok and outcome.result == {"events": 1, "school": 2, "company": 2, "skipped": 0}
    assert mailbox.to(school.email)[0]["Subject"] == "Morgen: Techniekdag Zwolle"
    assert run_job(job, datetime(2027, 3, 31, 9, tzinfo=UTC)).result["school"] == 0
    kinds = db.session.execute(select(EventReminder.kind, func.count()).group_by(EventReminder.kind)).all()
    assert dict(kinds) == {"week": 4, "day": 4}
    late = runner.invoke(args=["event", "remind", "--now", "2027-04-02T05:00"])
    assert json.loads(late.stdout) == {"events": 0, "school": 0, "company": 0, "skipped": 0}


def test_reminder_in_the_readers_language(app, world, planned, runner, mailbox):
    world["schools"][0].locale = "en"
    commit()
    runner.invoke(args=["event", "remind", "--now", "2027-03-31T05:00"])
    (msg,) = mailbox.to(world["schools"][0].email)
    assert msg["Subject"] == "Tomorrow: Techniekdag Zwolle"
    assert "The programme of your groups:" in mailbox.text_of(
        msg
    ) and "not assigned yet" not in mailbox.text_of(msg)


# --------------------------------------------------------------------------- feedback
def test_feedback_only_after_the_day(client, world, planned):
    login(client, world["schools"][0])
    page = client.get(f"/loopbaandagen/{planned}/feedback")
    assert page.status_code == 200 and "zodra de loopbaandag voorbij is" in page.get_data(as_text=True)
    refused = client.post(f"/loopbaandagen/{planned}/feedback", data={})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(EventFeedback)) == 0


def test_schools_and_companies_rate_sessions_once_and_may_edit(client, world, held, make):
    event_sessions = {s.title: s.id for s in db.session.scalars(select(EventSession))}
    zon, huis = event_sessions["Zon"], event_sessions["Huis"]
    url = f"/loopbaandagen/{held}/feedback"
    login(client, world["schools"][0])
    html = client.get(url).get_data(as_text=True)
    assert f'name="rating_{zon}"' in html and f'name="rating_{huis}"' in html
    bad = client.post(
        url,
        data={
            f"rating_{zon}": "9",
            f"comment_{zon}": "x" * 1001,
            f"rating_{huis}": "",
            f"comment_{huis}": "Leuk",
        },
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Kies een cijfer van 1 tot 5." in html and "Deze tekst is te lang" in html
    assert "Geef ook een cijfer bij je opmerking." in html
    assert db.session.scalar(select(func.count()).select_from(EventFeedback)) == 0
    empty = client.post(url, data={f"rating_{zon}": "", f"rating_{huis}": ""})
    assert empty.status_code == 422 and "Geef minstens één sessie een cijfer." in empty.get_data(as_text=True)
    ok = client.post(url, data={f"rating_{zon}": "5", f"comment_{zon}": "Erg *leuk*", f"rating_{huis}": "4"})
    assert ok.status_code == 302
    edit = client.post(url, data={f"rating_{zon}": "4", f"comment_{zon}": "Toch goed"})
    assert edit.status_code == 302
    rows = {f.session_id: f for f in db.session.scalars(select(EventFeedback))}
    assert len(rows) == 2 and rows[zon].rating == 4 and rows[zon].comment == "Toch goed"
    assert rows[huis].rating == 4 and rows[zon].side == "school"
    assert '<option selected value="4">' in client.get(url).get_data(as_text=True)
    logout(client)
    login(client, world["companies"][0])
    html = client.get(url).get_data(as_text=True)
    assert f'name="rating_{zon}"' in html and f'name="rating_{huis}"' not in html  # its own session only
    client.post(url, data={f"rating_{zon}": "5", f"comment_{zon}": "Goede groepen", f"rating_{huis}": "1"})
    assert db.session.scalar(select(func.count()).select_from(EventFeedback)) == 3  # huis ignored
    logout(client)
    outsider = make.user(make.school())
    commit()
    login(client, outsider)
    assert client.get(url).status_code == 403
    logout(client)
    login(client, world["manager"])
    html = client.get(f"/loopbaandagen/{held}/beheer").get_data(as_text=True)
    assert f'data-rating="{zon}">4.5' in html and "2 oordelen" in html
    assert "Toch goed" in html and "Goede groepen" in html and "<em>" not in html


def test_feedback_page_in_english(client, world, held):
    login(client, world["schools"][0])
    client.get("/taal/en")
    html = client.get(f"/loopbaandagen/{held}/feedback").get_data(as_text=True)
    assert "Save feedback" in html and dutch_in(html) == []


# --------------------------------------------------------------------------- dashboard figures
def test_region_dashboard_shows_pupils_reached_per_world_and_level(client, world, held):
    login(client, world["manager"])
    html = client.get(
        f"/regio/?cluster={world['cluster'].id}&period=custom&start=2025-01-01&end=2025-06-30"
    ).get_data(as_text=True)
    assert "Loopbaandagen in deze periode" in html
    assert "2 groepen met 50 leerlingen, 100 leerlingbezoeken" in html.replace("\n", " ")
    assert 'data-world="energie_water_veiligheid"' in html and 'data-level="havo"' in html
    assert "event-chart-" in html
    other = client.get(f"/regio/?cluster={world['cluster'].id}").get_data(as_text=True)
    assert "Geen ingedeelde loopbaandagen in deze periode." in other  # this school year: none


# --------------------------------------------------------------------------- reasons, cascade
def test_unplaced_reasons_in_the_readers_language(client, world, runner):
    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    rounds = [r.id for r in event.rounds]
    register_session(
        world["companies"][0], event.id, SessionData("workshop", "Zon", "energie", [], 10, rounds), TODAY
    )
    register_group(world["schools"][0], event.id, GroupData("4H1", "havo", 25, rounds), TODAY)
    commit()
    _plan(runner, event.id)
    dry = runner.invoke(args=["event", "plan", str(event.id), "--dry-run", "--json", "--time-limit", "5"])
    unplaced = json.loads(dry.stdout)["unplaced"]
    assert {(u["reason"], u["message"]) for u in unplaced} == {
        ("too_large", "groep is groter dan elke passende sessie in deze ronde")
    }
    login(client, world["manager"])
    html = client.get(f"/loopbaandagen/{event.id}/beheer").get_data(as_text=True)
    assert "groep is groter dan elke passende sessie in deze ronde" in html and "4H1 (" in html
    client.get("/taal/en")
    html = client.get(f"/loopbaandagen/{event.id}/beheer").get_data(as_text=True)
    assert "the group is larger than every fitting session in this round" in html


@pytest.mark.parametrize("model", [EventSession, EventGroup, EventRound])
def test_deleting_a_session_group_or_round_deletes_its_plan_rows(app, world, held, model):
    before = db.session.scalar(select(func.count()).select_from(EventAssignment))
    assert before == 4
    row = db.session.scalars(select(model).order_by(model.id)).first()
    linked = db.session.scalar(
        select(func.count())
        .select_from(EventAssignment)
        .where(getattr(EventAssignment, f"{_col(model)}") == row.id)
    )
    db.session.add(
        EventFeedback(
            event_id=held,
            session_id=db.session.scalars(select(EventSession.id)).first(),
            user_id=world["schools"][0].id,
            organisation_id=world["schools"][0].organisation_id,
            side="school",
            rating=5,
        )
    )
    commit()
    db.session.delete(row)
    commit()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(EventAssignment)) == before - linked
    if model is EventSession:
        assert db.session.scalar(select(func.count()).select_from(EventFeedback)) == 0


def _col(model) -> str:
    return {EventSession: "session_id", EventGroup: "group_id", EventRound: "round_id"}[model]
