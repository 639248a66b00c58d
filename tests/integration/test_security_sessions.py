"""Sessions that end (issue 11, item 2).

Logout, a password change, a password reset and "log out everywhere" end every earlier session
server-side: a copied ``session`` cookie or ``remember_token`` replayed afterwards opens nothing. The
remember cookie is SameSite=Lax and HttpOnly, lives 30 days (configurable) and is Secure in
production. The CSRF token changes at login.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from loket.config import load_config
from loket.db import db
from loket.services.accounts import links as tokens
from tests.factories import PASSWORD

EMAIL = "docent@school.example"
NEW_PASSWORD = "een heel nieuw wachtwoord"


@pytest.fixture
def user(make):
    u = make.user(make.school(), email=EMAIL, name="Docent")
    db.session.commit()
    return u


def _login(client, remember: bool = False, password: str = PASSWORD):
    data = {"email": EMAIL, "password": password}
    if remember:
        data["remember"] = "y"
    resp = client.post("/inloggen", data=data)
    assert resp.status_code == 302, resp.status_code
    return resp


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _replay(app, **cookies: str):
    """A new browser that only has the given (copied) cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _logged_in(client) -> bool:
    resp = client.get("/account")
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 200


def test_replayed_session_cookie_is_refused_after_logout(app, client, user):
    _login(client)
    stolen = _cookie(client, "session")
    assert _logged_in(_replay(app, session=stolen))  # the copy works while the session lives
    assert client.post("/uitloggen").status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, session=stolen))


def test_replayed_remember_token_alone_is_refused_after_logout(app, client, user):
    _login(client, remember=True)
    stolen = _cookie(client, "remember_token")
    assert _logged_in(_replay(app, remember_token=stolen))  # the copy works while the session lives
    assert client.post("/uitloggen").status_code == 302
    assert not _logged_in(_replay(app, remember_token=stolen))


def test_logging_in_again_after_logout_works(app, client, user):
    _login(client, remember=True)
    client.post("/uitloggen")
    _login(client, remember=True)
    assert _logged_in(client)
    assert _logged_in(_replay(app, remember_token=_cookie(client, "remember_token")))


def test_password_change_ends_the_other_sessions_and_remember_tokens(app, user):
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, remember=True)
    _login(laptop)
    phone_session, phone_token = _cookie(phone, "session"), _cookie(phone, "remember_token")
    resp = laptop.post(
        "/account/wachtwoord",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert resp.status_code == 302
    assert _logged_in(laptop)  # the browser that changed it stays in
    assert not _logged_in(phone)
    assert not _logged_in(_replay(app, session=phone_session))
    assert not _logged_in(_replay(app, remember_token=phone_token))


def test_password_reset_ends_earlier_sessions_and_remember_tokens(app, client, user):
    _login(client, remember=True)
    session, token = _cookie(client, "session"), _cookie(client, "remember_token")
    link = tokens.make_token(user, tokens.RESET)
    resp = app.test_client().post(
        f"/wachtwoord-herstellen/{link}", data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert resp.status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, session=session))
    assert not _logged_in(_replay(app, remember_token=token))


def test_log_out_everywhere(app, user):
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, remember=True)
    _login(laptop, remember=True)
    phone_token = _cookie(phone, "remember_token")
    page = laptop.get("/account").get_data(as_text=True)
    assert 'action="/account/overal-uitloggen"' in page
    resp = laptop.post("/account/overal-uitloggen")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/inloggen")
    assert not _logged_in(laptop)
    assert not _logged_in(phone)
    assert not _logged_in(_replay(app, remember_token=phone_token))
    assert "uitgelogd" in laptop.get("/inloggen").get_data(as_text=True)
    _login(phone)  # the password still works
    assert _logged_in(phone)


def test_log_out_everywhere_needs_login_and_post(client, user):
    assert client.post("/account/overal-uitloggen").status_code == 302  # to the login page
    _login(client)
    assert client.get("/account/overal-uitloggen").status_code == 405
    assert _logged_in(client)


def test_remember_cookie_is_lax_httponly_and_lives_thirty_days(app, client, user):
    resp = _login(client, remember=True)
    header = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    attrs = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")}
    assert attrs["samesite"].lower() == "samesite=lax"
    assert "httponly" in attrs
    expires = parsedate_to_datetime(attrs["expires"].split("=", 1)[1])
    lifetime = (expires - datetime.now(UTC)).total_seconds()
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert abs(lifetime - 30 * 24 * 3600) < 120, lifetime


def test_remember_cookie_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LOKET_ENV", "production")
    monkeypatch.setenv("LOKET_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("LOKET_REMEMBER_DAYS", "7")
    monkeypatch.setenv("LOKET_REDIS_URL", "redis://127.0.0.1:6379/15")
    cfg = load_config(tmp_path)
    assert cfg["REMEMBER_COOKIE_SECURE"] is True and cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax" and cfg["REMEMBER_COOKIE_HTTPONLY"] is True
    assert cfg["REMEMBER_COOKIE_DURATION"].days == 7
    monkeypatch.setenv("LOKET_ENV", "development")
    monkeypatch.delenv("LOKET_REMEMBER_DAYS")
    cfg = load_config(tmp_path)
    assert cfg["REMEMBER_COOKIE_SECURE"] is False and cfg["REMEMBER_COOKIE_DURATION"].days == 30


def _csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert m, "no CSRF token on the page"
    return m.group(1)


def test_csrf_token_changes_at_login(app, user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    before = _csrf_token(client.get("/inloggen").get_data(as_text=True))
    resp = client.post("/inloggen", data={"email": EMAIL, "password": PASSWORD, "csrf_token": before})
    assert resp.status_code == 302
    after = _csrf_token(client.get("/account").get_data(as_text=True))
    assert after != before
    # the old token is dead: a form posted with it is refused, the new one works
    assert client.post("/uitloggen", data={"csrf_token": before}).status_code == 400
    assert _logged_in(client)
    assert client.post("/uitloggen", data={"csrf_token": after}).status_code == 302
    assert not _logged_in(client)
