"""Career-day outputs through the test client: a group's .ics per round (its school and the event's
managers only; everyone else 404), the company's list per round (page and CSV, no teacher data),
the manager's printable programme with its print stylesheet, and the new pages in English."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from loket.db import db
from loket.models import CareerEvent, EventAssignment
from tests.factories import commit
from tests.integration.lifecycle_helpers import login, logout
from tests.integration.test_english_pages import dutch_in
from tests.integration.test_events_service import _setup_event, build_world


@pytest.fixture
def world(make):
    return build_world(make)


@pytest.fixture
def planned(app, world, runner):
    event = _setup_event(world)
    result = runner.invoke(args=["event", "plan", str(event.id), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    return event.id


def _visit(event_id: int, school_user) -> EventAssignment:
    return next(
        a
        for a in db.session.query(EventAssignment).filter_by(event_id=event_id)
        if a.group.organisation_id == school_user.organisation_id
    )


def test_school_downloads_a_calendar_file_per_round(client, world, planned):
    visit = _visit(planned, world["schools"][0])
    url = f"/loopbaandagen/{planned}/groepen/{visit.group_id}/rondes/{visit.round_id}.ics"
    login(client, world["schools"][0])
    page = client.get(f"/loopbaandagen/{planned}/programma").get_data(as_text=True)
    assert f'href="{url}"' in page and page.count('.ics" download') == 2 and "data-print" in page
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    assert "attachment" in resp.headers["Content-Disposition"]
    body = resp.get_data(as_text=True).replace("\r\n ", "")
    assert body.count("BEGIN:VEVENT") == 1
    start = "DTSTART:20270401T070000Z" if visit.round.starts_at.hour == 9 else "DTSTART:20270401T083000Z"
    assert start in body  # 09:00 / 10:30 in Amsterdam (summer time)
    assert f"SUMMARY:{visit.session.title}\\, {visit.session.organisation.name}" in body
    assert "LOCATION:Techniekdag Zwolle\\, 8011 AB" in body
    assert f"loopbaandag-{planned}-groep-{visit.group_id}-ronde-{visit.round_id}@loket.test" in body
    logout(client)
    login(client, world["manager"])
    assert client.get(url).status_code == 200
    for outsider in (world["schools"][1], world["companies"][0], world["other_manager"]):
        logout(client)
        login(client, outsider)
        assert client.get(url).status_code == 404, outsider.email
    logout(client)
    assert client.get(url).status_code in (302, 401)


def test_calendar_ids_must_belong_together(client, world, planned, make):
    visit = _visit(planned, world["schools"][0])
    login(client, world["schools"][0])
    base = f"/loopbaandagen/{planned}"
    assert client.get(f"{base}/groepen/{visit.group_id}/rondes/999999.ics").status_code == 404
    assert client.get(f"{base}/groepen/999999/rondes/{visit.round_id}.ics").status_code == 404
    assert (
        client.get(f"/loopbaandagen/999999/groepen/{visit.group_id}/rondes/{visit.round_id}.ics").status_code
        == 404
    )
    db.session.delete(visit)  # a round without a session has no calendar file
    commit()
    assert client.get(f"{base}/groepen/{visit.group_id}/rondes/{visit.round_id}.ics").status_code == 404


def test_company_sees_the_groups_it_expects_per_round(client, world, planned, make):
    login(client, world["companies"][0])
    resp = client.get(f"/loopbaandagen/{planned}/bedrijf")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Zon" in html and "Huis" not in html  # only its own session
    assert "4H1" in html and "4H2" in html and "25 van 30 plaatsen" in html
    schools = [u.organisation.name for u in world["schools"]]
    assert all(name in html for name in schools)
    teachers = [u.email for u in world["schools"]] + [u.display_name for u in world["schools"]]
    assert not any(t in html for t in teachers)  # no teacher data for companies
    download = client.get(f"/loopbaandagen/{planned}/bedrijf.csv")
    assert download.status_code == 200 and download.mimetype.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Sessie",
        "Datum",
        "Begin",
        "Einde",
        "School",
        "Klas",
        "Niveau",
        "Leerlingen",
        "Plaatsen",
    ]
    assert (
        len(rows) == 3 and {r[5] for r in rows[1:]} == {"4H1", "4H2"} and {r[0] for r in rows[1:]} == {"Zon"}
    )
    assert not any(t in download.get_data(as_text=True) for t in teachers)
    logout(client)
    no_session = make.company()
    no_session.cluster_id = world["cluster"].id
    colleague_without_session = make.user(no_session)
    commit()
    for outsider in (colleague_without_session, world["schools"][0], world["manager"]):
        login(client, outsider)
        assert client.get(f"/loopbaandagen/{planned}/bedrijf").status_code == 403
        assert client.get(f"/loopbaandagen/{planned}/bedrijf.csv").status_code == 403
        logout(client)


def test_manager_prints_the_whole_programme(client, world, planned):
    login(client, world["manager"])
    html = client.get(f"/loopbaandagen/{planned}/beheer").get_data(as_text=True)
    assert f'href="/loopbaandagen/{planned}/afdrukken"' in html
    resp = client.get(f"/loopbaandagen/{planned}/afdrukken")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count('class="print-round"') == 2 and html.count("<caption>") == 4  # 2 rounds x 2 sessions
    assert "4H1" in html and "4H2" in html and "print.js" in html
    for outsider in (world["other_manager"], world["schools"][0], world["companies"][0]):
        logout(client)
        login(client, outsider)
        assert client.get(f"/loopbaandagen/{planned}/afdrukken").status_code == 403
    css = client.get("/static/loket.css").get_data(as_text=True)
    assert "@media print" in css and "break-after: page" in css
    js = (Path(__file__).resolve().parents[2] / "loket" / "web" / "static" / "print.js").read_text()
    assert "window.print()" in js


def test_new_pages_in_english(client, world, planned):
    login(client, world["manager"])
    client.get("/taal/en")
    html = client.get(f"/loopbaandagen/{planned}/afdrukken").get_data(as_text=True)
    assert "Round" in html and dutch_in(html) == []
    login(client, world["companies"][0])
    html = client.get(f"/loopbaandagen/{planned}/bedrijf").get_data(as_text=True)
    assert "Groups per round" in html and dutch_in(html) == []
    rows = client.get(f"/loopbaandagen/{planned}/bedrijf.csv").get_data(as_text=True)
    assert rows.lstrip("\ufeff").startswith("Session")
    login(client, world["schools"][0])
    html = client.get(f"/loopbaandagen/{planned}/programma").get_data(as_text=True)
    assert "add to your calendar (.ics)" in html


def test_pages_send_few_statements_whatever_the_groups(client, world, planned, make, runner, count_queries):
    from loket.services.events import GroupData, register_group
    from tests.integration.test_events_service import TODAY

    event = db.session.get(CareerEvent, planned)
    rounds = [r.id for r in event.rounds]
    pages = {
        world["manager"]: [f"/loopbaandagen/{planned}/beheer", f"/loopbaandagen/{planned}/afdrukken"],
        world["companies"][0]: [f"/loopbaandagen/{planned}/bedrijf", f"/loopbaandagen/{planned}/bedrijf.csv"],
        world["schools"][0]: [f"/loopbaandagen/{planned}/programma"],
    }

    def counts() -> dict[str, int]:
        out = {}
        for user, urls in pages.items():
            login(client, user)
            for url in urls:
                db.session.expire_all()  # as tests/integration/test_statement_counts.py does
                with count_queries() as seen:
                    assert client.get(url).status_code == 200, url
                out[url] = len(seen)
            logout(client)
        return out

    small = counts()
    for i in range(6):
        school = make.school()
        school.cluster_id = world["cluster"].id
        register_group(make.user(school), planned, GroupData(f"2V{i}", "vwo", 5, rounds), TODAY)
    commit()
    assert runner.invoke(args=["event", "plan", str(planned), "--time-limit", "5"]).exit_code == 0
    large = counts()
    assert all(n <= 30 for n in large.values()), large
    grown = {url: (small[url], n) for url, n in large.items() if n > small[url] + 1}
    assert not grown, f"statements grew with the groups (small, large): {grown}"
