"""Slow-changing national figures (organisations per cluster, active or dormant) are computed once
per LOKET_FIGURES_CACHE_S for every instance, in Redis; pages say when; without Redis, or when Redis
is down, every page computes them itself."""

from __future__ import annotations

import re
import uuid

import pytest
from redis import Redis
from rq import Queue

from loket.db import db
from loket.services import figure_cache
from tests.integration.lifecycle_helpers import build_world, login

REDIS_URL = "redis://127.0.0.1:6379/15"
ORG_COUNTS = re.compile(r"GROUP BY organisation\.cluster_id, organisation\.kind", re.S)


@pytest.fixture
def shared_cache(app, monkeypatch):
    """Redis for the figures, under a prefix of this test alone (other suites share db 15)."""
    prefix = f"loket:test:{uuid.uuid4().hex}:"
    monkeypatch.setattr(figure_cache, "PREFIX", prefix)
    monkeypatch.setitem(app.config, "LOKET_REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "LOKET_FIGURES_CACHE_S", 60)
    queue = f"loket-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "LOKET_RQ_QUEUE", queue)  # suggestion refreshes: no worker takes them
    yield prefix
    client = Redis.from_url(REDIS_URL)
    Queue(queue, connection=client).empty()
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


@pytest.mark.parametrize("path", ["/regio/", "/regio/kaart", "/beheer/", "/beheer/clusters"])
def test_the_second_page_reads_the_organisation_counts_from_redis(
    client, make, shared_cache, count_queries, path
):
    w = build_world(make)
    login(client, w.admin)
    with count_queries() as first:
        res = client.get(path)
    assert res.status_code == 200
    assert any(ORG_COUNTS.search(s) for s in first)
    assert "figures-age" in res.get_data(as_text=True)
    with count_queries() as second:
        again = client.get(path)
    assert again.status_code == 200
    assert not any(ORG_COUNTS.search(s) for s in second)
    assert Redis.from_url(REDIS_URL).ttl(shared_cache + "organisation_counts") > 0


def test_cached_and_computed_figures_agree_and_expire(client, make, shared_cache):
    w = build_world(make)
    login(client, w.manager)
    computed = client.get(f"/regio/?cluster={w.cluster.id}").get_data(as_text=True)
    cached = client.get(f"/regio/?cluster={w.cluster.id}").get_data(as_text=True)
    strip = re.compile(r'<p class="hint figures-age">.*?</p>', re.S)
    assert strip.sub("", computed) == strip.sub("", cached)
    # a new school is counted once the shared figure expires (here: deleted, as at the TTL)
    extra = make.school(place="Zwolle")
    extra.cluster_id = w.cluster.id
    make.user(extra)
    db.session.commit()
    assert Redis.from_url(REDIS_URL).delete(shared_cache + "organisation_counts") == 1
    client.get(f"/regio/?cluster={w.cluster.id}")
    value = figure_cache.remember("organisation_counts", lambda: pytest.fail("not cached"))
    assert value[str(w.cluster.id)]["schools_active"] == 2


def test_without_redis_or_when_redis_is_down_pages_compute_the_figures(client, make, app, monkeypatch):
    w = build_world(make)
    login(client, w.admin)
    res = client.get("/regio/")
    assert res.status_code == 200 and "figures-age" not in res.get_data(as_text=True)
    monkeypatch.setitem(app.config, "LOKET_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.setitem(app.config, "LOKET_FIGURES_CACHE_S", 60)
    res = client.get("/regio/")
    assert res.status_code == 200 and "figures-age" not in res.get_data(as_text=True)
