"""Detail pages of offers and requests: who may read them, what they show, what they never show."""

from __future__ import annotations

from loket.db import db
from tests.integration.lifecycle_helpers import login, logout


def _world(make):
    school = make.school(place="Zwolle", name="Zwolle College")
    far_school = make.school(place="Maastricht", name="Maas Lyceum")
    company = make.company(
        place="Zwolle", name="Zonnebedrijf BV", profile="Wij bouwen zonneparken in Overijssel."
    )
    rival = make.company(place="Deventer", name="Concurrent BV")
    teacher = make.user(school, name="Juf Jansen", email="juf.jansen@school.test")
    far_teacher = make.user(far_school)
    hr = make.user(company)
    rival_hr = make.user(rival)
    offer = make.offer(
        company,
        topic="zonnepanelen op het dak",
        description="Een **gastles** over zonne-energie.\n\n<script>alert(1)</script> [klik](javascript:alert(1))",
        costs="€ 50 per klas",
        guest_has_vog=True,
        group_size_max=30,
        duration_minutes=90,
    )
    req = make.request(
        school, topic="energie in de klas", description="We zoeken een *gastspreker*.", vog_required=True
    )
    db.session.commit()
    return school, company, teacher, far_teacher, hr, rival_hr, offer, req


def test_any_school_reads_an_open_offer_with_its_substance(make, client):
    _, _, _, far_teacher, _, _, offer, _ = _world(make)
    login(client, far_teacher)  # another school, in another part of the country
    resp = client.get(f"/aanbod/{offer.id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "<strong>gastles</strong>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page
    assert "€ 50 per klas" in page and "De gastspreker heeft een VOG." in page
    assert "tot 30 leerlingen" in page and "90 minuten" in page
    assert "Wij bouwen zonneparken in Overijssel." in page  # the organisation's profile
    assert f"/school/aanbod/{offer.id}/aanvragen" in page


def test_nobody_reads_a_paused_or_closed_offer_of_someone_else(make, client):
    _, _, teacher, _, hr, rival_hr, offer, _ = _world(make)
    for status in ("paused", "closed"):
        offer.status = status
        db.session.commit()
        login(client, teacher)
        assert client.get(f"/aanbod/{offer.id}").status_code == 404, status
        login(client, hr)  # the owner always
        assert client.get(f"/aanbod/{offer.id}").status_code == 200, status
    offer.status = "open"
    db.session.commit()
    login(client, rival_hr)  # companies do not browse each other's offers
    assert client.get(f"/aanbod/{offer.id}").status_code == 404
    logout(client)
    assert client.get(f"/aanbod/{offer.id}").status_code == 302


def test_any_company_reads_an_open_request_without_the_teachers_contact_data(make, client):
    school, _, teacher, _, _, rival_hr, _, req = _world(make)
    login(client, rival_hr)  # far away, no offer in reach: may still read it
    resp = client.get(f"/aanvragen/{req.id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "<em>gastspreker</em>" in page and "De school vraagt een VOG van de gast." in page
    assert "Zwolle College" in page
    assert "Juf Jansen" not in page and "juf.jansen@school.test" not in page
    req.status = "paused"
    db.session.commit()
    assert client.get(f"/aanvragen/{req.id}").status_code == 404
    login(client, teacher)
    assert client.get(f"/aanvragen/{req.id}").status_code == 200
    assert client.get("/aanvragen/987654").status_code == 404


def test_another_school_never_reads_a_request(make, client):
    _, _, _, far_teacher, _, _, _, req = _world(make)
    login(client, far_teacher)
    assert client.get(f"/aanvragen/{req.id}").status_code == 404


def test_the_other_side_of_a_match_reads_it_after_the_row_closed(make, client):
    _, _, teacher, _, hr, _, offer, req = _world(make)
    make.match(req, offer, status="accepted")
    req.status, offer.status = "matched", "closed"
    db.session.commit()
    login(client, hr)
    assert client.get(f"/aanvragen/{req.id}").status_code == 200
    login(client, teacher)
    resp = client.get(f"/aanbod/{offer.id}")
    assert resp.status_code == 200 and "Jullie koppelingen met dit aanbod" in resp.get_data(as_text=True)


def test_suggestion_cards_and_emails_link_to_the_detail_pages(make, client, mailbox):
    from loket.services import matches as svc
    from tests.factories import commit

    school, company, teacher, _, hr, _, offer, req = _world(make)
    cluster = make.cluster(members=[school, company])
    manager = make.manager(clusters=[cluster])
    commit()
    login(client, teacher)
    page = client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True)
    assert f'href="/aanbod/{offer.id}"' in page  # the suggested offer's card
    svc.propose(teacher, req.id, offer.id, source="school")
    commit()
    client.get("/")  # the commit of a request sends the queued mail
    sent = mailbox.to(manager.email)
    assert sent, "the manager is told about the proposal"
    text = mailbox.text_of(sent[-1])
    assert f"http://loket.test/aanbod/{offer.id}" in text and f"http://loket.test/aanvragen/{req.id}" in text


def test_the_organisation_profile_is_edited_on_the_organisation_page_and_shown_with_its_offers(make, client):
    import re

    _, company, teacher, _, hr, _, offer, _ = _world(make)
    login(client, hr)
    html = client.get(f"/account/organisatie/{company.id}").get_data(as_text=True)
    version = re.search(r'name="version_id" type="hidden" value="(\d+)"', html).group(1)
    form = {
        "version_id": version,
        "name": company.name,
        "kvk": "",
        "sectors": ["energie"],
        "postcode": "8011 AA",
    }
    resp = client.post(f"/account/organisatie/{company.id}", data={**form, "profile": "x" * 1001})
    assert resp.status_code == 422 and "Maximaal 1000 tekens." in resp.get_data(as_text=True)
    profile = "Familiebedrijf sinds 1950.\nWe ontvangen graag klassen."
    resp = client.post(f"/account/organisatie/{company.id}", data={**form, "profile": profile})
    assert resp.status_code == 302
    login(client, teacher)
    assert "Familiebedrijf sinds 1950." in client.get(f"/aanbod/{offer.id}").get_data(as_text=True)


def test_the_forms_take_the_content_fields(make, client):
    from datetime import date, timedelta

    from loket.models import Offer, Request

    _, company, teacher, _, hr, _, _, _ = _world(make)
    start, end = date.today() + timedelta(days=10), date.today() + timedelta(days=60)
    login(client, hr)
    page = client.get("/bedrijf/aanbod/nieuw").get_data(as_text=True)
    assert "<legend>Inhoud</legend>" in page and 'value="gratis"' in page
    common = {
        "activity": "workshop",
        "sectors": ["energie"],
        "levels": ["po"],
        "modes": ["at_school"],
        "earliest": start.isoformat(),
        "latest": end.isoformat(),
        "topic": "solderen",
    }
    resp = client.post(
        "/bedrijf/aanbod/nieuw",
        data={
            **common,
            "capacity": "3",
            "radius_km": "20",
            "description": "Je soldeert een *lampje*.",
            "duration_minutes": "120",
            "group_size_max": "15",
            "school_arranges": "Tafels en stopcontacten",
            "costs": "",
            "accessibility": "Rolstoeltoegankelijk",
            "guest_has_vog": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    offer = db.session.query(Offer).filter_by(topic="solderen").one()
    assert (offer.duration_minutes, offer.group_size_max, offer.costs, offer.guest_has_vog) == (
        120,
        15,
        "gratis",
        True,
    )
    assert (
        offer.school_arranges == "Tafels en stopcontacten"
        and offer.description == "Je soldeert een *lampje*."
    )
    assert "<em>lampje</em>" in client.get(resp.location).get_data(as_text=True)  # the owner's page too
    bad = client.post(
        "/bedrijf/aanbod/nieuw",
        data={**common, "capacity": "3", "radius_km": "20", "duration_minutes": "1", "group_size_max": "0"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert (
        "De duur moet tussen 5 en 7200 minuten liggen." in text
        and "De groepsgrootte moet tussen 1 en 400 liggen." in text
    )
    login(client, teacher)
    resp = client.post(
        "/school/aanvragen/nieuw",
        data={**common, "pupils": "24", "max_travel_km": "10", "vog_required": "y", "description": "Groep 8"},
    )
    assert resp.status_code == 302
    req = db.session.query(Request).filter_by(topic="solderen").one()
    assert req.vog_required is True and req.description == "Groep 8"
    # a browser sends the optional numbers it left empty as "": they stay empty, no error
    resp = client.post(
        "/school/aanvragen/nieuw",
        data={**common, "topic": "lassen", "pupils": "24", "max_travel_km": "10", "duration_minutes": ""},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert db.session.query(Request).filter_by(topic="lassen").one().duration_minutes is None
