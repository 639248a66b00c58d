"""Starting a reactivation run from the web has a safety step: a count, the rendered message of a
sample recipient (HTML and text, openable), a test send to the starter's own address over the real
SMTP server (logged), and a confirmation of that preview; dry runs show as dry runs; CSV report."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, EmailRun
from loket.services.reactivation import Scope, create_run, dry_run, execute_run
from tests.conftest import Mailbox
from tests.helpers.reactivation import dormant_population, login


@pytest.fixture
def world(make):
    w = type("W", (), {})()
    w.cz = make.cluster("Cluster Zwolle")
    w.other = make.cluster("Cluster Groningen", place="Groningen")
    w.users = dormant_population(make, 3, cluster=w.cz)
    dormant_population(make, 2, place="Groningen", cluster=w.other, prefix="noord")
    w.mgr = make.manager(clusters=[w.cz], email="mgr@example.test")
    db.session.commit()
    return w


def runs() -> int:
    return db.session.scalar(select(func.count(EmailRun.id)))


def form(w, **extra) -> dict:
    return {"cluster_id": w.cz.id, "inactive_days": 365, **extra}


def test_preview_count_message_test_send_then_confirm(client, world, mailbox, monkeypatch):
    import loket.worker

    started: list[int] = []
    monkeypatch.setattr(
        loket.worker, "dispatch_run", lambda run_id, app=None: started.append(run_id) or "test"
    )
    login(client, world.mgr)
    html = client.get("/heractivering/nieuw").get_data(as_text=True)
    assert 'value="start"' not in html  # the start is only offered with a preview
    resp = client.post("/heractivering/nieuw", data=form(world, action="preview"))
    html = resp.get_data(as_text=True)
    assert "Deze ronde stuurt nu 3 berichten." in html and runs() == 0
    assert all(not mailbox.to(u.email) for u in world.users)
    html_link = (
        re.search(r'href="(/heractivering/voorbeeld\.html\?[^"]+)"', html).group(1).replace("&amp;", "&")
    )
    text_link = (
        re.search(r'href="(/heractivering/voorbeeld\.txt\?[^"]+)"', html).group(1).replace("&amp;", "&")
    )
    page = client.get(html_link)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "sandbox" in page.headers["Content-Security-Policy"]
    assert world.users[0].name in page.get_data(as_text=True)
    text = client.get(text_link)
    assert text.mimetype == "text/plain" and world.users[0].name in text.get_data(as_text=True)
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)

    # the test send: to the manager's own address, over SMTP, logged; nobody else gets anything
    resp = client.post("/heractivering/nieuw", data=form(world, action="test"))
    assert "Een testbericht gaat naar mgr@example.test." in resp.get_data(as_text=True)
    [msg] = mailbox.to("mgr@example.test")
    assert msg["Subject"].startswith("[TEST] ") and world.users[0].name in Mailbox.text_of(msg)
    assert all(not mailbox.to(u.email) for u in world.users)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email_run.test_send")) is not None
    assert runs() == 0

    # no confirmation, or a stale one: nothing starts
    resp = client.post("/heractivering/nieuw", data=form(world, action="start"))
    assert "veranderd sinds het voorbeeld" in resp.get_data(as_text=True) and runs() == 0
    resp = client.post("/heractivering/nieuw", data=form(world, action="start", confirm="0" * 32))
    assert runs() == 0
    resp = client.post("/heractivering/nieuw", data=form(world, action="start", confirm=token))
    assert resp.status_code == 302 and runs() == 1 and len(started) == 1


def test_changed_selection_needs_a_new_confirmation(client, make, world, monkeypatch):
    import loket.worker

    monkeypatch.setattr(loket.worker, "dispatch_run", lambda run_id, app=None: "test")
    login(client, world.mgr)
    html = client.post("/heractivering/nieuw", data=form(world, action="preview")).get_data(as_text=True)
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)
    dormant_population(make, 1, cluster=world.cz, prefix="nieuw")
    db.session.commit()
    resp = client.post("/heractivering/nieuw", data=form(world, action="start", confirm=token))
    html = resp.get_data(as_text=True)
    assert runs() == 0 and "Deze ronde stuurt nu 4 berichten." in html


def test_manager_cannot_preview_another_cluster(client, world):
    login(client, world.mgr)
    url = f"/heractivering/voorbeeld.html?cluster_id={world.other.id}&inactive_days=365"
    assert client.get(url).status_code == 403
    assert client.get("/heractivering/voorbeeld.html?cluster_id=0&inactive_days=365").status_code == 403


def test_dry_run_shows_as_dry_run_and_report_downloads_as_csv(client, make, world, mailbox, tmp_path):
    run, _folder, n = dry_run(None, Scope(inactive_days=365, cluster_id=world.cz.id), tmp_path)
    db.session.commit()
    admin = make.admin(email="admin@example.test")
    db.session.commit()
    login(client, admin)
    html = client.get(f"/heractivering/{run.id}").get_data(as_text=True)
    assert "Proefrun: er is niets verstuurd." in html and 'id="dry-run-note"' in html
    assert "nog niet" not in html and "% klaar" not in html and "<progress" not in html
    real = create_run(None, Scope(inactive_days=365, cluster_id=world.other.id))
    db.session.commit()
    execute_run(real.id)
    resp = client.get(f"/heractivering/{real.id}/rapport?format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Cluster", "Geselecteerd", "Verstuurd"]
    assert rows[1][:3] == ["Totaal", "2", "2"] and rows[2][0] == "Cluster Groningen"
    page = client.get(f"/heractivering/{real.id}/rapport").get_data(as_text=True)
    assert "format=csv" in page and "format=json" in page
