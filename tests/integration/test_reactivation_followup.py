"""After a run: bounces import, the report numbers, the reminder after 21 days, archiving."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from loket.db import db
from loket.models import ActionToken, EmailRun, Organisation, OutboxMessage, Request, User
from loket.services import ServiceError
from loket.services.reactivation import (
    Scope,
    archive_candidates,
    create_reminder,
    create_run,
    execute_run,
    run_report,
)
from loket.services.reactivation.followup import archive_dormant
from tests.conftest import Mailbox
from tests.helpers.reactivation import ago, dormant_population


def _send(scope=None):
    run = create_run(None, scope or Scope(inactive_days=365))
    db.session.commit()
    execute_run(run.id)
    return db.session.get(EmailRun, run.id)


def dsn(recipient: str, message_id: str | None, action: str = "failed", status: str = "5.1.1") -> str:
    original = f"Message-ID: {message_id}\nSubject: x\n" if message_id else "Subject: x\n"
    return (
        "From: MAILER-DAEMON@mx.example.test\nTo: bounces@loket.test\nSubject: Undelivered Mail\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\n\n'
        "--BOUND\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
        "--BOUND\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.test\n\n"
        f"Original-Recipient: rfc822;{recipient}\nFinal-Recipient: rfc822; {recipient}\n"
        f"Action: {action}\nStatus: {status}\nDiagnostic-Code: smtp; 550 {status} user unknown\n\n"
        f"--BOUND\nContent-Type: text/rfc822-headers\n\n{original}\n--BOUND--\n"
    )


def test_bounces_import_eml_folder_and_mbox(make, mailbox, runner, tmp_path):
    users = dormant_population(make, 4)
    db.session.commit()
    run = _send()
    rows = {r.to_addr: r for r in db.session.scalars(db.select(OutboxMessage))}
    folder = tmp_path / "dsn"
    folder.mkdir()
    # by Message-ID of the returned headers
    (folder / "a.eml").write_text(dsn("someone-else@example.test", rows[users[0].email].message_id))
    # by original recipient only
    (folder / "b.eml").write_text(dsn(users[1].email, None))
    # a delay notice is not a bounce; a plain message is skipped
    (folder / "c.eml").write_text(dsn(users[2].email, None, action="delayed", status="4.4.7"))
    (folder / "d.eml").write_text("From: x@example.test\nSubject: hallo\n\nGewone mail\n")
    result = runner.invoke(args=["bounces", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["bounced"] == 2 and data["skipped"] == 2 and data["unmatched"] == []
    db.session.expire_all()
    assert rows[users[0].email].bounced_at is not None and rows[users[1].email].bounced_at is not None
    assert rows[users[2].email].bounced_at is None
    # an mbox with one known (already bounced) and one unknown recipient
    mbox = tmp_path / "bounces.mbox"
    mbox.write_text(
        "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + dsn(users[1].email, None) + "\n"
        "From MAILER-DAEMON Mon Jan  1 00:00:01 2024\n" + dsn("onbekend@example.test", None) + "\n"
    )
    data = json.loads(runner.invoke(args=["bounces", str(mbox), "--json"]).stdout)
    assert data["reports"] == 2 and data["already"] == 1 and data["unmatched"] == ["onbekend@example.test"]
    assert run_report(run).totals.bounced == 2


def test_report_counts_per_run_and_cluster(make, mailbox, app):
    cz = make.cluster("Cluster Zwolle")
    cg = make.cluster("Cluster Groningen", place="Groningen")
    zw = dormant_population(make, 3, cluster=cz, prefix="zw")
    gr = dormant_population(make, 2, place="Groningen", cluster=cg, prefix="gr")
    db.session.commit()
    mailbox.refuse[gr[1].email] = 550
    run = _send()
    sent_at = {r.user_id: r.sent_at for r in db.session.scalars(db.select(OutboxMessage))}
    tokens = {t.user_id: t for t in db.session.scalars(db.select(ActionToken))}
    # zw0 used the link after 2 days, zw1 logged in normally after 10 days, gr0 unsubscribed
    tokens[zw[0].id].used_at = sent_at[zw[0].id] + timedelta(days=2)
    zw[1].last_login_at = sent_at[zw[1].id] + timedelta(days=10)
    gr[0].unsubscribed_at = sent_at[gr[0].id] + timedelta(hours=1)
    run.started_at = sent_at[zw[0].id] - timedelta(minutes=1)
    db.session.commit()
    rep = run_report(run)
    t = rep.totals
    assert (t.selected, t.sent, t.failed, t.bounced) == (5, 4, 1, 0)
    assert (t.reactivated_7, t.reactivated_30, t.unsubscribed) == (1, 2, 1)
    clusters = dict(rep.clusters)
    assert (clusters["Cluster Zwolle"].sent, clusters["Cluster Zwolle"].reactivated_30) == (3, 2)
    assert (clusters["Cluster Groningen"].failed, clusters["Cluster Groningen"].unsubscribed) == (1, 1)
    assert rep.per_day[2] == 1 and rep.per_day[10] == 1 and sum(rep.per_day) == 2


def test_reminder_after_21_days_to_those_who_did_not_react(make, mailbox: Mailbox, runner):
    users = dormant_population(make, 4)
    db.session.commit()
    run = _send()
    with pytest.raises(ServiceError, match="pas vanaf"):
        create_reminder(None, run.id)
    # three weeks later: users[0] reactivated via the link, users[1] unsubscribed
    run.finished_at = ago(22)
    for r in db.session.scalars(db.select(OutboxMessage)):
        r.sent_at = r.created_at = ago(22)
    db.session.scalar(db.select(ActionToken).where(ActionToken.user_id == users[0].id)).used_at = ago(20)
    users[0].status = "active"
    users[1].unsubscribed_at = ago(15)
    db.session.commit()
    mailbox.clear()
    result = runner.invoke(args=["reactivate", "--reminder-of", str(run.id), "--json", "--quiet"])
    assert result.exit_code == 0, result.output + result.stderr
    assert json.loads(result.stdout)["sent"] == 2
    assert {m["To"].addresses[0].addr_spec for m in mailbox.messages} == {users[2].email, users[3].email}
    assert all(m["Subject"].startswith("Herinnering") for m in mailbox.messages)
    reminder = db.session.scalar(db.select(EmailRun).where(EmailRun.kind == "reminder"))
    assert reminder.parent_run_id == run.id
    # only one reminder per run
    result = runner.invoke(args=["reactivate", "--reminder-of", str(run.id)])
    assert result.exit_code != 0 and "al een herinnering" in result.stderr


def test_archiving_after_retention_lists_first_then_removes_personal_data(app, make, mailbox, runner, client):
    users = dormant_population(make, 3)
    req = make.request(users[0].organisation)
    db.session.commit()
    run = _send()
    run.finished_at = ago(60)
    for r in db.session.scalars(db.select(OutboxMessage)):
        r.sent_at = r.created_at = ago(60)
    users[2].last_login_at = ago(1)  # came back on their own: never archived
    db.session.commit()
    reminder = create_reminder(None, run.id)
    db.session.commit()
    execute_run(reminder.id)
    retention = app.config["LOKET_RETENTION_DAYS"]
    assert archive_candidates() == []  # the reminder is recent
    for r in db.session.scalars(db.select(OutboxMessage)):
        r.sent_at = ago(retention + 1) if r.run_id == reminder.id else ago(retention + 30)
    db.session.commit()
    # the admin report lists who would be archived, before it happens
    result = runner.invoke(args=["archive-dormant", "--dry-run", "--json"])
    data = json.loads(result.stdout)
    assert {u["email"] for u in data["users"]} == {users[0].email, users[1].email} and data["archived"] == 0
    assert db.session.get(User, users[0].id).email == users[0].email
    from tests.helpers.reactivation import login

    admin = make.admin(email="admin@example.test")
    manager = make.manager(email="mgr@example.test", clusters=[make.cluster()])
    db.session.commit()
    login(client, manager)
    assert client.get("/heractivering/archief").status_code == 403
    login(client, admin)
    page = client.get("/heractivering/archief").get_data(as_text=True)
    assert users[0].email in page and users[1].email in page and users[2].email not in page
    assert client.post("/heractivering/archief").status_code == 302
    db.session.expire_all()
    for u in users[:2]:
        u = db.session.get(User, u.id)
        assert (u.email, u.name, u.phone, u.password_hash, u.status) == (None, None, None, None, "archived")
        assert u.archived_at is not None
        rows = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.user_id == u.id)).all()
        assert rows and all(r.body_text == "" and "@invalid" in r.to_addr for r in rows)
    assert db.session.get(User, users[2].id).status == "dormant"
    # the organisation and its history stay
    assert db.session.get(Organisation, users[0].organisation_id) is not None
    assert db.session.get(Request, req.id) is not None
    assert archive_dormant(None) == []  # nothing left
