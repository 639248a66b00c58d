"""Career days on the web for companies and schools: sessions and groups registered, listed, edited
and withdrawn until the deadline (every error at once); withdrawing after planning removes the
assignments and tells the manager; the one-click invitation link (no login, once, not after the
deadline, not for another event or a forged token)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import EventAssignment, EventGroup, EventSession, Notification
from loket.models.event_invitations import EventInvitation
from loket.services.events import GroupData, SessionData, plan_event, register_group, register_session
from tests.factories import commit
from tests.integration import event_web_helpers as h
from tests.integration.lifecycle_helpers import login, logout


@pytest.fixture
def w(make):
    return h.world(make)


@pytest.fixture
def ev(w):
    return h.event(w)


def _rounds(ev) -> list[int]:
    return [r.id for r in ev.rounds]


def test_company_registers_lists_edits_and_withdraws_a_session(client, w, ev):
    login(client, w["near"])
    page = client.get(f"/loopbaandagen/{ev.id}/sessie")
    assert page.status_code == 200 and "Nieuwe sessie" in page.get_data(as_text=True)
    done = client.post(f"/loopbaandagen/{ev.id}/sessie", data=h.session_form(_rounds(ev), levels=["havo"]))
    assert done.status_code == 302
    session = db.session.scalars(select(EventSession)).one()
    assert (session.kind, session.sector, session.levels, session.seats_per_round) == (
        "workshop",
        "energie",
        ["havo"],
        30,
    )
    html = client.get(f"/loopbaandagen/{ev.id}/sessie").get_data(as_text=True)
    assert "Zonnepaneel bouwen" in html and f"/sessie/{session.id}/intrekken" in html
    edit = client.get(f"/loopbaandagen/{ev.id}/sessie/{session.id}")
    assert 'value="Zonnepaneel bouwen"' in edit.get_data(as_text=True)
    client.post(
        f"/loopbaandagen/{ev.id}/sessie/{session.id}", data=h.session_form(_rounds(ev)[:1], title="Zon 2")
    )
    db.session.expire_all()
    assert db.session.get(EventSession, session.id).title == "Zon 2"
    assert db.session.get(EventSession, session.id).round_ids == _rounds(ev)[:1]
    client.post(f"/loopbaandagen/{ev.id}/sessie/{session.id}/intrekken")
    assert db.session.scalar(select(func.count(EventSession.id))) == 0


def test_session_form_shows_every_error_at_once(client, w, ev):
    login(client, w["near"])
    page = client.post(
        f"/loopbaandagen/{ev.id}/sessie",
        data=h.session_form([], kind="", title="", sectors="", seats_per_round="0"),
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    for message in (
        "Kies workshop, demonstratie of stand.",
        "Geef de sessie een titel.",
        "Tussen 1 en 500 plaatsen.",
        "Kies minstens één ronde.",
    ):
        assert message in html, message
    assert 'id="sectors-error"' in html
    page = client.post(
        f"/loopbaandagen/{ev.id}/sessie", data=h.session_form([999999], seats_per_round="veel")
    )
    html = page.get_data(as_text=True)
    assert "Onbekende ronde gekozen." in html and "Vul een heel getal in." in html
    assert db.session.scalar(select(func.count(EventSession.id))) == 0


def test_who_may_register_sessions(client, w, ev):
    for user in (w["outside_company"], w["schools"][0], w["manager"]):
        login(client, user)
        assert client.get(f"/loopbaandagen/{ev.id}/sessie").status_code == 403, user
        assert (
            client.post(f"/loopbaandagen/{ev.id}/sessie", data=h.session_form(_rounds(ev))).status_code == 403
        )
        logout(client)
    assert client.get(f"/loopbaandagen/{ev.id}/sessie").status_code in (302, 401)
    register_session(w["far"], ev.id, SessionData("stand", "Huis", "bouw", [], 20, _rounds(ev)), date.today())
    commit()
    other = db.session.scalars(select(EventSession)).one()
    login(client, w["near"])  # same cluster, another company: its session is not found
    assert client.get(f"/loopbaandagen/{ev.id}/sessie/{other.id}").status_code == 404
    assert client.post(f"/loopbaandagen/{ev.id}/sessie/{other.id}/intrekken").status_code == 404
    assert "Huis" not in client.get(f"/loopbaandagen/{ev.id}/sessie").get_data(as_text=True)
    assert client.get("/loopbaandagen/99999/sessie").status_code == 404


def test_school_registers_groups_with_ordered_preferences(client, w, ev):
    login(client, w["schools"][0])
    data = h.group_form(
        _rounds(ev), **{"preferences-0": "ict", "preferences-1": "", "preferences-2": "energie"}
    )
    assert client.post(f"/loopbaandagen/{ev.id}/groep", data=data).status_code == 302
    group = db.session.scalars(select(EventGroup)).one()
    assert group.preferences == ["ict", "energie"] and group.level == "havo" and group.pupils == 25
    html = client.get(f"/loopbaandagen/{ev.id}/groep").get_data(as_text=True)
    assert "4H1" in html and "Programma per groep" in html
    edit = client.get(f"/loopbaandagen/{ev.id}/groep/{group.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="ict">', edit), "the first preference is preselected"
    client.post(f"/loopbaandagen/{ev.id}/groep/{group.id}", data=h.group_form(_rounds(ev), pupils="27"))
    db.session.expire_all()
    assert db.session.get(EventGroup, group.id).pupils == 27
    logout(client)
    login(client, w["schools"][1])  # another school of the cluster: cannot see or change it
    assert "4H1" not in client.get(f"/loopbaandagen/{ev.id}/groep").get_data(as_text=True)
    assert client.get(f"/loopbaandagen/{ev.id}/groep/{group.id}").status_code == 404
    assert client.post(f"/loopbaandagen/{ev.id}/groep/{group.id}/intrekken").status_code == 404
    logout(client)
    for user in (w["outside_school"], w["near"]):
        login(client, user)
        assert client.get(f"/loopbaandagen/{ev.id}/groep").status_code == 403
        logout(client)


def test_group_form_errors_at_once(client, w, ev):
    login(client, w["schools"][0])
    page = client.post(
        f"/loopbaandagen/{ev.id}/groep", data=h.group_form([], class_name="", levels="", pupils="500")
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    for message in ("Vul de naam van de klas in.", "Tussen 1 en 200 leerlingen.", "Kies minstens één ronde."):
        assert message in html, message
    assert 'id="levels-error"' in html
    assert db.session.scalar(select(func.count(EventGroup.id))) == 0


def test_withdrawing_after_planning_removes_assignments_and_tells_the_manager(client, w, ev):
    today = date.today()
    register_session(w["near"], ev.id, SessionData("workshop", "Zon", "energie", [], 60, _rounds(ev)), today)
    register_session(w["far"], ev.id, SessionData("stand", "Huis", "bouw", [], 60, _rounds(ev)), today)
    g1 = register_group(w["schools"][0], ev.id, GroupData("4H1", "havo", 25, _rounds(ev), []), today)
    register_group(w["schools"][1], ev.id, GroupData("4H2", "havo", 25, _rounds(ev), []), today)
    plan_event(ev.id, time_limit=3)
    commit()
    assert db.session.scalar(select(func.count(EventAssignment.id))) == 4
    login(client, w["schools"][0])
    client.post(f"/loopbaandagen/{ev.id}/groep/{g1.id}/intrekken")
    assert db.session.scalar(select(func.count(EventAssignment.id))) == 2
    assert (
        db.session.scalar(select(func.count(EventAssignment.id)).where(EventAssignment.group_id == g1.id))
        == 0
    )
    note = db.session.scalars(select(Notification).where(Notification.user_id == w["manager"].id)).one()
    assert "opnieuw" in note.message
    logout(client)
    login(client, w["manager"])
    assert "plan opnieuw" in client.get(f"/loopbaandagen/{ev.id}/beheer").get_data(as_text=True)
    logout(client)
    session = db.session.scalars(select(EventSession).where(EventSession.title == "Zon")).one()
    login(client, w["near"])
    client.post(f"/loopbaandagen/{ev.id}/sessie/{session.id}/intrekken")
    assert (
        db.session.scalar(
            select(func.count(EventAssignment.id)).where(EventAssignment.session_id == session.id)
        )
        == 0
    )


def test_after_the_deadline_nothing_changes(client, w, ev):
    g = register_group(w["schools"][0], ev.id, GroupData("4H1", "havo", 25, _rounds(ev), []), date.today())
    ev.registration_deadline = date.today() - timedelta(days=1)
    commit()
    login(client, w["schools"][0])
    html = client.get(f"/loopbaandagen/{ev.id}/groep").get_data(as_text=True)
    assert "gesloten" in html and "intrekken" not in html
    client.post(f"/loopbaandagen/{ev.id}/groep/{g.id}/intrekken")
    assert db.session.get(EventGroup, g.id) is not None
    page = client.post(f"/loopbaandagen/{ev.id}/groep", data=h.group_form(_rounds(ev)))
    assert page.status_code == 422 and db.session.scalar(select(func.count(EventGroup.id))) == 1


def _invite(client, w, ev, mailbox, user_key="near") -> str:
    login(client, w["manager"])
    client.post(
        f"/loopbaandagen/{ev.id}/uitnodigen", data={"organisations": [str(w[user_key].organisation_id)]}
    )
    logout(client)
    (msg,) = mailbox.to(w[user_key].email)
    return re.search(r"(/loopbaandagen/uitnodiging/\S+)", mailbox.text_of(msg)).group(1)


def test_invitation_link_registers_once_without_login(client, w, ev, mailbox):
    link = _invite(client, w, ev, mailbox)
    page = client.get(link)
    assert page.status_code == 200 and "Zon Zwolle" in page.get_data(as_text=True)
    bad = client.post(link, data=h.session_form([], title=""))
    assert bad.status_code == 422 and "Geef de sessie een titel." in bad.get_data(as_text=True)
    done = client.post(link, data=h.session_form(_rounds(ev)))
    assert done.status_code == 200 and "Sessie aangemeld" in done.get_data(as_text=True)
    session = db.session.scalars(select(EventSession)).one()
    assert session.organisation_id == w["near"].organisation_id and session.created_by_id == w["near"].id
    assert db.session.scalars(select(EventInvitation)).one().session_id == session.id
    again = client.get(link)
    assert again.status_code == 410 and "al een sessie aangemeld" in again.get_data(as_text=True)
    assert client.post(link, data=h.session_form(_rounds(ev))).status_code == 410
    assert db.session.scalar(select(func.count(EventSession.id))) == 1


def test_invitation_link_forged_foreign_or_expired(client, w, ev, mailbox):
    link = _invite(client, w, ev, mailbox)
    assert client.get(link + "x").status_code == 404
    assert client.get("/loopbaandagen/uitnodiging/niets").status_code == 404
    # the link stands for this event only: the session goes to the invitation's event whatever is posted
    other = h.event(w, name="Andere dag")
    client.post(link, data=h.session_form(_rounds(other)))
    assert db.session.scalar(select(func.count(EventSession.id))) == 0
    ev.registration_deadline = date.today() - timedelta(days=1)
    commit()
    late = client.get(link)
    assert late.status_code == 410 and "gesloten" in late.get_data(as_text=True)


def test_pages_in_english(client, w, ev):
    login(client, w["schools"][0])
    client.get("/taal/en")
    html = client.get("/loopbaandagen/").get_data(as_text=True)
    assert "Career days" in html and "Loopbaandagen" not in html
    page = client.post(f"/loopbaandagen/{ev.id}/groep", data=h.group_form([], class_name=""))
    html = page.get_data(as_text=True)
    assert "Register group" in html and "Preference 1" in html and "Groep aanmelden" not in html
    logout(client)
    login(client, w["manager"])
    client.get("/taal/en")
    html = client.get(f"/loopbaandagen/{ev.id}/uitnodigen").get_data(as_text=True)
    assert "Invite companies" in html and "Send invitations" in html


def test_a_group_that_prefers_a_world_is_served_by_a_session_of_one_of_its_top_sectors(client, w, ev):
    from loket.services.events.planning import session_sectors

    assert session_sectors("energie") == ("energie_water_veiligheid", "energie")
    assert session_sectors("ict") == ("digitaal_media_entertainment", "ict")
    assert session_sectors("hightech_science") == ("hightech_science",)
    today = date.today()
    first = _rounds(ev)[:1]
    register_session(w["far"], ev.id, SessionData("stand", "Apps", "ict", [], 60, first), today)
    sun = register_session(w["near"], ev.id, SessionData("workshop", "Zon", "energie", [], 60, first), today)
    register_group(
        w["schools"][0], ev.id, GroupData("4H1", "havo", 25, first, ["energie_water_veiligheid"]), today
    )
    plan = plan_event(ev.id, time_limit=3)
    assert [a.session for a in plan.assignments] == [sun.id]
