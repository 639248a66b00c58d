"""Career days on the web for managers: the overview, creating an event (every error at once, the
rows of rounds with and without "Meer rijen"), inviting ranked companies with single-use links, and
planning from the manage page. Who may do what: other clusters' managers, schools, companies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import ActionToken, CareerEvent, EventAssignment
from loket.models.event_invitations import EventInvitation
from tests.factories import commit
from tests.integration import event_web_helpers as h
from tests.integration.lifecycle_helpers import login, logout


@pytest.fixture
def w(make):
    return h.world(make)


def _new_event_form(w, **kw) -> dict:
    data = {
        "name": "Loopbaandag Zwolle",
        "venue_postcode": "8011ab",
        "description": "Een dag **techniek**.",
        "cluster_ids": [str(w["cluster"].id)],
        "registration_deadline": h.DEADLINE.isoformat(),
        "rounds-0-day": h.DAY.isoformat(),
        "rounds-0-start": "09:00",
        "rounds-0-end": "09:45",
        "rounds-1-day": h.DAY.isoformat(),
        "rounds-1-start": "10:00",
        "rounds-1-end": "10:45",
        "rounds-2-day": "",
        "rounds-2-start": "",
        "rounds-2-end": "",
    }
    data.update(kw)
    return data


def test_manager_creates_an_event_from_the_web(client, w):
    login(client, w["manager"])
    page = client.get("/loopbaandagen/nieuw")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cluster Zwolle" in html and "Cluster Utrecht" not in html  # only the clusters they manage
    assert html.count('class="round-row"') == 3
    done = client.post("/loopbaandagen/nieuw", data=_new_event_form(w))
    assert done.status_code == 302
    event = db.session.scalars(select(CareerEvent).where(CareerEvent.name == "Loopbaandag Zwolle")).one()
    assert done.headers["Location"].endswith(f"/loopbaandagen/{event.id}/beheer")
    assert (
        len(event.rounds) == 2
        and event.venue_postcode == "8011 AB"
        and event.cluster_ids == [w["cluster"].id]
    )
    overview = client.get("/loopbaandagen/").get_data(as_text=True)
    assert "Loopbaandag Zwolle" in overview and "Nieuwe loopbaandag" in overview


def test_every_error_at_once_beside_the_fields(client, w):
    login(client, w["manager"])
    bad = _new_event_form(
        w,
        name="",
        venue_postcode="12",
        registration_deadline="2000-01-01",
        **{"rounds-0-end": "08:00", "rounds-1-start": "tien uur"},
    )
    bad.pop("cluster_ids")
    page = client.post("/loopbaandagen/nieuw", data=bad)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    for message in (
        "Geef de loopbaandag een naam.",
        "Kies minstens één cluster.",
        "De aanmelddatum ligt in het verleden.",
        "Vul een tijd in (uu:mm).",
    ):
        assert message in html, message
    assert 'id="venue_postcode-error"' in html
    assert db.session.scalar(select(func.count(CareerEvent.id))) == 0


def test_a_round_that_ends_before_it_starts_is_named(client, w):
    login(client, w["manager"])
    page = client.post("/loopbaandagen/nieuw", data=_new_event_form(w, **{"rounds-0-end": "08:00"}))
    assert page.status_code == 422 and "Een ronde eindigt na haar begin." in page.get_data(as_text=True)
    empty = _new_event_form(w, **{k: "" for k in _new_event_form(w) if k.startswith("rounds-")})
    page = client.post("/loopbaandagen/nieuw", data=empty)
    assert "Voeg minstens één ronde toe." in page.get_data(as_text=True)


def test_more_rows_without_javascript_keeps_what_was_typed(client, w):
    login(client, w["manager"])
    page = client.post("/loopbaandagen/nieuw", data={**_new_event_form(w), "meer_rijen": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('class="round-row"') == 6
    assert 'value="Loopbaandag Zwolle"' in html and 'value="09:45"' in html
    assert db.session.scalar(select(func.count(CareerEvent.id))) == 0


def test_who_may_create(client, w):
    for user in (w["schools"][0], w["near"]):
        login(client, user)
        assert client.get("/loopbaandagen/nieuw").status_code == 403
        assert client.post("/loopbaandagen/nieuw", data=_new_event_form(w)).status_code == 403
        logout(client)
    login(client, w["other_manager"])  # a cluster they do not manage
    page = client.post("/loopbaandagen/nieuw", data=_new_event_form(w))
    assert page.status_code in (403, 422)
    assert db.session.scalar(select(func.count(CareerEvent.id))) == 0
    logout(client)
    assert client.get("/loopbaandagen/nieuw").status_code in (302, 401)
    login(client, w["admin"])
    assert "Cluster Utrecht" in client.get("/loopbaandagen/nieuw").get_data(as_text=True)


def test_overview_for_schools_and_companies(client, w):
    ev = h.event(w)
    login(client, w["schools"][0])
    html = client.get("/loopbaandagen/").get_data(as_text=True)
    assert "Techniekdag Zwolle" in html and f"/loopbaandagen/{ev.id}/groep" in html
    assert "Nieuwe loopbaandag" not in html
    logout(client)
    login(client, w["near"])
    assert f"/loopbaandagen/{ev.id}/sessie" in client.get("/loopbaandagen/").get_data(as_text=True)
    logout(client)
    login(client, w["outside_school"])
    assert "Techniekdag Zwolle" not in client.get("/loopbaandagen/").get_data(as_text=True)
    logout(client)
    login(client, w["other_manager"])
    assert "Techniekdag Zwolle" not in client.get("/loopbaandagen/").get_data(as_text=True)


def test_invitations_ranked_sent_once_with_single_use_links(client, w, mailbox):
    ev = h.event(w)
    login(client, w["manager"])
    page = client.get(f"/loopbaandagen/{ev.id}/uitnodigen")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # nearest first while no school has said what it wants; distance shown, no contact: no box
    assert html.index("Zon Zwolle") < html.index("Zonder Contact") < html.index("Bouw Deventer")
    assert "km" in html and "geen contactpersoon" in html and "Utrecht BV" not in html
    near_org, far_org = w["near"].organisation_id, w["far"].organisation_id
    sent = client.post(
        f"/loopbaandagen/{ev.id}/uitnodigen", data={"organisations": [str(near_org), str(far_org)]}
    )
    assert sent.status_code == 302
    rows = db.session.scalars(select(EventInvitation).order_by(EventInvitation.rank)).all()
    assert [(r.organisation_id, r.rank) for r in rows] == [(near_org, 1), (far_org, 3)]
    assert rows[0].distance_km is not None and rows[0].distance_km < rows[1].distance_km
    (msg,) = mailbox.to("zon@bedrijf.example")
    assert "Techniekdag Zwolle" in msg["Subject"]
    body = mailbox.text_of(msg)
    assert re.search(r"/loopbaandagen/uitnodiging/\S+", body)
    # not twice
    client.post(f"/loopbaandagen/{ev.id}/uitnodigen", data={"organisations": [str(near_org)]})
    assert db.session.scalar(select(func.count(EventInvitation.id))) == 2
    assert len(mailbox.to("zon@bedrijf.example")) == 1
    assert "uitgenodigd" in client.get(f"/loopbaandagen/{ev.id}/uitnodigen").get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count(ActionToken.id)).where(ActionToken.purpose == "event_invite"))
        == 2
    )


def test_invitation_errors_and_permissions(client, w, mailbox):
    ev = h.event(w)
    login(client, w["manager"])
    page = client.post(f"/loopbaandagen/{ev.id}/uitnodigen", data={})
    assert page.status_code == 422 and "Kies minstens één bedrijf." in page.get_data(as_text=True)
    outside = w["outside_company"].organisation_id
    page = client.post(f"/loopbaandagen/{ev.id}/uitnodigen", data={"organisations": [str(outside)]})
    assert page.status_code == 422 and "hoort niet bij de clusters" in page.get_data(as_text=True)
    logout(client)
    for user in (w["other_manager"], w["schools"][0], w["near"]):
        login(client, user)
        assert client.get(f"/loopbaandagen/{ev.id}/uitnodigen").status_code == 403
        logout(client)
    login(client, w["manager"])
    assert client.get("/loopbaandagen/99999/uitnodigen").status_code == 404
    assert not mailbox.messages


def test_sector_fit_ranks_by_what_the_groups_want(client, w, make):
    from loket.services.events import GroupData, register_group

    ev = h.event(w)
    rounds = [r.id for r in ev.rounds]
    for _ in range(2):
        register_group(w["schools"][0], ev.id, GroupData("4H", "havo", 20, rounds, ["bouw"]), h.date.today())
    commit()
    login(client, w["manager"])
    html = client.get(f"/loopbaandagen/{ev.id}/uitnodigen").get_data(as_text=True)
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<label for="org-\d+">([^<]+)</label></th>(.*?)</tr>', html, re.S)
    }
    assert "gevraagd door scholen" in rows["Bouw Deventer"]
    assert "gevraagd door scholen" not in rows["Zon Zwolle"]
    # distance weighs as in the matching engine (0.22 against 0.14 for the sector): 29 km is far
    assert "29." in rows["Bouw Deventer"] or "28." in rows["Bouw Deventer"]


def test_plan_from_the_web_and_replan(client, w):
    from loket.services.events import GroupData, SessionData, register_group, register_session

    ev = h.event(w)
    rounds = [r.id for r in ev.rounds]
    today = h.date.today()
    register_session(w["near"], ev.id, SessionData("workshop", "Zon", "energie", [], 30, rounds), today)
    register_session(w["far"], ev.id, SessionData("stand", "Huis", "bouw", [], 30, rounds), today)
    for user, klas in zip(w["schools"], ("4H1", "4H2"), strict=True):
        register_group(user, ev.id, GroupData(klas, "havo", 25, rounds, ["energie"]), today)
    commit()
    login(client, w["schools"][0])
    assert client.post(f"/loopbaandagen/{ev.id}/plannen").status_code == 403
    logout(client)
    login(client, w["other_manager"])
    assert client.post(f"/loopbaandagen/{ev.id}/plannen").status_code == 403
    logout(client)
    login(client, w["manager"])
    before = client.get(f"/loopbaandagen/{ev.id}/beheer").get_data(as_text=True)
    assert f'action="/loopbaandagen/{ev.id}/plannen"' in before and ">Plannen<" in before
    done = client.post(f"/loopbaandagen/{ev.id}/plannen", follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Ingedeeld: 4 van 4 groepsrondes, 0 niet ingedeeld." in html
    assert "Bezetting per sessie en ronde" in html and "Opnieuw plannen" in html
    first = set(
        db.session.execute(
            select(EventAssignment.group_id, EventAssignment.round_id, EventAssignment.session_id)
        )
    )
    client.post(f"/loopbaandagen/{ev.id}/plannen")
    again = set(
        db.session.execute(
            select(EventAssignment.group_id, EventAssignment.round_id, EventAssignment.session_id)
        )
    )
    assert first == again  # nothing changed: the re-plan keeps every group where it was
    assert client.post("/loopbaandagen/99999/plannen").status_code == 404


def test_unplaced_groups_are_named_with_their_reason(client, w):
    from loket.services.events import GroupData, SessionData, register_group, register_session

    ev = h.event(w)
    rounds = [r.id for r in ev.rounds]
    today = h.date.today()
    register_session(w["near"], ev.id, SessionData("workshop", "Zon", "energie", ["vmbo"], 30, rounds), today)
    register_group(w["schools"][0], ev.id, GroupData("5V", "vwo", 25, rounds[:1], []), today)
    commit()
    login(client, w["manager"])
    html = client.post(f"/loopbaandagen/{ev.id}/plannen", follow_redirects=True).get_data(as_text=True)
    assert "Niet ingedeeld" in html and "5V (Zwolle College)" in html


def test_manager_edits_an_unpublished_event_keeping_its_rounds(client, w):
    from loket.services.events import SessionData, register_session

    ev = h.event(w)
    first, second = (r.id for r in ev.rounds)
    register_session(
        w["near"], ev.id, SessionData("workshop", "Zon", "energie", [], 30, [first]), h.date.today()
    )
    commit()
    login(client, w["manager"])
    page = client.get(f"/loopbaandagen/{ev.id}/wijzigen")
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200
        and 'value="Techniekdag Zwolle"' in html
        and html.count('class="round-row"') == 5
    )
    form = _new_event_form(
        w,
        name="Techniekdag Zwolle 2",
        **{
            "rounds-0-round_id": str(first),
            "rounds-0-start": "08:30",
            "rounds-1-round_id": str(second),
            "rounds-1-day": "",
            "rounds-1-start": "",
            "rounds-1-end": "",
            "rounds-2-day": h.DAY.isoformat(),
            "rounds-2-start": "13:00",
            "rounds-2-end": "14:00",
        },
    )
    assert client.post(f"/loopbaandagen/{ev.id}/wijzigen", data=form).status_code == 302
    db.session.expire_all()
    ev = db.session.get(CareerEvent, ev.id)
    assert ev.name == "Techniekdag Zwolle 2"
    assert [(r.id == first, f"{r.starts_at:%H:%M}") for r in ev.rounds] == [(True, "08:30"), (False, "13:00")]
    # the round the session chose cannot go
    form = _new_event_form(w, **{"rounds-0-round_id": "", "rounds-1-round_id": ""})
    page = client.post(f"/loopbaandagen/{ev.id}/wijzigen", data=form)
    assert page.status_code == 422 and "kan niet weg" in page.get_data(as_text=True)
    logout(client)
    login(client, w["other_manager"])
    assert client.get(f"/loopbaandagen/{ev.id}/wijzigen").status_code == 403
    logout(client)
    login(client, w["schools"][0])
    assert client.post(f"/loopbaandagen/{ev.id}/wijzigen", data=form).status_code == 403
    logout(client)
    ev.published = True
    commit()
    login(client, w["manager"])
    gone = client.get(f"/loopbaandagen/{ev.id}/wijzigen", follow_redirects=True)
    assert "haal hem eerst offline" in gone.get_data(as_text=True)


def test_planning_an_empty_event_is_no_error(client, w):
    ev = h.event(w)
    login(client, w["manager"])
    done = client.post(f"/loopbaandagen/{ev.id}/plannen", follow_redirects=True)
    assert done.status_code == 200
    assert "Ingedeeld: 0 van 0 groepsrondes, 0 niet ingedeeld." in done.get_data(as_text=True)


def test_invitation_page_sends_few_statements_whatever_the_companies(client, w, make, count_queries):
    ev = h.event(w)
    login(client, w["manager"])

    def statements() -> int:
        db.session.expire_all()  # as tests/integration/test_statement_counts.py does
        with count_queries() as seen:
            assert client.get(f"/loopbaandagen/{ev.id}/uitnodigen").status_code == 200
        return len(seen)

    small = statements()
    for i in range(6):
        company = make.company(name=f"Extra {i}", place="Kampen")
        company.cluster_id = w["cluster"].id
        make.user(company)
    commit()
    large = statements()
    assert large <= small + 1, (small, large)
