"""With the database down, every page answers our own error page with 503 (JSON under /api/),
also for a visitor whose session cookie names a user: neither the locale selector, the user
loader nor the header badge may take the error page down with them. /healthz stays 200,
/readyz says the database failed.

The "down" apps are real apps whose database URL points to a closed port (PostgreSQL) or to a
SQLite file that cannot be opened; the session cookie comes from a real login on the test app.
"""

from __future__ import annotations

import pytest

from loket import create_app
from loket.db import db
from tests import conftest

DOWN_URLS = {
    "postgresql-closed-port": "postgresql+psycopg://postgres@127.0.0.1:{port}/x",
    "sqlite-unopenable-file": "sqlite:///{tmp}/no-such-folder/loket.db",
}


@pytest.fixture(params=sorted(DOWN_URLS))
def down_client(request, app, client, make, auth, tmp_path, smtp_server):
    """A test client of an app whose database is unreachable, carrying a logged-in user's cookie."""
    user = make.user(make.school(), name="Juf Ada Lovelace")
    db.session.commit()
    assert auth.login(user.email).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    url = DOWN_URLS[request.param].format(port=conftest.free_port(), tmp=tmp_path)
    cfg = conftest.test_config(url, smtp_server[1], tmp_path / "instance")
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {}}
    if url.startswith("postgresql"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] = {"connect_timeout": 2}
    down = create_app(cfg)
    with down.app_context():  # its own context: the test app's ``g`` must not leak in
        c = down.test_client()
        c.set_cookie("session", cookie.value)
        yield c


def _assert_503_page(resp) -> str:
    html = resp.get_data(as_text=True)
    assert resp.status_code == 503, html[:500]
    assert resp.mimetype == "text/html"
    assert '<html lang="nl">' in html  # our base template, Dutch by default
    assert "Loket is tijdelijk niet bereikbaar" in html
    assert "(503)" in html
    assert int(resp.headers["Retry-After"]) > 0  # ours (30 s), or the rate limiter's on limited routes
    assert "Juf Ada Lovelace" not in html  # rendered for an anonymous visitor: no user loaded
    return html


@pytest.mark.parametrize("path", ["/", "/meldingen/", "/school/", "/bestaat-niet"])
def test_pages_answer_our_503_page_with_a_logged_in_cookie(down_client, path):
    _assert_503_page(down_client.get(path))


def test_login_post_without_a_database_is_a_503_page(down_client):
    down_client.delete_cookie("session")
    resp = down_client.post("/inloggen", data={"email": "iemand@example.test", "password": "wachtwoord-123"})
    _assert_503_page(resp)


def test_api_answers_json_503(down_client):
    resp = down_client.get("/api/taxonomie/sector?q=ene")
    assert resp.status_code == 503
    assert resp.get_json() == {
        "error": "Loket is tijdelijk niet bereikbaar",
        "message": "De database is even niet bereikbaar. Probeer het over een paar minuten opnieuw.",
        "status": 503,
    }


def test_english_cookie_is_honoured_on_the_503_page(down_client):
    down_client.set_cookie("lang", "en")
    html = down_client.get("/meldingen/").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_healthz_stays_up_and_readyz_names_the_database(down_client):
    assert down_client.get("/healthz").status_code == 200
    resp = down_client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "failed: OperationalError"
    assert "127.0.0.1" not in resp.get_data(as_text=True)  # no connection details to the caller


def test_the_badge_helper_survives_a_database_error(down_client):
    """The header badge is decoration: with the database gone it counts 0 instead of failing."""
    from flask import g
    from flask_login import current_user

    from loket.models import User

    app = down_client.application
    with app.test_request_context("/"):
        g._login_user = User(id=1, security_stamp=0)  # a user loaded before the database went away
        assert current_user.is_authenticated
        assert app.jinja_env.globals["unread_notifications"]() == 0
