"""Riding through a PostgreSQL restart (loket.web.db_restart): a request that arrives while the
server refuses connections waits for it, a GET whose connection was cut off runs again once, a POST
never runs twice. PostgreSQL only (SQLite has no server to restart)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from loket import create_app
from loket.db import db
from tests import conftest
from tests.helpers.tcp_forward import Forwarder


@pytest.fixture
def pg_url(app, backend) -> str:
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: a restart of the database server")
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _app(url: str, tmp_path, smtp_port: int, wait_s: float):
    cfg = conftest.test_config(url, smtp_port, tmp_path / "instance")
    cfg["LOKET_DB_RESTART_WAIT_S"] = wait_s
    return create_app(cfg)


def test_a_request_during_the_restart_waits_for_the_database(pg_url, tmp_path, smtp_server):
    url = make_url(pg_url)
    forward = Forwarder((url.host or "127.0.0.1", url.port or 5432), start_after_s=2.5)  # "restarting"
    try:
        late = _app(url.set(port=forward.port).render_as_string(False), tmp_path, smtp_server[1], 5.0)
        t0 = time.monotonic()
        res = late.test_client().post("/inloggen", data={"email": "x@example.nl", "password": "geheim"})
        assert res.status_code == 422, res.status_code  # the database answered: wrong credentials
        assert forward.listening_at is not None and t0 < forward.listening_at  # asked while refused
    finally:
        forward.close()


def test_without_the_window_the_same_request_answers_503_at_once(pg_url, tmp_path, smtp_server):
    url = make_url(pg_url)
    forward = Forwarder((url.host or "127.0.0.1", url.port or 5432), start_after_s=3.0)
    try:
        late = _app(url.set(port=forward.port).render_as_string(False), tmp_path, smtp_server[1], 0)
        t0 = time.monotonic()
        res = late.test_client().post("/inloggen", data={"email": "x@example.nl", "password": "geheim"})
        assert res.status_code == 503
        assert time.monotonic() - t0 < 2.5
    finally:
        forward.close()


def _cut_off_route(app, calls: list[str]):
    def view():
        calls.append(app.config["LOKET_ENV"])
        if len(calls) == 1:  # the first time, the server ends this connection mid-request
            db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return str(db.session.scalar(text("SELECT 41 + 1")))

    app.add_url_rule("/test-cut-off", "test_cut_off", view, methods=["GET", "POST"])


def test_a_cut_off_get_runs_again_once(pg_url, tmp_path, smtp_server):
    app = _app(pg_url, tmp_path, smtp_server[1], 5.0)
    calls: list[str] = []
    _cut_off_route(app, calls)
    res = app.test_client().get("/test-cut-off")
    assert res.status_code == 200 and res.get_data(as_text=True) == "42"
    assert len(calls) == 2


def test_a_cut_off_post_is_never_run_twice(pg_url, tmp_path, smtp_server):
    app = _app(pg_url, tmp_path, smtp_server[1], 5.0)
    calls: list[str] = []
    _cut_off_route(app, calls)
    res = app.test_client().post("/test-cut-off")
    assert res.status_code == 503
    assert len(calls) == 1
