"""Adapter between the database and the pure matching engine (loket.matching) for `loket match`,
which builds an engine over all open offers in its own process (the web reads stored suggestions:
``loket.services.matching.suggestions``), and the hard-filter check of one proposed pair.

Turns open requests and offers into engine records (organisations without an active user are marked
inactive, capacity_left comes from the offer, the school's activities this school year feed the equity
term, earlier rejected/declined pairs are excluded), and stores engine suggestions as ``proposed``
matches (never a second row for a pair that has a match already), with an audit event per new match.
Flushes, never commits: the CLI commits.

Suggestions carry internal ids (as strings: ``"12"``); ``MatchRun.as_json()`` and the CLI show the
external_id of the request/offer instead (the internal id when it has none).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.db import db
from loket.matching import (
    Engine,
    Explanation,
    MatchConfig,
    MatchInputError,
    OfferRecord,
    RequestRecord,
    split_valid,
)
from loket.models import Match, Offer, Organisation, Request
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import DECLINED, REJECTED
from loket.services import NotFound
from loket.services.matching.records import (
    activities_this_year,
    inactive_org_ids,
    offer_record,
    request_record,
)
from loket.services.matching.weights import match_config

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
ASSIGN_CANDIDATES = 30  # each request's top-K that the assignment chooses from (at least --top)


@dataclass
class Inputs:
    """Everything one matching run needs, loaded once."""

    engine: Engine
    requests: list[RequestRecord]
    request_rows: dict[str, Request]
    offer_rows: dict[str, Offer]
    excluded: set[tuple[str, str]]
    existing: set[tuple[int, int]]
    skipped: list[str] = field(default_factory=list)


def _request_rows(request_ids: list[int] | None) -> list[Request]:
    q = select(Request).options(
        selectinload(Request.location),
        selectinload(Request.organisation).selectinload(Organisation.locations),
    )
    q = (
        q.where(Request.id.in_(request_ids))
        if request_ids is not None
        else q.where(Request.status == REQ_OPEN)
    )
    return list(db.session.scalars(q.order_by(Request.id)))


def _offer_rows() -> list[Offer]:
    q = select(Offer).options(
        selectinload(Offer.location),
        selectinload(Offer.organisation).selectinload(Organisation.locations),
    )
    return list(db.session.scalars(q.where(Offer.status == OFF_OPEN).order_by(Offer.id)))


def _request_records(
    reqs: list[Request], inactive: set[int], today: date | None = None
) -> tuple[list[RequestRecord], list[str]]:
    acts = activities_this_year(today or date.today())
    recs, errors = split_valid(
        [request_record(r, r.organisation_id not in inactive, acts.get(r.organisation_id, 0)) for r in reqs]
    )
    return recs, [str(e) for e in errors]


def _offer_records(offers: list[Offer], inactive: set[int]) -> tuple[list[OfferRecord], list[str]]:
    recs, errors = split_valid([offer_record(o, o.organisation_id not in inactive) for o in offers])
    return recs, [str(e) for e in errors]


def _excluded(where=None) -> set[tuple[str, str]]:
    """(request id, offer id) as text of the pairs rejected or declined before."""
    q = select(Match.request_id, Match.offer_id).where(Match.status.in_((REJECTED, DECLINED)))
    if where is not None:
        q = q.where(where)
    return {(str(r), str(o)) for r, o in db.session.execute(q)}


def load_inputs(
    request_ids: list[int] | None = None, today: date | None = None, config: MatchConfig | None = None
) -> Inputs:
    """Fresh inputs for a run (no cache): requests (open, or ``request_ids``), open offers, exclusions."""
    inactive = inactive_org_ids()
    reqs = _request_rows(request_ids)
    offers = _offer_rows()
    req_recs, req_err = _request_records(reqs, inactive, today)
    off_recs, off_err = _offer_records(offers, inactive)
    skipped = [*req_err, *off_err]
    for msg in skipped:
        log.warning("matching: overgeslagen: %s", msg)
    pairs = db.session.execute(select(Match.request_id, Match.offer_id)).all()
    return Inputs(
        engine=Engine(off_recs, config or match_config()),
        requests=req_recs,
        request_rows={str(r.id): r for r in reqs},
        offer_rows={str(o.id): o for o in offers},
        excluded=_excluded(),
        existing={(int(r), int(o)) for r, o in pairs},
        skipped=skipped,
    )


def find_request(key: str | int) -> Request:
    """A request by internal id (int), or by external_id / internal id given as text."""
    if isinstance(key, int):
        found = db.session.get(Request, key)
        if found is None:
            raise NotFound(f"Aanvraag {key} bestaat niet.")
        return found
    key = str(key).strip()
    req = db.session.scalar(select(Request).where(Request.external_id == key))
    if req is None and key.isdigit():
        req = db.session.get(Request, int(key))
    if req is None:
        raise NotFound(f"Aanvraag {key!r} bestaat niet.")
    return req


def find_offer(key: str | int) -> Offer:
    """An offer by internal id (int), or by external_id / internal id given as text."""
    if isinstance(key, int):
        found = db.session.get(Offer, key)
        if found is None:
            raise NotFound(f"Aanbod {key} bestaat niet.")
        return found
    key = str(key).strip()
    off = db.session.scalar(select(Offer).where(Offer.external_id == key))
    if off is None and key.isdigit():
        off = db.session.get(Offer, int(key))
    if off is None:
        raise NotFound(f"Aanbod {key!r} bestaat niet.")
    return off


# --------------------------------------------------------------------------- one pair
def explain_pair(req: Request, offer: Offer) -> Explanation:
    """Hard-filter check of one pair for a manual proposal (services.matches): the failed filters
    with their margins (reasons as data, ``loket.reason_text`` renders them), or the suggestion.

    People may propose to organisations without an active user, so that filter is not applied here.
    """
    try:
        from loket.services.matching.cluster_weights import config_for_request

        engine = Engine([offer_record(offer, True)], config_for_request(req))  # the request's weights
        return engine.explain(request_record(req, True), str(offer.id))
    except MatchInputError as exc:
        return Explanation(False, [{"code": "input_error", "params": {"text": exc.problem}}], None)
