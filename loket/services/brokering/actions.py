"""What the broker does with a candidate: propose on the school's behalf, and contact a party.

**Proposing on behalf.** A pair proposed by the cluster's own manager (or an admin) is approved at
once: the manager is the one who would approve it, so a second click would be a formality (the same
as a re-route, ``matches.lifecycle.reroute``). It then takes the normal path: the company accepts or
declines, then both agree on a date. The school is told that the manager proposed for it.

**Contact.** When the party and the request/offer already share a match whose thread is open
(accepted or scheduled), the text goes into that thread (``matches.messages``); otherwise it goes out
as an email from Loket in the manager's name, with the manager's address as Reply-To, logged in the
audit log and the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db
from loket.mail.outbox import queue_email
from loket.models import Match, Offer, Organisation, Request, User
from loket.models.users import ACTIVE
from loket.services import NotFound, ServiceError, audit
from loket.services.brokering.search import owner_for
from loket.services.matches import lifecycle, messages
from loket.services.matches import recipients as people
from loket.services.matches import steps as step


def propose_on_behalf(actor: User, request_id: int, offer_id: int) -> Match:
    """Propose the pair for the school (source ``manager``), approve it, and tell the school."""
    owner_for(actor, "request", request_id)
    match = lifecycle.propose(actor, request_id, offer_id, source="manager")
    match = lifecycle.approve(actor, match.id)
    audit.record(actor, "propose_on_behalf", match, side="school")
    step.tell(
        people.side_users(match, "school"),
        "match_proposed_for_you",
        f"De clusterbeheerder heeft namens jullie een aanbod gekozen: {step.label(match)}. "
        "Het bedrijf accepteert of weigert nu.",
        match,
    )
    return match


@dataclass
class Contacted:
    """Where the text went: ``thread`` (with the match) or ``email`` (with the addresses)."""

    kind: str
    match: Match | None = None
    addresses: list[str] = field(default_factory=list)


def _open_thread(org: Organisation, about: Any) -> Match | None:
    """The newest match with an open thread between ``org`` and the request or offer ``about``."""
    stmt = select(Match).join(Request, Request.id == Match.request_id).join(Offer, Offer.id == Match.offer_id)
    if isinstance(about, Request):
        stmt = stmt.where(Match.request_id == about.id)
    else:
        stmt = stmt.where(Match.offer_id == about.id)
    stmt = stmt.where(
        (Request.organisation_id == org.id) | (Offer.organisation_id == org.id),
        Match.status.in_(messages.WRITABLE),
    )
    return db.session.scalars(stmt.order_by(Match.id.desc()).limit(1)).first()


def contact(actor: User, org_id: int, body: str, *, about_kind: str, about_id: int) -> Contacted:
    """Write to an organisation about a request or offer: into the open thread of their match, or
    else by email (the manager's name in the text, Reply-To the manager; audit + outbox)."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound()
    about = owner_for(actor, about_kind, about_id)
    if org.id != about.organisation_id and org.kind == about.organisation.kind:
        raise ServiceError(_l("Kies de school of het bedrijf van deze aanvraag of dit aanbod."), field="body")
    text = messages.clean_body(body)
    match = _open_thread(org, about)
    if match is not None:
        messages.post_message(actor, match.id, text)
        return Contacted("thread", match=match)
    users = list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == org.id, User.status == ACTIVE, User.role.in_(("school", "company"))
            )
            .order_by(User.id)
        )
    )
    if not users:
        raise ServiceError(_l("Deze organisatie heeft geen actieve gebruiker om te mailen."), field="body")
    headers = {"Reply-To": actor.email} if actor.email else {}
    for user in users:
        queue_email(
            user,
            "manager_contact",
            kind="manager_contact",
            headers=headers,
            body=text,
            manager_name=actor.display_name,
            manager_email=actor.email,
            about=about,
            about_kind=about_kind,
        )
    addresses = [u.email for u in users]
    audit.record(actor, "contact", org, about=about_kind, about_id=about.id, to=addresses, body=text)
    db.session.flush()
    return Contacted("email", addresses=addresses)
