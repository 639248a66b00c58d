"""Editing the own profile: name, phone, language, notifications, and a re-verified email change."""

from __future__ import annotations

import re

import pytest

from loket.db import db

LINK = re.compile(r"http://loket\.test(/\S+)")


@pytest.fixture
def user(make, client):
    u = make.user(make.school(), email="juf@school.example", name="Juf Jansen")
    db.session.commit()
    assert client.post("/inloggen", data={"email": u.email, "password": "wachtwoord-123"}).status_code == 302
    return u


def form(**over) -> dict:
    data = {
        "name": "Juf Jansen",
        "email": "juf@school.example",
        "phone": "",
        "locale": "nl",
        "notify_mode": "immediate",
    }
    data.update(over)
    return data


def test_profile_page_shows_own_data(client, user):
    html = client.get("/account").get_data(as_text=True)
    assert 'value="Juf Jansen"' in html and 'value="juf@school.example"' in html
    assert "Mijn gegevens downloaden" in html and "Account verwijderen" in html
    assert '<label for="phone"' in html and "<legend>Meldingen per e-mail" in html


def test_edit_name_phone_language_and_notifications(client, user, mailbox):
    resp = client.post(
        "/account",
        data=form(name="Juf A. Jansen", phone="+31 6 1234 5678", locale="en", notify_mode="digest"),
    )
    assert resp.status_code == 302
    assert any("lang=en" in c for c in resp.headers.getlist("Set-Cookie"))
    db.session.refresh(user)
    assert (user.name, user.phone, user.locale, user.notify_mode) == (
        "Juf A. Jansen",
        "+31 6 1234 5678",
        "en",
        "digest",
    )
    assert mailbox.messages == []


def test_profile_errors_beside_the_field(client, user):
    resp = client.post("/account", data=form(name="", phone="bel me maar", notify_mode="soms"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="notify_mode-error"' in html
    resp = client.post("/account", data=form(phone="bel me maar"))
    assert resp.status_code == 422
    assert re.search(r'id="phone-error" role="alert">[^<]*telefoonnummer', resp.get_data(as_text=True))
    db.session.refresh(user)
    assert user.phone is None and user.name == "Juf Jansen"


def test_email_change_takes_effect_after_the_new_address_is_verified(client, auth, user, mailbox):
    resp = client.post("/account", data=form(email="Nieuw@School.example"))
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.email == "juf@school.example"  # not yet
    (msg,) = mailbox.to("nieuw@school.example")
    assert "nieuwe e-mailadres" in msg["Subject"]
    link = LINK.search(mailbox.text_of(msg)).group(1)

    resp = client.get(link)
    assert resp.status_code == 200 and "nieuw@school.example" in resp.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "nieuw@school.example" and user.is_verified
    assert len(mailbox.to("juf@school.example")) == 1  # the old address is told
    assert client.get(link).status_code == 400  # works once

    auth.logout()
    assert auth.login("nieuw@school.example").status_code == 302


def test_email_change_to_a_taken_address_changes_nothing_and_tells_its_owner(client, make, user, mailbox):
    make.user(make.company(), email="bezet@bedrijf.example")
    db.session.commit()
    resp = client.post("/account", data=form(email="bezet@bedrijf.example"))
    assert resp.status_code == 302  # the same answer as for a free address
    db.session.refresh(user)
    assert user.email == "juf@school.example"
    (notice,) = mailbox.to("bezet@bedrijf.example")
    assert "al een account" in notice["Subject"]
