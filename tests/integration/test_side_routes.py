"""The school and company pages are one set of views registered twice (loket.web.activity_views):
each side keeps exactly its old endpoint names, URLs and methods."""

from __future__ import annotations

from flask import url_for

from tests.factories import commit

GET, POST, FORM = {"GET"}, {"POST"}, {"GET", "POST"}
ROUTES = [
    ("school.dashboard", {}, "/school/", GET),
    ("school.requests", {}, "/school/aanvragen", GET),
    ("school.new_request", {}, "/school/aanvragen/nieuw", FORM),
    ("school.request_detail", {"request_id": 7}, "/school/aanvragen/7", GET),
    ("school.edit_request", {"request_id": 7}, "/school/aanvragen/7/wijzigen", FORM),
    ("school.pause_request", {"request_id": 7}, "/school/aanvragen/7/pauzeren", POST),
    ("school.resume_request", {"request_id": 7}, "/school/aanvragen/7/hervatten", POST),
    ("school.cancel_request", {"request_id": 7}, "/school/aanvragen/7/annuleren", FORM),
    ("school.ask_offer", {"request_id": 7, "offer_id": 9}, "/school/aanvragen/7/aanvragen/9", POST),
    ("school.matches", {}, "/school/koppelingen", GET),
    ("school.days_off", {}, "/school/vrije-dagen", FORM),
    ("school.remove_day_off", {}, "/school/vrije-dagen/verwijderen", POST),
    ("school.catalogue", {}, "/school/aanbod", GET),
    ("school.ask_offer_from_catalogue", {"offer_id": 9}, "/school/aanbod/9/aanvragen", FORM),
    ("company.dashboard", {}, "/bedrijf/", GET),
    ("company.offers", {}, "/bedrijf/aanbod", GET),
    ("company.new_offer", {}, "/bedrijf/aanbod/nieuw", FORM),
    ("company.offer_detail", {"offer_id": 9}, "/bedrijf/aanbod/9", GET),
    ("company.edit_offer", {"offer_id": 9}, "/bedrijf/aanbod/9/wijzigen", FORM),
    ("company.pause_offer", {"offer_id": 9}, "/bedrijf/aanbod/9/pauzeren", POST),
    ("company.resume_offer", {"offer_id": 9}, "/bedrijf/aanbod/9/hervatten", POST),
    ("company.close_offer", {"offer_id": 9}, "/bedrijf/aanbod/9/sluiten", FORM),
    ("company.propose", {"offer_id": 9, "request_id": 7}, "/bedrijf/aanbod/9/voorstellen/7", POST),
    ("company.matches", {}, "/bedrijf/koppelingen", GET),
    ("company.find_requests", {}, "/bedrijf/aanvragen-zoeken", GET),
]


def test_both_sides_keep_their_endpoints_urls_and_methods(app):
    rules = {
        r.endpoint: r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("school", "company")
    }
    assert set(rules) == {endpoint for endpoint, *_ in ROUTES}
    with app.test_request_context():
        for endpoint, args, path, methods in ROUTES:
            assert url_for(endpoint, **args) == path, endpoint
            assert rules[endpoint].methods - {"HEAD", "OPTIONS"} == methods, endpoint


def test_a_side_refuses_the_other_role_and_sends_visitors_to_login(client, make, auth):
    company = make.company()
    hr = make.user(company, email="hr@bedrijf.nl")
    school = make.school()
    make.user(school, email="docent@school.nl")
    commit()
    assert client.get("/school/aanvragen").headers["Location"].startswith("/inloggen")
    auth.login(hr.email)
    assert client.get("/school/aanvragen").status_code == 403
    assert client.get("/bedrijf/aanbod").status_code == 200
    auth.logout()
    auth.login("docent@school.nl")
    assert client.get("/bedrijf/").status_code == 403
    assert client.get("/school/").status_code == 200
