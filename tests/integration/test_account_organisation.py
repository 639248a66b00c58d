"""Organisation profile: edit by members, re-geocoding, optimistic locking, no access to others."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.db import db
from loket.models import AuditEvent, Organisation


def login(client, user):
    assert (
        client.post("/inloggen", data={"email": user.email, "password": "wachtwoord-123"}).status_code == 302
    )


@pytest.fixture
def school(make):
    org = make.school(name="Basisschool De Regenboog", place="Zwolle", levels=("po",))
    db.session.commit()
    return org


def version_of(html: str) -> str:
    return re.search(r'name="version_id" type="hidden" value="(\d+)"', html).group(1)


def test_member_edits_organisation_and_location_is_regeocoded(client, make, school):
    member = make.user(school)
    db.session.commit()
    login(client, member)
    page = client.get(f"/account/organisatie/{school.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Basisschool De Regenboog"' in html and 'value="8011 AA"' in html
    version = version_of(html)
    resp = client.post(
        f"/account/organisatie/{school.id}",
        data={
            "version_id": version,
            "name": "De Regenboog",
            "brin": "05ko",
            "levels": ["po", "po-g7-8"],
            "postcode": "9711aa",
            "city": "",
        },
    )
    assert resp.status_code == 302
    db.session.refresh(school)
    loc = school.primary_location
    assert school.name == "De Regenboog" and school.brin == "05KO" and school.levels == ["po", "po-g7-8"]
    assert loc.postcode == "9711 AA" and loc.city == "Groningen" and loc.province == "Groningen"
    assert 53.1 < loc.lat < 53.3
    assert school.version_id == int(version) + 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation_updated"))


def test_own_organisation_shortcut(client, make, school):
    member = make.user(school)
    db.session.commit()
    login(client, member)
    resp = client.get("/account/organisatie")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/account/organisatie/{school.id}")


def test_stale_edit_is_refused(client, app, make, school):
    first, second = make.user(school), make.user(school)
    db.session.commit()
    login(client, first)
    stale_version = version_of(client.get(f"/account/organisatie/{school.id}").get_data(as_text=True))

    other = app.test_client()
    other.post("/inloggen", data={"email": second.email, "password": "wachtwoord-123"})
    data = {"version_id": stale_version, "name": "Naam van collega", "levels": ["po"], "postcode": "8011 AA"}
    assert other.post(f"/account/organisatie/{school.id}", data=data).status_code == 302

    data = {"version_id": stale_version, "name": "Mijn naam", "levels": ["po"], "postcode": "8011 AA"}
    resp = client.post(f"/account/organisatie/{school.id}", data=data)
    assert resp.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd" in resp.get_data(as_text=True)
    db.session.refresh(school)
    assert school.name == "Naam van collega"


def test_unknown_postcode_on_edit_is_an_error_beside_the_field(client, make, school):
    member = make.user(school)
    db.session.commit()
    login(client, member)
    version = version_of(client.get(f"/account/organisatie/{school.id}").get_data(as_text=True))
    data = {"version_id": version, "name": "Andere naam", "levels": ["po"], "postcode": "1000 AA"}
    resp = client.post(f"/account/organisatie/{school.id}", data=data)
    assert resp.status_code == 422
    assert re.search(r'id="postcode-error" role="alert">[^<]*onbekend', resp.get_data(as_text=True))
    db.session.refresh(school)
    assert school.name == "Basisschool De Regenboog" and school.primary_location.postcode == "8011 AA"


def test_company_kvk_is_checked(client, make):
    company = make.company()
    member = make.user(company)
    db.session.commit()
    login(client, member)
    version = version_of(client.get(f"/account/organisatie/{company.id}").get_data(as_text=True))
    data = {"version_id": version, "name": "BV", "kvk": "1234", "sectors": ["energie"], "postcode": "8011 AA"}
    resp = client.post(f"/account/organisatie/{company.id}", data=data)
    assert resp.status_code == 422 and 'id="kvk-error"' in resp.get_data(as_text=True)


def test_user_cannot_edit_another_organisation(client, make, school):
    other_school = make.school(name="Andere School")
    member = make.user(school)
    db.session.commit()
    login(client, member)
    assert client.get(f"/account/organisatie/{other_school.id}").status_code == 403
    data = {
        "version_id": str(other_school.version_id),
        "name": "Overgenomen",
        "levels": ["po"],
        "postcode": "8011 AA",
    }
    assert client.post(f"/account/organisatie/{other_school.id}", data=data).status_code == 403
    assert client.get("/account/organisatie/999999").status_code == 404
    db.session.refresh(other_school)
    assert other_school.name == "Andere School"
    assert db.session.get(Organisation, school.id).name == "Basisschool De Regenboog"
