"""Registration of schools and companies: happy paths, every validation error, no email enumeration."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Location, Organisation, OutboxMessage, User

LINK = re.compile(r"http://loket\.test(/\S+)")


def school_form(**over) -> dict:
    data = {
        "kind": "school",
        "org_name": "Het Stedelijk Lyceum",
        "brin": "05KO01",
        "levels": ["havo", "vwo-4"],
        "postcode": "8011aa",
        "city": "",
        "name": "Anna de Vries",
        "email": "Anna@School.example",
        "password": "lange zin met woorden",
        "password2": "lange zin met woorden",
    }
    data.update(over)
    return data


def company_form(**over) -> dict:
    data = {
        "kind": "company",
        "org_name": "Zon & Wind BV",
        "kvk": "12345678",
        "sectors": ["energie", "ict"],
        "postcode": "3511 AA",
        "city": "Utrecht",
        "name": "Bram Jansen",
        "email": "bram@zonwind.example",
        "password": "windmolens-draaien-7",
        "password2": "windmolens-draaien-7",
    }
    data.update(over)
    return data


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(Organisation.id))),
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Location.id))),
    )


def test_register_page_is_labelled_and_dutch(client):
    html = client.get("/aanmelden").get_data(as_text=True)
    assert "Aanmelden als school of bedrijf" in html
    for field in ("org_name", "postcode", "email", "password", "brin", "kvk"):
        assert f'<label for="{field}"' in html
    assert "<legend>" in html and 'autocomplete="new-password"' in html


def test_register_school_happy_path(client, mailbox):
    resp = client.post("/aanmelden", data=school_form())
    assert resp.status_code == 302 and resp.headers["Location"] == "/aanmelden/verstuurd"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Controleer je e-mail" in page

    user = db.session.scalar(select(User).where(User.email == "anna@school.example"))
    assert user is not None and user.role == "school" and user.status == "active"
    assert user.email_verified_at is None and not user.is_verified
    assert user.check_password("lange zin met woorden") and user.password_hash != "lange zin met woorden"
    org = user.organisation
    assert org.kind == "school" and org.brin == "05KO01" and org.kvk is None
    assert org.levels == ["havo", "vwo-4"]
    loc = org.primary_location
    assert loc.postcode == "8011 AA" and loc.city == "Zwolle" and loc.province == "Overijssel"
    assert 52.4 < loc.lat < 52.6 and 6.0 < loc.lon < 6.2
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register")).actor_id == user.id

    (msg,) = mailbox.to("anna@school.example")
    assert "Bevestig je e-mailadres" in msg["Subject"]
    assert "/bevestigen/" in mailbox.text_of(msg) and "/bevestigen/" in mailbox.html_of(msg)


def test_register_company_happy_path(client, mailbox):
    resp = client.post("/aanmelden", data=company_form())
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "bram@zonwind.example"))
    org = user.organisation
    assert user.role == "company" and org.kind == "company"
    assert org.kvk == "12345678" and org.sectors == ["energie", "ict"] and org.brin is None
    assert org.primary_location.city == "Utrecht" and org.primary_location.postcode == "3511 AA"
    assert len(mailbox.to("bram@zonwind.example")) == 1


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (school_form(postcode="12345"), "postcode", "geen geldige Nederlandse postcode"),
        (school_form(postcode="0123 AB"), "postcode", "geen geldige Nederlandse postcode"),
        (school_form(postcode=""), "postcode", "Vul een postcode in"),
        (school_form(postcode="1000 AA"), "postcode", "Postcode 1000 AA is onbekend"),
        (school_form(brin="12345"), "brin", "geen geldig BRIN-nummer"),
        (company_form(kvk="1234567"), "kvk", "precies 8 cijfers"),
        (company_form(kvk="1234567a"), "kvk", "precies 8 cijfers"),
        (school_form(password="kort123", password2="kort123"), "password", "minstens 10 tekens"),
        (school_form(password="aaaaaaaaaaaa", password2="aaaaaaaaaaaa"), "password", "te eenvoudig"),
        (school_form(password="wachtwoord123", password2="wachtwoord123"), "password", "makkelijk te raden"),
        (school_form(password2="iets anders dan dat"), "password2", "De wachtwoorden verschillen"),
        (school_form(email="geen-adres"), "email", "geen geldig e-mailadres"),
        (school_form(org_name=""), "org_name", "Vul de naam van de organisatie in"),
        (school_form(kind=""), "kind", "school of een bedrijf"),
    ],
)
def test_register_validation_errors_beside_the_field(client, mailbox, form, field, message):
    before = counts()
    resp = client.post("/aanmelden", data=form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', html)
    assert error is not None, f"no error beside {field}"
    assert message in error.group(1).replace("&#39;", "'")
    assert counts() == before  # atomic: nothing written
    assert mailbox.messages == []


def test_unknown_postcode_writes_nothing_even_when_the_rest_is_valid(client, mailbox):
    resp = client.post("/aanmelden", data=company_form(postcode="1001 AB"))
    assert resp.status_code == 422
    assert counts() == (0, 0, 0)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_duplicate_email_gives_the_same_response_and_mails_the_owner(client, make, mailbox):
    school = make.school()
    owner = make.user(school, email="anna@school.example", name="Anna Bestaand")
    db.session.commit()
    before = counts()

    dup = client.post("/aanmelden", data=school_form(email="ANNA@school.example"))
    fresh = client.post("/aanmelden", data=school_form(email="nieuw@school.example"))
    assert dup.status_code == fresh.status_code == 302
    assert dup.headers["Location"] == fresh.headers["Location"]
    assert client.get(dup.headers["Location"]).data == client.get(fresh.headers["Location"]).data

    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)  # only the fresh one
    (notice,) = mailbox.to("anna@school.example")
    assert "al een account" in notice["Subject"]
    assert "/inloggen" in mailbox.text_of(notice) and "/wachtwoord-vergeten" in mailbox.text_of(notice)
    assert "/bevestigen/" not in mailbox.text_of(notice)
    db.session.refresh(owner)
    assert owner.name == "Anna Bestaand" and owner.check_password("wachtwoord-123")


def _verify_link(mailbox, addr: str) -> str:
    (msg,) = [m for m in mailbox.to(addr) if "Bevestig" in m["Subject"]]
    return LINK.search(mailbox.text_of(msg)).group(1)


def test_verification_link_works_once(client, mailbox):
    client.post("/aanmelden", data=school_form())
    link = _verify_link(mailbox, "anna@school.example")
    assert link.startswith("/bevestigen/")

    resp = client.get(link)
    assert resp.status_code == 200 and "is bevestigd" in resp.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "anna@school.example"))
    first = user.email_verified_at
    assert first is not None and user.is_verified

    again = client.get(link)
    assert again.status_code == 400
    assert "al gebruikt" in again.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_verified_at == first


def test_verification_link_tampered_or_expired(client, make, mailbox):
    from loket.services.accounts import links as tokens

    client.post("/aanmelden", data=school_form())
    link = _verify_link(mailbox, "anna@school.example")
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    resp = client.get(tampered)
    assert resp.status_code == 400 and "ongeldig" in resp.get_data(as_text=True)

    user = db.session.scalar(select(User).where(User.email == "anna@school.example"))
    old = tokens.make_token(user, tokens.VERIFY, issued_at=tokens.now_epoch() - 3 * 24 * 3600)
    resp = client.get(f"/bevestigen/{old}")
    assert resp.status_code == 400 and "verlopen" in resp.get_data(as_text=True)
    # a reset token is no verification token (salt per purpose)
    reset = tokens.make_token(user, tokens.RESET)
    assert client.get(f"/bevestigen/{reset}").status_code == 400
    db.session.refresh(user)
    assert user.email_verified_at is None


def test_unverified_user_may_log_in_and_sees_the_request_to_verify(client, auth, mailbox):
    client.post("/aanmelden", data=school_form())
    resp = auth.login("anna@school.example", "lange zin met woorden")
    assert resp.status_code == 302
    html = client.get("/account").get_data(as_text=True)
    assert "Bevestig je e-mailadres" in html
    mailbox.clear()
    assert client.post("/bevestigen/opnieuw").status_code == 302
    link = _verify_link(mailbox, "anna@school.example")
    assert client.get(link).status_code == 200
    assert "Bevestig je e-mailadres via" not in client.get("/account").get_data(as_text=True)


def test_new_organisation_joins_the_nearest_cluster(client, make):
    cluster = make.cluster(name="Cluster Zwolle", place="Zwolle", members=[make.school(place="Zwolle")])
    db.session.commit()
    assert client.post("/aanmelden", data=school_form(postcode="8011 AB")).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "anna@school.example"))
    assert user.organisation.cluster_id == cluster.id
