"""No lockout by strangers (issue 11, item 6).

Failed logins are throttled per address and source address together, with a short back-off that
grows, plus a generous ceiling per address that never blocks the owner's usual source. Reset
requests are throttled per address and source, so a stranger's requests never block the owner's
request from another place. The counters live in the Flask-Limiter storage (memory in these tests,
Redis in production), so every app server sees the same numbers.
"""

from __future__ import annotations

import time

import pytest

from loket.db import db
from tests.factories import PASSWORD

EMAIL = "decaan@school.example"
WRONG = "niet-mijn-wachtwoord"
STRANGER, OWNER, ELSEWHERE = "198.51.100.7", "203.0.113.20", "192.0.2.99"


@pytest.fixture
def owner(make):
    user = make.user(make.school(), email=EMAIL, name="Decaan")
    db.session.commit()
    return user


def _from(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _login(client, password: str, email: str = EMAIL):
    return client.post("/inloggen", data={"email": email, "password": password})


def _retry_after(resp) -> int:
    return int(resp.headers["Retry-After"])


def test_strangers_wrong_passwords_do_not_lock_out_the_owner(app, owner):
    stranger = _from(app, STRANGER)
    for _ in range(5):
        assert _login(stranger, WRONG).status_code == 422
    # the stranger's source waits now, even with the right password
    refused = _login(stranger, PASSWORD)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Te veel pogingen" in html and "seconde" in html
    assert 1 <= _retry_after(refused) <= app.config["LOKET_LOGIN_BACKOFF_S"]
    # the owner, from their own place, logs in at once
    assert _login(_from(app, OWNER), PASSWORD).status_code == 302
    # and from the stranger's place (a shared school network) after the short back-off too
    time.sleep(_retry_after(refused) + 0.2)
    assert _login(stranger, PASSWORD).status_code == 302


def test_the_right_password_gets_through_after_the_back_off(app, owner):
    client = _from(app, OWNER)
    for _ in range(app.config["LOKET_LOGIN_FREE_ATTEMPTS"]):
        assert _login(client, WRONG).status_code == 422
    first = _login(client, PASSWORD)
    assert first.status_code == 429
    time.sleep(_retry_after(first) + 0.2)
    assert _login(client, PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200


def test_the_back_off_grows_and_a_success_clears_it(app, owner):
    client = _from(app, OWNER)
    for _ in range(app.config["LOKET_LOGIN_FREE_ATTEMPTS"]):
        _login(client, WRONG)
    refused = _login(client, WRONG)
    assert refused.status_code == 429 and _retry_after(refused) == 1
    time.sleep(1.2)
    assert _login(client, WRONG).status_code == 422  # counted: the next wait doubles
    refused = _login(client, PASSWORD)
    assert refused.status_code == 429 and _retry_after(refused) == 2
    time.sleep(2.2)
    assert _login(client, PASSWORD).status_code == 302
    client.post("/uitloggen")
    assert _login(client, WRONG).status_code == 422  # the count started again from zero
    assert _login(client, PASSWORD).status_code == 302


def test_per_address_ceiling_spares_the_owners_usual_source(app, owner, monkeypatch):
    usual = _from(app, OWNER)
    assert _login(usual, PASSWORD).status_code == 302  # the owner's usual place
    usual.post("/uitloggen")
    monkeypatch.setitem(app.config, "LOKET_LOGIN_ADDRESS_LIMIT", "6/hour")
    for i in range(6):  # a guess spread over many sources
        assert _login(_from(app, f"198.51.100.{10 + i}"), WRONG).status_code == 422
    # a new source is refused now, even with the right password ...
    assert _login(_from(app, ELSEWHERE), PASSWORD).status_code == 429
    # ... another address is not affected, and the owner's usual source still gets in
    assert _login(_from(app, ELSEWHERE), WRONG, email="ander@school.example").status_code == 422
    assert _login(usual, PASSWORD).status_code == 302


def _reset(client, email: str = EMAIL):
    return client.post("/wachtwoord-vergeten", data={"email": email})


def test_strangers_reset_requests_do_not_block_the_owners(app, owner, mailbox):
    stranger = _from(app, STRANGER)
    for _ in range(3):
        assert _reset(stranger).status_code == 200
    refused = _reset(stranger)
    assert refused.status_code == 429 and "Te veel pogingen" in refused.get_data(as_text=True)
    assert _retry_after(refused) > 0
    before = len(mailbox.to(EMAIL))
    assert before == 3
    # the owner asks from home: answered and mailed
    resp = _reset(_from(app, OWNER))
    assert resp.status_code == 200
    assert len(mailbox.to(EMAIL)) == before + 1
    # and may ask again a couple of times (a mail can be slow)
    assert _reset(_from(app, OWNER)).status_code == 200
    # the stranger's source can still ask for its own address
    assert _reset(stranger, "iemand-anders@school.example").status_code == 200


def test_reset_ceiling_per_address_needs_many_sources(app, owner, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LOKET_RESET_ADDRESS_LIMIT", "5/hour")
    stranger = _from(app, STRANGER)
    for _ in range(6):  # one source alone never reaches the address ceiling
        _reset(stranger)
    assert _reset(_from(app, OWNER)).status_code == 200
    for i in range(4):  # only many sources together do
        _reset(_from(app, f"198.51.100.{20 + i}"))
    assert _reset(_from(app, ELSEWHERE)).status_code == 429
