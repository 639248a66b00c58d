"""The match pages through the test client: every step of the story, errors beside the field, 409, ics."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from loket.db import db, utcnow
from loket.models import Match
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login


def next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def field_error(html: str, field: str) -> str | None:
    m = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', html)
    return m.group(1) if m else None


@pytest.fixture
def w(make):
    return build_world(make)


def test_whole_story_through_the_pages(w, client, mailbox):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    mid = m.id
    login(client, w.manager)
    html = client.get("/cluster/goedkeuren").get_data(as_text=True)
    assert "Zwolle College" in html and "Zonnebedrijf BV" in html
    resp = client.post("/cluster/goedkeuren", data={"match_ids": [str(mid)]})
    assert resp.status_code == 302
    assert db.session.get(Match, mid).status == "approved"
    assert mailbox.to("hr@bedrijf.test"), "the company gets an email after the commit"
    assert f"http://loket.test/koppelingen/{mid}" in mailbox.text_of(mailbox.to("hr@bedrijf.test")[-1])

    login(client, w.hr)
    page = client.get(f"/koppelingen/{mid}").get_data(as_text=True)
    assert "Accepteren" in page and "Geschiedenis" in page
    version = db.session.get(Match, mid).version_id
    assert client.post(f"/koppelingen/{mid}/accepteren", data={"version_id": version}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, mid).status == "accepted"

    day = next_weekday(utcnow().date() + timedelta(days=10))
    resp = client.post(
        f"/koppelingen/{mid}/data-voorstellen",
        data={"day_1": day.isoformat(), "start_1": "10:00", "end_1": "12:00", "place_1": "Aula, Zwolle"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Match, mid).status == "accepted", "a proposal alone schedules nothing"
    login(client, w.teacher)
    page = client.get(f"/koppelingen/{mid}").get_data(as_text=True)
    option_id = re.search(r'name="option_id" value="(\d+)"', page).group(1)
    resp = client.post(f"/koppelingen/{mid}/datum-kiezen", data={"option_id": option_id})
    assert resp.status_code == 302
    db.session.expire_all()
    m = db.session.get(Match, mid)
    assert m.status == "scheduled" and m.place == "Aula, Zwolle"
    ics = client.get(f"/koppelingen/{mid}/agenda.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "LOCATION:Aula\\, Zwolle" in body and "\r\n" in body

    # feedback only after the date: move the date into the past as the deadline job would see it
    m.scheduled_start = utcnow() - timedelta(hours=2)
    m.scheduled_end = None
    db.session.commit()
    login(client, w.hr)
    assert (
        client.post(f"/koppelingen/{mid}/feedback", data={"rating": "4", "comment": "Goed"}).status_code
        == 302
    )
    login(client, w.teacher)
    assert (
        client.post(f"/koppelingen/{mid}/feedback", data={"rating": "5", "pupils_reached": "25"}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Match, mid).status == "completed"
    page = client.get(f"/koppelingen/{mid}").get_data(as_text=True)
    for label in ("voorgesteld", "goedgekeurd", "geaccepteerd", "ingepland", "afgerond"):
        assert label in page


def test_errors_beside_the_field_and_stale_edit(w, client):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    db.session.commit()
    login(client, w.hr)
    resp = client.post(f"/koppelingen/{m.id}/weigeren", data={"reason": ""})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'role="alert"' in html and "Geef een reden op." in html and 'aria-invalid="true"' in html
    resp = client.post(f"/koppelingen/{m.id}/weigeren", data={"reason": "Te druk", "version_id": "999"})
    assert resp.status_code == 409
    assert "intussen gewijzigd" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Match, m.id).status == "approved"


def test_a_past_date_is_refused_beside_the_date_field(w, client):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.accept(w.hr, m.id)
    db.session.commit()
    login(client, w.teacher)
    resp = client.post(
        f"/koppelingen/{m.id}/data-voorstellen",
        data={"day_1": "2020-01-01", "start_1": "10:00", "end_1": "11:00", "place_1": "Aula"},
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "in het verleden" in (field_error(html, "day_1") or "")
    assert field_error(html, "start_1") is None
    resp = client.post(f"/koppelingen/{m.id}/data-voorstellen", data={"day_1": "geen datum", "start_1": "xx"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    for name in ("day_1", "start_1", "end_1", "place_1"):
        assert field_error(html, name), f"every field error at once: {name}"


def test_accept_by_the_wrong_side_is_forbidden(w, client):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    db.session.commit()
    login(client, w.teacher)
    assert client.post(f"/koppelingen/{m.id}/accepteren").status_code == 403
    login(client, w.other_hr)
    assert client.get(f"/koppelingen/{m.id}").status_code == 403
    assert client.get("/koppelingen/99999").status_code == 404


def test_csrf_is_enforced_when_enabled(w, client, app):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    login(client, w.manager)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post("/cluster/goedkeuren", data={"match_ids": [str(m.id)]})
        assert resp.status_code == 400
        resp = client.post(f"/koppelingen/{m.id}/annuleren", data={"reason": "x"})
        assert resp.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(Match, m.id).status == "proposed"
