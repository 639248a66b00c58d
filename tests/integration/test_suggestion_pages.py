"""The suggestion pages read stored rows: a fixed number of SQL statements at any data size, what
became impossible since is left out, a new request or offer shows up right after its commit, and
with Redis the work is queued to RQ and `loket worker --burst` does it."""

from __future__ import annotations

import random
import re
import subprocess
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from loket.db import db
from loket.models import Offer, Organisation, Request, StoredSuggestion, SuggestionState, User
from loket.services.matching import refresh_all
from tests.factories import commit
from tests.helpers.reactivation import LOKET_CMD, child_env
from tests.integration.lifecycle_helpers import _forget_cached_user, login

REDIS_URL = "redis://127.0.0.1:6379/15"
TODAY = date.today()
CITIES = ["Zwolle", "Kampen", "Deventer", "Zwolle", "Amsterdam", "Utrecht"]


def cards(html: str, kind: str) -> list[int]:
    return [int(i) for i in re.findall(rf'<li class="card suggestion" id="{kind}-(\d+)">', html)]


def grow(make, rng: random.Random, n: int) -> None:
    """n more companies with a fitting offer and n more schools with a fitting request, nearby."""
    for _ in range(n):
        company = make.company(place=rng.choice(CITIES))
        make.user(company)
        make.offer(company, topic=rng.choice(["zonne-energie", "windenergie", "zonnepanelen"]), radius_km=80)
        school = make.school(place=rng.choice(CITIES))
        make.user(school)
        make.request(school, topic=rng.choice(["zonne-energie", "energie"]), max_travel_km=80)
    commit()


def measure(client, count_queries, user_id: int, url: str, kind: str) -> tuple[int, list[int], list[str]]:
    login(client, db.session.get(User, user_id))
    db.session.expunge_all()  # a real request starts with an empty session; the tests share one
    _forget_cached_user()
    with count_queries() as seen:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(seen), cards(resp.get_data(as_text=True), kind), seen


def test_pages_issue_the_same_statements_at_two_data_sizes(client, make, count_queries):
    rng = random.Random(3)
    school = make.school(place="Zwolle")
    teacher = make.user(school, email="docent@zwolle.test")
    company = make.company(place="Zwolle")
    hr = make.user(company, email="hr@zwolle.test")
    req = make.request(school, topic="zonne-energie", max_travel_km=80)
    offer = make.offer(company, topic="zonne-energie", radius_km=80, capacity=50)
    grow(make, rng, 3)
    pages = {
        "school": (teacher.id, f"/school/aanvragen/{req.id}", "aanbod"),
        "company": (hr.id, f"/bedrijf/aanbod/{offer.id}", "aanvraag"),
    }
    small = {}
    for name, (user_id, url, kind) in pages.items():
        small[name] = measure(client, count_queries, user_id, url, kind)
        assert small[name][1], f"{name}: suggestions shown"
    grow(make, rng, 40)
    for name, (user_id, url, kind) in pages.items():
        n, shown, statements = measure(client, count_queries, user_id, url, kind)
        assert len(shown) > len(small[name][1]), f"{name}: more data, more suggestions shown"
        assert n == small[name][0], f"{name}: {small[name][0]} statements, then {n}:\n" + "\n".join(
            s[:150] for s in statements
        )
        assert n <= 30, f"{name}: {n} statements"
        touched = [s for s in statements if "suggestion" in s.lower()]
        assert len(touched) == 2  # the list (with its rows, organisations, places) and its freshness


def test_what_became_impossible_is_left_out_at_once(client, make):
    """Between a change and its recomputation the page already hides an offer that is full, paused,
    or whose pair was turned down (here the recomputation is skipped on purpose)."""
    school = make.school(place="Zwolle")
    teacher = make.user(school)
    req = make.request(school, max_travel_km=60)
    offers = []
    for i in range(4):
        company = make.company(place="Zwolle")
        make.user(company)
        offers.append(make.offer(company, topic=f"zonne-energie {i}", capacity=2))
    commit()
    login(client, teacher)
    assert sorted(
        cards(client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True), "aanbod")
    ) == sorted(o.id for o in offers)
    offers[0].capacity_used = 2
    offers[1].status = "paused"
    make.match(req, offers[2], status="rejected")
    db.session.commit()  # the stored rows are still the old ones
    db.session.info.clear()
    assert db.session.scalar(select(StoredSuggestion.id).where(StoredSuggestion.offer_id == offers[0].id)), (
        "stale rows remain stored"
    )
    html = client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True)
    assert cards(html, "aanbod") == [offers[3].id]
    assert "De suggesties worden bijgewerkt" in html  # the list is marked dirty


