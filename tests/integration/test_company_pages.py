"""Company pages through the test client: offer forms with errors beside the field, capacity used/left,
edit with version (stale refused, capacity not below used), pause/close, another company's ids refused,
and a fixed number of queries per list page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from loket.db import db
from loket.models import Offer
from tests.factories import commit
from tests.integration.test_school_pages import errors

TODAY = date.today()


def company_user(make, place="Zwolle"):
    company = make.company(place=place)
    return company, make.user(company, email=f"hr{company.id}@bedrijf-{company.id}.nl")


def form(**kw) -> dict:
    values = {
        "activity": "bedrijfsbezoek",
        "sectors": ["chemie", "energie"],
        "topic": "procestechniek",
        "levels": ["vmbo", "havo"],
        "capacity": "5",
        "earliest": TODAY.isoformat(),
        "latest": (TODAY + timedelta(days=90)).isoformat(),
        "modes": ["at_company"],
        "radius_km": "40",
    }
    values.update(kw)
    return values


def test_publish_offer(client, make, auth):
    _, user = company_user(make)
    commit()
    auth.login(user.email)
    html = client.get("/bedrijf/aanbod/nieuw").get_data(as_text=True)
    assert "Capaciteit in deze periode" in html and '<datalist id="topic-suggestions"' in html
    resp = client.post("/bedrijf/aanbod/nieuw", data=form())
    assert resp.status_code == 302
    offer = db.session.scalars(db.select(Offer)).one()
    assert resp.headers["Location"].endswith(f"/bedrijf/aanbod/{offer.id}")
    assert (offer.capacity, offer.sectors, offer.status) == (5, ["chemie", "energie"], "open")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (dict(activity=""), "activity", "Kies een soort activiteit."),
        (dict(sectors=[]), "sectors", "Kies minstens één sector."),
        (dict(levels=[]), "levels", "Kies minstens één onderwijsniveau."),
        (dict(modes=[]), "modes", "Kies minstens één vorm."),
        (dict(capacity="0"), "capacity", "De capaciteit moet tussen 1 en 100 liggen."),
        (dict(capacity="101"), "capacity", "De capaciteit moet tussen 1 en 100 liggen."),
        (dict(capacity="vijf"), "capacity", "Vul een heel getal in."),
        (dict(radius_km="-3"), "radius_km", "De straal moet tussen 0 en 200 km liggen."),
        (dict(latest=""), "latest", "Vul een einddatum in."),
        (
            dict(latest=(TODAY - timedelta(days=1)).isoformat()),
            "latest",
            "De einddatum ligt in het verleden.",
        ),
    ],
)
def test_validation_errors_beside_the_field(client, make, auth, change, field, message):
    _, user = company_user(make)
    commit()
    auth.login(user.email)
    resp = client.post("/bedrijf/aanbod/nieuw", data=form(**change))
    assert resp.status_code == 422
    shown = errors(resp.get_data(as_text=True))
    assert field in shown and message in shown[field], shown


def test_capacity_used_and_left_shown(client, make, auth):
    company, user = company_user(make)
    make.offer(company, topic="robotica", capacity=5, capacity_used=2)
    make.offer(company, topic="chemielab", capacity=3, capacity_used=3)
    commit()
    auth.login(user.email)
    html = client.get("/bedrijf/aanbod").get_data(as_text=True)
    rows = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(
            r": (robotica|chemielab)</a>.*?data-label=\"used\">(\d+)</td>\s*<td class=\"num\" data-label=\"left\">(\d+)",
            html,
            re.S,
        )
    }
    assert rows == {"robotica": ("2", "3"), "chemielab": ("3", "0")}
    dash = client.get("/bedrijf/").get_data(as_text=True)
    assert "5 / 8" in dash  # capacity used over all live offers


def test_edit_capacity_not_below_used_and_stale_refused(client, make, auth):
    company, user = company_user(make)
    offer = make.offer(company, capacity=5, capacity_used=3)
    commit()
    auth.login(user.email)
    page = client.get(f"/bedrijf/aanbod/{offer.id}").get_data(as_text=True)
    assert "3 van 5 gebruikt, 2 over" in page
    version = offer.version_id
    resp = client.post(f"/bedrijf/aanbod/{offer.id}/wijzigen", data=form(capacity="2", version_id=version))
    assert resp.status_code == 422
    assert "niet lager zijn dan wat al is toegezegd (3)" in errors(resp.get_data(as_text=True))["capacity"]
    assert (
        client.post(
            f"/bedrijf/aanbod/{offer.id}/wijzigen", data=form(capacity="8", version_id=version)
        ).status_code
        == 302
    )
    stale = client.post(f"/bedrijf/aanbod/{offer.id}/wijzigen", data=form(capacity="9", version_id=version))
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).capacity == 8


def test_pause_resume_close(client, make, auth):
    company, user = company_user(make)
    offer = make.offer(company)
    commit()
    auth.login(user.email)
    client.post(f"/bedrijf/aanbod/{offer.id}/pauzeren", data={"version_id": offer.version_id})
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "paused"
    assert "Dit aanbod is gepauzeerd" in client.get(f"/bedrijf/aanbod/{offer.id}").get_data(as_text=True)
    client.post(f"/bedrijf/aanbod/{offer.id}/hervatten")
    resp = client.post(f"/bedrijf/aanbod/{offer.id}/sluiten", data={"reason": "vol"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "closed"
    follow = client.post(f"/bedrijf/aanbod/{offer.id}/hervatten", follow_redirects=True)
    assert "gesloten" in follow.get_data(as_text=True)


def test_another_companys_offer_is_refused(client, make, auth):
    _, me = company_user(make)
    theirs, _ = company_user(make, place="Deventer")
    other = make.offer(theirs, topic="geheim recept")
    school = make.school()
    their_match = make.match(make.request(school), other, status="approved")
    commit()
    auth.login(me.email)
    assert client.get(f"/koppelingen/{their_match.id}").status_code in (403, 404)
    for method, url in [
        ("get", f"/bedrijf/aanbod/{other.id}"),
        ("get", f"/bedrijf/aanbod/{other.id}/wijzigen"),
        ("post", f"/bedrijf/aanbod/{other.id}/wijzigen"),
        ("post", f"/bedrijf/aanbod/{other.id}/pauzeren"),
        ("post", f"/bedrijf/aanbod/{other.id}/hervatten"),
        ("get", f"/bedrijf/aanbod/{other.id}/sluiten"),
        ("post", f"/bedrijf/aanbod/{other.id}/sluiten"),
        ("post", f"/bedrijf/aanbod/{other.id}/voorstellen/1"),
    ]:
        resp = getattr(client, method)(url, data=form())
        assert resp.status_code in (403, 404), (method, url, resp.status_code)
        assert "geheim recept" not in resp.get_data(as_text=True)
    for page in ("/bedrijf/", "/bedrijf/aanbod", "/bedrijf/koppelingen"):
        assert "geheim recept" not in client.get(page).get_data(as_text=True)
    assert client.get("/school/").status_code == 403
    db.session.expire_all()
    assert db.session.get(Offer, other.id).status == "open"


def test_list_pages_use_a_fixed_number_of_queries(client, make, auth, count_queries):
    company, user = company_user(make)
    schools = [make.school() for _ in range(3)]

    def add(n: int) -> None:
        for i in range(n):
            offer = make.offer(company, topic=f"aanbod {i}")
            make.match(make.request(schools[i % 3]), offer, status="approved")
        commit()

    add(2)
    auth.login(user.email)
    counts: dict[str, list[int]] = {}
    for step in (0, 1):
        if step:
            add(12)
        for url in ("/bedrijf/", "/bedrijf/aanbod", "/bedrijf/koppelingen"):
            db.session.expire_all()
            with count_queries() as seen:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(seen))
    for url, (small, large) in counts.items():
        assert 0 < small == large, (url, small, large)
