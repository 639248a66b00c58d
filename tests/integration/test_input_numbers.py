"""Issue 11, item 8: numbers and dates from any input never reach the database unbounded.

Every route with an id in its path (read from ``app.url_map``) and every query parameter a view reads,
with values beyond what an INTEGER key can hold (2**31 on PostgreSQL, 2**63 on SQLite), as every role, on SQLite and PostgreSQL: never a 5xx; an id that no
row can have is a 404, a filter out of bounds a 400 or the first page. Form fields: NaN/inf, dates far
away and local times that do not exist (the clock change) are refused beside the field.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, DateOption, Match
from tests.integration.lifecycle_helpers import build_world, login, logout

MAX_ID = 2**31 - 1  # primary keys are INTEGER: PostgreSQL refuses anything larger
OUT_OF_RANGE = [str(2**31), str(2**63), str(2**64 + 1), "9" * 40, "0"]
ROLES = ("anon", "teacher", "hr", "manager", "admin")


@pytest.fixture
def world(make):
    w = build_world(make)
    w.match = make.match(w.req, w.offer, status="accepted")
    db.session.commit()
    return w


def as_role(client, w, role: str) -> None:
    if role == "anon":
        logout(client)
    else:
        login(client, getattr(w, role))


def field_error(html: str, field: str) -> str | None:
    m = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', html)
    return m.group(1).replace("&#39;", "'") if m else None


def id_rules(app):
    rules = [r for r in app.url_map.iter_rules() if any(a.endswith("_id") for a in r.arguments)]
    assert len(rules) > 30
    return sorted(rules, key=lambda r: r.rule)


def fill(rule, value: str) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<[^>]*:?{arg}>", value, url)
    return url


# ----------------------------------------------------------------------------- ids in the path
def test_every_int_id_route_uses_the_bounded_converter(app):
    from loket.web.inputs import IntegerIdConverter

    loose = [
        f"{r.rule} ({a})"
        for r in id_rules(app)
        for a in r.arguments
        if a.endswith("_id") and not isinstance(r._converters.get(a), IntegerIdConverter)
    ]
    assert not loose, loose


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_ids_beyond_what_a_database_can_hold_are_a_404(app, client, world, value):
    problems = []
    for rule in id_rules(app):
        url = fill(rule, value)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            for role in ("anon", "admin", "teacher"):
                as_role(client, world, role)
                code = client.open(url, method=method, data={}).status_code
                if code != 404:
                    problems.append(f"{method} {url} as {role}: {code}")
    assert not problems, "\n".join(problems)


def test_the_largest_possible_id_is_simply_not_found(app, client, world):
    problems = []
    for rule in id_rules(app):
        url = fill(rule, str(MAX_ID))
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            for role in ROLES:
                as_role(client, world, role)
                code = client.open(url, method=method, data={}).status_code
                if code >= 500 or code == 200:
                    problems.append(f"{method} {url} as {role}: {code}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- query parameters
QUERY_PARAMS = ("page", "cluster", "age", "limit", "status", "activity", "view", "q", "org", "format")
QUERY_VALUES = [str(2**31), str(2**63), str(-(2**63) - 1), "9" * 40, "nan", "²"]
ROLE_OF_BLUEPRINT = {"school": "teacher", "company": "hr", "manager": "manager", "regions": "manager"}


def get_routes(app, w) -> list[tuple[str, str]]:
    """(url, role) of every GET page without arguments and of this world's own objects, with a role
    that may open it (admin for admin, reactivation and the rest of the staff pages)."""
    values = {
        "match_id": w.match.id,
        "request_id": w.req.id,
        "offer_id": w.offer.id,
        "cluster_id": w.cluster.id,
        "org_id": w.school.id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if set(rule.arguments) <= set(values):
            blueprint = rule.endpoint.split(".")[0]
            role = ROLE_OF_BLUEPRINT.get(
                blueprint, "admin" if blueprint in ("admin", "reactivation") else "teacher"
            )
            urls.append((fill_values(rule, values), role))
    return sorted(set(urls))


def fill_values(rule, values: dict) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<[^>]*:?{arg}>", str(values[arg]), url)
    return url


@pytest.mark.parametrize("value", QUERY_VALUES)
def test_query_parameters_out_of_bounds_never_give_a_server_error(app, client, world, value):
    """Every GET page with every parameter a view reads set to ``value`` (the id filter ``cluster``
    in a request of its own: it answers 404 and would hide the others)."""
    problems = []
    for url, role in get_routes(app, world):
        as_role(client, world, role)
        for params in ({p: value for p in QUERY_PARAMS if p != "cluster"}, {"cluster": value}):
            resp = client.get(url, query_string=params)
            if resp.status_code >= 500:
                problems.append(f"GET {url}?{params} as {role}: {resp.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "url", ["/regio/?cluster={v}", "/regio/kaart?cluster={v}", "/cluster/goedkeuren?cluster={v}"]
)
@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 30, "0", "-5"])
def test_a_cluster_filter_no_row_can_match_is_a_404(client, world, url, value):
    login(client, world.manager)
    assert client.get(url.format(v=value)).status_code == 404


@pytest.mark.parametrize(
    "url", ["/cluster/goedkeuren", "/cluster/overzicht", "/meldingen/", "/heractivering/"]
)
def test_a_page_far_beyond_the_end_is_an_empty_page(client, world, url):
    login(client, world.admin)
    assert client.get(url, query_string={"page": str(2**64)}).status_code == 200


# ----------------------------------------------------------------------------- ids posted in forms
@pytest.mark.parametrize("bad", [str(2**31), str(2**63), "²", "-1", "0", "1e3", "9" * 40])
def test_bulk_approve_refuses_impossible_ids_and_approves_nothing(client, make, bad):
    from loket.services import matches as svc

    w = build_world(make)
    proposed = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    login(client, w.manager)
    resp = client.post("/cluster/goedkeuren", data={"match_ids": [str(proposed.id), bad]})
    assert resp.status_code == 400
    assert "Ongeldig nummer" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Match, proposed.id).status == "proposed"


def test_admin_target_id_is_bounded(client, world):
    login(client, world.admin)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    for path in ("beheerders", "vastzetten", "losmaken", "beheerders/verwijderen"):
        resp = client.post(f"/beheer/clusters/{world.cluster.id}/{path}", data={"target": str(2**31)})
        assert resp.status_code == 422, path
        assert "Vul een geldig nummer in." in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_reactivation_limit_is_bounded(client, world):
    login(client, world.admin)
    resp = client.post(
        "/heractivering/nieuw",
        data={
            "cluster_id": "0",
            "role": "",
            "inactive_days": "365",
            "limit": str(2**63),
            "action": "preview",
        },
    )
    assert resp.status_code < 500
    assert "Vul 1 tot 1.000.000 in" in (field_error(resp.get_data(as_text=True), "limit") or "")


@pytest.mark.parametrize("value", ["sNaN", "nan", "NaN", "inf", "-Infinity", "1e999"])
def test_cluster_radius_must_be_a_finite_number(client, world, value):
    login(client, world.admin)
    resp = client.post(
        "/beheer/clusters/indelen",
        data={"max_radius_km": value, "min_schools": "2", "max_schools": "40", "method": "kmeans"},
    )
    assert resp.status_code == 422
    error = field_error(resp.get_data(as_text=True), "max_radius_km")
    assert error is not None and ("getal" in error or "Tussen 1 en 200" in error), error


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309"])
def test_request_travel_distance_must_be_a_finite_number(client, world, value):
    login(client, world.teacher)
    today = date.today()
    resp = client.post(
        "/school/aanvragen/nieuw",
        data={
            "activity": "gastles",
            "sectors": ["energie"],
            "levels": ["havo"],
            "modes": ["at_school"],
            "pupils": "25",
            "earliest": (today + timedelta(days=7)).isoformat(),
            "latest": (today + timedelta(days=30)).isoformat(),
            "max_travel_km": value,
        },
    )
    assert resp.status_code == 422
    assert "getal" in (field_error(resp.get_data(as_text=True), "max_travel_km") or "")


@pytest.mark.parametrize("field", ["pupils"])
@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 30])
def test_huge_whole_numbers_are_a_field_error(client, world, field, value):
    login(client, world.teacher)
    today = date.today()
    data = {
        "activity": "gastles",
        "sectors": ["energie"],
        "levels": ["havo"],
        "modes": ["at_school"],
        "pupils": "25",
        "earliest": (today + timedelta(days=7)).isoformat(),
        "latest": (today + timedelta(days=30)).isoformat(),
        "max_travel_km": "25",
    }
    data[field] = value
    resp = client.post("/school/aanvragen/nieuw", data=data)
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), field)


# ----------------------------------------------------------------------------- scheduling
def schedule(client, w, day: str, start: str, end: str = "", confirm: str = ""):
    login(client, w.teacher)
    return client.post(
        f"/koppelingen/{w.match.id}/data-voorstellen",
        data={
            "day_1": day,
            "start_1": start,
            "end_1": end,
            "place_1": "Zwolle",
            "version_id": w.match.version_id,
            "confirm": confirm,
        },
    )


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31", "2200-01-01"])
def test_schedule_refuses_dates_outside_a_sane_window(client, world, day):
    resp = schedule(client, world, day, "10:00", "11:00")
    assert resp.status_code == 400
    assert "Kies een datum tussen" in (field_error(resp.get_data(as_text=True), "day_1") or "")
    db.session.expire_all()
    assert db.session.get(Match, world.match.id).status == "accepted"


@pytest.mark.parametrize(
    ("start", "end", "field"), [("02:30", "04:00", "start_1"), ("01:30", "02:15", "end_1")]
)
def test_schedule_refuses_a_local_time_that_does_not_exist(client, world, start, end, field):
    resp = schedule(client, world, "2030-03-31", start, end)  # clocks go 02:00 -> 03:00
    assert resp.status_code == 400
    error = field_error(resp.get_data(as_text=True), field)
    assert error is not None and "bestaat niet op 31-03-2030" in error, error
    db.session.expire_all()
    match = db.session.get(Match, world.match.id)
    assert match.status == "accepted" and match.scheduled_start is None


def test_schedule_around_the_clock_change_keeps_the_wall_clock_time(client, world):
    resp = schedule(client, world, "2030-03-31", "03:30", "04:30")
    assert resp.status_code == 200 and "Toch voorstellen" in resp.get_data(as_text=True)  # Sunday, 03:30
    key = re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', resp.get_data(as_text=True)).group(1)
    assert schedule(client, world, "2030-03-31", "03:30", "04:30", confirm=key).status_code == 302
    option = db.session.scalars(select(DateOption)).one()
    login(client, world.hr)
    assert (
        client.post(f"/koppelingen/{world.match.id}/datum-kiezen", data={"option_id": option.id}).status_code
        == 302
    )
    db.session.expire_all()
    match = db.session.get(Match, world.match.id)
    assert match.scheduled_start == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert match.scheduled_end == datetime(2030, 3, 31, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["9" * 400, "-" + "9" * 400, "4" * 4000])
def test_integers_too_long_for_a_range_check_are_a_field_error(client, world, value):
    """WTForms' NumberRange turns an int of 400 digits into a float and raised OverflowError (500)."""
    login(client, world.admin)
    resp = client.post(
        "/beheer/clusters/indelen",
        data={"max_radius_km": "25", "min_schools": "1", "max_schools": value, "method": "kmeans"},
    )
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), "max_schools")
    resp = client.post(
        "/heractivering/nieuw",
        data={"cluster_id": "0", "role": "", "inactive_days": value, "limit": value, "action": "preview"},
    )
    assert resp.status_code < 500
    html = resp.get_data(as_text=True)
    assert field_error(html, "inactive_days") and field_error(html, "limit")
