"""The manager's broker page: candidates and near misses with why not, widening, proposing on the
school's behalf, contacting a party (thread or logged email), and who may use it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loket.db import db
from loket.models import AuditEvent, Match, MatchMessage, Notification, OutboxMessage
from tests.integration.lifecycle_helpers import build_world, login


@pytest.fixture
def w(make):
    w = build_world(make)
    req = w.req  # Zwolle, gastles, havo, at school, days 7..90
    w.deventer = make.company(place="Deventer", name="Deventer Techniek")  # about 29 km away
    w.far = make.offer(w.deventer, radius_km=20.0, modes=["at_school"], topic="warmtepompen")
    w.late = make.offer(
        make.company(name="Laat BV"),
        earliest=req.latest + timedelta(days=12),
        latest=req.latest + timedelta(days=40),
    )
    w.vmbo = make.offer(make.company(name="Vmbo Werkt"), levels=["vmbo"])
    w.full = make.offer(make.company(name="Vol BV"), capacity=2, capacity_used=2)
    w.utrecht = make.offer(make.company(place="Utrecht", name="Utrechtse Kracht"), radius_km=120.0)
    w.online = make.offer(make.company(place="Maastricht", name="Online Only"), modes=["online"])
    w.related = make.offer(make.company(name="Rolmodel BV"), activity="rolmodel")
    db.session.commit()
    return w


def _page(client, w, query=""):
    resp = client.get(f"/cluster/aanvragen/{w.req.id}/bemiddelen{query}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _sections(html):
    cands, rest = html.split('id="near"', 1)
    near = rest.split('id="contact-owner"', 1)[0]
    return cands, near


def test_why_not_texts_with_margins(w, client):
    login(client, w.manager)
    cands, near = _sections(_page(client, w))
    assert "Zonnebedrijf BV" in cands
    assert "Deventer Techniek" in near and "29 km, straal 20 km" in near
    assert "periode begint 12 dagen na de laatste datum" in near
    assert "niveau havo gevraagd, aanbod vmbo" in near
    assert "Vol BV" in near and "geen plaatsen meer" in near
    for name in ("Utrechtse Kracht", "Online Only", "Rolmodel BV"):
        assert name not in cands + near, f"{name} lies outside the default search"


def test_widen_changes_the_candidates(w, client):
    login(client, w.manager)
    cands, _ = _sections(_page(client, w, "?km=50"))
    assert "Utrechtse Kracht" in cands, "73 km away, radius 120 km: inside +50 km"
    cands, near = _sections(_page(client, w, "?online=1"))
    assert "Online Only" in near and "geen gedeelde vorm" in near
    cands, near = _sections(_page(client, w, "?related=1"))
    assert "Rolmodel BV" in cands
    assert client.get(f"/cluster/aanvragen/{w.req.id}/bemiddelen?km=9999").status_code == 200


def test_english_why_not(w, client):
    login(client, w.manager)
    client.set_cookie("lang", "en")
    try:
        html = _page(client, w)
    finally:
        client.delete_cookie("lang")
    assert "29 km, radius 20 km" in html and "period starts 12 days after the last date" in html
    assert "level senior general secondary (havo) asked, offer pre-vocational (vmbo)" in html
    assert "no places left" in html


def test_offer_side_lists_requests_and_near_misses(w, make, client):
    far_req = make.request(make.school(place="Groningen", name="Ver Weg Lyceum"))
    late_req = make.request(
        make.school(name="Late School"),
        earliest=w.offer.latest + timedelta(days=5),
        latest=w.offer.latest + timedelta(days=30),
    )
    db.session.commit()
    login(client, w.manager)
    html = client.get(f"/cluster/aanbod/{w.offer.id}/bemiddelen").get_data(as_text=True)
    cands, near = _sections(html)
    assert "Zwolle College" in cands
    assert "Late School" in near and "periode begint 5 dagen na de laatste datum" in near
    assert "Ver Weg Lyceum" not in html
    assert far_req.id and late_req.id


@pytest.mark.parametrize("who", ["other_manager", "teacher", "hr"])
def test_only_the_clusters_managers_and_admins(w, client, who):
    login(client, getattr(w, who))
    assert client.get(f"/cluster/aanvragen/{w.req.id}/bemiddelen").status_code == 403
    assert client.get(f"/cluster/aanbod/{w.offer.id}/bemiddelen").status_code == 403
    resp = client.post(f"/cluster/aanvragen/{w.req.id}/voorstellen", data={"other_id": str(w.offer.id)})
    assert resp.status_code == 403
    resp = client.post(
        f"/cluster/aanvragen/{w.req.id}/contact", data={"org_id": str(w.company.id), "body": "Hallo"}
    )
    assert resp.status_code == 403
    assert db.session.query(Match).count() == 0 and db.session.query(OutboxMessage).count() == 0


def test_admin_and_missing_rows(w, client):
    login(client, w.admin)
    assert client.get(f"/cluster/aanvragen/{w.req.id}/bemiddelen").status_code == 200
    assert client.get("/cluster/aanvragen/999999/bemiddelen").status_code == 404
    assert client.get("/cluster/aanbod/999999/bemiddelen").status_code == 404


def test_overview_rows_link_to_the_broker_page(w, client):
    login(client, w.manager)
    html = client.get("/cluster/overzicht").get_data(as_text=True)
    assert f"/cluster/aanvragen/{w.req.id}/bemiddelen" in html
    html = client.get("/cluster/overzicht?view=offers").get_data(as_text=True)
    assert f"/cluster/aanbod/{w.offer.id}/bemiddelen" in html


def test_propose_on_behalf_creates_an_approved_match_and_tells_the_school(w, client):
    login(client, w.manager)
    resp = client.post(f"/cluster/aanvragen/{w.req.id}/voorstellen", data={"other_id": str(w.offer.id)})
    assert resp.status_code == 302
    match = db.session.query(Match).one()
    assert (match.request_id, match.offer_id) == (w.req.id, w.offer.id)
    assert match.proposed_by == "manager" and match.status == "approved"
    assert match.reasons, "scored by the engine, with reasons"
    kinds = {(n.user_id, n.kind) for n in db.session.query(Notification)}
    assert (w.teacher.id, "match_proposed_for_you") in kinds
    assert (w.hr.id, "match_approved") in kinds, "the company accepts or declines as usual"
    # a near miss cannot be proposed
    resp = client.post(f"/cluster/aanvragen/{w.req.id}/voorstellen", data={"other_id": str(w.far.id)})
    assert resp.status_code == 302
    assert db.session.query(Match).count() == 1


def test_propose_from_an_offer(w, make, client):
    login(client, w.manager)
    resp = client.post(f"/cluster/aanbod/{w.offer.id}/voorstellen", data={"other_id": str(w.req.id)})
    assert resp.status_code == 302
    assert db.session.query(Match).one().proposed_by == "manager"


def test_contact_without_a_match_sends_a_logged_email(w, client, mailbox):
    login(client, w.manager)
    resp = client.post(
        f"/cluster/aanvragen/{w.req.id}/contact",
        data={"org_id": str(w.company.id), "body": "Zouden jullie deze gastles willen geven?"},
    )
    assert resp.status_code == 302
    (msg,) = mailbox.to("hr@bedrijf.test")
    assert msg["Reply-To"] == "beheer@zwolle.test"
    text = mailbox.text_of(msg)
    assert "Zouden jullie deze gastles willen geven?" in text and w.manager.display_name in text
    event = db.session.query(AuditEvent).filter_by(action="contact").one()
    assert event.actor_id == w.manager.id and event.data["to"] == ["hr@bedrijf.test"]
    # the school of the request itself, too
    client.post(f"/cluster/aanvragen/{w.req.id}/contact", data={"org_id": str(w.school.id), "body": "Hoi"})
    assert len(mailbox.to("leraar@school.test")) == 1
    # not another school
    client.post(
        f"/cluster/aanvragen/{w.req.id}/contact", data={"org_id": str(w.other_school.id), "body": "x"}
    )
    assert not mailbox.to("leraar@noord.test")


def test_contact_with_a_match_writes_into_its_thread(w, make, client, mailbox):
    match = make.match(w.req, w.offer, status="accepted")
    db.session.commit()
    login(client, w.manager)
    resp = client.post(
        f"/cluster/aanvragen/{w.req.id}/contact", data={"org_id": str(w.company.id), "body": "Lukt de datum?"}
    )
    assert resp.status_code == 302
    (message,) = db.session.query(MatchMessage).all()
    assert (
        message.match_id == match.id and message.body == "Lukt de datum?" and message.author_role == "manager"
    )
    assert not db.session.query(AuditEvent).filter_by(action="contact").count()
