"""Password reset end to end through the real SMTP server, and its single-use, expiring links."""

from __future__ import annotations

import re

import pytest

from loket.db import db
from loket.services.accounts import links as tokens

LINK = re.compile(r"http://loket\.test(/\S+)")


@pytest.fixture
def user(make):
    u = make.user(make.school(), email="decaan@school.example", name="De Decaan")
    db.session.commit()
    return u


def _reset_link(mailbox, addr: str) -> str:
    msgs = [m for m in mailbox.to(addr) if "Nieuw wachtwoord" in m["Subject"]]
    assert len(msgs) == 1
    return LINK.search(mailbox.text_of(msgs[0])).group(1)


def test_reset_flow_end_to_end(client, auth, user, mailbox):
    page = client.get("/wachtwoord-vergeten").get_data(as_text=True)
    assert '<label for="email"' in page
    resp = client.post("/wachtwoord-vergeten", data={"email": "Decaan@School.example"})
    assert resp.status_code == 200 and "Als dit e-mailadres bij ons bekend is" in resp.get_data(as_text=True)

    link = _reset_link(mailbox, "decaan@school.example")
    assert link.startswith("/wachtwoord-herstellen/")
    assert client.get(link).status_code == 200

    weak = client.post(link, data={"password": "kort", "password2": "kort"})
    assert weak.status_code == 422 and "minstens 10 tekens" in weak.get_data(as_text=True)

    resp = client.post(
        link, data={"password": "een nieuw lang wachtwoord", "password2": "een nieuw lang wachtwoord"}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/inloggen"
    notices = [m for m in mailbox.to("decaan@school.example") if "gewijzigd" in m["Subject"]]
    assert len(notices) == 1

    assert auth.login("decaan@school.example", "wachtwoord-123").status_code == 422
    assert auth.login("decaan@school.example", "een nieuw lang wachtwoord").status_code == 302


def test_used_reset_link_is_dead(client, user, mailbox):
    client.post("/wachtwoord-vergeten", data={"email": "decaan@school.example"})
    link = _reset_link(mailbox, "decaan@school.example")
    data = {"password": "een nieuw lang wachtwoord", "password2": "een nieuw lang wachtwoord"}
    assert client.post(link, data=data).status_code == 302
    again = client.get(link)
    assert again.status_code == 400 and "al gebruikt" in again.get_data(as_text=True)
    data2 = {"password": "nog weer een ander wachtwoord", "password2": "nog weer een ander wachtwoord"}
    assert client.post(link, data=data2).status_code == 400
    db.session.refresh(user)
    assert user.check_password("een nieuw lang wachtwoord")


def test_old_reset_link_dies_after_a_password_change(client, auth, user, mailbox):
    client.post("/wachtwoord-vergeten", data={"email": "decaan@school.example"})
    first = _reset_link(mailbox, "decaan@school.example")
    auth.login("decaan@school.example")
    resp = client.post(
        "/account/wachtwoord",
        data={
            "current_password": "wachtwoord-123",
            "new_password": "gewijzigd en lang genoeg",
            "new_password2": "gewijzigd en lang genoeg",
        },
    )
    assert resp.status_code == 302
    assert client.get(first).status_code == 400


def test_expired_and_tampered_reset_links(client, user):
    old = tokens.make_token(user, tokens.RESET, issued_at=tokens.now_epoch() - 3 * 24 * 3600)
    resp = client.get(f"/wachtwoord-herstellen/{old}")
    assert resp.status_code == 400 and "verlopen" in resp.get_data(as_text=True)
    good = tokens.make_token(user, tokens.RESET)
    resp = client.get(f"/wachtwoord-herstellen/{good}x")
    assert resp.status_code == 400 and "ongeldig" in resp.get_data(as_text=True)


def test_reset_request_answers_the_same_for_unknown_addresses(client, user, mailbox):
    known = client.post("/wachtwoord-vergeten", data={"email": "decaan@school.example"})
    unknown = client.post("/wachtwoord-vergeten", data={"email": "onbekend@school.example"})
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    # one mail either way (the same work, no enumeration by timing): a link, or a notice without one
    assert len(mailbox.to("decaan@school.example")) == 1
    (notice,) = mailbox.to("onbekend@school.example")
    text = mailbox.text_of(notice)
    assert "geen account" in text and "/wachtwoord-herstellen/" not in text
    # an address that cannot exist gets nothing
    assert client.post("/wachtwoord-vergeten", data={"email": "geen-adres"}).data == known.data
    assert len(mailbox.messages) == 2


def test_reset_request_is_rate_limited(client, app, user):
    # per address and source together (tests/integration/test_security_lockout.py: no stranger lockout)
    per_email = int(app.config["LOKET_RESET_PAIR_LIMIT"].split("/")[0])
    for _ in range(per_email):
        assert client.post("/wachtwoord-vergeten", data={"email": "decaan@school.example"}).status_code == 200
    resp = client.post("/wachtwoord-vergeten", data={"email": "decaan@school.example"})
    assert resp.status_code == 429 and "Te veel pogingen" in resp.get_data(as_text=True)

    per_ip = int(app.config["LOKET_RESET_LIMIT"].split("/")[0])
    for i in range(per_ip - per_email - 1):
        client.post("/wachtwoord-vergeten", data={"email": f"x{i}@school.example"})
    assert client.post("/wachtwoord-vergeten", data={"email": "laatste@school.example"}).status_code == 429


def test_password_change_logs_out_other_sessions(app, user):
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        c.post("/inloggen", data={"email": "decaan@school.example", "password": "wachtwoord-123"})
        assert c.get("/account").status_code == 200
    wrong = laptop.post(
        "/account/wachtwoord",
        data={
            "current_password": "fout",
            "new_password": "nieuw-en-lang-1",
            "new_password2": "nieuw-en-lang-1",
        },
    )
    assert wrong.status_code == 422 and "huidige wachtwoord klopt niet" in wrong.get_data(as_text=True)
    resp = laptop.post(
        "/account/wachtwoord",
        data={
            "current_password": "wachtwoord-123",
            "new_password": "nieuw-en-lang-1",
            "new_password2": "nieuw-en-lang-1",
        },
    )
    assert resp.status_code == 302
    assert laptop.get("/account").status_code == 200  # this browser stays logged in
    assert phone.get("/account").status_code == 302  # the other one is logged out
