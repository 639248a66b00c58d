"""Daily deadlines of the match lifecycle (``loket deadlines``); safe to run more than once a day.

- a proposal (proposed / approved) that waits 7 days: one reminder to whoever has to act;
- after 21 days without an answer it expires (capacity and request go back to the pool);
- after the scheduled date: one feedback request to each side that has not answered;
- 14 days after the date (or once both answered) the match is completed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.db import db, utcnow
from loket.models import Match, Offer, Request
from loket.models.matches import APPROVED, PROPOSED, SCHEDULED
from loket.services import matches

REMIND_AFTER = timedelta(days=7)
EXPIRE_AFTER = timedelta(days=21)
COMPLETE_AFTER = matches.COMPLETE_AFTER


def _load(*where) -> list[Match]:
    return list(
        db.session.scalars(
            select(Match)
            .where(*where)
            .options(
                selectinload(Match.request).selectinload(Request.organisation),
                selectinload(Match.offer).selectinload(Offer.organisation),
                selectinload(Match.feedback),
            )
            .order_by(Match.id)
        )
    )


def run(now: datetime | None = None) -> dict[str, int]:
    """Apply every deadline due at ``now``; returns counts per kind."""
    now = now or utcnow()
    waiting = (PROPOSED, APPROVED)
    counts = {"expired": 0, "reminded": 0, "feedback_requested": 0, "completed": 0}
    for m in _load(Match.status.in_(waiting), Match.status_changed_at <= now - EXPIRE_AFTER):
        matches.expire(m, now)
        counts["expired"] += 1
    for m in _load(
        Match.status.in_(waiting),
        Match.status_changed_at <= now - REMIND_AFTER,
        Match.reminder_sent_at.is_(None),
    ):
        matches.remind(m, now)
        counts["reminded"] += 1
    for m in _load(Match.status == SCHEDULED, Match.scheduled_start <= now - COMPLETE_AFTER):
        matches.complete(m, now)
        counts["completed"] += 1
    for m in _load(
        Match.status == SCHEDULED,
        Match.scheduled_start <= now,
        Match.feedback_requested_at.is_(None),
    ):
        matches.request_feedback(m, now)
        counts["feedback_requested"] += 1
    db.session.flush()
    return counts
