"""The incremental step, run after the commit of a change (``loket.services.matching.dirty``): the
touched owners' own lists recomputed against the candidates found around them, and their new pairs
worked into the lists of the other side (``patch``), or those lists recomputed where patching would
not be exact."""

from __future__ import annotations

import time as clock
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from loket.db import db, utcnow
from loket.matching import Suggestion
from loket.matching.reach import RequestIndex
from loket.models import StoredSuggestion
from loket.models.suggestions import FOR_OFFER, FOR_REQUEST
from loket.services.matching import cluster_weights, open_records
from loket.services.matching.lists import (
    offer_lists,
    other_col,
    owner_col,
    recompute,
    replace_lists,
    request_lists,
    top_k,
)
from loket.services.matching.open_records import chunks
from loket.services.matching.patch import apply_changes
from loket.services.matching.state import ensure_state, lock, mark_computed, mark_done, read_states


def process(
    request_ids: Iterable[int] = (), offer_ids: Iterable[int] = (), *, today: date | None = None
) -> dict[str, Any]:
    """Recompute the lists of these requests and offers and work their new pairs into the other
    side's lists; one transaction, committed here. Returns what it did."""
    t0 = clock.perf_counter()
    req_ids, off_ids = {int(i) for i in request_ids}, {int(i) for i in offer_ids}
    if not req_ids and not off_ids:
        return {"requests": 0, "offers": 0}
    lock()
    w = cluster_weights.load()  # which weights score which request (read under the lock)
    k, now = top_k(), utcnow()
    ensure_state(FOR_REQUEST, req_ids)
    ensure_state(FOR_OFFER, off_ids)
    seq_r = {o: s.touches for o, s in read_states(FOR_REQUEST, req_ids).items()}
    seq_o = {o: s.touches for o, s in read_states(FOR_OFFER, off_ids).items()}

    # 1. the touched owners' own lists, from all their feasible pairs
    reqs = open_records.open_requests(req_ids, today).records
    offs = open_records.open_offers(off_ids).records
    all_r, offer_recs = request_lists(reqs, None, today, w)
    all_o, request_recs = offer_lists(offs, None, today, w)
    written = replace_lists(FOR_REQUEST, req_ids, {r: v[:k] for r, v in all_r.items()}, w, now)
    written += replace_lists(FOR_OFFER, off_ids, {o: v[:k] for o, v in all_o.items()}, w, now)

    # 2. their pairs as seen from the other side: None where a stored pair is no longer feasible
    offer_changes: dict[int, dict[int, Suggestion | None]] = {}
    request_changes: dict[int, dict[int, Suggestion | None]] = {}
    for side, touched, into in (
        (FOR_OFFER, req_ids, offer_changes),
        (FOR_REQUEST, off_ids, request_changes),
    ):
        for part in chunks(touched):
            q = select(owner_col(side), other_col(side)).where(
                StoredSuggestion.side == side, other_col(side).in_(part)
            )
            for owner, other in db.session.execute(q):
                into.setdefault(owner, {})[other] = None
    by_req = {int(r.id): r for r in reqs}
    for rid, pairs in all_r.items():  # a touched request's pair, scored the offers' way
        if not pairs:
            continue
        cfg = w.config_of(rid)
        ranked = RequestIndex([by_req[rid]], cfg).rank_all([offer_recs[p.offer_id] for p in pairs], None)
        for p in pairs:  # feasible, so not excluded
            got = ranked.get(p.offer_id) or []
            offer_changes.setdefault(int(p.offer_id), {})[rid] = got[0] if got else None
    by_off = {int(o.id): o for o in offs}
    for oid, pairs in all_o.items():  # a touched offer's pair, scored the requests' way
        if not pairs:
            continue
        engines = cluster_weights.Engines([by_off[oid]], w)
        lists = engines.suggest_all([request_recs[p.request_id] for p in pairs], None)
        for p in pairs:
            got = lists.get(p.request_id) or []
            request_changes.setdefault(int(p.request_id), {})[oid] = got[0] if got else None
    for rid in req_ids:
        request_changes.pop(rid, None)
    for oid in off_ids:
        offer_changes.pop(oid, None)

    # 3. patch where exact, recompute the rest
    redo_r, n_r = apply_changes(FOR_REQUEST, request_changes, k, w, now)
    redo_o, n_o = apply_changes(FOR_OFFER, offer_changes, k, w, now)
    written += n_r + n_o
    written += recompute(FOR_REQUEST, redo_r, k, w, now, today)
    written += recompute(FOR_OFFER, redo_o, k, w, now, today)
    mark_computed(FOR_REQUEST, set(request_changes) - redo_r, w, now)
    mark_computed(FOR_OFFER, set(offer_changes) - redo_o, w, now)
    mark_done(FOR_REQUEST, seq_r, w, now)
    mark_done(FOR_OFFER, seq_o, w, now)
    db.session.commit()
    return {
        "requests": len(req_ids),
        "offers": len(off_ids),
        "patched": len(request_changes) + len(offer_changes) - len(redo_r) - len(redo_o),
        "recomputed": len(redo_r) + len(redo_o),
        "rows": written,
        "seconds": round(clock.perf_counter() - t0, 4),
    }
