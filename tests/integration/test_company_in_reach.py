"""The offer page shows open requests in reach, ranked with reasons; "Voorstellen" proposes a match."""

from __future__ import annotations

import re

from sqlalchemy import select

from loket.db import db
from loket.models import Match
from tests.factories import commit


def setup(make):
    company = make.company(name="Zon & Co", place="Zwolle", sectors=("energie",))
    user = make.user(company, email="hr@zonenco.nl")
    offer = make.offer(company, topic="zonne-energie", levels=["havo", "vwo"], radius_km=40, capacity=3)
    near = make.request(make.school(name="Zwolle College", place="Zwolle"), topic="zonne-energie")
    mid = make.request(make.school(name="Kampen Lyceum", place="Kampen"), topic="energie")
    far = make.request(make.school(name="Maastricht Atheneum", place="Maastricht"), topic="zonne-energie")
    other_level = make.request(make.school(name="Basisschool De Wieken", place="Zwolle"), levels=["po"])
    commit()
    return company, user, offer, {"near": near, "mid": mid, "far": far, "po": other_level}


def test_requests_in_reach_ranked_with_reasons(client, make, auth):
    _, user, offer, reqs = setup(make)
    auth.login(user.email)
    html = client.get(f"/bedrijf/aanbod/{offer.id}").get_data(as_text=True)
    assert "Aanvragen binnen bereik" in html and "0 van 3 gebruikt, 3 over" in html
    ids = [int(i) for i in re.findall(r'<li class="card suggestion" id="aanvraag-(\d+)">', html)]
    assert ids[:2] == [reqs["near"].id, reqs["mid"].id]
    assert reqs["far"].id not in ids and reqs["po"].id not in ids
    assert '<ul class="reasons">' in html and "Voorstellen</button>" in html


def test_voorstellen_creates_a_proposed_match(client, make, auth):
    _, user, offer, reqs = setup(make)
    auth.login(user.email)
    resp = client.post(f"/bedrijf/aanbod/{offer.id}/voorstellen/{reqs['mid'].id}")
    assert resp.status_code == 302
    match = db.session.scalars(select(Match)).one()
    assert (match.request_id, match.offer_id, match.status, match.proposed_by) == (
        reqs["mid"].id,
        offer.id,
        "proposed",
        "company",
    )
    assert match.reasons and match.score > 0
    html = client.get(f"/bedrijf/aanbod/{offer.id}").get_data(as_text=True)
    assert "Al gekoppeld:" in html


def test_full_offer_shows_no_requests(client, make, auth):
    company, user, _, _ = setup(make)
    full = make.offer(company, capacity=2, capacity_used=2)
    commit()
    auth.login(user.email)
    html = client.get(f"/bedrijf/aanbod/{full.id}").get_data(as_text=True)
    assert "De capaciteit van dit aanbod is vol" in html and "Voorstellen</button>" not in html
