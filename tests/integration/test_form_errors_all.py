"""Every form shows every field error in one round: field validators and the service's rules across
fields (dates against today and each other, bounds against each other) together, each beside its
field. The request, offer and clustering forms, new and edit."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from loket.db import db
from loket.services import ServiceError, ServiceErrors
from loket.services.activities import requests as request_service
from loket.services.activities.rules import planning_horizon
from loket.services.clusters import check_bounds
from tests.factories import commit
from tests.integration.lifecycle_helpers import login

TODAY = date.today()
FUTURE = TODAY + timedelta(days=14)
PAST = TODAY - timedelta(days=3)


def errors(html: str) -> dict[str, str]:
    """field id -> error text shown beside it"""
    return dict(re.findall(r'<p class="error" id="([\w-]+)-error" role="alert">([^<]*)</p>', html))


def request_form(**kw) -> dict:
    values = {
        "activity": "gastles",
        "sectors": ["energie"],
        "topic": "zonnepanelen",
        "levels": ["havo-3"],
        "pupils": "26",
        "earliest": FUTURE.isoformat(),
        "latest": (FUTURE + timedelta(days=30)).isoformat(),
        "modes": ["at_school"],
        "max_travel_km": "30",
    }
    return {**values, **kw}


def offer_form(**kw) -> dict:
    values = {
        "activity": "bedrijfsbezoek",
        "sectors": ["chemie"],
        "topic": "procestechniek",
        "levels": ["havo"],
        "capacity": "5",
        "earliest": TODAY.isoformat(),
        "latest": (TODAY + timedelta(days=90)).isoformat(),
        "modes": ["at_company"],
        "radius_km": "40",
    }
    return {**values, **kw}


# pupils 0 + a start in the past + an end before the start (and before today)
BAD_REQUEST = {"pupils": "0", "earliest": PAST.isoformat(), "latest": (PAST - timedelta(days=1)).isoformat()}


def test_request_form_shows_pupils_past_start_and_end_at_once(client, make):
    user = make.user(make.school())
    commit()
    login(client, user)
    resp = client.post("/school/aanvragen/nieuw", data=request_form(**BAD_REQUEST))
    assert resp.status_code == 422
    shown = errors(resp.get_data(as_text=True))
    assert shown["pupils"] == "Het aantal leerlingen moet tussen 1 en 400 liggen."
    assert shown["earliest"] == "De begindatum ligt in het verleden."
    assert shown["latest"] == "De einddatum ligt in het verleden."


def test_request_form_end_before_start_beside_the_field_with_other_errors(client, make):
    user = make.user(make.school())
    commit()
    login(client, user)
    bad = {
        "pupils": "0",
        "max_travel_km": "500",
        "earliest": PAST.isoformat(),
        "latest": (FUTURE + timedelta(days=5)).isoformat(),
        "levels": [],
    }
    shown = errors(client.post("/school/aanvragen/nieuw", data=request_form(**bad)).get_data(as_text=True))
    assert set(shown) == {"pupils", "max_travel_km", "earliest", "levels"}
    bad = {"pupils": "0", "earliest": (FUTURE + timedelta(days=5)).isoformat(), "latest": FUTURE.isoformat()}
    shown = errors(client.post("/school/aanvragen/nieuw", data=request_form(**bad)).get_data(as_text=True))
    assert shown == {
        "pupils": "Het aantal leerlingen moet tussen 1 en 400 liggen.",
        "latest": "De einddatum ligt vóór de begindatum.",
    }


def test_one_error_per_field_no_double_message(client, make):
    user = make.user(make.school())
    commit()
    login(client, user)
    shown = errors(
        client.post(
            "/school/aanvragen/nieuw", data=request_form(pupils="twintig", earliest="31-02-2026", activity="")
        ).get_data(as_text=True)
    )
    assert shown == {
        "pupils": "Vul een heel getal in.",
        "earliest": "Vul een geldige datum in.",
        "activity": "Kies een soort activiteit.",
    }


def test_request_edit_shows_all_errors_and_keeps_a_passed_start(client, make):
    school = make.school()
    user = make.user(school)
    req = make.request(school, earliest=PAST, latest=FUTURE)
    commit()
    login(client, user)
    url = f"/school/aanvragen/{req.id}/wijzigen"
    data = request_form(version_id=str(req.version_id), earliest=PAST.isoformat(), latest=FUTURE.isoformat())
    shown = errors(client.post(url, data={**data, "pupils": "0"}).get_data(as_text=True))
    assert shown == {"pupils": "Het aantal leerlingen moet tussen 1 en 400 liggen."}  # the start may stay
    moved = (PAST - timedelta(days=1)).isoformat()
    shown = errors(client.post(url, data={**data, "pupils": "0", "earliest": moved}).get_data(as_text=True))
    assert set(shown) == {"pupils", "earliest"}
    resp = client.post(url, data=data)
    assert resp.status_code == 302


def test_offer_form_shows_capacity_start_and_end_at_once(client, make):
    user = make.user(make.company())
    commit()
    login(client, user)
    too_late = planning_horizon(TODAY) + timedelta(days=1)
    bad = {"capacity": "0", "earliest": too_late.isoformat(), "latest": FUTURE.isoformat(), "radius_km": "-1"}
    resp = client.post("/bedrijf/aanbod/nieuw", data=offer_form(**bad))
    assert resp.status_code == 422
    shown = errors(resp.get_data(as_text=True))
    assert shown["capacity"] == "De capaciteit moet tussen 1 en 100 liggen."
    assert shown["radius_km"] == "De straal moet tussen 0 en 200 km liggen."
    assert "volgende schooljaar" in shown["earliest"]
    assert shown["latest"] == "De einddatum ligt vóór de begindatum."
    # a start in the past is fine for an offer; an end in the past is not
    bad = {"capacity": "0", "earliest": PAST.isoformat(), "latest": (PAST - timedelta(days=1)).isoformat()}
    shown = errors(client.post("/bedrijf/aanbod/nieuw", data=offer_form(**bad)).get_data(as_text=True))
    assert shown == {
        "capacity": "De capaciteit moet tussen 1 en 100 liggen.",
        "latest": "De einddatum ligt in het verleden.",
    }


def test_offer_edit_shows_all_errors(client, make):
    company = make.company()
    user = make.user(company)
    offer = make.offer(company)
    commit()
    login(client, user)
    data = offer_form(version_id=str(offer.version_id), capacity="0", latest=PAST.isoformat())
    resp = client.post(f"/bedrijf/aanbod/{offer.id}/wijzigen", data=data)
    assert resp.status_code == 422
    assert set(errors(resp.get_data(as_text=True))) == {"capacity", "latest"}


def test_clustering_form_shows_radius_minimum_and_maximum_at_once(client, make):
    admin = make.admin(email="admin@loket.test")
    db.session.commit()
    login(client, admin)
    data = {"max_radius_km": "0", "min_schools": "0", "max_schools": "5", "method": "kmeans"}
    resp = client.post("/beheer/clusters/indelen", data={**data, "action": "preview"})
    assert resp.status_code == 422
    shown = errors(resp.get_data(as_text=True))
    assert set(shown) == {"max_radius_km", "min_schools"}
    data = {"max_radius_km": "0", "min_schools": "20", "max_schools": "5", "method": "kmeans"}
    shown = errors(client.post("/beheer/clusters/indelen", data=data).get_data(as_text=True))
    assert shown["max_radius_km"] == "Tussen 1 en 200 km."
    assert shown["max_schools"] == "Het maximum mag niet kleiner zijn dan het minimum (20)."


def test_service_raises_every_error_in_one_service_errors(app, make):
    user = make.user(make.school())
    data = request_service.RequestData(
        activity="gastles",
        sectors=["energie"],
        levels=[],
        pupils=0,
        earliest=PAST,
        latest=PAST - timedelta(days=1),
        modes=["at_school"],
        max_travel_km=500,
    )
    with pytest.raises(ServiceErrors) as err:
        request_service.create_request(user, data)
    fields = [e.field for e in err.value.errors]
    assert fields == ["earliest", "latest", "levels", "pupils", "max_travel_km"]
    assert isinstance(err.value, ServiceError) and err.value.field == "earliest"  # old callers still work


def test_check_bounds_reports_every_field(app):
    with pytest.raises(ServiceErrors) as err:
        check_bounds(0, 0, -1, "nope")
    assert [e.field for e in err.value.errors] == ["max_radius_km", "min_schools", "max_schools", "method"]
    check_bounds(25, 1, 10, "kmeans")
    check_bounds(None, None, None, None)


def test_registration_shows_an_unknown_postcode_with_the_other_errors(client):
    from tests.integration.test_auth_register import school_form

    data = school_form(postcode="1000 AA", email="geen-adres", password="kort", password2="anders")
    resp = client.post("/aanmelden", data=data)
    assert resp.status_code == 422
    shown = errors(resp.get_data(as_text=True))
    assert shown["postcode"].startswith("Postcode 1000 AA is onbekend")
    assert {"email", "password", "password2"} <= set(shown)


def test_organisation_form_shows_an_unknown_postcode_with_the_other_errors(client, make):
    school = make.school()
    user = make.user(school)
    commit()
    login(client, user)
    data = {"version_id": str(school.version_id), "name": "", "postcode": "1000 AA", "brin": "??"}
    resp = client.post(f"/account/organisatie/{school.id}", data=data)
    assert resp.status_code == 422
    assert set(errors(resp.get_data(as_text=True))) == {"name", "postcode", "brin"}
