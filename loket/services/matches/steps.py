"""Steps shared by the match lifecycle (``loket.services.matches``) and the daily deadlines
(``loket.services.deadlines``): loading a match, state checks, moving state with an audit entry,
capacity release, and notifying the parties. Nothing here commits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from loket.db import db, utcnow
from loket.labels import STATUS_LABELS
from loket.models import Match, Offer, Request, User
from loket.models.activities import REQ_MATCHED, REQ_OPEN
from loket.models.matches import (
    ACCEPTED,
    CAPACITY_HOLDING_STATES,
    SCHEDULED,
)
from loket.services import NotFound, ServiceError, StaleEdit, audit
from loket.services.matches import capacity
from loket.services.notifications.inbox import notify

STALE = _l(
    "Deze koppeling is intussen gewijzigd door iemand anders. Herlaad de pagina en probeer het opnieuw."
)


def match_path(match_id: int) -> str:
    """Site path of the match page (deep link in notifications and emails)."""
    return f"/koppelingen/{match_id}"


def get_match(match_id: int) -> Match:
    match = db.session.scalar(
        select(Match)
        .where(Match.id == match_id)
        .options(
            selectinload(Match.request).selectinload(Request.organisation),
            selectinload(Match.offer).selectinload(Offer.organisation),
            selectinload(Match.feedback),
        )
    )
    if match is None:
        raise NotFound(_l("Deze koppeling bestaat niet."))
    return match


def need(match: Match, *states: str, doing: Any) -> None:
    """Refuse unless the match is in one of ``states``; ``doing`` is a lazy verb phrase."""
    if match.status not in states:
        state = STATUS_LABELS.get(match.status, match.status)
        raise ServiceError(
            _l("Je kunt deze koppeling niet %(doing)s: de koppeling is %(state)s.", doing=doing, state=state)
        )


def check_version(match: Match, version: int | None) -> None:
    if version is not None and int(version) != match.version_id:
        raise StaleEdit(STALE)


def reason_text(reason: str | None, what: Any = None) -> str:
    """The reason as stored (one line); ``what`` names the missing reason (a lazy phrase)."""
    text = " ".join((reason or "").split())
    if not text:
        raise ServiceError(_l("Geef %(what)s op.", what=what or _l("een reden")), field="reason")
    if len(text) > 1000:
        raise ServiceError(_l("De reden is te lang (maximaal 1000 tekens)."), field="reason")
    return text


def flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleEdit(STALE) from exc


def move(actor: User | None, match: Match, to: str, action: str, reason: str | None = None, **data) -> None:
    audit.record(actor, action, match, from_state=match.status, to_state=to, reason=reason, **data)
    match.status = to
    match.status_changed_at = utcnow()
    match.reminder_sent_at = None
    if reason is not None:
        match.reason = reason


def release_if_held(match: Match) -> None:
    if match.status in CAPACITY_HOLDING_STATES:
        capacity.release(match.offer_id)


def back_to_pool(match: Match) -> None:
    """A match that ends early returns its request to the pool (when it was matched through it)."""
    if match.request.status == REQ_MATCHED and match.status in (ACCEPTED, SCHEDULED):
        match.request.status = REQ_OPEN


def label(match: Match) -> str:
    return f"{match.request.organisation.name} – {match.offer.organisation.name}"


SUBJECT_MAX = 150  # an email subject is a headline; names are cut to fit


def subject(headline: str) -> str:
    """An email subject from a headline, cut to SUBJECT_MAX characters."""
    return headline if len(headline) <= SUBJECT_MAX else headline[: SUBJECT_MAX - 1].rstrip() + "…"


def tell(users, kind: str, headline: str, match: Match, *, reason: str | None = None, **context) -> None:
    """Notify ``users`` about ``match``: the headline is the email subject; a free-text reason goes
    into the message body only, never into the subject. ``context`` goes to the email template
    (``contacts``, ``ics_link``)."""
    message = f"{headline} Reden: {reason}" if reason else headline
    notify(
        users,
        kind,
        message,
        match_path(match.id),
        template="match_notice",
        match=match,
        subject=subject(headline),
        **context,
    )
