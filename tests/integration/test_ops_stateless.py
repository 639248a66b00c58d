"""Stateless instances: production refuses per-worker rate-limit counters; behind a proxy
(LOKET_PROXY_COUNT) the login lockout is per client address, not per balancer."""

from __future__ import annotations

import pytest

from loket import create_app
from loket.config import ConfigError, default_web_workers, load_config
from tests import conftest

PRODUCTION_ENV = {"LOKET_ENV": "production", "LOKET_SECRET_KEY": "s" * 40}


@pytest.fixture
def production_env(monkeypatch):
    for name in ("LOKET_REDIS_URL", "LOKET_RATELIMIT_STORAGE_URL", "LOKET_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_refuses_in_memory_rate_limits(production_env, tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    message = str(err.value)
    assert "memory" in message and "each gunicorn worker" in message
    assert "LOKET_REDIS_URL" in message and "LOKET_RATELIMIT_STORAGE_URL" in message


def test_create_app_refuses_too(production_env, tmp_path):
    """The wsgi.py / loket serve path: the app does not start at all."""
    with pytest.raises(ConfigError, match="in-memory rate-limit storage"):
        create_app()


def test_production_accepts_shared_storage(production_env, tmp_path):
    production_env.setenv("LOKET_REDIS_URL", "redis://127.0.0.1:6379/15")
    cfg = load_config(tmp_path)
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    production_env.delenv("LOKET_REDIS_URL")
    production_env.setenv("LOKET_RATELIMIT_STORAGE_URL", "memcached://127.0.0.1:11211")
    assert load_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "memcached://127.0.0.1:11211"


def test_production_with_an_override_to_memory_is_refused(production_env, tmp_path):
    production_env.setenv("LOKET_REDIS_URL", "redis://127.0.0.1:6379/15")
    with pytest.raises(ConfigError, match="in-memory"):
        create_app({"RATELIMIT_STORAGE_URI": "memory://"})


def test_development_keeps_memory_storage(monkeypatch, tmp_path):
    monkeypatch.setenv("LOKET_ENV", "development")
    monkeypatch.delenv("LOKET_REDIS_URL", raising=False)
    monkeypatch.delenv("LOKET_RATELIMIT_STORAGE_URL", raising=False)
    assert load_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "memory://"


def test_new_settings_and_their_errors(monkeypatch, tmp_path):
    monkeypatch.delenv("LOKET_PROXY_COUNT", raising=False)
    monkeypatch.delenv("LOKET_WEB_WORKERS", raising=False)
    cfg = load_config(tmp_path)
    assert cfg["LOKET_PROXY_COUNT"] == 0
    assert cfg["LOKET_METRICS_TOKEN"] is None
    assert cfg["LOKET_WEB_WORKERS"] == default_web_workers()
    assert [default_web_workers(n) for n in (1, 2, 3, 4, 16)] == [3, 5, 7, 8, 8]
    monkeypatch.setenv("LOKET_PROXY_COUNT", "-1")
    with pytest.raises(ConfigError, match="LOKET_PROXY_COUNT must be 0 or more"):
        load_config(tmp_path)
    monkeypatch.setenv("LOKET_PROXY_COUNT", "een")
    with pytest.raises(ConfigError, match="LOKET_PROXY_COUNT must be a whole number"):
        load_config(tmp_path)


# --------------------------------------------------------------------------- ProxyFix
@pytest.fixture
def proxied_client(app, database_urls, smtp_server, tmp_path, request):
    """A client of an app on the test database with LOKET_PROXY_COUNT = request.param and a
    login limit of 3 failures per address (and a generous per-address-of-email one)."""
    from loket.extensions import limiter

    cfg = conftest.test_config(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server[1], tmp_path)
    cfg.update(
        LOKET_PROXY_COUNT=request.param, LOKET_LOGIN_LIMIT="3/minute", LOKET_LOGIN_EMAIL_LIMIT="100/minute"
    )
    other = create_app(cfg)
    with other.app_context():
        limiter.reset()
        yield other.test_client()
        limiter.reset()


def _fail_login(client, forwarded_for: str, n: int = 1) -> list[int]:
    return [
        client.post(
            "/inloggen",
            data={"email": f"niemand{i}@example.test", "password": "fout-wachtwoord"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for i in range(n)
    ]


@pytest.mark.parametrize("proxied_client", [1], indirect=True)
def test_behind_one_proxy_each_forwarded_client_has_its_own_lockout(proxied_client):
    assert _fail_login(proxied_client, "203.0.113.5", 4) == [422, 422, 422, 429]
    # another client behind the same balancer is not locked out
    assert _fail_login(proxied_client, "198.51.100.7") == [422]
    # the client address is the last hop the proxy added; a spoofed earlier hop is ignored
    assert _fail_login(proxied_client, "10.9.9.9, 203.0.113.5") == [429]


@pytest.mark.parametrize("proxied_client", [0], indirect=True)
def test_without_proxy_count_the_header_is_ignored(proxied_client):
    assert _fail_login(proxied_client, "203.0.113.5", 3) == [422, 422, 422]
    assert _fail_login(proxied_client, "198.51.100.7") == [429]  # same peer address: same lockout


@pytest.mark.parametrize("proxied_client", [1], indirect=True)
def test_proxy_scheme_and_host_reach_the_app(proxied_client):
    from flask import request

    app = proxied_client.application
    seen = {}

    @app.after_request
    def _record(resp):
        seen.update(scheme=request.scheme, host=request.host, remote=request.remote_addr)
        return resp

    proxied_client.get(
        "/healthz",
        headers={
            "X-Forwarded-For": "203.0.113.5",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "loket.nl",
        },
    )
    assert seen == {"scheme": "https", "host": "loket.nl", "remote": "203.0.113.5"}
