"""Offer capacity: taken on approval, given back on decline/cancel/expiry.

Both operations are one conditional UPDATE executed by the database, so two approvals running
at the same time can never take the last place twice (the row lock of the UPDATE serialises them
on PostgreSQL, the database write lock on SQLite). ``capacity_used`` never drops below 0.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from loket.db import db
from loket.models import Offer
from loket.services import ServiceError
from loket.services.matching.dirty import touch

NO_CAPACITY = _l("Dit aanbod heeft geen capaciteit meer: alle plaatsen zijn al vergeven.")


def _refresh(offer_id: int) -> None:
    """Forget a stale ``capacity_used`` of an Offer already loaded in this session."""
    offer = db.session.identity_map.get(db.session.identity_key(Offer, offer_id))  # type: ignore[arg-type]
    if offer is not None:
        db.session.expire(offer, ["capacity_used"])


def take(offer_id: int) -> None:
    """Take one place of the offer or raise ServiceError ("geen capaciteit meer")."""
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.capacity_used < Offer.capacity)
        .values(capacity_used=Offer.capacity_used + 1)
        .execution_options(synchronize_session=False)
    )
    _refresh(offer_id)
    if result.rowcount != 1:
        raise ServiceError(NO_CAPACITY, field="offer")
    touch(offers=[offer_id])  # bulk SQL: the flush listener does not see it


def release(offer_id: int) -> bool:
    """Give one place back (never below 0); True when a place was given back."""
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.capacity_used > 0)
        .values(capacity_used=Offer.capacity_used - 1)
        .execution_options(synchronize_session=False)
    )
    _refresh(offer_id)
    if result.rowcount == 1:
        touch(offers=[offer_id])
    return result.rowcount == 1
