"""The online geocoder switched on by configuration: registration gets street precision from a
(local, fake) Nominatim server, and falls back to the offline gazetteer when that server fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loket.db import db
from loket.models import User
from loket.services.accounts import geocoding
from tests.fake_geocoder import DAM, fake_geocoder_server  # noqa: F401  (fixture "server")
from tests.integration.test_auth_register import school_form


@pytest.fixture
def online(app, server):
    service, httpd = server
    saved = {
        k: app.config.get(k) for k in ("LOKET_GEOCODER", "LOKET_GEOCODER_DOMAIN", "LOKET_GEOCODER_SCHEME")
    }
    app.config.update(
        LOKET_GEOCODER="nominatim",
        LOKET_GEOCODER_DOMAIN=f"127.0.0.1:{httpd.server_address[1]}",
        LOKET_GEOCODER_SCHEME="http",
        LOKET_GEOCODER_MIN_DELAY_S=0.0,
    )
    geocoding.reset()
    yield service
    app.config.update(saved)
    geocoding.reset()


def _location(email: str):
    user = db.session.scalar(select(User).where(User.email == email))
    return user.organisation.primary_location


def test_full_postcode_is_refined_online(client, online, mailbox):
    resp = client.post("/aanmelden", data=school_form(postcode="1012 JS", email="a@school.example"))
    assert resp.status_code == 302
    loc = _location("a@school.example")
    assert loc.precision == "street" and (loc.lat, loc.lon) == pytest.approx(DAM, abs=1e-4)
    assert online.requests and online.requests[0][1] == "/search"


def test_a_failing_geocoder_falls_back_to_the_gazetteer(client, online, mailbox):
    online.mode = "error"
    resp = client.post("/aanmelden", data=school_form(postcode="1012 JS", email="b@school.example"))
    assert resp.status_code == 302
    loc = _location("b@school.example")
    assert loc.precision == "pc4" and loc.lat == pytest.approx(52.37, abs=0.05)


def test_offline_by_default(client, mailbox, app):
    geocoding.reset()
    assert app.config["LOKET_GEOCODER"] == "none"
    client.post("/aanmelden", data=school_form(postcode="1012 JS", email="c@school.example"))
    assert _location("c@school.example").precision == "pc4"
