"""Career-day pages through the test client: the manager's grid after ``loket event plan``, the
public programme once published (no login), a school's programme and CSV (its own groups only)."""

from __future__ import annotations

import csv
import io

import pytest

from loket.db import db
from loket.models import CareerEvent
from tests.factories import commit
from tests.integration.lifecycle_helpers import login, logout
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


def test_manager_sees_the_grid_with_fill_rates(client, world, planned):
    login(client, world["manager"])
    page = client.get(f"/loopbaandagen/{planned}/beheer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bezetting per sessie en ronde" in html and "25/30 (83%)" in html
    assert "Zon" in html and "Huis" in html
    logout(client)
    login(client, world["other_manager"])
    assert client.get(f"/loopbaandagen/{planned}/beheer").status_code == 403
    logout(client)
    login(client, world["schools"][0])
    assert client.get(f"/loopbaandagen/{planned}/beheer").status_code == 403
    logout(client)
    assert client.get(f"/loopbaandagen/{planned}/beheer").status_code in (302, 401)


def test_manager_page_before_planning(client, world, make):
    from loket.services.events import create_event
    from tests.integration.test_events_service import TODAY, _event_data

    event = create_event(world["manager"], _event_data([world["cluster"].id]), TODAY)
    commit()
    login(client, world["manager"])
    html = client.get(f"/loopbaandagen/{event.id}/beheer").get_data(as_text=True)
    assert f"loket event plan {event.id}" in html and "Bezetting" not in html


def test_public_page_only_once_published(client, world, planned):
    assert client.get(f"/loopbaandagen/{planned}").status_code == 404
    db.session.get(CareerEvent, planned).published = True
    commit()
    page = client.get(f"/loopbaandagen/{planned}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Techniekdag Zwolle" in html and "Zon" in html and "Huis" in html
    assert "4H1" not in html  # no schools' classes on the public page
    assert client.get("/loopbaandagen/999999").status_code == 404


def test_school_sees_own_programme_and_csv(client, world, planned, make):
    login(client, world["schools"][0])
    page = client.get(f"/loopbaandagen/{planned}/programma")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "4H1" in html and "4H2" not in html
    assert html.count("<strong>") == 2  # one session in each round
    download = client.get(f"/loopbaandagen/{planned}/programma.csv")
    assert download.status_code == 200 and download.mimetype.startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Klas" and len(rows) == 3 and {r[0] for r in rows[1:]} == {"4H1"}
    assert {r[7] for r in rows[1:]} == {"Zon", "Huis"}
    logout(client)
    outsider = make.user(make.school())
    commit()
    login(client, outsider)
    assert client.get(f"/loopbaandagen/{planned}/programma").status_code == 403
    assert client.get(f"/loopbaandagen/{planned}/programma.csv").status_code == 403


def test_pages_in_english(client, world, planned):
    login(client, world["manager"])
    client.get("/taal/en")
    html = client.get(f"/loopbaandagen/{planned}/beheer").get_data(as_text=True)
    assert "Occupancy per session and round" in html and "Bezetting" not in html
    login(client, world["schools"][0])
    rows = client.get(f"/loopbaandagen/{planned}/programma.csv").get_data(as_text=True)
    assert rows.lstrip("\ufeff").startswith("Class")


def test_manager_publishes_and_withdraws(client, world, planned, make):
    assert client.get(f"/loopbaandagen/{planned}").status_code == 404
    login(client, world["schools"][0])
    assert client.post(f"/loopbaandagen/{planned}/publiceren").status_code == 403
    logout(client)
    login(client, world["manager"])
    page = client.get(f"/loopbaandagen/{planned}/beheer").get_data(as_text=True)
    assert f'action="/loopbaandagen/{planned}/publiceren"' in page
    done = client.post(f"/loopbaandagen/{planned}/publiceren", follow_redirects=True)
    assert "De openbare pagina is gepubliceerd." in done.get_data(as_text=True)
    logout(client)
    assert client.get(f"/loopbaandagen/{planned}").status_code == 200
    login(client, world["manager"])
    client.post(f"/loopbaandagen/{planned}/publiceren?uit=1")
    logout(client)
    assert client.get(f"/loopbaandagen/{planned}").status_code == 404


def test_public_and_school_pages_send_few_statements_whatever_the_companies(
    client, world, planned, make, runner, count_queries
):
    from loket.services.events import GroupData, SessionData, register_group, register_session, set_published
    from tests.integration.test_events_service import TODAY

    event = db.session.get(CareerEvent, planned)
    rounds = [r.id for r in event.rounds]
    set_published(world["manager"], planned, True)
    commit()
    login(client, world["schools"][0])

    def counts() -> dict[str, int]:
        out = {}
        for url in (f"/loopbaandagen/{planned}", f"/loopbaandagen/{planned}/programma"):
            db.session.expire_all()  # as tests/integration/test_statement_counts.py does
            with count_queries() as seen:
                assert client.get(url).status_code == 200, url
            out[url] = len(seen)
        return out

    small = counts()
    for i in range(6):
        company = make.company(name=f"Extra {i}", sectors=("energie",))
        company.cluster_id = world["cluster"].id
        user = make.user(company)
        register_session(
            user, planned, SessionData("workshop", f"Extra {i}", "energie", [], 30, rounds), TODAY
        )
        register_group(
            world["schools"][0], planned, GroupData(f"3H{i}", "havo", 25, rounds, ["energie"]), TODAY
        )
    commit()
    assert runner.invoke(args=["event", "plan", str(planned), "--time-limit", "5"]).exit_code == 0
    large = counts()
    html = client.get(f"/loopbaandagen/{planned}/programma").get_data(as_text=True)
    assert sum(f"Extra {i}" in html for i in range(6)) >= 3  # the school's groups visit several new companies
    grown = {url: (small[url], n) for url, n in large.items() if n > small[url] + 1}
    assert not grown, f"statements grew with the companies (small, large): {grown}"
