"""Adapter between the database and the pure matching engine (loket.matching) for `loket match`,
which builds an engine over all open offers in its own process (the web reads stored suggestions:
``loket.services.matching.suggestions``), and the hard-filter check of one proposed pair.

Turns open requests and offers into engine records with the column selects of ``open_records``
(organisations without an active user are marked inactive, capacity_left comes from the offer, the
school's activities this school year feed the equity term, earlier rejected/declined pairs are
excluded; no ORM objects: at 10,000 requests x 50,000 offers that is seconds, not minutes), and
stores engine suggestions as ``proposed`` matches (never a second row for a pair that has a match
already), with an audit event per new match. Flushes, never commits: the CLI commits.

Suggestions carry internal ids (as strings: ``"12"``); ``MatchRun.as_json()`` and the CLI show the
external_id of the request/offer instead (the internal id when it has none).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from loket.db import db
from loket.matching import Engine, Explanation, MatchConfig, MatchInputError, RequestRecord
from loket.models import Match, Offer, Organisation, Request
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.services import NotFound
from loket.services.matching import open_records
from loket.services.matching.records import offer_record, request_record
from loket.services.matching.weights import match_config

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
ASSIGN_CANDIDATES = 30  # each request's top-K that the assignment chooses from (at least --top)


@dataclass(frozen=True)
class Row:
    """What a run needs of a request or offer row besides its engine record (read with its columns,
    no ORM object): the ids, and for a request its school's cluster (who approves a proposal)."""

    id: int
    external_id: str | None
    cluster_id: int | None = None

    @property
    def public(self) -> str:
        """The id shown in JSON output: external_id, or the internal id when there is none."""
        return self.external_id or str(self.id)


@dataclass
class Inputs:
    """Everything one matching run needs, loaded once; ``timings``: seconds per phase (load, index)."""

    engine: Engine
    requests: list[RequestRecord]
    request_rows: dict[str, Row]
    offer_rows: dict[str, Row]
    excluded: set[tuple[str, str]]
    existing: set[tuple[int, int]]
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _cluster_of(model):
    """The cluster of the row's organisation (a correlated lookup by primary key)."""
    return select(Organisation.cluster_id).where(Organisation.id == model.organisation_id).scalar_subquery()


def load_inputs(
    request_ids: list[int] | None = None, today: date | None = None, config: MatchConfig | None = None
) -> Inputs:
    """Fresh inputs for a run (no cache): requests (open, or ``request_ids``), open offers, exclusions.

    Rows are read as columns (``open_records``' selects, no ORM objects) and validated in one go.
    """
    t0 = time.perf_counter()
    where = Request.id.in_(request_ids) if request_ids is not None else Request.status == REQ_OPEN
    extra = (Request.external_id, _cluster_of(Request))  # after the record's columns: row[-2], row[-1]
    req_rows = db.session.execute(open_records.select_any_place(Request, where, extra=extra)).all()
    offer_select = open_records.select_any_place(Offer, Offer.status == OFF_OPEN, extra=(Offer.external_id,))
    offer_rows = db.session.execute(offer_select).all()
    reqs = open_records.request_records(req_rows, today or date.today())
    offers = open_records.offer_records(offer_rows)
    skipped = [*reqs.skipped, *offers.skipped]
    for msg in skipped:
        log.warning("matching: overgeslagen: %s", msg)
    pairs = db.session.execute(select(Match.request_id, Match.offer_id)).all()
    excluded = open_records.all_excluded_pairs()
    t1 = time.perf_counter()
    engine = Engine(offers.records, config or match_config(), table=offers.table)
    return Inputs(
        engine=engine,
        requests=reqs.records,
        request_rows={str(r[0]): Row(r[0], r[-2], r[-1]) for r in req_rows},
        offer_rows={str(r[0]): Row(r[0], r[-1]) for r in offer_rows},
        excluded=excluded,
        existing={(int(r), int(o)) for r, o in pairs},
        skipped=skipped,
        timings={"load": t1 - t0, "index": time.perf_counter() - t1},
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
