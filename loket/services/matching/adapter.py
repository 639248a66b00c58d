"""Adapter between the database and the pure matching engine (loket.matching).

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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from loket.db import db
from loket.matching import (
    Engine,
    Explanation,
    MatchConfig,
    MatchInputError,
    OfferRecord,
    RequestRecord,
    Suggestion,
    split_valid,
)
from loket.models import Location, Match, Offer, Organisation, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import DECLINED, REJECTED
from loket.models.users import ACTIVE
from loket.services import NotFound
from loket.services.matching.records import (
    activities_this_year,
    inactive_org_ids,
    offer_record,
    request_record,
)

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
        engine=Engine(off_recs, config),
        requests=req_recs,
        request_rows={str(r.id): r for r in reqs},
        offer_rows={str(o.id): o for o in offers},
        excluded=_excluded(),
        existing={(int(r), int(o)) for r, o in pairs},
        skipped=skipped,
    )


# --------------------------------------------------------------------------- cache for the web pages
_cache: dict[str, tuple[tuple, object]] = {}
_cache_lock = threading.Lock()


def _fingerprint(*parts) -> tuple:
    """Cheap aggregates that change whenever the cached inputs may have changed."""
    active = User.status == ACTIVE
    users = db.session.execute(
        select(
            func.count(User.id),
            func.sum(User.id),
            func.sum(case((active, User.id), else_=0)),
            func.sum(case((active, User.organisation_id), else_=0)),
        )
    ).one()
    locs = db.session.execute(select(func.count(Location.id), func.sum(Location.lat + Location.lon))).one()
    return (str(db.engine.url), tuple(users), tuple(locs), *parts)


def _cached(name: str, key: tuple, build: Callable[[], object]) -> object:
    with _cache_lock:
        hit = _cache.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = build()
    with _cache_lock:
        _cache[name] = (key, value)
    return value


def offer_engine() -> Engine:
    """An Engine over the open offers, rebuilt only when offers, users or locations changed."""
    agg = db.session.execute(
        select(
            func.count(Offer.id),
            func.max(Offer.id),
            func.max(Offer.updated_at),
            func.sum(Offer.capacity_used),
        ).where(Offer.status == OFF_OPEN)
    ).one()
    key = _fingerprint(tuple(agg))

    def build() -> Engine:
        recs, _ = _offer_records(_offer_rows(), inactive_org_ids())
        return Engine(recs)

    return _cached("offers", key, build)  # type: ignore[return-value]


def open_request_records() -> list[RequestRecord]:
    """Engine records of all open requests, rebuilt only when requests, users or matches changed."""
    agg = db.session.execute(
        select(func.count(Request.id), func.max(Request.id), func.max(Request.updated_at)).where(
            Request.status == REQ_OPEN
        )
    ).one()
    matches = db.session.execute(select(func.count(Match.id), func.max(Match.updated_at))).one()
    key = _fingerprint(tuple(agg), tuple(matches), date.today())

    def build() -> list[RequestRecord]:
        return _request_records(_request_rows(None), inactive_org_ids())[0]

    return _cached("requests", key, build)  # type: ignore[return-value]


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


# --------------------------------------------------------------------------- queries
def suggest_for_request(request_id: str | int, top_k: int = 10) -> list[Suggestion]:
    """The best ``top_k`` open offers for one request (any status), best first; ids are internal ids."""
    req = find_request(request_id)
    recs, _ = _request_records([req], inactive_org_ids())
    if not recs:
        return []
    return offer_engine().suggest(recs[0], top_k, _excluded(Match.request_id == req.id))


def suggest_all(top_k: int = 10, progress: Progress | None = None) -> dict[str, list[Suggestion]]:
    """The best ``top_k`` offers for every open request (keyed by the request's internal id as text)."""
    inputs = load_inputs()
    return inputs.engine.suggest_all(inputs.requests, top_k, inputs.excluded, progress)


def requests_for_offer(offer_id: str | int, top_k: int = 10) -> list[Suggestion]:
    """The best ``top_k`` open requests for one offer (a company's view), best first."""
    offer = find_offer(offer_id)
    active = offer.organisation_id not in inactive_org_ids()
    try:
        record = offer_record(offer, active)
        excluded = _excluded(Match.offer_id == offer.id)
        return offer_engine().rank_requests(record, open_request_records(), top_k, excluded)
    except MatchInputError:
        return []


def explain_pair(req: Request, offer: Offer) -> Explanation:
    """Hard-filter check of one pair for a manual proposal (services.matches); Dutch failure reasons.

    People may propose to organisations without an active user, so that filter is not applied here.
    """
    try:
        engine = Engine([offer_record(offer, True)])
        return engine.explain(request_record(req, True), str(offer.id))
    except MatchInputError as exc:
        return Explanation(False, [exc.problem], None)
