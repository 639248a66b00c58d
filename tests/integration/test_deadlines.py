"""`loket deadlines`: reminders after 7 days, expiry after 21, feedback requests, completion; idempotent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loket.db import db, utcnow
from loket.models import Match, Notification, Offer, OutboxMessage
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import agree_date, build_world


@pytest.fixture
def w(make):
    return build_world(make)


def run(runner, now) -> dict:
    result = runner.invoke(args=["deadlines", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return json.loads(result.stdout)


def count_notes(user, kind) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.kind == kind)
    )


def test_reminder_then_expiry_returns_capacity(w, runner, mailbox):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    db.session.commit()
    t0 = m.status_changed_at
    assert run(runner, t0 + timedelta(days=3))["reminded"] == 0
    assert run(runner, t0 + timedelta(days=8))["reminded"] == 1
    assert run(runner, t0 + timedelta(days=9))["reminded"] == 0, "one reminder only"
    assert count_notes(w.hr, "match_reminder") == 1
    assert any("Herinnering" in str(msg["Subject"]) for msg in mailbox.to("hr@bedrijf.test"))
    out = run(runner, t0 + timedelta(days=22))
    assert out["expired"] == 1
    m = db.session.get(Match, m.id)
    assert m.status == "expired"
    assert db.session.get(Offer, w.offer.id).capacity_used == 0
    assert run(runner, t0 + timedelta(days=23)) == {
        "expired": 0,
        "reminded": 0,
        "feedback_requested": 0,
        "completed": 0,
    }


def test_proposed_reminder_goes_to_the_manager(w, runner):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    run(runner, m.status_changed_at + timedelta(days=7, minutes=1))
    assert count_notes(w.manager, "match_reminder") == 1
    assert count_notes(w.other_manager, "match_reminder") == 0


def test_feedback_request_and_completion_after_14_days(w, runner):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.accept(w.hr, m.id)
    start = utcnow() + timedelta(days=2)
    agree_date(w.hr, w.teacher, m.id, start)
    db.session.commit()
    assert run(runner, start - timedelta(hours=1))["feedback_requested"] == 0
    assert run(runner, start + timedelta(hours=2))["feedback_requested"] == 1
    assert run(runner, start + timedelta(days=1))["feedback_requested"] == 0
    assert count_notes(w.teacher, "match_feedback") == 1 and count_notes(w.hr, "match_feedback") == 1
    assert run(runner, start + timedelta(days=15))["completed"] == 1
    assert db.session.get(Match, m.id).status == "completed"
    assert db.session.get(Match, m.id).request.status == "completed"


def test_bad_now_is_a_clear_error(runner, app):
    result = runner.invoke(args=["deadlines", "--now", "gisteren"])
    assert result.exit_code != 0
    assert "geen geldige ISO-datum" in result.output + (result.stderr if hasattr(result, "stderr") else "")


def test_outbox_rows_are_written_for_immediate_users(w, runner):
    svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
