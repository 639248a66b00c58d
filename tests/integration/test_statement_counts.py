"""Every page issues a bounded number of SQL statements that does not grow with the data: each GET
page of each role is counted on a small world, the world grows (more clusters, organisations,
requests, offers and matches, also inside the viewer's own cluster), and the page is counted again.

Routes are read from ``app.url_map``, so new pages are covered as soon as they exist."""

from __future__ import annotations

import re

import pytest

from loket.db import db
from loket.models import Notification
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login

MAX_STATEMENTS = 30
ROLES = ("teacher", "hr", "manager", "admin")
SKIP_ENDPOINTS = {"static", "main.set_language", "auth.logout"}
# pages whose query string changes the SQL they send: counted beside their plain form
QUERY_VARIANTS = [
    (
        "school.catalogue",
        "/school/aanbod?q=zonne-energie+praktijk&activiteit=gastles&sector=energie&niveau=havo",
    ),
    ("school.catalogue", "/school/aanbod?sorteer=distance&km=50&online=1&page=2"),
    ("company.find_requests", "/bedrijf/aanvragen-zoeken?q=energie&sorteer=distance&km=100&niveau=havo"),
]


def _grow(make, w, clusters: int = 6, rows: int = 8) -> None:
    """More clusters elsewhere, and more rows in the viewer's own cluster and organisations."""
    places = ["Groningen", "Amsterdam", "Utrecht", "Eindhoven", "Rotterdam", "Zwolle"]
    for i in range(clusters):
        place = places[i % len(places)]
        school, company = make.school(place=place), make.company(place=place)
        make.cluster(name=f"Cluster extra {i}", place=place, members=[school, company])
        make.manager(clusters=[])
        make.user(school)
        make.user(company)
        for _ in range(2):
            req, off = make.request(school), make.offer(company)
            make.match(req, off, status="approved")
    for i in range(rows):
        req = make.request(w.school, topic=f"onderwerp {i}")
        off = make.offer(w.company, topic=f"aanbod {i}")
        make.match(req, off, status=("proposed", "approved", "accepted", "completed")[i % 4])
        extra_school = make.school(place="Zwolle")
        extra_school.cluster_id = w.cluster.id
        make.user(extra_school)
        db.session.add(Notification(user_id=w.teacher.id, kind="info", message=f"melding {i}", link="/"))
        db.session.add(Notification(user_id=w.manager.id, kind="info", message=f"melding {i}", link="/"))
    db.session.commit()


def _urls(app, w) -> list[tuple[str, str]]:
    ids = {
        "match_id": w.match.id,
        "request_id": w.req.id,
        "offer_id": w.offer.id,
        "cluster_id": w.cluster.id,
    }
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.startswith("api."):
            continue
        if not set(rule.arguments) <= set(ids):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(ids[arg]), url)
        out.append((rule.endpoint, url))
    out += [(f"{endpoint} {url.split('?')[1]}", url) for endpoint, url in QUERY_VARIANTS]
    return sorted(out)


def _count_pages(client, app, w, count_queries) -> dict[tuple[str, str], int]:
    counts = {}
    for role in ROLES:
        login(client, getattr(w, role))
        client.get("/")  # mail queued by the set-up leaves with this first commit, not in a count
        for endpoint, url in _urls(app, w):
            db.session.expire_all()
            with count_queries() as seen:
                resp = client.get(url)
            if resp.status_code == 200:
                counts[(role, endpoint)] = len(seen)
    return counts


@pytest.fixture
def world(make):
    w = build_world(make)
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    # every list has a row already on the small world, so the counts compare like with like
    svc.propose(w.teacher, make.request(w.school).id, make.offer(w.company).id, source="school")
    db.session.add(Notification(user_id=w.teacher.id, kind="info", message="melding", link="/"))
    db.session.add(Notification(user_id=w.manager.id, kind="info", message="melding", link="/"))
    db.session.commit()
    w.match = m
    return w


def test_no_page_grows_with_the_data_or_passes_the_limit(app, client, make, world, count_queries):
    small = _count_pages(client, app, world, count_queries)
    assert len(small) > 30, "too few pages were reached to mean anything"
    _grow(make, world)
    large = _count_pages(client, app, world, count_queries)
    grown = {k: (small[k], large.get(k)) for k in small if large.get(k, 0) > small[k] + 1}
    assert not grown, f"statements grew with the data (small, large): {grown}"
    over = {k: n for k, n in large.items() if n > MAX_STATEMENTS}
    assert not over, f"pages over {MAX_STATEMENTS} statements: {over}"
