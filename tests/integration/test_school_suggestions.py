"""The request page shows the engine's ranked offers with their reasons; "Aanvragen" proposes a match."""

from __future__ import annotations

import re

from sqlalchemy import select

from loket.db import db
from loket.models import AuditEvent, Match
from tests.factories import commit


def setup(make):
    school = make.school(name="Het Zwolse Lyceum", place="Zwolle")
    user = make.user(school, email="docent@zwolselyceum.nl")
    near = make.company(name="Dichtbij Energie", place="Zwolle", sectors=("energie",))
    mid = make.company(name="Kampen Kracht", place="Kampen", sectors=("energie",))
    far = make.company(name="Verweg Groningen", place="Groningen", sectors=("energie",))
    req = make.request(school, topic="zonne-energie", levels=["havo"], max_travel_km=30)
    offers = {
        "near": make.offer(near, topic="zonne-energie in de praktijk"),
        "mid": make.offer(mid, topic="windmolens", radius_km=40),
        "far": make.offer(far, topic="zonne-energie", radius_km=20),  # out of reach
        "full": make.offer(near, topic="zonnepanelen vol", capacity=1, capacity_used=1),
        "paused": make.offer(mid, topic="zonnepanelen pauze", status="paused"),
    }
    commit()
    return school, user, req, offers


def test_suggestions_ranked_with_reasons(client, make, auth):
    _, user, req, offers = setup(make)
    auth.login(user.email)
    html = client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True)
    cards = re.findall(
        r'<li class="card suggestion" id="aanbod-(\d+)">(.*?)</li>\s*(?=<li class="card|</ol>)', html, re.S
    )
    ids = [int(i) for i, _ in cards]
    assert ids[:2] == [offers["near"].id, offers["mid"].id]
    assert offers["far"].id not in ids and offers["full"].id not in ids and offers["paused"].id not in ids
    first = cards[0][1]
    assert "Dichtbij Energie" in first and '<ul class="reasons">' in first
    assert "Energie" in first  # a reason names the shared sector
    assert f'action="/school/aanvragen/{req.id}/aanvragen/{offers["near"].id}"' in first
    assert "Aanvragen</button>" in first


def test_aanvragen_creates_a_proposed_match(client, make, auth):
    _, user, req, offers = setup(make)
    auth.login(user.email)
    resp = client.post(f"/school/aanvragen/{req.id}/aanvragen/{offers['near'].id}")
    assert resp.status_code == 302
    match = db.session.scalars(select(Match)).one()
    assert resp.headers["Location"].endswith(f"/koppelingen/{match.id}")
    assert (match.request_id, match.offer_id, match.status) == (req.id, offers["near"].id, "proposed")
    assert match.proposed_by == "school" and match.proposed_by_user_id == user.id
    assert match.score > 0 and match.reasons and match.distance_km is not None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "match")).first()
    # the page now marks the offer as asked for instead of offering the button again
    html = client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True)
    assert "Al aangevraagd:" in html and "voorgesteld" in html
    assert f'/aanvragen/{req.id}/aanvragen/{offers["near"].id}"' not in html
    # asking twice is refused with a clear message, no second match
    again = client.post(f"/school/aanvragen/{req.id}/aanvragen/{offers['near'].id}", follow_redirects=True)
    assert "al eerder aan elkaar gekoppeld" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(Match)).all()) == 1


def test_aanvragen_for_an_offer_out_of_reach_is_refused(client, make, auth):
    _, user, req, offers = setup(make)
    auth.login(user.email)
    resp = client.post(f"/school/aanvragen/{req.id}/aanvragen/{offers['full'].id}", follow_redirects=True)
    assert resp.status_code == 200
    assert db.session.scalars(select(Match)).first() is None
    assert 'class="flash flash-error"' in resp.get_data(as_text=True)


def test_paused_request_shows_no_suggestions(client, make, auth):
    school, user, _, _ = setup(make)
    paused = make.request(school, status="paused")
    commit()
    auth.login(user.email)
    html = client.get(f"/school/aanvragen/{paused.id}").get_data(as_text=True)
    assert "Deze aanvraag is gepauzeerd" in html and "suggestion" not in html
