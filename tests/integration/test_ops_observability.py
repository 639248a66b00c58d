"""Health and readiness, request ids with one JSON log line per request, Prometheus metrics."""

from __future__ import annotations

import json
import logging
import os
import uuid

import pytest

from loket.db import db
from loket.models import OutboxMessage
from loket.observability import register_gauge, registered_gauges, request_id_from

REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return redis


# --------------------------------------------------------------------------- health
def test_healthz_answers_without_login_session_or_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in resp.headers


def test_readyz_checks_the_database(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_checks_redis_when_configured(app, client):
    _redis_or_skip()
    app.config["LOKET_REDIS_URL"] = REDIS_URL
    try:
        assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "redis": "ok"}
        from tests.conftest import free_port

        app.config["LOKET_REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
        resp = client.get("/readyz")
        assert resp.status_code == 503
        assert resp.get_json() == {
            "status": "fail",
            "checks": {"database": "ok", "redis": "failed: ConnectionError"},
        }
    finally:
        app.config["LOKET_REDIS_URL"] = None


def test_health_endpoints_are_not_rate_limited_and_need_no_csrf(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for _ in range(30):
            assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --------------------------------------------------------------------------- request id + log
def _request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "loket.request"]


def test_each_request_gets_an_id_and_one_json_log_line(client, make, auth, caplog):
    user = make.user(make.school(), email="Ada@Example.test", password="geheim-wachtwoord-9")
    db.session.commit()
    caplog.set_level(logging.INFO, logger="loket.request")
    resp = auth.login("ada@example.test", "geheim-wachtwoord-9")
    assert resp.status_code == 302
    login_id = resp.headers["X-Request-ID"]
    resp = client.get("/meldingen/?pagina=2&token=abc", headers={"X-Request-ID": "lb-1234.abc_DEF"})
    assert resp.headers["X-Request-ID"] == "lb-1234.abc_DEF"
    lines = _request_lines(caplog)
    assert len(lines) == 2
    login_line, page_line = lines
    assert login_line["request_id"] == login_id and len(login_id) == 32
    assert login_line["method"] == "POST" and login_line["path"] == "/inloggen"
    assert login_line["endpoint"] == "auth.login" and login_line["status"] == 302
    assert page_line == {
        "request_id": "lb-1234.abc_DEF",
        "method": "GET",
        "path": "/meldingen/",
        "endpoint": "notifications.index",
        "status": 200,
        "duration_ms": page_line["duration_ms"],
        "user_id": user.id,
    }
    assert isinstance(page_line["duration_ms"], float) and page_line["duration_ms"] >= 0
    raw = caplog.text
    for secret in ("geheim-wachtwoord-9", "ada@example.test", "Ada@Example.test", "token=abc", "pagina"):
        assert secret not in raw


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "bad id", "a/b", "drop;table", "é", "abc\r\nSet-Cookie: x=1"],
)
def test_insane_incoming_ids_are_replaced(client, incoming, caplog):
    caplog.set_level(logging.INFO, logger="loket.request")
    resp = client.get("/healthz", headers={"X-Request-ID": incoming} if "\n" not in incoming else {})
    rid = resp.headers["X-Request-ID"]
    assert rid != incoming and len(rid) == 32
    assert _request_lines(caplog)[-1]["request_id"] == rid
    assert request_id_from(incoming) != incoming


def test_sane_ids_are_kept():
    for ok in ("a", "x" * 64, "A-b_c.9"):
        assert request_id_from(ok) == ok


def test_unknown_urls_and_errors_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO, logger="loket.request")
    resp = client.get("/bestaat-niet?q=geheim")
    assert resp.status_code == 404 and resp.headers["X-Request-ID"]
    line = _request_lines(caplog)[-1]
    assert line["path"] == "/bestaat-niet" and line["status"] == 404 and line["endpoint"] == "unmatched"


# --------------------------------------------------------------------------- metrics
def _scrape(client, token: str | None = "scrape-token"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers)


@pytest.fixture
def metrics_token(app):
    app.config["LOKET_METRICS_TOKEN"] = "scrape-token"
    yield "scrape-token"
    app.config["LOKET_METRICS_TOKEN"] = None


def _sample(text: str, name: str, **labels: str) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def test_metrics_are_not_served_without_a_token_setting(client):
    assert _scrape(client).status_code == 404


def test_metrics_need_the_bearer_token(client, metrics_token):
    assert _scrape(client, token=None).status_code == 403
    assert _scrape(client, token="wrong").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Basic scrape-token"}).status_code == 403
    resp = _scrape(client)
    assert resp.status_code == 200
    assert resp.mimetype == "text/plain"


