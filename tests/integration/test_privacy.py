"""Personal data: the privacy page, the JSON export (own data only) and deleting an account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.mail.outbox import queue_email
from loket.models import AuditEvent, Notification, Organisation, OutboxMessage, Request, User


def login(client, email, password="wachtwoord-123"):
    return client.post("/inloggen", data={"email": email, "password": password})


@pytest.fixture
def two_users(make):
    school = make.school(name="OBS De Linde")
    me = make.user(school, email="ik@linde.example", name="Ik Zelf")
    me.phone = "06 12345678"
    colleague = make.user(school, email="collega@linde.example", name="Collega Anders")
    mine = make.request(school, topic="robots bouwen", created_by=me)
    theirs = make.request(school, topic="bruggen bouwen", created_by=colleague)
    db.session.add_all(
        [
            Notification(user_id=me.id, kind="match", message="Voorstel voor robots bouwen"),
            Notification(user_id=colleague.id, kind="match", message="Geheim van de collega"),
        ]
    )
    queue_email(me, "password_changed", reset_link="http://loket.test/x")
    queue_email(colleague, "password_changed", reset_link="http://loket.test/y")
    from loket.services import audit

    audit.record(me, "request_created", mine)
    audit.record(colleague, "request_created", theirs)
    db.session.commit()
    return me, colleague, mine, theirs


def test_privacy_page_in_plain_dutch(client):
    resp = client.get("/privacy")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "wat Loket over jou bewaart" in html
    assert "Leerlingen" in html and "alleen aantallen" in html
    assert "Hoe lang" in html and "Account verwijderen" in html
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_export_contains_own_data_and_nothing_of_another_user(client, two_users):
    me, colleague, mine, theirs = two_users
    login(client, me.email)
    resp = client.get("/account/mijn-gegevens")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.get_data(as_text=True))

    assert data["account"]["email"] == "ik@linde.example"
    assert data["account"]["name"] == "Ik Zelf" and data["account"]["phone"] == "06 12345678"
    assert data["organisation"]["name"] == "OBS De Linde"
    assert [r["id"] for r in data["requests"]] == [mine.id]
    assert [n["message"] for n in data["notifications"]] == ["Voorstel voor robots bouwen"]
    assert {e["to_addr"] for e in data["emails"]} == {"ik@linde.example"}
    assert "request_created" in {e["action"] for e in data["audit_events"]}

    text = resp.get_data(as_text=True)
    for foreign in ("collega@linde.example", "Collega Anders", "Geheim van de collega", "bruggen bouwen"):
        assert foreign not in text
    assert "password" not in text.lower() or "password_hash" not in text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_exported")).actor_id == me.id


def test_export_needs_login(client):
    resp = client.get("/account/mijn-gegevens")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/inloggen")


def test_delete_account_needs_the_password(client, two_users):
    me, *_ = two_users
    login(client, me.email)
    resp = client.post("/account/verwijderen", data={"password": "fout-wachtwoord", "confirm": "y"})
    assert resp.status_code == 422 and 'id="password-error"' in resp.get_data(as_text=True)
    resp = client.post("/account/verwijderen", data={"password": "wachtwoord-123"})
    assert resp.status_code == 422 and 'id="confirm-error"' in resp.get_data(as_text=True)
    db.session.refresh(me)
    assert me.email == "ik@linde.example" and me.status == "active"


def test_delete_account_removes_personal_data_and_keeps_organisation_history(client, two_users, mailbox):
    me, colleague, mine, theirs = two_users
    user_id, org_id = me.id, me.organisation_id
    login(client, me.email)
    mailbox.clear()
    assert client.get("/account/verwijderen").status_code == 200
    resp = client.post("/account/verwijderen", data={"password": "wachtwoord-123", "confirm": "y"})
    assert resp.status_code == 302

    db.session.expire_all()
    me = db.session.get(User, user_id)
    assert me.name is None and me.email is None and me.phone is None and me.password_hash is None
    assert me.status == "archived" and me.archived_at is not None
    assert me.organisation_id == org_id
    # history kept: organisation, requests, audit trail (without personal data)
    assert db.session.get(Organisation, org_id) is not None
    assert db.session.get(Request, mine.id).created_by_id == user_id
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_deleted")).actor_id
        == user_id
    )
    # personal traces removed
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user_id)) == 0
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id)).all()
    assert rows and all(r.to_addr == "(verwijderd)" and r.body_text == "" for r in rows)
    # the colleague is untouched
    db.session.refresh(colleague)
    assert colleague.email == "collega@linde.example"
    assert (
        db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == colleague.id))
        == 1
    )

    # logged out, and cannot log in again; nothing more is mailed to the old address
    assert client.get("/account").status_code == 302
    assert login(client, "ik@linde.example").status_code == 422
    assert mailbox.to("ik@linde.example") == []


# --------------------------------------------------------------------------- issue 11, item 11
def test_export_holds_the_feedback_the_user_wrote(client, make, two_users):
    from loket.models import MatchFeedback

    me, *_ = two_users
    company = make.company()
    match = make.match(make.request(me.organisation), make.offer(company), status="completed")
    db.session.add(
        MatchFeedback(match_id=match.id, side="school", user_id=me.id, rating=4, comment="Leerzaam en leuk")
    )
    db.session.commit()
    login(client, me.email)
    data = json.loads(client.get("/account/mijn-gegevens").get_data(as_text=True))
    assert [f["comment"] for f in data["feedback"]] == ["Leerzaam en leuk"]
    assert data["feedback"][0]["rating"] == 4 and data["feedback"][0]["match_id"] == match.id


def test_deletion_redacts_invitations_the_user_sent_and_their_dry_run_files(client, make, two_users, app):
    from loket.services import accounts
    from loket.services.reactivation import Scope, dry_run
    from tests.helpers.reactivation import ago

    me, colleague, *_ = two_users
    with app.test_request_context():
        accounts.invite_colleague(me, name="Nieuwe Collega", email="nieuw@linde.example")
    dormant = make.user(
        make.school(), email="slaper@elders.example", status="dormant", name="Sla Per", last_login_at=ago(730)
    )
    db.session.commit()
    invite = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "nieuw@linde.example"))
    assert "Ik Zelf" in invite.body_text
    run, folder, n = dry_run(None, Scope(inactive_days=365))
    db.session.commit()
    eml = folder / f"{dormant.id:08d}.eml"
    assert eml.exists() and "slaper@elders.example" in eml.read_text()

    login(client, me.email)
    assert (
        client.post("/account/verwijderen", data={"password": "wachtwoord-123", "confirm": "y"}).status_code
        == 302
    )
    db.session.expire_all()
    invite = db.session.get(OutboxMessage, invite.id)
    for text in (invite.subject, invite.body_text, invite.body_html or ""):
        assert "Ik Zelf" not in text and "ik@linde.example" not in text
    assert "(verwijderd)" in invite.body_text
    assert invite.to_addr == "nieuw@linde.example"  # the invitee's own copy keeps its address

    # the dormant user deletes their own account too: their dry-run file goes
    dormant = db.session.get(User, dormant.id)
    dormant.status = "active"
    db.session.commit()
    login(client, "slaper@elders.example")
    assert (
        client.post("/account/verwijderen", data={"password": "wachtwoord-123", "confirm": "y"}).status_code
        == 302
    )
    assert not eml.exists()


def test_the_last_admin_cannot_delete_their_own_account(client, make):
    admin = make.admin(email="enige@loket.example")
    db.session.commit()
    login(client, admin.email)
    resp = client.post("/account/verwijderen", data={"password": "wachtwoord-123", "confirm": "y"})
    assert resp.status_code == 422
    assert "laatste beheerder" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).email == "enige@loket.example"
    make.admin(email="tweede@loket.example")
    db.session.commit()
    resp = client.post("/account/verwijderen", data={"password": "wachtwoord-123", "confirm": "y"})
    assert resp.status_code == 302
