"""Alternatives for re-routing a proposal: the request's feasible offers (stored suggestions and the
live search with compatible activities), the same activity first, each ranked by score with its
reasons; an offer of another (compatible) activity says so, so it is never an unexplained choice."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from loket import taxonomy
from loket.i18n import current_locale
from loket.models import Match, Offer, User
from loket.services import policies
from loket.services.brokering.search import Widen, broker_request


@dataclass
class Alternative:
    """One offer the request could be re-routed to."""

    offer: Offer
    score: float | None
    reasons: list[str]
    distance_km: float | None
    same_activity: bool
    activity_note: str | None


def reroute_alternatives(user: User, match: Match, limit: int = 10) -> list[Alternative]:
    """Other offers for the match's request: feasible, without a match of the pair yet; the same
    activity first, then compatible ones (with a note), each group best score first."""
    policies.require(policies.can_manage_match(user, match))
    found = broker_request(user, match.request_id, Widen(related=True))
    wanted = match.request.activity
    acts = taxonomy.activities()
    out = []
    for opt in found.candidates:
        offer = opt.obj
        if offer.id == match.offer_id or not opt.proposable:
            continue
        same = offer.activity == wanted
        note = None
        if not same:
            note = _(
                "andere activiteit: %(offered)s in plaats van %(asked)s",
                offered=acts.label(offer.activity, current_locale()),
                asked=acts.label(wanted, current_locale()),
            )
        out.append(Alternative(offer, opt.score, opt.reasons, opt.distance_km, same, note))
    out.sort(key=lambda a: (not a.same_activity, -(a.score or 0.0), a.offer.id))
    return out[:limit]
