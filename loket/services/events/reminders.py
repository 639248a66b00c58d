"""Reminders before a career day (``loket event remind``, the scheduler's daily ``event_reminders``
job): a week before the first day and the day before, every session contact (who registered a
session) gets the company's sessions with the groups expected per round, every group registrant the
school's programme per group and round, with links to the pages and the .ics files.

Idempotent: each mail is recorded in ``event_reminder`` (event, user, kind) in the transaction that
queues it, so a second run, a second instance or the CLI after the job sends nothing again. When the
week reminder was missed (an event planned late) it is still sent up to two days before; from the
day before on only the day reminder goes out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from loket.db import db, utcnow
from loket.mail.outbox import queue_email
from loket.mail.render import absolute_url
from loket.models import CareerEvent, EventReminder, EventRound, EventSession, User
from loket.services import audit
from loket.services.events.outputs import AMS, placements, session_lists

WEEK = 7


def kind_for(first_day: date, today: date) -> str | None:
    """Which reminder is due ``today`` for an event starting on ``first_day``: ``day`` on the day
    before (and the day itself), ``week`` from a week up to two days before, else none."""
    days = (first_day - today).days
    if 0 <= days <= 1:
        return "day"
    if 1 < days <= WEEK:
        return "week"
    return None


def _due_events(today: date) -> list[tuple[CareerEvent, str]]:
    first = (
        select(EventRound.event_id, func.min(EventRound.day).label("first"))
        .group_by(EventRound.event_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CareerEvent, first.c.first)
        .join(first, first.c.event_id == CareerEvent.id)
        .where(first.c.first >= today, first.c.first <= today + timedelta(days=WEEK))
        .order_by(CareerEvent.id)
    ).all()
    return [(event, kind) for event, day in rows if (kind := kind_for(day, today)) is not None]


PROGRAMME_PATH = "/loopbaandagen/{event}/programma"
COMPANY_PATH = "/loopbaandagen/{event}/bedrijf"
ICS_PATH = "/loopbaandagen/{event}/groepen/{group}/rondes/{round}.ics"


def _school_mails(event: CareerEvent) -> dict[int, dict]:
    """Per group registrant: their school's groups with per round the session (or none)."""
    visits: dict[tuple[int, int], EventSession] = {}
    for a in placements(event.id):
        visits[(a.group_id, a.round_id)] = a.session
    out: dict[int, dict] = {}
    for g in event.groups:
        if g.created_by_id is None:
            continue
        mail = out.setdefault(g.created_by_id, {"groups": []})
        mail["groups"].append(
            {
                "group": g,
                "visits": [
                    (
                        r,
                        visits.get((g.id, r.id)),
                        absolute_url(ICS_PATH.format(event=event.id, group=g.id, round=r.id))
                        if (g.id, r.id) in visits
                        else None,
                    )
                    for r in event.rounds
                    if r.id in (g.round_ids or [])
                ],
            }
        )
    return out


def _company_mails(event: CareerEvent) -> dict[int, dict]:
    """Per session contact: their sessions with the groups expected per round."""
    by_user: dict[int, list[EventSession]] = {}
    for s in event.sessions:
        if s.created_by_id is not None:
            by_user.setdefault(s.created_by_id, []).append(s)
    lists = {sl.session.id: sl for sl in session_lists(event, [s for ss in by_user.values() for s in ss])}
    return {uid: {"sessions": [lists[s.id] for s in ss]} for uid, ss in by_user.items()}


def run(now: datetime | None = None) -> dict[str, int]:
    """Queue every reminder due at ``now`` that was not sent before; returns counts."""
    now = now or utcnow()
    today = now.astimezone(AMS).date()
    counts = {"events": 0, "school": 0, "company": 0, "skipped": 0}
    for event, kind in _due_events(today):
        counts["events"] += 1
        done = counts["school"] + counts["company"]
        sent = set(
            db.session.scalars(
                select(EventReminder.user_id).where(
                    EventReminder.event_id == event.id, EventReminder.kind == kind
                )
            )
        )
        wanted = [("school", uid, ctx) for uid, ctx in _school_mails(event).items()]
        wanted += [("company", uid, ctx) for uid, ctx in _company_mails(event).items()]
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([w[1] for w in wanted])))}
        first_day = min(r.day for r in event.rounds)
        for side, uid, ctx in wanted:
            user = users.get(uid)
            if uid in sent:
                continue
            if user is None or not user.is_active or not user.email:
                counts["skipped"] += 1
                continue
            link = absolute_url((PROGRAMME_PATH if side == "school" else COMPANY_PATH).format(event=event.id))
            queue_email(
                user,
                "event_reminder",
                kind=f"event_reminder_{kind}",
                event=event,
                side=side,
                reminder=kind,
                first_day=first_day,
                link=link,
                **ctx,
            )
            db.session.add(EventReminder(event_id=event.id, user_id=uid, kind=kind, side=side, sent_at=now))
            sent.add(uid)
            counts[side] += 1
        db.session.flush()
        if counts["school"] + counts["company"] > done:
            audit.record(None, "event.remind", event, kind=kind)
    return counts
