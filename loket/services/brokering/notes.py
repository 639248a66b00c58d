"""Private notes of cluster managers on organisations, requests and matches, and the follow-up list.

Who reads and writes a note: the managers of the cluster its object belongs to now, and admins
(``policies.can_use_notes``); schools and companies never. A note may carry a follow-up date; until it
is marked done it is listed on the manager's queue page from a week before that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, selectinload

from loket.cleantext import multi_line
from loket.db import db, utcnow
from loket.models import ManagerNote, Match, Offer, Organisation, Request, User
from loket.models.notes import NOTE_MAX, NOTE_OBJECTS
from loket.services import NotFound, ServiceError, audit, policies

FOLLOW_UP_AHEAD = timedelta(days=7)  # the list shows what is due within a week (and what is overdue)
FOLLOW_UP_LIMIT = 50


def noted_object(object_type: str, object_id: int) -> Organisation | Request | Match:
    """The organisation, request or match a note is about (NotFound when it does not exist)."""
    if object_type not in NOTE_OBJECTS:
        raise NotFound()
    model = {"organisation": Organisation, "request": Request, "match": Match}[object_type]
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj


def cluster_of(object_type: str, object_id: int) -> int | None:
    """The cluster of the object a note is about (NotFound when it does not exist)."""
    obj = noted_object(object_type, object_id)
    if isinstance(obj, Organisation):
        return obj.cluster_id
    if isinstance(obj, Request):
        return obj.organisation.cluster_id
    return obj.cluster_id


def _require(user: User, object_type: str, object_id: int) -> None:
    policies.require(policies.can_use_notes(user, cluster_of(object_type, object_id)))


def notes_for(user: User, object_type: str, object_id: int) -> list[ManagerNote]:
    """The notes on one object, newest first."""
    _require(user, object_type, object_id)
    stmt = (
        select(ManagerNote)
        .where(ManagerNote.object_type == object_type, ManagerNote.object_id == object_id)
        .options(selectinload(ManagerNote.author))
        .order_by(ManagerNote.created_at.desc(), ManagerNote.id.desc())
    )
    return list(db.session.scalars(stmt))


def add_note(
    user: User, object_type: str, object_id: int, body: str, follow_up_on: date | None = None
) -> ManagerNote:
    """Add a note (plain text, optional follow-up date)."""
    _require(user, object_type, object_id)
    text = multi_line(body or "").strip()
    if not text:
        raise ServiceError(_l("Schrijf eerst een notitie."), field="body")
    if len(text) > NOTE_MAX:
        raise ServiceError(_l("De notitie is te lang (maximaal %(n)s tekens).", n=NOTE_MAX), field="body")
    note = ManagerNote(
        object_type=object_type, object_id=object_id, author_id=user.id, body=text, follow_up_on=follow_up_on
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        user, "note", note, about=object_type, about_id=object_id, follow_up_on=str(follow_up_on or "")
    )
    return note


def mark_done(user: User, note_id: int) -> ManagerNote:
    """Take a note off the follow-up list."""
    note = db.session.get(ManagerNote, note_id)
    if note is None:
        raise NotFound()
    _require(user, note.object_type, note.object_id)
    if note.done_at is None:
        note.done_at = utcnow()
        audit.record(user, "note_done", note)
    db.session.flush()
    return note


@dataclass
class FollowUp:
    """One note on the follow-up list with what it is about."""

    note: ManagerNote
    object_type: str
    object_id: int
    title: str
    link_id: int | None  # the request (for request notes), else the object itself
    overdue: bool


def due_follow_ups(user: User, today: date | None = None, limit: int = FOLLOW_UP_LIMIT) -> list[FollowUp]:
    """Open follow-ups in the user's clusters due within a week (or overdue), soonest first; one
    statement whatever the number of notes."""
    today = today or date.today()
    org, req, req_org, match = (
        aliased(Organisation),
        aliased(Request),
        aliased(Organisation),
        aliased(Match),
    )
    m_req, m_req_org, m_off, m_off_org = (
        aliased(Request),
        aliased(Organisation),
        aliased(Offer),
        aliased(Organisation),
    )
    n = ManagerNote
    cluster = func.coalesce(org.cluster_id, req_org.cluster_id, match.cluster_id)
    stmt = (
        select(n, org.name, req_org.name, req.activity, m_req_org.name, m_off_org.name, cluster)
        .outerjoin(org, and_(n.object_type == "organisation", org.id == n.object_id))
        .outerjoin(req, and_(n.object_type == "request", req.id == n.object_id))
        .outerjoin(req_org, req_org.id == req.organisation_id)
        .outerjoin(match, and_(n.object_type == "match", match.id == n.object_id))
        .outerjoin(m_req, m_req.id == match.request_id)
        .outerjoin(m_req_org, m_req_org.id == m_req.organisation_id)
        .outerjoin(m_off, m_off.id == match.offer_id)
        .outerjoin(m_off_org, m_off_org.id == m_off.organisation_id)
        .where(n.follow_up_on.is_not(None), n.follow_up_on <= today + FOLLOW_UP_AHEAD, n.done_at.is_(None))
        .order_by(n.follow_up_on, n.id)
        .limit(limit)
    )
    if not policies.is_admin(user):
        ids = policies.managed_cluster_ids(user)
        stmt = stmt.where(cluster.in_(ids or [-1]))
    out = []
    for note, org_name, req_org_name, activity, school, company, _cluster in db.session.execute(stmt):
        if note.object_type == "organisation":
            title = org_name or ""
        elif note.object_type == "request":
            title = f"{req_org_name} ({activity})"
        else:
            title = f"{school} – {company}"
        out.append(
            FollowUp(
                note, note.object_type, note.object_id, title, note.object_id, note.follow_up_on <= today
            )
        )
    return out