def test_new_request_and_offer_show_up_after_their_commit(client, make):
    """Through the forms: the school sees fitting offers right after posting its request, and a new
    offer appears among that request's suggestions right after it is published."""
    school = make.school(place="Zwolle")
    teacher = make.user(school, email="decaan@zwolle.test")
    company = make.company(place="Kampen")
    hr = make.user(company, email="hr@kampen.test")
    old = make.offer(make.company(place="Zwolle"), topic="windenergie", levels=["havo"], radius_km=50)
    commit()
    login(client, teacher)
    start = TODAY + timedelta(days=14)
    resp = client.post(
        "/school/aanvragen/nieuw",
        data={
            "activity": "gastles",
            "sectors": ["energie"],
            "topic": "zonnepanelen",
            "levels": ["havo-3"],
            "pupils": "26",
            "earliest": start.isoformat(),
            "latest": (start + timedelta(days=60)).isoformat(),
            "modes": ["at_school"],
            "max_travel_km": "30",
        },
    )
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    req = db.session.scalars(select(Request).where(Request.organisation_id == school.id)).one()
    assert cards(html, "aanbod") == [old.id] and "worden bijgewerkt" not in html
    login(client, hr)
    resp = client.post(
        "/bedrijf/aanbod/nieuw",
        data={
            "activity": "gastles",
            "sectors": ["energie"],
            "topic": "zonnepanelen op het dak",
            "levels": ["havo"],
            "capacity": "3",
            "earliest": TODAY.isoformat(),
            "latest": (TODAY + timedelta(days=120)).isoformat(),
            "modes": ["at_school"],
            "radius_km": "40",
        },
    )
    assert resp.status_code == 302
    new = db.session.scalars(select(Offer).where(Offer.organisation_id == company.id)).one()
    assert req.id in cards(client.get(f"/bedrijf/aanbod/{new.id}").get_data(as_text=True), "aanvraag")
    login(client, teacher)
    html = client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True)
    assert set(cards(html, "aanbod")) == {old.id, new.id}


def test_reroute_options_come_from_the_stored_suggestions(client, make):
    from loket.services import matches as svc
    from loket.services.brokering import reroute_alternatives

    school = make.school(place="Zwolle")
    teacher = make.user(school)
    admin = make.admin()
    req = make.request(school)
    first, second = (make.offer(make.company(place=p), topic="zonne-energie") for p in ("Zwolle", "Kampen"))
    commit()
    match = svc.propose(teacher, req.id, first.id, source="school")
    commit()
    options = reroute_alternatives(admin, match)
    assert [o.offer.id for o in options] == [second.id]
    assert options[0].score > 0 and options[0].reasons


def test_with_redis_the_work_is_queued_and_loket_worker_does_it(app, client, make):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue = f"loket-test-{uuid.uuid4().hex[:8]}"
    school = make.school(place="Zwolle")
    teacher = make.user(school)
    req = make.request(school, max_travel_km=60)
    company = make.company(place="Zwolle")
    hr = make.user(company)
    commit()
    refresh_all()
    app.config.update(LOKET_REDIS_URL=REDIS_URL, LOKET_RQ_QUEUE=queue)
    try:
        login(client, hr)
        resp = client.post(
            "/bedrijf/aanbod/nieuw",
            data={
                "activity": "gastles",
                "sectors": ["energie"],
                "topic": "zonne-energie",
                "levels": ["havo"],
                "capacity": "3",
                "earliest": TODAY.isoformat(),
                "latest": (TODAY + timedelta(days=120)).isoformat(),
                "modes": ["at_school"],
                "radius_km": "40",
            },
        )
        assert resp.status_code == 302
        offer = db.session.scalars(select(Offer).where(Offer.organisation_id == company.id)).one()
        from rq import Queue

        assert Queue(queue, connection=redis.Redis.from_url(REDIS_URL)).count == 1
        state = db.session.get(SuggestionState, ("offer", offer.id))
        assert state.dirty_since is not None  # marked in the transaction that published it
        html = client.get(f"/bedrijf/aanbod/{offer.id}").get_data(as_text=True)
        assert "worden bijgewerkt" in html and cards(html, "aanvraag") == []
        login(client, teacher)
        assert cards(client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True), "aanbod") == []
        worker = subprocess.run(
            [*LOKET_CMD, "worker", "--burst"], env=child_env(app), capture_output=True, timeout=300
        )
        assert worker.returncode == 0, worker.stderr.decode()
        db.session.rollback()
        db.session.expire_all()
        assert cards(client.get(f"/school/aanvragen/{req.id}").get_data(as_text=True), "aanbod") == [offer.id]
        login(client, hr)
        html = client.get(f"/bedrijf/aanbod/{offer.id}").get_data(as_text=True)
        assert cards(html, "aanvraag") == [req.id] and "worden bijgewerkt" not in html
    finally:
        app.config.update(LOKET_REDIS_URL=None, LOKET_RQ_QUEUE="loket")
        conn = redis.Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"*{queue}*"):
            conn.delete(key)
    assert db.session.get(Organisation, school.id)
