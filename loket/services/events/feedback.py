"""Feedback on a career day, once its last round has ended: a school rates each session its groups
visited, a company each of its own sessions (1-5 and an optional plain-text comment). One row per
user and session; giving it again edits that row. The manager's grid reads the average and the
comments per session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.db import db, utcnow
from loket.models import CareerEvent, EventAssignment, EventFeedback, EventGroup, EventSession, User
from loket.models.event_feedback import FEEDBACK_COMMENT_MAX
from loket.models.users import ROLE_COMPANY
from loket.services import ServiceError, audit, policies
from loket.services.activities import rules
from loket.services.activities.rules import Checks
from loket.services.events.outputs import round_times
from loket.services.events.registration import get_event

RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Answer:
    """What the form sent for one session: a rating (text or number; empty: no feedback) and a comment."""

    session_id: int
    rating: object
    comment: str = ""


@dataclass(frozen=True)
class FeedbackPage:
    """The sessions the actor may rate, what they gave before, and whether feedback is open."""

    event: CareerEvent
    side: str
    sessions: list[EventSession]
    given: dict[int, EventFeedback]
    opens_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        return self.opens_at is not None and now >= self.opens_at


def opens_at(event: CareerEvent) -> datetime | None:
    """The end of the event's last round (feedback opens then); None without rounds."""
    ends = [round_times(r)[1] for r in event.rounds]
    return max(ends) if ends else None


def _sessions_for(actor: User, event: CareerEvent) -> tuple[str, list[EventSession]]:
    """(side, sessions the actor may rate); PermissionDenied for anyone else."""
    org_id = actor.organisation_id
    if actor.role == ROLE_COMPANY:
        policies.require(policies.can_give_event_feedback(actor, event, set()))
        return "company", [s for s in event.sessions if s.organisation_id == org_id]
    visited_ids = (
        select(EventAssignment.session_id)
        .join(EventGroup, EventGroup.id == EventAssignment.group_id)
        .where(EventAssignment.event_id == event.id, EventGroup.organisation_id == org_id)
    )
    visited = db.session.scalars(
        select(EventSession)
        .where(EventSession.id.in_(visited_ids))
        .options(selectinload(EventSession.organisation))
        .order_by(EventSession.id)
    ).all()
    policies.require(policies.can_give_event_feedback(actor, event, {s.id for s in visited}))
    return "school", list(visited)


def feedback_page(actor: User, event_id: int) -> FeedbackPage:
    """The actor's sessions to rate with their earlier answers."""
    event = get_event(event_id)
    side, sessions = _sessions_for(actor, event)
    given = {
        f.session_id: f
        for f in db.session.scalars(
            select(EventFeedback).where(EventFeedback.event_id == event.id, EventFeedback.user_id == actor.id)
        )
    }
    return FeedbackPage(event, side, sessions, given, opens_at(event))


def _rating(value: object, field: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number not in RATINGS:
        raise ServiceError(_l("Kies een cijfer van 1 tot 5."), field=field)
    return number


def _comment(value: str | None, field: str) -> str:
    text = rules.long_text(value, field, FEEDBACK_COMMENT_MAX)
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def give_feedback(actor: User, event_id: int, answers: list[Answer], now: datetime | None = None) -> int:
    """Store the actor's answers (new rows or edits); every broken rule at once. Returns the number of
    sessions rated. An answer without a rating and without a comment is skipped."""
    now = now or utcnow()
    page = feedback_page(actor, event_id)
    if not page.is_open(now):
        raise ServiceError(_l("Feedback geven kan zodra de loopbaandag voorbij is."))
    allowed = {s.id for s in page.sessions}
    checks = Checks()
    kept: list[tuple[int, int, str]] = []
    for a in answers:
        if a.session_id not in allowed:
            continue
        rating = checks.run(_rating, a.rating, f"rating_{a.session_id}")
        comment = checks.run(_comment, a.comment, f"comment_{a.session_id}")
        if rating is None and comment and not checks.failed(f"rating_{a.session_id}"):
            checks.errors.append(
                ServiceError(_l("Geef ook een cijfer bij je opmerking."), field=f"rating_{a.session_id}")
            )
        if rating is not None and comment is not None:
            kept.append((a.session_id, rating, comment))
    checks.done()
    if not kept:
        raise ServiceError(_l("Geef minstens één sessie een cijfer."))
    for session_id, rating, comment in kept:
        row = page.given.get(session_id)
        if row is None:
            row = EventFeedback(
                event_id=page.event.id,
                session_id=session_id,
                user_id=actor.id,
                organisation_id=actor.organisation_id,
                side=page.side,
                created_at=now,
            )
            db.session.add(row)
        row.rating, row.comment, row.updated_at = rating, comment, now
    db.session.flush()
    audit.record(actor, "event.feedback", page.event, sessions=len(kept))
    return len(kept)


@dataclass(frozen=True)
class SessionFeedback:
    """The feedback on one session: the average rating and the comments (organisation, side, text)."""

    count: int
    average: float | None
    comments: list[EventFeedback]


def feedback_by_session(event_id: int) -> dict[int, SessionFeedback]:
    """Per session of the event its feedback (one statement plus the organisations' names)."""
    rows = db.session.scalars(
        select(EventFeedback)
        .where(EventFeedback.event_id == event_id)
        .options(selectinload(EventFeedback.organisation))
        .order_by(EventFeedback.session_id, EventFeedback.id)
    ).all()
    grouped: dict[int, list[EventFeedback]] = {}
    for f in rows:
        grouped.setdefault(f.session_id, []).append(f)
    return {
        sid: SessionFeedback(len(fs), sum(f.rating for f in fs) / len(fs), [f for f in fs if f.comment])
        for sid, fs in grouped.items()
    }
