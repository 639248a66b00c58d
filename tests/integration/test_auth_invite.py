"""Inviting a colleague to the same organisation; only members may invite."""

from __future__ import annotations

import re

from sqlalchemy import select

from loket.db import db
from loket.models import User

LINK = re.compile(r"http://loket\.test(/\S+)")


def login(client, user):
    resp = client.post("/inloggen", data={"email": user.email, "password": "wachtwoord-123"})
    assert resp.status_code == 302


def test_invite_flow(client, make, mailbox):
    org = make.company(name="Techniek BV")
    inviter = make.user(org, email="hr@techniek.example", name="Hanna HR")
    db.session.commit()
    login(client, inviter)
    assert client.get("/account/collega-uitnodigen").status_code == 200
    resp = client.post(
        "/account/collega-uitnodigen", data={"name": "Gijs Gastdocent", "email": "gijs@techniek.example"}
    )
    assert resp.status_code == 302

    invited = db.session.scalar(select(User).where(User.email == "gijs@techniek.example"))
    assert invited.status == "invited" and invited.organisation_id == org.id and invited.role == "company"
    assert invited.password_hash is None
    (msg,) = mailbox.to("gijs@techniek.example")
    assert "Hanna HR" in msg["Subject"]
    assert "Techniek BV" in mailbox.text_of(msg)
    link = LINK.search(mailbox.text_of(msg)).group(1)
    assert link.startswith("/uitnodiging/")

    client.post("/uitloggen")
    page = client.get(link).get_data(as_text=True)
    assert "Techniek BV" in page and 'value="Gijs Gastdocent"' in page
    resp = client.post(
        link, data={"name": "Gijs G.", "password": "gastles-geven-leuk", "password2": "gastles-geven-leuk"}
    )
    assert resp.status_code == 302
    assert client.get("/account").status_code == 200  # logged in as the new colleague
    db.session.refresh(invited)
    assert invited.status == "active" and invited.name == "Gijs G." and invited.is_verified
    assert invited.check_password("gastles-geven-leuk")
    assert client.get(link).status_code == 400  # used once


def test_invite_to_a_known_address_reveals_nothing(client, make, mailbox):
    org = make.company()
    inviter = make.user(org, email="hr@bedrijf.example")
    make.user(make.school(), email="bestaat@school.example")
    db.session.commit()
    login(client, inviter)
    resp = client.post("/account/collega-uitnodigen", data={"name": "X", "email": "bestaat@school.example"})
    assert resp.status_code == 302
    (notice,) = mailbox.to("bestaat@school.example")
    assert "al een account" in notice["Subject"]
    assert (
        db.session.scalar(select(User).where(User.email == "bestaat@school.example")).organisation_id
        != org.id
    )


def test_only_members_of_an_organisation_can_invite(client, make):
    manager = make.manager(email="beheer@regio.example")
    db.session.commit()
    login(client, manager)
    assert client.get("/account/collega-uitnodigen").status_code == 403
    resp = client.post("/account/collega-uitnodigen", data={"name": "X", "email": "x@y.example"})
    assert resp.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "x@y.example")) is None


def test_invite_validation_errors_beside_fields(client, make, mailbox):
    user = make.user(make.school())
    db.session.commit()
    login(client, user)
    resp = client.post("/account/collega-uitnodigen", data={"name": "", "email": "geen-adres"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="email-error"' in html
    assert mailbox.messages == []
