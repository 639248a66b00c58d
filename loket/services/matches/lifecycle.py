"""The match lifecycle: propose, approve, accept, complete (and reject, decline, cancel, expire).

```
proposed -(manager approves)-> approved -(other side accepts)-> accepted -(a date both agree on,
``dates``)-> scheduled -(both gave feedback, a side says it was held, or 14 days)-> completed
proposed -> rejected (manager)   approved -> declined (other side)   open -> cancelled / expired
```
Every function checks the policy, writes the audit log, notifies who has to act and flushes; the
request/CLI boundary commits. Capacity is taken on approval (atomic, see ``capacity``) and given back
on decline, cancel and expiry. A pair exists at most once: proposing a pair that exists already is
refused, except that a cancelled or expired pair may be proposed again explicitly and is then reopened
(its history stays on the same match).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db, utcnow
from loket.labels import STATUS_LABELS
from loket.models import Match, MatchFeedback, Offer, Request, User
from loket.models.activities import OFF_OPEN, REQ_COMPLETED, REQ_MATCHED, REQ_OPEN
from loket.models.matches import (
    ACCEPTED,
    APPROVED,
    CANCELLED,
    COMPLETED,
    DECLINED,
    EXPIRED,
    OPEN_MATCH_STATES,
    PROPOSED,
    REJECTED,
    SCHEDULED,
)
from loket.reason_text import reasons_text
from loket.services import NotFound, ServiceError, audit, policies
from loket.services.matches import capacity, messages
from loket.services.matches import recipients as people
from loket.services.matches import steps as step
from loket.services.matches.contact import contact_of
from loket.services.matches.dates import activity_over
from loket.services.matches.steps import get_match
from loket.services.matching.adapter import explain_pair
from loket.services.matching.cluster_weights import version_for_request

SOURCES = ("school", "company", "engine", "manager")
REOPENABLE = (CANCELLED, EXPIRED)
COMPLETE_AFTER = timedelta(days=14)


def _score(req: Request, offer: Offer) -> dict:
    """Cheap hard checks, then the engine's explanation of the pair: its score, breakdown and reasons
    (one engine call per proposal; a pair that fails a hard filter is refused with the reasons)."""
    if req.status != REQ_OPEN:
        raise ServiceError(_l("Deze aanvraag staat niet open voor nieuwe voorstellen."), field="request")
    if offer.status != OFF_OPEN:
        raise ServiceError(_l("Dit aanbod staat niet open."), field="offer")
    if offer.capacity_left <= 0:
        raise ServiceError(capacity.NO_CAPACITY, field="offer")
    if offer.latest < req.earliest or offer.earliest > req.latest:
        raise ServiceError(
            _l("De periode van het aanbod valt buiten de periode van de aanvraag."), field="offer"
        )
    explanation = explain_pair(req, offer)
    if not explanation.feasible:
        raise ServiceError(
            _l("Dit aanbod past niet bij de aanvraag: %(reasons)s.", reasons=reasons_text(explanation.failed))
        )
    s = explanation.suggestion
    if s is None:
        return dict(score=0.0, breakdown={}, reasons=[], distance_km=None, mode=None)
    return dict(
        score=round(s.score, 6),
        breakdown={k: round(v, 6) for k, v in s.contributions.items()},
        reasons=[dict(r) for r in s.reasons],
        fits={k: round(v, 6) for k, v in s.fits.items()},
        weights_version=version_for_request(req),
        distance_km=None if s.distance_km is None else round(s.distance_km, 3),
        mode=s.mode,
    )


# --------------------------------------------------------------------------- propose
def propose(
    actor: User | None,
    request_id: int,
    offer_id: int,
    *,
    source: str = "school",
) -> Match:
    """Propose a pair, scored by the engine; the cluster's managers (or the admins, for a cluster
    without a manager) decide."""
    if source not in SOURCES:
        raise ServiceError(_l("Onbekende bron van het voorstel: %(source)s.", source=repr(source)))
    req = db.session.get(Request, request_id)
    if req is None:
        raise NotFound(_l("Deze aanvraag bestaat niet."))
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(_l("Dit aanbod bestaat niet."))
    policies.require(policies.can_propose_match(actor, req, offer, source))
    existing = db.session.scalar(select(Match).where(Match.request_id == req.id, Match.offer_id == offer.id))
    if existing is not None and existing.status not in REOPENABLE:
        raise ServiceError(
            _l(
                "Deze aanvraag en dit aanbod zijn al eerder aan elkaar gekoppeld (status: %(status)s).",
                status=STATUS_LABELS.get(existing.status, existing.status),
            )
        )
    values = dict(
        cluster_id=req.organisation.cluster_id,
        **_score(req, offer),
        proposed_by=source,
        proposed_by_user_id=actor.id if actor else None,
    )
    if existing is None:
        match = Match(request=req, offer=offer, status=PROPOSED, **values)
        db.session.add(match)
        step.flush()
        audit.record(actor, "propose", match, from_state=None, to_state=PROPOSED, source=source)
    else:
        match = existing
        for k, v in values.items():
            setattr(match, k, v)
        match.scheduled_start = match.scheduled_end = match.place = None
        match.feedback_requested_at = None
        step.move(actor, match, PROPOSED, "reopen", source=source)
        match.reason = None
    step.flush()
    step.tell(
        people.deciders(match),
        "match_proposed",
        f"Nieuw voorstel om goed te keuren: {step.label(match)}.",
        match,
    )
    return match


# --------------------------------------------------------------------------- manager decisions
def approve(actor: User, match_id: int, *, version: int | None = None) -> Match:
    match = get_match(match_id)
    policies.require(policies.can_manage_match(actor, match))
    step.check_version(match, version)
    step.need(match, PROPOSED, doing=_l("goedkeuren"))
    if match.offer.status != OFF_OPEN:
        raise ServiceError(_l("Het aanbod staat niet meer open; keur dit voorstel niet goed of leid het om."))
    capacity.take(match.offer_id)
    step.move(actor, match, APPROVED, "approve")
    step.flush()
    side = policies.accepting_side(match)
    step.tell(
        people.side_users(match, side),
        "match_approved",
        f"Voorstel goedgekeurd, graag accepteren of weigeren: {step.label(match)}.",
        match,
    )
    return match


def bulk_approve(actor: User, match_ids: list[int]) -> tuple[list[Match], dict[int, str]]:
    """Approve several proposals; each in its own savepoint. Returns (approved, {id: error message})."""
    approved: list[Match] = []
    errors: dict[int, str] = {}
    for match_id in dict.fromkeys(int(i) for i in match_ids):
        try:
            with db.session.begin_nested():
                approved.append(approve(actor, match_id))
        except ServiceError as exc:
            errors[match_id] = exc.message
    return approved, errors


def reject(actor: User, match_id: int, reason: str, *, version: int | None = None) -> Match:
    match = get_match(match_id)
    policies.require(policies.can_manage_match(actor, match))
    step.check_version(match, version)
    text = step.reason_text(reason, _l("een reden voor de afwijzing"))
    step.need(match, PROPOSED, doing=_l("afwijzen"))
    step.move(actor, match, REJECTED, "reject", text)
    step.flush()
    step.tell(
        people.side_users(match, "company" if match.proposed_by == "company" else "school"),
        "match_rejected",
        f"Voorstel afgewezen door de clusterbeheerder: {step.label(match)}.",
        match,
        reason=text,
    )
    return match


def reroute(actor: User, match_id: int, new_offer_id: int, reason: str) -> Match:
    """Reject the proposal and propose + approve the request with another offer instead."""
    match = get_match(match_id)
    policies.require(policies.can_manage_match(actor, match))
    if int(new_offer_id) == match.offer_id:
        raise ServiceError(_l("Kies een ander aanbod dan het huidige."), field="offer_id")
    text = step.reason_text(reason, _l("een reden voor het omleiden"))
    reject(actor, match_id, text)
    new = propose(actor, match.request_id, int(new_offer_id), source="manager")
    audit.record(actor, "reroute", match, reason=text, new_match_id=new.id)
    return approve(actor, new.id)


# --------------------------------------------------------------------------- the parties
def accept(actor: User, match_id: int, *, version: int | None = None) -> Match:
    match = get_match(match_id)
    policies.require(
        policies.can_accept_match(actor, match),
        _l("Alleen de andere partij kan deze koppeling accepteren."),
    )
    step.check_version(match, version)
    step.need(match, APPROVED, doing=_l("accepteren"))
    step.move(actor, match, ACCEPTED, "accept")
    match.request.status = REQ_MATCHED
    others = db.session.scalars(
        select(Match).where(
            Match.request_id == match.request_id,
            Match.id != match.id,
            Match.status.in_((PROPOSED, APPROVED)),
        )
    ).all()
    for other in others:
        step.release_if_held(other)
        step.move(None, other, CANCELLED, "cancel", "De aanvraag is al gekoppeld aan een ander aanbod.")
    step.flush()
    for side, other in (("school", "company"), ("company", "school")):
        contact = contact_of(match, other)
        step.tell(
            people.side_users(match, side),
            "match_accepted",
            f"Koppeling geaccepteerd, spreek nu samen een datum af: {step.label(match)}.",
            match,
            contacts=[contact] if contact else [],
        )
    return match


def decline(actor: User, match_id: int, reason: str, *, version: int | None = None) -> Match:
    match = get_match(match_id)
    policies.require(
        policies.can_accept_match(actor, match),
        _l("Alleen de andere partij kan deze koppeling weigeren."),
    )
    step.check_version(match, version)
    text = step.reason_text(reason, _l("een reden om te weigeren"))
    step.need(match, APPROVED, doing=_l("weigeren"))
    step.release_if_held(match)
    step.move(actor, match, DECLINED, "decline", text)
    step.flush()
    other = "school" if policies.accepting_side(match) == "company" else "company"
    step.tell(
        [*people.side_users(match, other), *people.deciders(match)],
        "match_declined",
        f"Koppeling geweigerd: {step.label(match)}.",
        match,
        reason=text,
    )
    return match


def cancel(actor: User, match_id: int, reason: str, *, version: int | None = None) -> Match:
    match = get_match(match_id)
    policies.require(policies.can_cancel_match(actor, match))
    step.check_version(match, version)
    text = step.reason_text(reason, _l("een reden voor het annuleren"))
    step.need(match, *OPEN_MATCH_STATES, doing=_l("annuleren"))
    step.release_if_held(match)
    step.back_to_pool(match)
    step.move(actor, match, CANCELLED, "cancel", text)
    step.flush()
    users = [u for u in people.everyone(match) if u.id != actor.id]
    step.tell(users, "match_cancelled", f"Koppeling geannuleerd: {step.label(match)}.", match, reason=text)
    return match


def give_feedback(
    actor: User,
    match_id: int,
    rating: int,
    comment: str,
    pupils_reached: int | None = None,
    *,
    now: datetime | None = None,
) -> MatchFeedback:
    """Feedback (1-5 + comment) of one side after the activity; both answered -> completed."""
    match = get_match(match_id)
    side = policies.match_side(actor, match)
    policies.require(side is not None, _l("Alleen de school en het bedrijf geven feedback."))
    step.need(match, SCHEDULED, COMPLETED, doing=_l("beoordelen"))
    now = now or utcnow()
    if not activity_over(match, now):
        raise ServiceError(_l("Feedback geven kan pas na de activiteit."))
    try:
        value = int(rating)
    except (TypeError, ValueError) as exc:
        raise ServiceError(_l("Kies een cijfer van 1 tot en met 5."), field="rating") from exc
    if not 1 <= value <= 5:
        raise ServiceError(_l("Kies een cijfer van 1 tot en met 5."), field="rating")
    if pupils_reached is not None and not 0 <= int(pupils_reached) <= 10000:
        raise ServiceError(
            _l("Het aantal bereikte leerlingen moet tussen 0 en 10000 liggen."), field="pupils_reached"
        )
    text = (comment or "").strip()
    if len(text) > 2000:
        raise ServiceError(_l("Het commentaar is te lang (maximaal 2000 tekens)."), field="comment")
    if any(f.side == side for f in match.feedback):
        raise ServiceError(_l("Jullie hebben voor deze koppeling al feedback gegeven."))
    fb = MatchFeedback(
        match=match, side=side, user_id=actor.id, rating=value, comment=text, pupils_reached=pupils_reached
    )
    db.session.add(fb)
    audit.record(actor, "feedback", match, side=side, rating=value)
    if match.status == SCHEDULED and {f.side for f in match.feedback} >= {"school", "company"}:
        complete(match, now, actor=actor)
    step.flush()
    return fb


# --------------------------------------------------------------------------- deadlines
def complete(match: Match, now: datetime, *, actor: User | None = None) -> Match:
    """Scheduled -> completed (both gave feedback, or 14 days after the date)."""
    step.need(match, SCHEDULED, doing=_l("afronden"))
    step.move(actor, match, COMPLETED, "complete")
    if match.request.status == REQ_MATCHED:
        match.request.status = REQ_COMPLETED
    step.flush()
    return match


def close_after_activity(
    actor: User,
    match_id: int,
    *,
    held: bool,
    reason: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Match:
    """After the activity a side says it was held (completed) or did not take place (cancelled, with a
    reason; the place goes back to the offer and the request back to the pool)."""
    match = get_match(match_id)
    side = policies.match_side(actor, match)
    policies.require(
        side is not None, _l("Alleen de school en het bedrijf melden of de activiteit doorging.")
    )
    step.check_version(match, version)
    step.need(match, SCHEDULED, doing=_l("afsluiten"))
    now = now or utcnow()
    if not activity_over(match, now):
        raise ServiceError(_l("Dit kan pas na de activiteit."))
    if held:
        complete(match, now, actor=actor)
        return match
    text = step.reason_text(reason, _l("een reden (wat is er gebeurd?)"))
    step.release_if_held(match)
    step.back_to_pool(match)
    step.move(actor, match, CANCELLED, "not_held", text)
    step.flush()
    users = [u for u in people.everyone(match) if u.id != actor.id]
    step.tell(
        users, "match_not_held", f"Activiteit niet doorgegaan: {step.label(match)}.", match, reason=text
    )
    return match


# --------------------------------------------------------------------------- what may this user do
def available_actions(user: User | None, match: Match, now: datetime | None = None) -> set[str]:
    """Actions the match page offers this user (the services check again when they are used).
    After the activity a side is offered only feedback and "held / did not take place"."""
    now = now or utcnow()
    acts: set[str] = set()
    st = match.status
    side = policies.match_side(user, match)
    over = st in (SCHEDULED, COMPLETED) and activity_over(match, now)
    if policies.can_manage_match(user, match) and st == PROPOSED:
        acts |= {"approve", "reject", "reroute"}
    if policies.can_accept_match(user, match) and st == APPROVED:
        acts |= {"accept", "decline"}
    if side is not None and st in (ACCEPTED, SCHEDULED) and not over:
        acts.add("propose_dates")
    if (
        policies.can_cancel_match(user, match)
        and st in OPEN_MATCH_STATES
        and "reject" not in acts
        and not over
    ):
        acts.add("cancel")  # a manager turns a proposal down with "reject", not "cancel"
    if side is not None and st == SCHEDULED and over:
        acts |= {"held", "not_held"}
    if side is not None and over and side not in {f.side for f in match.feedback}:
        acts.add("feedback")
    if messages.can_write(user, match):
        acts.add("message")
    has_date = match.scheduled_start is not None
    if st in (SCHEDULED, COMPLETED) and has_date and policies.can_view_match(user, match):
        acts.add("ics")
    return acts
