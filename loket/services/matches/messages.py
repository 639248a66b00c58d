"""The message thread of a match: school, company and the cluster's manager talk about the activity.

Who reads: both sides once the match is accepted (and afterwards: scheduled, completed, cancelled),
the cluster's managers and admins always. Who writes: both sides and the managers (admins) while the
match is accepted or scheduled. Messages are plain text (control characters dropped, at most
``MESSAGE_MAX`` characters). A new message notifies the other side's users and the managers who
wrote in the thread, by email or in their daily digest (their notification setting).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.cleantext import multi_line
from loket.db import db
from loket.models import Match, MatchMessage, User
from loket.models.conversation import MESSAGE_MAX
from loket.models.matches import ACCEPTED, CANCELLED, COMPLETED, SCHEDULED
from loket.services import ServiceError, policies
from loket.services.matches import recipients as people
from loket.services.matches import steps as step
from loket.services.notifications.inbox import notify

READABLE_FOR_SIDES = (ACCEPTED, SCHEDULED, COMPLETED, CANCELLED)
WRITABLE = (ACCEPTED, SCHEDULED)
MANAGER = "manager"


def author_role(user: User | None, match: Match) -> str | None:
    """'school', 'company' or 'manager' (cluster manager or admin) for a participant, else None."""
    side = policies.match_side(user, match)
    if side is not None:
        return side
    return MANAGER if policies.can_manage_match(user, match) else None


def can_read(user: User | None, match: Match) -> bool:
    role = author_role(user, match)
    if role == MANAGER:
        return True
    return role is not None and match.status in READABLE_FOR_SIDES


def can_write(user: User | None, match: Match) -> bool:
    return author_role(user, match) is not None and match.status in WRITABLE


def thread(user: User | None, match: Match) -> list[MatchMessage]:
    """The messages of the match, oldest first (an empty list for whoever may not read them yet)."""
    policies.require(policies.can_view_match(user, match))
    if not can_read(user, match):
        return []
    return list(
        db.session.scalars(
            select(MatchMessage)
            .where(MatchMessage.match_id == match.id)
            .options(selectinload(MatchMessage.author))
            .order_by(MatchMessage.created_at, MatchMessage.id)
        )
    )


def clean_body(body: str | None) -> str:
    """The message as stored: control characters dropped, outer blank space trimmed, length checked."""
    text = multi_line(body or "").strip()
    if not text:
        raise ServiceError(_l("Schrijf eerst een bericht."), field="body")
    if len(text) > MESSAGE_MAX:
        raise ServiceError(_l("Het bericht is te lang (maximaal %(n)s tekens).", n=MESSAGE_MAX), field="body")
    return text


def post_message(actor: User, match_id: int, body: str) -> MatchMessage:
    """Add a message to the thread and notify the other participants."""
    match = step.get_match(match_id)
    role = author_role(actor, match)
    policies.require(
        role is not None, _l("Alleen de school, het bedrijf en de clusterbeheerder schrijven hier.")
    )
    if match.status not in WRITABLE:
        raise ServiceError(
            _l("Berichten sturen kan zodra de koppeling geaccepteerd is en zolang ze loopt."), field="body"
        )
    text = clean_body(body)
    message = MatchMessage(match_id=match.id, author_id=actor.id, author_role=role, body=text)
    db.session.add(message)
    step.flush()
    writers = db.session.scalars(
        select(User)
        .join(MatchMessage, MatchMessage.author_id == User.id)
        .where(MatchMessage.match_id == match.id, MatchMessage.author_role == MANAGER)
        .distinct()
    )
    users = [u for u in [*people.both_sides(match), *writers] if u.id != actor.id]
    who = {
        "school": match.request.organisation.name,
        "company": match.offer.organisation.name,
        MANAGER: "de clusterbeheerder",
    }[role]
    headline = f"Nieuw bericht van {who}: {step.label(match)}."
    notify(
        users,
        "match_message",
        headline,
        step.match_path(match.id) + "#berichten",
        template="match_message",
        subject=step.subject(headline),
        match=match,
        body=text,
        author_name=actor.display_name,
        author_role=role,
    )
    return message
