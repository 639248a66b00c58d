"""One definition per figure that several pages show (dashboard, overview lists, map, exports).

A request *without a match* is open and has no match that is still running (proposed, approved,
accepted or scheduled): nobody is working on it. The dashboard's "zonder koppeling", the manager's
overview of requests and the map's "Aanvraag zonder koppeling" all count it with this condition.
"""

from __future__ import annotations

from sqlalchemy import and_, exists

from loket.models import Match, Offer, Request
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import OPEN_MATCH_STATES


def request_without_match():
    """SQL condition on ``Request``: open, and no running match."""
    running = exists().where(Match.request_id == Request.id, Match.status.in_(OPEN_MATCH_STATES))
    return and_(Request.status == REQ_OPEN, ~running)


def offer_with_capacity():
    """SQL condition on ``Offer``: open with places left."""
    return and_(Offer.status == OFF_OPEN, Offer.capacity_used < Offer.capacity)
