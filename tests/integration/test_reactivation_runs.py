"""Reactivation runs: selection, message content, exactly once, dry run, retries and failures."""

from __future__ import annotations

import email
from email import policy

import pytest

from loket.db import db
from loket.models import ActionToken, EmailRun, OutboxMessage
from loket.services.reactivation import Scope, create_run, execute_run, select_recipients, totals
from tests.conftest import Mailbox
from tests.helpers.reactivation import ago, dormant_population


def _run(scope: Scope | None = None, **kw):
    run = create_run(None, scope or Scope(inactive_days=365))
    db.session.commit()
    return run, execute_run(run.id, **kw)


def test_selection_rules(make):
    cz = make.cluster("Cluster Zwolle")
    school = make.school(place="Zwolle", cluster_id=cz.id)
    company = make.company(place="Zwolle", cluster_id=cz.id)
    far = make.school(place="Groningen")
    make.user(school, email="invited@example.test", status="invited", password=None)
    make.user(company, email="old@example.test", status="active", last_login_at=ago(400))
    make.user(far, email="dormant@example.test", status="dormant", last_login_at=ago(900))
    make.user(school, email="recent@example.test", status="active", last_login_at=ago(10))
    unsub = make.user(school, email="unsub@example.test", status="dormant", last_login_at=ago(900))
    unsub.unsubscribed_at = ago(5)
    make.user(school, email="arch@example.test", status="archived", last_login_at=ago(900))
    make.admin(email="admin@example.test", status="dormant", last_login_at=ago(900))
    make.manager(email="mgr@example.test", status="invited")
    db.session.commit()

    def emails(**kw):
        return {u.email for u in select_recipients(Scope(**kw))}

    assert emails(inactive_days=365) == {"invited@example.test", "old@example.test", "dormant@example.test"}
    assert emails(inactive_days=500) == {"invited@example.test", "dormant@example.test"}
    assert emails(inactive_days=365, cluster_id=cz.id) == {"invited@example.test", "old@example.test"}
    assert emails(inactive_days=365, role="company") == {"old@example.test"}
    assert len(emails(inactive_days=365, limit=2)) == 2

    # mailed by another run in the last 30 days: not selected again
    run, t = _run()
    assert t.sent == 3
    assert emails(inactive_days=365) == set()
    # older than 30 days: selectable again
    for row in db.session.scalars(db.select(OutboxMessage)):
        row.created_at = ago(31)
    db.session.commit()
    assert emails(inactive_days=365) == {"invited@example.test", "old@example.test", "dormant@example.test"}


def test_bad_scope_is_refused_with_a_dutch_message(make):
    from loket.services import ServiceError

    with pytest.raises(ServiceError, match="Inactief"):
        create_run(None, Scope(inactive_days=0))
    with pytest.raises(ServiceError, match="Rol"):
        create_run(None, Scope(role="admin"))
    with pytest.raises(ServiceError, match="Cluster 999"):
        create_run(None, Scope(cluster_id=999))


def test_run_sends_one_personal_dutch_message_each_with_links_and_headers(make, mailbox: Mailbox):
    users = dormant_population(make, 4, place="Zwolle")
    other = make.company(place="Kampen", name="Zonnepanelen Kampen BV")
    make.offer(other, topic="zonnepanelen op het dak")
    school_nearby = make.school(place="Deventer", name="Vakcollege Deventer")
    make.request(school_nearby, topic="robotica in de klas")
    db.session.commit()

    run, t = _run()
    assert (t.total, t.sent, t.failed, t.queued, t.sending) == (4, 4, 0, 0, 0)
    assert db.session.get(EmailRun, run.id).status == "done"
    assert len(mailbox.messages) == 4
    for u in users:
        [msg] = mailbox.to(u.email)
        text, html = Mailbox.text_of(msg), Mailbox.html_of(msg)
        assert f"Beste {u.name}" in text and u.organisation.name in text
        assert "Wat is er nieuw in Loket?" in text and "<ul>" in html
        assert "/heractiveren/" in text and "/heractiveren/" in html
        assert "/afmelden/" in text and "/afmelden/" in html
        assert msg["List-Unsubscribe"].startswith("<http://loket.test/afmelden/")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["Message-ID"]
        if u.role == "school":
            assert "zonnepanelen op het dak" in text and "Zonnepanelen Kampen BV" in text
        else:
            assert "robotica in de klas" in text and "Vakcollege Deventer" in text
    tokens = db.session.scalars(db.select(ActionToken).where(ActionToken.run_id == run.id)).all()
    assert len(tokens) == 4
    assert all(25 <= (tk.expires_at - tk.created_at).days <= 30 for tk in tokens)


