"""Manager dashboard and cluster map: scope (own clusters only), figures on hand-made data, map markers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from loket import schoolyear
from loket.db import db, utcnow
from loket.models import MatchFeedback
from loket.services import PermissionDenied
from loket.services.clusters import dashboards, scope
from tests.integration.lifecycle_helpers import login


@pytest.fixture
def world(make):
    w = type("W", (), {})()
    w.s1 = make.school(place="Zwolle")
    w.s2 = make.school(place="Kampen")
    w.s3 = make.school(place="Zwolle")  # dormant: only a dormant user
    w.c1 = make.company(place="Zwolle")
    w.c2 = make.company(place="Kampen")  # no users: dormant
    w.zwolle = make.cluster("Cluster Zwolle", "Zwolle", members=[w.s1, w.s2, w.s3, w.c1, w.c2])
    w.g1 = make.school(place="Groningen")
    w.gc = make.company(place="Groningen")
    w.groningen = make.cluster("Cluster Groningen", "Groningen", members=[w.g1, w.gc])
    make.user(w.s1)
    make.user(w.s2)
    make.user(w.s3, status="dormant")
    make.user(w.c1)
    w.manager = make.manager(clusters=[w.zwolle], email="beheer@zwolle.test")
    w.other = make.manager(clusters=[w.groningen], email="beheer@groningen.test")
    w.admin = make.admin(email="admin@loket.test")
    db.session.commit()
    return w


def test_manager_sees_only_own_clusters(client, world):
    login(client, world.manager)
    page = client.get("/regio/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cluster Zwolle" in html and "Cluster Groningen" not in html
    assert client.get(f"/regio/?cluster={world.zwolle.id}").status_code == 200
    assert client.get(f"/regio/?cluster={world.groningen.id}").status_code == 403
    assert client.get(f"/regio/kaart?cluster={world.groningen.id}").status_code == 403
    assert client.get("/regio/?cluster=999999").status_code == 404
    with pytest.raises(PermissionDenied):
        scope.cluster_for_view(world.manager, world.groningen.id)


def test_other_roles_are_refused(client, make, world):
    assert client.get("/regio/").status_code in (302, 401)
    teacher = make.user(world.s1)
    db.session.commit()
    login(client, teacher)
    assert client.get("/regio/").status_code == 403
    assert client.get("/regio/kaart").status_code == 403


def test_admin_sees_every_cluster_with_a_picker(client, world):
    login(client, world.admin)
    html = client.get("/regio/").get_data(as_text=True)
    assert 'id="cluster-picker"' in html
    assert "Cluster Groningen" in html and "Cluster Zwolle" in html
    html = client.get(f"/regio/?cluster={world.groningen.id}").get_data(as_text=True)
    assert 'id="cluster-' + str(world.groningen.id) + '-h"' in html


def figure(html: str, name: str) -> int:
    m = re.search(rf'data-figure="{name}">(\d+)<', html)
    assert m, name
    return int(m.group(1))


def test_dashboard_figures_on_hand_made_data(client, make, world):
    today = datetime.now(UTC)
    year = schoolyear.of(today.date())
    old = make.request(world.s1)
    old.created_at = utcnow() - timedelta(days=40)
    make.request(world.s2)  # open, recent
    held = make.request(world.s1)
    held.created_at = utcnow() - timedelta(days=60)
    make.request(world.s1, status="cancelled")
    make.request(world.g1)  # other cluster
    off = make.offer(world.c1, capacity=3, capacity_used=1)
    make.offer(world.c1, capacity=2, capacity_used=2)  # full
    make.offer(world.c1, capacity=5, capacity_used=0, status="paused")
    make.match(held, off, status="approved")
    done_req = make.request(world.s2, status="completed", pupils=28)
    in_year = datetime(year.start.year, 10, 15, 10, 0, tzinfo=UTC)
    m1 = make.match(done_req, off, status="completed", scheduled_start=in_year)
    db.session.add(MatchFeedback(match=m1, side="school", rating=5, pupils_reached=24))
    done2 = make.request(world.s1, status="completed", pupils=30)
    make.match(done2, off, status="completed", scheduled_start=in_year + timedelta(days=31))
    last_year = make.request(world.s1, status="completed", pupils=99)
    make.match(last_year, off, status="completed", scheduled_start=in_year - timedelta(days=365))
    make.match(make.request(world.s2), off, status="proposed")
    db.session.commit()

    fig = dashboards.cluster_figures(world.zwolle.id, today=today.date())
    assert (fig.schools_active, fig.schools_dormant) == (2, 1)
    assert (fig.companies_active, fig.companies_dormant) == (1, 1)
    assert fig.open_requests == 4  # old, recent, held, and the one with a proposed match
    assert fig.unmatched_over_30 == 1  # held has an approved match
    assert (fig.offers_with_capacity, fig.capacity_left) == (1, 2)
    assert fig.matches_by_state["completed"] == 3 and fig.matches_by_state["approved"] == 1
    assert fig.matches_by_state["proposed"] == 1
    assert fig.completed_this_year == 2 and fig.pupils_this_year == 24 + 30
    by_month = {(m.month.year, m.month.month): m for m in fig.months}
    assert len(fig.months) == 12 and fig.months[0].month == date(year.start.year, 8, 1)
    assert by_month[(year.start.year, 10)].completed == 1 and by_month[(year.start.year, 10)].pupils == 24
    assert by_month[(year.start.year, 11)].pupils == 30

    login(client, world.manager)
    html = client.get("/regio/").get_data(as_text=True)
    assert figure(html, "schools_active") == 2 and figure(html, "unmatched_over_30") == 1
    assert figure(html, "completed_this_year") == 2 and figure(html, "pupils_this_year") == 54
    assert html.count('class="bar"') == 12 + 5  # a bar per month; the period chart one per request state
    assert "<svg" in html and 'role="img"' in html


def test_map_renders_the_right_markers(client, make, world):
    make.request(world.s1)
    make.request(world.s2)
    held = make.request(world.s1)
    make.match(held, make.offer(world.c1), status="accepted")  # matched: no marker
    make.request(world.g1)  # other cluster
    db.session.commit()
    login(client, world.manager)
    resp = client.get("/regio/kaart")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count('class="marker marker-school"') == 3
    assert html.count('class="marker marker-company"') == 2
    assert html.count('class="marker marker-request"') == 2
    assert html.count('class="area"') == 1
    assert "<table" in html and "Aantallen per cluster" in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from a network

    login(client, world.admin)
    html = client.get("/regio/kaart").get_data(as_text=True)
    assert html.count('class="marker marker-school"') == 4
    assert html.count('class="area"') == 2
    html = client.get(f"/regio/kaart?cluster={world.groningen.id}").get_data(as_text=True)
    assert html.count('class="marker marker-school"') == 1
    assert html.count('class="marker marker-request"') == 1


def test_map_with_tiles_only_when_configured(app, client, world, monkeypatch):
    login(client, world.manager)
    assert "<image" not in client.get("/regio/kaart").get_data(as_text=True)
    monkeypatch.setitem(app.config, "LOKET_TILE_URL", "https://tiles.example.test/{z}/{x}/{y}.png")
    html = client.get("/regio/kaart").get_data(as_text=True)
    assert "<image" in html and "tiles.example.test" in html


def test_map_markers_link_to_pages_the_viewer_may_see_with_a_list_beside(client, make, world):
    req = make.request(world.s1, activity="gastles")
    db.session.commit()
    login(client, world.manager)
    html = client.get("/regio/kaart").get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    links = set(re.findall(r'<a href="([^"]+)" class="marker-link" aria-label="[^"]+">', svg))
    listed = set(re.findall(r'<li><a href="([^"]+)">', html[html.index('class="map-list"') :]))
    assert f"/regio/organisatie/{world.s1.id}" in links
    assert f"/regio/organisatie/{world.s1.id}#request-{req.id}" in links
    assert links == listed  # the list view shows the same items
    assert f'aria-label="School: {world.s1.name}"' in svg
    page = client.get(f"/regio/organisatie/{world.s1.id}")
    assert page.status_code == 200 and f'id="request-{req.id}"' in page.get_data(as_text=True)
    assert client.get(f"/regio/organisatie/{world.g1.id}").status_code == 403
    assert client.get("/regio/organisatie/999999").status_code == 404
