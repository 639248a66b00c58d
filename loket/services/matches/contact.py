"""Contact details of the other side of a match: shown only while the match runs.

Each side sees the other side's contact person (the user who posted the request or offer, or else the
organisation's first active user), with email and phone, from acceptance until the match ends.
Managers of the match's cluster (and admins) see both. They disappear when the match is declined,
cancelled or expired, ``LOKET_CONTACT_RETENTION_DAYS`` days after it was completed, and with the
person when their account is deleted or archived (the lookup only returns active accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import Match, User
from loket.models.matches import ACCEPTED, COMPLETED, SCHEDULED
from loket.models.users import ARCHIVED, ROLE_COMPANY, ROLE_SCHOOL
from loket.services import policies

SIDES = ("school", "company")


@dataclass(frozen=True)
class Contact:
    """Who to call or mail on one side of a match."""

    side: str  # school | company
    organisation: str
    name: str
    email: str
    phone: str | None


def contacts_visible(match: Match, now: datetime | None = None) -> bool:
    """True while the match runs (accepted, scheduled) and for the retention period after completion."""
    if match.status in (ACCEPTED, SCHEDULED):
        return True
    if match.status == COMPLETED:
        days = current_app.config["LOKET_CONTACT_RETENTION_DAYS"]
        return (now or utcnow()) < match.status_changed_at + timedelta(days=days)
    return False


def contact_person(match: Match, side: str) -> User | None:
    """The side's contact: who posted the request/offer when still active, else the first active user."""
    activity = match.request if side == "school" else match.offer
    org_id = activity.organisation_id
    creator = activity.created_by
    if creator is not None and creator.organisation_id == org_id and _reachable(creator):
        return creator
    role = ROLE_SCHOOL if side == "school" else ROLE_COMPANY
    users = db.session.scalars(
        select(User)
        .where(
            User.organisation_id == org_id,
            User.role == role,
            User.status != ARCHIVED,
            User.email.is_not(None),
        )
        .order_by(User.id)
        .limit(5)
    )
    return next((u for u in users if _reachable(u)), None)


def _reachable(user: User) -> bool:
    return user.status != ARCHIVED and bool(user.email)


def contact_of(match: Match, side: str) -> Contact | None:
    """The contact of ``side`` (no visibility check: callers decide who may see it)."""
    person = contact_person(match, side)
    if person is None:
        return None
    org = match.request.organisation if side == "school" else match.offer.organisation
    return Contact(side, org.name, person.name or person.email or "", person.email or "", person.phone)


def contacts_for(viewer: User | None, match: Match, now: datetime | None = None) -> list[Contact]:
    """What ``viewer`` may see now: the other side's contact for a side, both for the cluster's
    managers and admins, nothing for anyone else or outside the visible period."""
    if not contacts_visible(match, now):
        return []
    own = policies.match_side(viewer, match)
    if own is not None:
        sides = [s for s in SIDES if s != own]
    elif policies.can_manage_match(viewer, match):
        sides = list(SIDES)
    else:
        return []
    return [c for c in (contact_of(match, s) for s in sides) if c is not None]
