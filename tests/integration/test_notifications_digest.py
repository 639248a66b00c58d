"""Notifications: in-app list, mark read, immediate email vs. the daily digest."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from loket.db import db
from loket.models import Notification
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login


@pytest.fixture
def w(make):
    return build_world(make)


def test_immediate_email_is_dutch_text_and_html_with_deep_link(w, client, mailbox):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    login(client, w.manager)
    client.post("/cluster/goedkeuren", data={"match_ids": [str(m.id)]})
    msgs = mailbox.to("hr@bedrijf.test")
    assert len(msgs) == 1
    msg = msgs[0]
    assert "Voorstel goedgekeurd" in str(msg["Subject"])
    assert "Beste" in mailbox.text_of(msg) and f"http://loket.test/koppelingen/{m.id}" in mailbox.text_of(msg)
    assert f'href="http://loket.test/koppelingen/{m.id}"' in mailbox.html_of(msg)
    assert not mailbox.to("beheer@groningen.test")


def test_digest_users_get_one_daily_mail(w, runner, mailbox, make):
    w.manager.notify_mode = "digest"
    db.session.commit()
    other = make.request(w.school)
    svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.propose(w.teacher, other.id, w.offer.id, source="school")
    db.session.commit()
    from loket.mail.delivery import deliver_after_commit

    deliver_after_commit()
    assert not mailbox.to("beheer@zwolle.test"), "no immediate mail for digest users"
    result = runner.invoke(args=["digest"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"users": 1, "notifications": 2}
    digest = mailbox.to("beheer@zwolle.test")
    assert len(digest) == 1
    assert "2 nieuwe meldingen" in str(digest[0]["Subject"])
    assert mailbox.text_of(digest[0]).count("Nieuw voorstel") == 2
    db.session.expire_all()
    notes = db.session.scalars(select(Notification).where(Notification.user_id == w.manager.id)).all()
    assert all(n.emailed_at is not None for n in notes)
    again = runner.invoke(args=["digest"])
    assert json.loads(again.stdout) == {"users": 0, "notifications": 0}
    assert len(mailbox.to("beheer@zwolle.test")) == 1


def test_in_app_list_and_mark_read(w, client):
    svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.manager.id)).one()
    login(client, w.other_manager)
    assert client.post(f"/meldingen/{note.id}/gelezen").status_code == 403
    assert "Nieuw voorstel" not in client.get("/meldingen/").get_data(as_text=True)
    login(client, w.manager)
    html = client.get("/meldingen/").get_data(as_text=True)
    assert "Nieuw voorstel" in html and 'class="badge"' in html
    resp = client.post(f"/meldingen/{note.id}/gelezen", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(note.link)
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    assert client.post("/meldingen/999999/gelezen").status_code == 404
    assert client.post("/meldingen/alles-gelezen").status_code == 302
