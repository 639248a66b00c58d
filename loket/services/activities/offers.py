"""Offers by companies: publish, edit, pause, resume, close; capacity per period.

Capacity is taken by the match lifecycle (``loket.services.matches``) on approval; here a company
can only change the total, never below what is already used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from loket.db import db
from loket.models import Offer, User
from loket.models.activities import (
    COSTS_MAX,
    DESCRIPTION_MAX,
    DETAIL_MAX,
    DURATION_MAX,
    OFF_CLOSED,
    OFF_OPEN,
    OFF_PAUSED,
)
from loket.services import NotFound, ServiceError, policies
from loket.services.activities import rules, state

EDITABLE_STATES = (OFF_OPEN, OFF_PAUSED)
FREE = "gratis"  # the costs of an offer that costs nothing (the default)


@dataclass
class OfferData:
    """What a company fills in for an offer (values as codes or labels; validated by the service)."""

    activity: str
    sectors: list[str]
    levels: list[str]
    capacity: int
    earliest: date | None
    latest: date | None
    modes: list[str]
    radius_km: float
    topic: str = ""
    description: str = ""
    duration_minutes: int | None = None
    group_size_max: int | None = None
    school_arranges: str = ""
    costs: str = FREE
    accessibility: str = ""
    guest_has_vog: bool = False


def validate(data: OfferData, today: date | None = None, *, earliest_may_be_past: bool = False) -> dict:
    """Return the normalised column values, or raise ServiceErrors naming every field that is wrong."""
    checks = rules.Checks()
    values = rules.shared_values(
        checks, data, today or date.today(), earliest_may_be_past=earliest_may_be_past
    )
    capacity = checks.run(
        rules.number, data.capacity, "capacity", 1, 100, _l("De capaciteit moet tussen 1 en 100 liggen.")
    )
    radius = checks.run(
        rules.number,
        data.radius_km,
        "radius_km",
        0,
        200,
        _l("De straal moet tussen 0 en 200 km liggen."),
        whole=False,
    )
    extra = checks.run(substance, data)
    checks.done()
    return {**values, "capacity": int(capacity), "radius_km": float(radius), **(extra or {})}  # type: ignore[arg-type]


def substance(data: OfferData) -> dict:
    """The offer's description and details, normalised (ServiceError naming the field)."""
    costs = " ".join((data.costs or "").split())
    if len(costs) > COSTS_MAX:
        raise ServiceError(_l("De kosten zijn te lang (maximaal %(n)s tekens).", n=COSTS_MAX), field="costs")
    return {
        "description": rules.long_text(data.description, "description", DESCRIPTION_MAX),
        "duration_minutes": rules.optional_whole(
            data.duration_minutes,
            "duration_minutes",
            5,
            DURATION_MAX,
            _l("De duur moet tussen 5 en %(max)s minuten liggen.", max=DURATION_MAX),
        ),
        "group_size_max": rules.optional_whole(
            data.group_size_max,
            "group_size_max",
            1,
            400,
            _l("De groepsgrootte moet tussen 1 en 400 leerlingen liggen."),
        ),
        "school_arranges": rules.long_text(data.school_arranges, "school_arranges", DETAIL_MAX),
        "costs": costs or FREE,
        "accessibility": rules.long_text(data.accessibility, "accessibility", DETAIL_MAX),
        "guest_has_vog": bool(data.guest_has_vog),
    }


def get(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(_l("Dit aanbod bestaat niet (meer)."))
    return offer


def get_for_view(actor: User | None, offer_id: int) -> Offer:
    offer = get(offer_id)
    policies.require(policies.can_view_offer(actor, offer))
    return offer


def get_for_edit(actor: User | None, offer_id: int) -> Offer:
    offer = get(offer_id)
    policies.require(policies.can_edit_offer(actor, offer))
    return offer


def publish_offer(actor: User, data: OfferData, *, today: date | None = None) -> Offer:
    """Publish a new open offer for the actor's company."""
    policies.require(policies.can_create_offer(actor), _l("Alleen bedrijven kunnen aanbod plaatsen."))
    rules.require_verified(actor)
    values = validate(data, today, earliest_may_be_past=True)
    org = actor.organisation
    offer = Offer(
        organisation_id=org.id,
        location_id=org.primary_location.id if org.primary_location else None,
        created_by_id=actor.id,
        status=OFF_OPEN,
        capacity_used=0,
        **values,
    )
    return state.add(actor, offer, "offer.published", OFF_OPEN)


def update_offer(
    actor: User, offer_id: int, data: OfferData, *, version_id: int | str | None, today: date | None = None
) -> Offer:
    """Edit an open or paused offer; the capacity cannot drop below what is already used."""
    offer = get_for_edit(actor, offer_id)
    rules.check_version(offer, version_id, required=True)
    if offer.status not in EDITABLE_STATES:
        raise ServiceError(_l("Een gesloten aanbod kan niet meer worden gewijzigd."))
    values = validate(data, today, earliest_may_be_past=True)
    if values["capacity"] < offer.capacity_used:
        raise ServiceError(
            _l("De capaciteit kan niet lager zijn dan wat al is toegezegd (%(n)s).", n=offer.capacity_used),
            field="capacity",
        )
    state.apply_edit(actor, offer, values, "offer.edited")
    return offer


def _transition(
    actor: User,
    offer_id: int,
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    *,
    version_id: int | str | None = None,
    reason: str | None = None,
) -> Offer:
    offer = get_for_edit(actor, offer_id)
    return state.transition(
        actor,
        offer,
        allowed_from,
        to,
        action,
        refused=_l("Dit aanbod heeft status '%(status)s'; dat kan nu niet."),
        version_id=version_id,
        reason=reason,
    )


def pause_offer(actor: User, offer_id: int, *, version_id: int | str | None = None) -> Offer:
    """No new suggestions or proposals for a while; running matches continue."""
    return _transition(actor, offer_id, (OFF_OPEN,), OFF_PAUSED, "offer.paused", version_id=version_id)


def resume_offer(actor: User, offer_id: int, *, version_id: int | str | None = None) -> Offer:
    return _transition(actor, offer_id, (OFF_PAUSED,), OFF_OPEN, "offer.resumed", version_id=version_id)


def close_offer(
    actor: User, offer_id: int, *, reason: str | None = None, version_id: int | str | None = None
) -> Offer:
    """Close an offer for good; matches already agreed continue, no new ones are made."""
    allowed = (OFF_OPEN, OFF_PAUSED)
    return _transition(
        actor, offer_id, allowed, OFF_CLOSED, "offer.closed", version_id=version_id, reason=reason
    )
