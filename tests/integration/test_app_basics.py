"""The app boots, serves pages in Dutch, switches language safely and refuses unsafe config."""

from __future__ import annotations

import pytest

from loket.config import ConfigError, load_config


def test_landing_page_is_dutch_and_accessible(client):
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert "Techniek in de klas" in html


def test_404_page(client):
    resp = client.get("/bestaat-niet")
    assert resp.status_code == 404
    assert "Pagina niet gevonden" in resp.get_data(as_text=True)


def test_language_switch_sets_cookie_and_refuses_foreign_redirect(client):
    resp = client.get("/taal/en?next=https://evil.example/")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert "lang=en" in resp.headers["Set-Cookie"]
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_static_assets_come_from_the_package(client):
    resp = client.get("/static/loket.css")
    assert resp.status_code == 200
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html.split("<body>")[0].replace("http://loket.test", "")
    assert "cdn" not in html.lower()


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_production_refuses_missing_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LOKET_ENV", "production")
    monkeypatch.delenv("LOKET_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path)
    monkeypatch.setenv("LOKET_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        load_config(tmp_path)


def test_development_keeps_a_generated_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LOKET_ENV", "development")
    monkeypatch.delenv("LOKET_SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_bad_number_in_env_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("LOKET_INACTIVITY_DAYS", "een jaar")
    with pytest.raises(ConfigError, match="LOKET_INACTIVITY_DAYS"):
        load_config(tmp_path)


def test_a_test_config_overrides_some_keys_and_every_other_default_still_applies(app, tmp_path):
    defaults = load_config(tmp_path, environ={})
    assert set(defaults) <= set(app.config)
    assert app.config["LOKET_MAIL_RATE_PER_S"] == 0  # overridden in tests/conftest.py
    assert app.config["LOKET_PAGE_SIZE"] == defaults["LOKET_PAGE_SIZE"] == 25  # not overridden
