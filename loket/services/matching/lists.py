"""The stored lists themselves: which weights they were computed with and how many entries each
keeps (K), computing the lists of some owners from their candidates, and writing them as rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete

from loket.db import db
from loket.matching import Suggestion
from loket.models import StoredSuggestion
from loket.models.suggestions import FOR_REQUEST
from loket.services.matching import candidates, open_records
from loket.services.matching.cluster_weights import Engines, Indexes, Weighting
from loket.services.matching.open_records import chunks
from loket.services.matching.state import mark_computed


def top_k() -> int:
    """K: how many suggestions are stored per request and per offer (LOKET_SUGGESTIONS_TOP)."""
    return max(1, int(current_app.config["LOKET_SUGGESTIONS_TOP"]))


def owner_col(side: str):
    """The column of the list owner on ``side`` (the request for FOR_REQUEST)."""
    return StoredSuggestion.request_id if side == FOR_REQUEST else StoredSuggestion.offer_id


def other_col(side: str):
    """The column of the suggested row on ``side`` (the offer for FOR_REQUEST)."""
    return StoredSuggestion.offer_id if side == FOR_REQUEST else StoredSuggestion.request_id


# --------------------------------------------------------------------------- writing lists
def rows_of(side: str, lists: dict[int, list[Suggestion]], w: Weighting, now) -> list[dict[str, Any]]:
    """The suggestion rows of ``lists`` (owner -> best first), ranked from 1; each row carries the
    weights version of the set that scored it (its request's)."""
    return [
        {
            "side": side,
            "request_id": int(s.request_id),
            "offer_id": int(s.offer_id),
            "rank": rank,
            "score": float(s.score),
            "breakdown": dict(s.contributions),
            "reasons": [dict(r) for r in s.reasons],
            "distance_km": s.distance_km,
            "mode": s.mode,
            "starts_on": s.starts_on,
            "weights_version": w.version_of(s.request_id),
            "computed_at": now,
        }
        for owner in sorted(lists)
        for rank, s in enumerate(lists[owner], start=1)
    ]


def insert_rows(rows: list[dict[str, Any]]) -> None:
    """Insert suggestion rows (in batches of 5,000)."""
    conn = db.session.connection()
    for i in range(0, len(rows), 5000):
        conn.execute(StoredSuggestion.__table__.insert(), rows[i : i + 5000])


def replace_lists(
    side: str, owners: Iterable[int], lists: dict[int, list[Suggestion]], w: Weighting, now
) -> int:
    """The lists of ``owners`` become ``lists`` (missing owners: empty). Returns the rows written."""
    owners = sorted(set(owners))
    col = owner_col(side)
    for part in chunks(owners):
        db.session.execute(
            delete(StoredSuggestion)
            .where(StoredSuggestion.side == side, col.in_(part))
            .execution_options(synchronize_session=False)
        )
    rows = rows_of(side, {o: lists.get(o, []) for o in owners}, w, now)
    insert_rows(rows)
    return len(rows)


# --------------------------------------------------------------------------- computing lists
def request_lists(
    records, k: int | None, today: date | None, w: Weighting
) -> tuple[dict[int, list[Suggestion]], dict]:
    """Each request's best ``k`` offers (all feasible with None) over its candidates, scored with
    its own weights; and the offers."""
    if not records:
        return {}, {}
    offers = candidates.offer_candidates(records)
    excluded = open_records.excluded_pairs(request_ids=[int(r.id) for r in records])
    lists = Engines(offers.records, w).suggest_all(records, k, excluded)
    return {int(rid): v for rid, v in lists.items()}, {o.id: o for o in offers.records}


def offer_lists(
    records, k: int | None, today: date | None, w: Weighting
) -> tuple[dict[int, list[Suggestion]], dict]:
    """Each offer's best ``k`` requests in reach (all feasible with None), each request scored with
    its own weights; and the requests."""
    if not records:
        return {}, {}
    reqs = candidates.request_candidates(records, today)
    excluded = open_records.excluded_pairs(offer_ids=[int(o.id) for o in records])
    lists = Indexes(reqs.records, w).rank_all(records, k, excluded)
    return {int(oid): v for oid, v in lists.items()}, {r.id: r for r in reqs.records}


def recompute(side: str, ids: set[int], k: int, w: Weighting, now, today: date | None) -> int:
    """Recompute the lists of ``ids`` from their own candidates (no changes to the other side)."""
    if not ids:
        return 0
    if side == FOR_REQUEST:
        lists, _ = request_lists(open_records.open_requests(ids, today).records, k, today, w)
    else:
        lists, _ = offer_lists(open_records.open_offers(ids).records, k, today, w)
    n = replace_lists(side, ids, lists, w, now)
    mark_computed(side, ids, w, now)
    return n
