"""A school asks for a catalogue offer: its request (pre-filled from the offer) and the proposal of
the pair, in one step and one transaction (the caller commits once; any refusal leaves neither)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from loket.geo import haversine_km
from loket.models import Match, Offer, User
from loket.services import ServiceError, policies
from loket.services.activities import requests as request_service
from loket.services.catalogue.details import offer_details
from loket.services.matches import lifecycle

DEFAULT_TRAVEL_KM = 25.0


@dataclass
class AskData:
    """What the school fills in; the rest (activity, sectors, topic, modes) comes from the offer."""

    pupils: int | None
    levels: list[str]
    earliest: date | None
    latest: date | None
    description: str = ""
    vog_required: bool = False
    modes: list[str] = field(default_factory=list)  # empty: the offer's


def offer_to_ask(actor: User, offer_id: int) -> Offer:
    """The offer, if the actor's school may ask for it now (NotFound / ServiceError otherwise)."""
    policies.require(policies.can_create_request(actor), _l("Alleen scholen kunnen aanbod aanvragen."))
    offer = offer_details(actor, offer_id).obj
    if offer.status != "open" or offer.capacity_left <= 0:
        raise ServiceError(_l("Dit aanbod heeft geen plaats meer; kies een ander aanbod."))
    return offer


def ask_for_offer(actor: User, offer_id: int, data: AskData, *, today: date | None = None) -> Match:
    """Create the school's request from ``data`` and the offer, and propose the pair (source school)."""
    offer = offer_to_ask(actor, offer_id)
    if data.earliest and data.latest and (data.latest < offer.earliest or data.earliest > offer.latest):
        raise ServiceError(
            _l(
                "Het aanbod is er van %(first)s tot en met %(last)s; kies data die daarmee overlappen.",
                first=offer.earliest.strftime("%d-%m-%Y"),
                last=offer.latest.strftime("%d-%m-%Y"),
            ),
            field="latest",
        )
    modes = [m for m in (data.modes or offer.modes) if m in offer.modes] or list(offer.modes)
    req = request_service.create_request(
        actor,
        request_service.RequestData(
            activity=offer.activity,
            sectors=list(offer.sectors),
            topic=offer.topic,
            levels=list(data.levels),
            pupils=data.pupils,  # type: ignore[arg-type] - the service checks it
            earliest=data.earliest,
            latest=data.latest,
            modes=modes,
            max_travel_km=_travel_km(actor, offer),
            description=data.description,
            duration_minutes=offer.duration_minutes,
            vog_required=data.vog_required,
        ),
        today=today,
    )
    return lifecycle.propose(actor, req.id, offer.id, source="school")


def _travel_km(actor: User, offer: Offer) -> float:
    """Far enough to reach the offer's place (an activity at the company), at least the default."""
    school = actor.organisation.primary_location
    if school is None or offer.location is None:
        return DEFAULT_TRAVEL_KM
    km = haversine_km(school.lat, school.lon, offer.location.lat, offer.location.lon)
    return float(min(200.0, max(DEFAULT_TRAVEL_KM, math.ceil(float(km)) + 5)))
