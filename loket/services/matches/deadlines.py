"""Daily deadlines of the match lifecycle (``loket deadlines``); safe to run more than once a day.

- a proposal (proposed / approved) that waits 7 days: one reminder to whoever has to act;
- after 21 days without an answer it expires (capacity and request go back to the pool);
- after the activity (its scheduled end): one feedback request to each side that has not answered;
- 14 days after the date (or once both answered) the match is completed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from loket.db import db, utcnow
from loket.models import Match, Offer, Request
from loket.models.matches import APPROVED, EXPIRED, PROPOSED, SCHEDULED
from loket.services import audit
from loket.services.matches import lifecycle as matches
from loket.services.matches import recipients as people
from loket.services.matches import steps as step

REMIND_AFTER = timedelta(days=7)
EXPIRE_AFTER = timedelta(days=21)
COMPLETE_AFTER = matches.COMPLETE_AFTER


# --------------------------------------------------------------------------- deadline transitions
def expire(match: Match, now: datetime) -> Match:
    """A proposal nobody acted on for 21 days expires; capacity and request go back to the pool."""
    step.need(match, PROPOSED, APPROVED, doing=_l("laten verlopen"))
    waiting = people.must_act(match)
    step.release_if_held(match)
    step.move(None, match, EXPIRED, "expire", "Niemand reageerde binnen 21 dagen.")
    step.flush()
    step.tell(
        [*people.both_sides(match), *waiting],
        "match_expired",
        f"Voorstel verlopen (geen reactie binnen 21 dagen): {step.label(match)}.",
        match,
    )
    return match


def remind(match: Match, now: datetime) -> Match:
    """Remind whoever has to act on a proposal that waits for 7 days (once per state)."""
    step.need(match, PROPOSED, APPROVED, doing=_l("herinneren"))
    match.reminder_sent_at = now
    audit.record(None, "remind", match, from_state=match.status, to_state=match.status)
    step.flush()
    what = "goedkeuren of afwijzen" if match.status == PROPOSED else "accepteren of weigeren"
    step.tell(
        people.must_act(match),
        "match_reminder",
        f"Herinnering: dit voorstel wacht al een week op je ({what}): {step.label(match)}.",
        match,
    )
    return match


def request_feedback(match: Match, now: datetime) -> Match:
    """After the date: ask each side that has not answered yet for feedback (once)."""
    step.need(match, SCHEDULED, doing=_l("om feedback vragen"))
    match.feedback_requested_at = now
    given = {f.side for f in match.feedback}
    users = [u for side in ("school", "company") if side not in given for u in people.side_users(match, side)]
    audit.record(None, "feedback_request", match, from_state=match.status, to_state=match.status)
    step.flush()
    step.tell(users, "match_feedback", f"Hoe ging het? Geef kort feedback op: {step.label(match)}.", match)
    return match


# --------------------------------------------------------------------------- the daily run
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
        expire(m, now)
        counts["expired"] += 1
    for m in _load(
        Match.status.in_(waiting),
        Match.status_changed_at <= now - REMIND_AFTER,
        Match.reminder_sent_at.is_(None),
    ):
        remind(m, now)
        counts["reminded"] += 1
    for m in _load(Match.status == SCHEDULED, Match.scheduled_start <= now - COMPLETE_AFTER):
        matches.complete(m, now)
        counts["completed"] += 1
    for m in _load(
        Match.status == SCHEDULED,
        func.coalesce(Match.scheduled_end, Match.scheduled_start) <= now,  # after the activity
        Match.feedback_requested_at.is_(None),
    ):
        request_feedback(m, now)
        counts["feedback_requested"] += 1
    db.session.flush()
    return counts