def test_latency_histogram_counts_requests_by_endpoint_method_and_status(client, metrics_token):
    before = _scrape(client).get_data(as_text=True)
    name = "loket_http_request_duration_seconds_count"
    base_ok = _sample(before, name, endpoint="health.healthz", method="GET", status="2xx") or 0
    base_404 = _sample(before, name, endpoint="unmatched", method="GET", status="4xx") or 0
    for _ in range(3):
        client.get("/healthz")
    client.get("/bestaat-niet")
    after = _scrape(client).get_data(as_text=True)
    assert _sample(after, name, endpoint="health.healthz", method="GET", status="2xx") == base_ok + 3
    assert _sample(after, name, endpoint="unmatched", method="GET", status="4xx") == base_404 + 1
    assert _sample(after, "loket_http_request_duration_seconds_bucket", endpoint="health.healthz", le="+Inf")


def test_outbox_backlog_gauge_counts_queued_and_sending_rows(client, make, metrics_token):
    user = make.user(make.school())
    for i, state in enumerate(["queued", "queued", "sending", "sent", "failed"]):
        db.session.add(
            OutboxMessage(
                user_id=user.id,
                kind="test",
                to_addr=user.email,
                subject=f"s{i}",
                body_text="x",
                headers={},
                message_id=f"<{uuid.uuid4().hex}@loket.test>",
                state=state,
            )
        )
    db.session.commit()
    text = _scrape(client).get_data(as_text=True)
    assert _sample(text, "loket_outbox_backlog", state="queued") == 2
    assert _sample(text, "loket_outbox_backlog", state="sending") == 1
    assert _sample(text, "loket_rq_queue_depth") is None  # no Redis configured: left out


def test_rq_queue_depth_gauge_with_redis(app, client, metrics_token):
    redis = _redis_or_skip()
    from rq import Queue

    queue = f"loket-test-{uuid.uuid4().hex[:8]}"
    app.config.update(LOKET_REDIS_URL=REDIS_URL, LOKET_RQ_QUEUE=queue)
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        q = Queue(queue, connection=conn)
        for n in range(3):
            q.enqueue("loket.worker.run_job", n)
        text = _scrape(client).get_data(as_text=True)
        assert _sample(text, "loket_rq_queue_depth", queue=queue) == 3
    finally:
        Queue(queue, connection=conn).empty()
        app.config.update(LOKET_REDIS_URL=None, LOKET_RQ_QUEUE="loket")


def test_register_gauge_adds_a_scrape_time_value_and_a_broken_one_is_left_out(client, metrics_token, caplog):
    calls = []

    def staleness() -> float:
        calls.append(1)
        return 42.5

    def broken() -> float:
        raise RuntimeError("kapot")

    register_gauge("loket_test_staleness_seconds", "Test gauge.", staleness)
    register_gauge("loket_test_broken", "Always fails.", broken)
    try:
        assert calls == []  # computed at scrape time, not at registration
        text = _scrape(client).get_data(as_text=True)
        assert _sample(text, "loket_test_staleness_seconds") == 42.5
        assert _sample(text, "loket_test_broken") is None
        assert _sample(text, "loket_outbox_backlog", state="queued") == 0  # the others still there
        assert "gauge loket_test_broken failed" in caplog.text
        with pytest.raises(ValueError, match="not a Prometheus metric name"):
            register_gauge("suggestion staleness", "bad", staleness)
    finally:
        from loket import observability

        observability._GAUGES.pop("loket_test_staleness_seconds", None)
        observability._GAUGES.pop("loket_test_broken", None)
    assert {g.name for g in registered_gauges()} == {"loket_outbox_backlog", "loket_rq_queue_depth"}


def test_a_failing_commit_is_logged_with_the_status_the_client_got(app, client, caplog, monkeypatch):
    """The request log runs after the commit: a commit that fails is logged as the 503 it became,
    once, not as the 200 the view returned."""
    from sqlalchemy.exc import OperationalError

    def broken_commit():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    caplog.set_level(logging.INFO, logger="loket.request")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production, not TESTING
    monkeypatch.setattr(db.session, "commit", broken_commit)
    resp = client.get("/privacy")
    monkeypatch.undo()
    assert resp.status_code == 503
    lines = [r for r in _request_lines(caplog) if r["path"] == "/privacy"]
    assert len(lines) == 1 and lines[0]["status"] == 503
    assert lines[0]["request_id"] == resp.headers["X-Request-ID"]
