"""School pages through the test client: request forms with errors beside the field, edit with version,
pause/cancel, lists, another school's ids refused, CSRF, and a fixed number of queries per list page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from loket.db import db
from loket.models import Request
from tests.factories import commit

FUTURE = date.today() + timedelta(days=14)


def school_user(make, place="Zwolle", email=None):
    school = make.school(place=place)
    user = make.user(school, email=email or f"docent{school.id}@school-{school.id}.nl")
    return school, user


def form(**kw) -> dict:
    values = {
        "activity": "gastles",
        "sectors": ["energie"],
        "topic": "zonnepanelen",
        "levels": ["havo-3"],
        "pupils": "26",
        "earliest": FUTURE.isoformat(),
        "latest": (FUTURE + timedelta(days=30)).isoformat(),
        "modes": ["at_school", "online"],
        "max_travel_km": "30",
    }
    values.update(kw)
    return values


def errors(html: str) -> dict[str, str]:
    """field id -> error text shown beside it"""
    return dict(re.findall(r'<p class="error" id="([\w-]+)-error" role="alert">([^<]*)</p>', html))


def test_new_request_form_and_create(client, make, auth):
    _, user = school_user(make)
    commit()
    auth.login(user.email)
    page = client.get("/school/aanvragen/nieuw")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<datalist id="topic-suggestions"' in html and 'list="topic-suggestions"' in html
    assert "<legend>Sectoren" in html and 'name="version_id"' in html
    resp = client.post("/school/aanvragen/nieuw", data=form())
    assert resp.status_code == 302
    req = db.session.scalars(db.select(Request)).one()
    assert resp.headers["Location"].endswith(f"/school/aanvragen/{req.id}")
    assert (req.activity, req.levels, req.pupils, req.modes) == (
        "gastles",
        ["havo-3"],
        26,
        ["at_school", "online"],
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (dict(activity=""), "activity", "Kies een soort activiteit."),
        (dict(sectors=[]), "sectors", "Kies minstens één sector."),
        (dict(levels=[]), "levels", "Kies minstens één onderwijsniveau."),
        (dict(modes=[]), "modes", "Kies minstens één vorm."),
        (dict(pupils="0"), "pupils", "Het aantal leerlingen moet tussen 1 en 400 liggen."),
        (dict(pupils="401"), "pupils", "Het aantal leerlingen moet tussen 1 en 400 liggen."),
        (dict(pupils="twintig"), "pupils", "Vul een heel getal in."),
        (dict(max_travel_km="500"), "max_travel_km", "De reisafstand moet tussen 0 en 200 km liggen."),
        (dict(earliest="31-02-2026"), "earliest", "Vul een geldige datum in."),
        (
            dict(earliest=(date.today() - timedelta(days=1)).isoformat()),
            "earliest",
            "De begindatum ligt in het verleden.",
        ),
        (
            dict(latest=(FUTURE - timedelta(days=1)).isoformat()),
            "latest",
            "De einddatum ligt vóór de begindatum.",
        ),
        (dict(latest=date(date.today().year + 3, 1, 1).isoformat()), "latest", "volgende schooljaar"),
        (dict(activity="zeilen"), "activity", "Ongeldige keuze"),
    ],
)
def test_validation_errors_beside_the_field(client, make, auth, change, field, message):
    _, user = school_user(make)
    commit()
    auth.login(user.email)
    resp = client.post("/school/aanvragen/nieuw", data=form(**change))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    shown = errors(html)
    assert field in shown and message in shown[field], shown
    assert 'aria-invalid="true"' in html
    assert db.session.scalars(db.select(Request)).first() is None


def test_edit_prefills_carries_version_and_refuses_stale(client, make, auth):
    school, user = school_user(make)
    req = make.request(school, pupils=20, levels=["havo"])
    commit()
    auth.login(user.email)
    html = client.get(f"/school/aanvragen/{req.id}/wijzigen").get_data(as_text=True)
    assert f'name="version_id" type="hidden" value="{req.version_id}"' in html
    assert 'value="20"' in html
    old = req.version_id
    resp = client.post(f"/school/aanvragen/{req.id}/wijzigen", data=form(pupils="22", version_id=str(old)))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Request, req.id).pupils == 22
    stale = client.post(f"/school/aanvragen/{req.id}/wijzigen", data=form(pupils="99", version_id=str(old)))
    assert stale.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Request, req.id).pupils == 22


def test_pause_resume_cancel_through_the_pages(client, make, auth):
    school, user = school_user(make)
    req = make.request(school)
    commit()
    auth.login(user.email)
    resp = client.post(f"/school/aanvragen/{req.id}/pauzeren", data={"version_id": req.version_id})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == "paused"
    html = client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True)
    assert "Deze aanvraag is gepauzeerd" in html and "Hervatten" in html
    client.post(f"/school/aanvragen/{req.id}/hervatten")
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == "open"
    assert "Reden (optioneel)" in client.get(f"/school/aanvragen/{req.id}/annuleren").get_data(as_text=True)
    resp = client.post(f"/school/aanvragen/{req.id}/annuleren", data={"reason": "Excursie gaat niet door"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == "cancelled"
    html = client.get("/school/aanvragen?status=cancelled", follow_redirects=True).get_data(as_text=True)
    assert "geannuleerd" in html


def test_lists_and_dashboard_show_state(client, make, auth):
    school, user = school_user(make)
    company = make.company(name="Zon BV")
    req = make.request(school, topic="waterstof")
    make.request(school, topic="oude vraag", status="cancelled")
    offer = make.offer(company)
    make.match(req, offer, status="approved", proposed_by="company")
    commit()
    auth.login(user.email)
    dash = client.get("/school/").get_data(as_text=True)
    assert "waterstof" in dash and "oude vraag" not in dash
    assert "Zon BV" in dash and "goedgekeurd" in dash and "jouw reactie gevraagd" in dash
    listing = client.get("/school/aanvragen").get_data(as_text=True)
    assert "waterstof" in listing and "oude vraag" in listing
    matches = client.get("/school/koppelingen").get_data(as_text=True)
    assert "Zon BV" in matches and "/koppelingen/" in matches


def test_another_schools_request_is_refused(client, make, auth):
    mine, me = school_user(make)
    theirs, _ = school_user(make, place="Kampen")
    other = make.request(theirs, topic="geheim onderwerp")
    company = make.company()
    their_match = make.match(other, make.offer(company), status="proposed")
    commit()
    auth.login(me.email)
    assert client.get(f"/koppelingen/{their_match.id}").status_code in (403, 404)
    for method, url in [
        ("get", f"/school/aanvragen/{other.id}"),
        ("get", f"/school/aanvragen/{other.id}/wijzigen"),
        ("post", f"/school/aanvragen/{other.id}/wijzigen"),
        ("post", f"/school/aanvragen/{other.id}/pauzeren"),
        ("post", f"/school/aanvragen/{other.id}/hervatten"),
        ("get", f"/school/aanvragen/{other.id}/annuleren"),
        ("post", f"/school/aanvragen/{other.id}/annuleren"),
        ("post", f"/school/aanvragen/{other.id}/aanvragen/1"),
    ]:
        resp = getattr(client, method)(url, data=form())
        assert resp.status_code in (403, 404), (method, url, resp.status_code)
        assert "geheim onderwerp" not in resp.get_data(as_text=True)
    assert client.get("/school/aanvragen/999999").status_code == 404
    for page in ("/school/", "/school/aanvragen", "/school/koppelingen"):
        assert "geheim onderwerp" not in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Request, other.id).status == "open"


def test_other_roles_and_anonymous_are_kept_out(client, make, auth):
    company = make.company()
    cuser = make.user(company, email="hr@bedrijf-x.nl")
    commit()
    assert client.get("/school/").status_code == 302  # to the login page
    assert "/inloggen" in client.get("/school/aanvragen").headers["Location"]
    auth.login(cuser.email)
    assert client.get("/school/").status_code == 403
    assert client.post("/school/aanvragen/nieuw", data=form()).status_code == 403


def test_list_pages_use_a_fixed_number_of_queries(client, make, auth, count_queries):
    school, user = school_user(make)
    companies = [make.company() for _ in range(3)]

    def add(n: int) -> None:
        for i in range(n):
            req = make.request(school, topic=f"onderwerp {i}")
            offer = make.offer(companies[i % 3])
            make.match(req, offer, status="proposed")
        commit()

    add(2)
    auth.login(user.email)
    counts = {}
    for n_total in (2, 14):
        if n_total == 14:
            add(12)
        for url in ("/school/", "/school/aanvragen", "/school/koppelingen"):
            db.session.expire_all()
            with count_queries() as seen:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(seen))
    for url, (small, large) in counts.items():
        assert 0 < small == large, (url, small, large)


def test_post_without_csrf_token_is_refused_when_csrf_is_on(app, client, make, auth):
    _, user = school_user(make)
    commit()
    auth.login(user.email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post("/school/aanvragen/nieuw", data=form())
        assert resp.status_code == 400
        assert "Het formulier is verlopen" in resp.get_data(as_text=True)
        page = client.get("/school/aanvragen/nieuw").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalars(db.select(Request)).first() is None


def test_taxonomy_api_suggests_as_you_type(client, make, auth):
    _, user = school_user(make)
    commit()
    assert client.get("/api/taxonomie/onderwerp?q=zon").status_code == 401
    auth.login(user.email)
    data = client.get("/api/taxonomie/onderwerp?q=ener").get_json()
    values = [r["value"] for r in data["results"]]
    assert values[0].lower().startswith("ener") and "Energie" in values
    for typed, first in (("robo", "robotica"), ("robotica", "robotica"), ("zonne", "zonne-energie")):
        results = client.get(f"/api/taxonomie/onderwerp?q={typed}").get_json()["results"]
        assert results[0]["value"] == first, typed
    everything = client.get("/api/taxonomie/onderwerp?q=").get_json()["results"]
    assert not {"health", "assignment"} & {r["value"] for r in everything}
    client.set_cookie("lang", "en")
    assert client.get("/api/taxonomie/onderwerp?q=robo").get_json()["results"][0]["value"] == "robotics"
    client.delete_cookie("lang")
    page = client.get("/school/aanvragen/nieuw").get_data(as_text=True)
    assert '<option value="robotica">' in page and '<option value="health">' not in page
    synonyms = client.get("/api/taxonomie/sector?q=software").get_json()["results"]
    assert [r["code"] for r in synonyms] == ["ict"]
    assert client.get("/api/taxonomie/activiteiten?q=gast").get_json()["results"][0]["code"] == "gastles"
    assert client.get("/api/taxonomie/planeten?q=x").status_code == 404
    assert client.get("/api/taxonomie/planeten?q=x").get_json()["status"] == 404


def test_unverified_school_is_told_to_confirm_before_posting(client, make, auth):
    org = make.school()
    user = make.user(org, email="nieuw@school.nl", verified=False)
    commit()
    auth.login(user.email)
    html = client.get("/school/aanvragen/nieuw").get_data(as_text=True)
    assert "Bevestig eerst je e-mailadres" in html
    assert re.search(r'<button type="submit" disabled aria-disabled="true">\s*Aanvraag plaatsen', html)
    resp = client.post("/school/aanvragen/nieuw", data=form())
    assert resp.status_code != 302
    assert db.session.query(Request).count() == 0