def test_rerun_and_resume_never_mail_twice(make, mailbox: Mailbox):
    dormant_population(make, 3)
    db.session.commit()
    run, _ = _run()
    assert len(mailbox.messages) == 3
    # resuming a finished run sends nothing; a new run finds nobody (mailed in the last 30 days)
    assert execute_run(run.id).sent == 3
    run2, t2 = _run()
    assert t2.total == 0
    assert len(mailbox.messages) == 3
    # the database refuses a second row for the same recipient in the same run
    from sqlalchemy.exc import IntegrityError

    row = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.run_id == run.id)).first()
    db.session.add(
        OutboxMessage(
            run_id=run.id,
            user_id=row.user_id,
            kind="reactivation",
            to_addr="x@example.test",
            subject="x",
            body_text="x",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_dry_run_writes_eml_files_and_sends_nothing(make, mailbox: Mailbox, tmp_path, runner):
    users = dormant_population(make, 3)
    db.session.commit()
    out = tmp_path / "voorbeeld"
    result = runner.invoke(args=["reactivate", "--inactive-days", "365", "--dry-run", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout
    files = sorted(out.glob("*.eml"))
    assert len(files) == 3
    msg = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["To"] and msg["Subject"] and msg["List-Unsubscribe"]
    assert "Beste" in Mailbox.text_of(msg)
    assert mailbox.messages == []
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
    assert db.session.scalar(db.select(db.func.count(ActionToken.id))) == 0
    [run] = db.session.scalars(db.select(EmailRun)).all()
    assert run.status == "dry_run" and run.total == 3
    # a dry run does not count as mailed: the real run still selects everybody
    assert len(select_recipients(Scope(inactive_days=365))) == len(users)
    # and a dry run cannot be 'resumed' into sending
    result = runner.invoke(args=["reactivate", "--resume", str(run.id)])
    assert result.exit_code != 0 and "proefronde" in (result.stderr + result.output)


def test_temporary_error_is_retried_with_backoff_then_sent(app, make, mailbox: Mailbox):
    users = dormant_population(make, 3)
    db.session.commit()
    mailbox.refuse[users[1].email] = 451
    app.config.update(LOKET_MAIL_RETRY_BASE_S=60)
    try:
        run, t = _run(wait_for_retries=False)
    finally:
        app.config.update(LOKET_MAIL_RETRY_BASE_S=30.0)
    assert (t.sent, t.queued, t.failed) == (2, 1, 0)
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_addr == users[1].email))
    assert row.state == "queued" and row.attempts == 1 and "451" in row.last_error
    assert 50 < (row.next_attempt_at - ago(0)).total_seconds() <= 61  # base 60 s * 2**0
    # not due yet: a resume leaves it waiting
    assert execute_run(run.id, wait_for_retries=False).queued == 1
    # the server accepts again and the back-off time has passed: sent once
    mailbox.refuse.clear()
    row.next_attempt_at = ago(0.0001)
    db.session.commit()
    t = execute_run(run.id, wait_for_retries=False)
    assert (t.sent, t.queued) == (3, 0)
    assert len(mailbox.to(users[1].email)) == 1
    assert db.session.get(OutboxMessage, row.id).attempts == 2


def test_temporary_errors_give_up_after_max_attempts(app, make, mailbox: Mailbox):
    users = dormant_population(make, 2)
    db.session.commit()
    mailbox.refuse[users[0].email] = 421
    app.config.update(LOKET_MAIL_RETRY_BASE_S=0.01, LOKET_MAIL_MAX_ATTEMPTS=3)
    try:
        run, t = _run()
    finally:
        app.config.update(LOKET_MAIL_RETRY_BASE_S=30.0, LOKET_MAIL_MAX_ATTEMPTS=5)
    assert (t.sent, t.failed) == (1, 1)
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_addr == users[0].email))
    assert row.state == "failed" and row.attempts == 3


def test_permanent_error_is_recorded_not_retried(make, mailbox: Mailbox):
    users = dormant_population(make, 3)
    db.session.commit()
    mailbox.refuse[users[2].email] = 550
    run, t = _run()
    assert (t.sent, t.failed, t.queued) == (2, 1, 0)
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_addr == users[2].email))
    assert row.state == "failed" and row.attempts == 1 and "550" in row.last_error
    assert db.session.get(EmailRun, run.id).failed == 1
    assert totals(run.id).failed == 1


def test_cli_run_prints_summary_and_json(make, mailbox: Mailbox, runner):
    dormant_population(make, 2)
    db.session.commit()
    result = runner.invoke(args=["reactivate", "--inactive-days", "365", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["sent"] == 2 and data["total"] == 2
    assert len(mailbox.messages) == 2
