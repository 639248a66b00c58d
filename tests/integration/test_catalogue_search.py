"""The catalogue: full-text search on both databases (one test, the same answers), filters,
distance sort, the company mirror, and "Aanvragen" that creates the request and the proposal."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from loket.db import db
from loket.models import Match, Request
from loket.services.catalogue import search
from loket.services.catalogue.offers import offers_for_school
from loket.services.catalogue.query import Filters
from loket.services.catalogue.requests import requests_for_company
from tests.factories import commit
from tests.integration.lifecycle_helpers import login


@pytest.fixture
def cat(make):
    """A school in Zwolle (havo) and offers around the country with descriptions."""
    school = make.school(place="Zwolle", levels=("havo",))
    teacher = make.user(school)
    near = make.company(place="Kampen", name="Robotwerk Kampen")
    mid = make.company(place="Deventer", name="Zon Deventer")
    far = make.company(place="Maastricht", name="Maas Robots")
    o = {
        "robot": make.offer(
            near, topic="robotica", description="Leerlingen bouwen robots en programmeren ze."
        ),
        "zon": make.offer(
            mid,
            topic="zonne-energie",
            description="Over zonnepanelen en het stroomnet.",
            activity="bedrijfsbezoek",
            sectors=["energie"],
            modes=["at_company"],
        ),
        "far": make.offer(
            far,
            topic="robots in de zorg",
            description="Zorgrobots in het ziekenhuis.",
            levels=["vwo"],
            modes=["online"],
            sectors=["lsh"],
        ),
        "full": make.offer(near, topic="robotica vol", capacity=1, capacity_used=1),
        "paused": make.offer(near, topic="robotica gepauzeerd", status="paused"),
    }
    commit()
    return school, teacher, o


def _ids(page) -> list[int]:
    return [h.obj.id for h in page.items]


def _search(teacher, **kw):
    return offers_for_school(teacher, Filters(**kw), per_page=25)


def test_full_text_search_gives_the_same_answers_on_both_databases(cat, backend):
    _, teacher, o = cat
    assert set(_ids(_search(teacher, q="robot"))) == {o["robot"].id, o["far"].id}  # robots / robotica
    assert set(_ids(_search(teacher, q="ROBOTS programmeren"))) == {o["robot"].id}  # every word
    assert _ids(_search(teacher, q="stroomnet")) == [o["zon"].id]  # in the description only
    assert _ids(_search(teacher, q="bedrijfsbezoek")) == [o["zon"].id]  # the activity
    assert _ids(_search(teacher, q="ziekenhuis")) == [o["far"].id]
    assert _ids(_search(teacher, q="onbekendwoord")) == []
    # FTS syntax is only ever text: no error, no surprise
    for q in ['robot" OR zon', "robot*", "NEAR(robot zon)", "description:zon", "-robot", '"', "()"]:
        _search(teacher, q=q)
    assert search.words('Robot" OR zon*') == ["robot", "or", "zon"]


def test_full_text_follows_every_write(cat, make):
    _, teacher, o = cat
    o["zon"].description = "Nu over windturbines."
    commit()
    assert _ids(_search(teacher, q="windturbines")) == [o["zon"].id]
    assert _ids(_search(teacher, q="stroomnet")) == []
    db.session.delete(o["zon"])
    commit()
    assert _ids(_search(teacher, q="windturbines")) == []


def test_dutch_stemming_on_postgresql(cat, backend):
    if backend != "postgresql":
        pytest.skip("Dutch stemming is PostgreSQL's; SQLite matches word prefixes")
    _, teacher, o = cat
    assert _ids(_search(teacher, q="zonnepaneel")) == [o["zon"].id]  # zonnepanelen
    assert _ids(_search(teacher, q="leerling bouw robot")) == [o["robot"].id]  # Leerlingen bouwen robots


def test_only_open_offers_with_places_and_filters(cat):
    _, teacher, o = cat
    everything = set(_ids(_search(teacher)))
    assert everything == {o["robot"].id, o["zon"].id, o["far"].id}  # not full, not paused
    assert _ids(_search(teacher, activity="bedrijfsbezoek")) == [o["zon"].id]
    assert _ids(_search(teacher, sector="lsh")) == [o["far"].id]
    assert set(_ids(_search(teacher, level="havo-4"))) == {o["robot"].id, o["zon"].id}  # havo covers havo-4
    assert set(_ids(_search(teacher, level="vwo-6"))) == {o["robot"].id, o["zon"].id, o["far"].id}
    assert _ids(_search(teacher, level="po")) == []
    assert _ids(_search(teacher, online=True)) == [o["far"].id]
    assert set(_ids(_search(teacher, km=25))) == {o["robot"].id}  # Kampen, 12 km from Zwolle
    assert set(_ids(_search(teacher, km=50))) == {o["robot"].id, o["zon"].id}  # Deventer, 35 km
    o["zon"].earliest = date.today() + timedelta(days=100)
    commit()
    assert o["zon"].id not in _ids(_search(teacher, on_date=date.today() + timedelta(days=30)))
    assert o["zon"].id in _ids(_search(teacher, on_date=date.today() + timedelta(days=120)))


def test_sorted_by_distance_and_by_fit(cat):
    _, teacher, o = cat
    page = _search(teacher, sort="distance")
    assert _ids(page) == [o["robot"].id, o["zon"].id, o["far"].id]
    dists = [h.distance_km for h in page.items]
    assert dists == sorted(dists) and 8 < dists[0] < 20 and dists[2] > 150
    # fit: the havo school's level and nearness first; the far vwo offer last
    assert _ids(_search(teacher))[-1] == o["far"].id


def test_the_catalogue_page_filters_and_paginates(cat, client, app):
    _, teacher, o = cat
    login(client, teacher)
    page = client.get("/school/aanbod?q=robot&sorteer=distance").get_data(as_text=True)
    assert f'id="aanbod-{o["robot"].id}"' in page and f'id="aanbod-{o["zon"].id}"' not in page
    assert page.index(f"aanbod-{o['robot'].id}") < page.index(f"aanbod-{o['far'].id}")
    # nonsense in the query string is ignored, never an error
    resp = client.get("/school/aanbod?km=7&niveau=xx&datum=gisteren&sorteer=x&activiteit=<b>&page=-3")
    assert resp.status_code == 200
    app.config["LOKET_PAGE_SIZE"] = 2
    try:
        first = client.get("/school/aanbod?sorteer=distance").get_data(as_text=True)
        assert "Pagina 1 van 2" in first and "sorteer=distance" in first
        second = client.get("/school/aanbod?sorteer=distance&page=2").get_data(as_text=True)
        assert f"aanbod-{o['far'].id}" in second
    finally:
        app.config["LOKET_PAGE_SIZE"] = 25


def test_companies_see_open_requests_in_reach(make, client):
    company = make.company(place="Zwolle")
    hr = make.user(company)
    make.offer(company, radius_km=30)
    near = make.school(place="Kampen")
    far = make.school(place="Groningen")
    r_near = make.request(
        near, topic="robotica", description="Wij zoeken iemand voor robotica.", vog_required=True
    )
    r_far = make.request(far, topic="robotica in het noorden")
    r_online = make.request(far, topic="online les", modes=["online"])
    make.request(near, topic="gepauzeerd", status="paused")
    commit()
    page = requests_for_company(hr, Filters(), per_page=25)
    assert _ids(page) == [r_near.id]  # within the offers' 30 km
    assert set(_ids(requests_for_company(hr, Filters(km=100), per_page=25))) == {
        r_near.id,
        r_far.id,
        r_online.id,
    }
    assert _ids(requests_for_company(hr, Filters(online=True), per_page=25)) == [r_online.id]
    assert _ids(requests_for_company(hr, Filters(km=100, q="noorden"), per_page=25)) == [r_far.id]
    login(client, hr)
    html = client.get("/bedrijf/aanvragen-zoeken").get_data(as_text=True)
    assert f'href="/aanvragen/{r_near.id}"' in html and "VOG vereist" in html


def test_aanvragen_creates_the_request_and_the_proposal_in_one_step(cat, client):
    school, teacher, o = cat
    offer = o["robot"]
    login(client, teacher)
    form = client.get(f"/school/aanbod/{offer.id}/aanvragen").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="havo">', form)  # the level both share
    start = date.today() + timedelta(days=14)
    resp = client.post(
        f"/school/aanbod/{offer.id}/aanvragen",
        data={
            "pupils": "28",
            "levels": ["havo"],
            "earliest": start.isoformat(),
            "latest": (start + timedelta(days=30)).isoformat(),
            "description": "Klas 4 havo",
            "vog_required": "y",
        },
    )
    assert resp.status_code == 302 and "/koppelingen/" in resp.location
    req = db.session.query(Request).filter_by(organisation_id=school.id).one()
    assert (req.activity, req.topic, req.pupils, req.vog_required) == (offer.activity, "robotica", 28, True)
    match = db.session.query(Match).filter_by(request_id=req.id).one()
    assert (match.offer_id, match.status, match.proposed_by) == (offer.id, "proposed", "school")
    page = client.get("/school/aanbod?q=robotica").get_data(as_text=True)
    assert "Al aangevraagd" in page


def test_aanvragen_refuses_bad_input_with_every_error_and_writes_nothing(cat, client):
    school, teacher, o = cat
    login(client, teacher)
    past = date.today() - timedelta(days=3)
    resp = client.post(
        f"/school/aanbod/{o['robot'].id}/aanvragen",
        data={"pupils": "0", "earliest": past.isoformat(), "latest": (past - timedelta(days=5)).isoformat()},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    for message in (
        "Het aantal leerlingen moet tussen 1 en 400 liggen.",
        "Kies minstens één onderwijsniveau.",
        "De begindatum ligt in het verleden.",
        "De einddatum ligt in het verleden.",
    ):
        assert message in page, message
    # dates outside the offer's period: the service refuses, beside the field, nothing written
    o["robot"].latest = date.today() + timedelta(days=20)
    commit()
    start = date.today() + timedelta(days=40)
    resp = client.post(
        f"/school/aanbod/{o['robot'].id}/aanvragen",
        data={
            "pupils": "20",
            "levels": ["havo"],
            "earliest": start.isoformat(),
            "latest": (start + timedelta(days=5)).isoformat(),
        },
    )
    assert resp.status_code == 422 and "kies data die daarmee overlappen" in resp.get_data(as_text=True)
    assert db.session.query(Request).filter_by(organisation_id=school.id).count() == 0
    assert db.session.query(Match).count() == 0
    # a full or paused offer cannot be asked for
    assert client.get(f"/school/aanbod/{o['full'].id}/aanvragen").status_code == 302
    assert client.get(f"/school/aanbod/{o['paused'].id}/aanvragen").status_code == 404
