"""The full rebuild of the stored suggestions (``loket match --refresh``, nightly): one engine over
all open offers and one ``RequestIndex`` over all open requests per weight set in force (the
national one and each cluster's: ``cluster_weights``), written in blocks with a commit per
block; the lists of owners no longer open are dropped, and changes made while it ran are worked in
at the end (``incremental``)."""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import bindparam, case, delete, select, text, update

from loket.db import UTCDateTime, db, utcnow
from loket.models import StoredSuggestion, SuggestionState
from loket.models.suggestions import EVERYTHING, FOR_OFFER, FOR_REQUEST
from loket.services.matching import cluster_weights, open_records
from loket.services.matching.cluster_weights import Engines, Indexes, Weighting
from loket.services.matching.incremental import process
from loket.services.matching.lists import owner_col, replace_lists, top_k
from loket.services.matching.open_records import chunks
from loket.services.matching.state import lock, upsert_state

Progress = Callable[[int, int], None]
BLOCK = 1000  # owners per block (and per commit) of the full rebuild
CATCH_UP_MARGIN = timedelta(seconds=5)  # a change this close before a rebuild started is redone after it


def refresh_all(progress: Progress | None = None, *, block: int = BLOCK, today: date | None = None) -> dict:
    """Rebuild every stored list (``loket match --refresh``): commits per block of owners; changes
    made meanwhile are worked in at the end. ``progress(done, total)`` counts owners."""
    t0 = clock.perf_counter()
    started = utcnow()
    w = cluster_weights.load()
    k = top_k()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
    reqs = open_records.open_requests(None, today)
    offs = open_records.open_offers(None)
    excluded = open_records.all_excluded_pairs()
    engine = Engines(offs.records, w)  # one engine per weight set that scores some request
    total = len(reqs.records) + len(offs.records)
    done = 0
    rows = 0
    if progress is not None:
        progress(0, total)
    for i in range(0, len(reqs.records), block):
        part = reqs.records[i : i + block]
        lists = engine.suggest_all(part, k, excluded)
        now = utcnow()
        lock()
        rows += replace_lists(
            FOR_REQUEST, [int(r.id) for r in part], {int(a): b for a, b in lists.items()}, w, now
        )
        _rebuilt(FOR_REQUEST, [int(r.id) for r in part], w, now, started)
        db.session.commit()
        done += len(part)
        if progress is not None:
            progress(done, total)
    del engine
    index = Indexes(reqs.records, w)
    for i in range(0, len(offs.records), block):
        part = offs.records[i : i + block]
        lists = index.rank_all(part, k, excluded)
        now = utcnow()
        lock()
        rows += replace_lists(
            FOR_OFFER, [int(o.id) for o in part], {int(a): b for a, b in lists.items()}, w, now
        )
        _rebuilt(FOR_OFFER, [int(o.id) for o in part], w, now, started)
        db.session.commit()
        done += len(part)
        if progress is not None:
            progress(done, total)
    removed = _drop_lists_of_others(reqs.ids, offs.ids, w, started)
    caught_up = _catch_up(started)
    return {
        "requests": len(reqs.records),
        "offers": len(offs.records),
        "rows": rows,
        "removed": removed,
        "skipped": len(reqs.skipped) + len(offs.skipped),
        "caught_up": caught_up,
        "top": k,
        "weights_version": w.national_version,
        "cluster_weights": {str(c): w.version_of_cluster(c) for c in sorted(w.clusters)},
        "seconds": round(clock.perf_counter() - t0, 3),
    }


def _rebuilt(side: str, ids: list[int], w: Weighting, now, started) -> None:
    """State after a rebuilt block: computed; clean unless a change came in near or after ``started``."""
    cutoff = started - CATCH_UP_MARGIN
    t = SuggestionState.__table__
    cut = bindparam("cutoff", cutoff, type_=UTCDateTime)
    upsert_state(
        [
            {
                "side": side,
                "owner_id": i,
                "touches": 0,
                "computed_at": now,
                "weights_version": w.state_version(side, i),
            }
            for i in ids
        ],
        {
            "computed_at": lambda s: s.excluded.computed_at,
            "weights_version": lambda s: s.excluded.weights_version,
            "dirty_since": case(
                (t.c.touched_at.is_(None), None), (t.c.touched_at < cut, None), else_=t.c.dirty_since
            ),
        },
    )


def _drop_lists_of_others(req_ids: set[int], off_ids: set[int], w: Weighting, started) -> int:
    """Remove the lists of owners that are not open (or not matchable) any more."""
    lock()
    removed = 0
    for side, live in ((FOR_REQUEST, req_ids), (FOR_OFFER, off_ids)):
        col = owner_col(side)
        owners = set(db.session.scalars(select(col).where(StoredSuggestion.side == side).distinct()))
        gone = owners - live
        for part in chunks(gone):
            removed += db.session.execute(
                delete(StoredSuggestion)
                .where(StoredSuggestion.side == side, col.in_(part))
                .execution_options(synchronize_session=False)
            ).rowcount
        _rebuilt(side, sorted(gone), w, utcnow(), started)
    db.session.commit()
    return removed


def _catch_up(started) -> int:
    """Work in the changes that came in while the rebuild ran (its engines were built before)."""
    t = SuggestionState.__table__
    since = started - CATCH_UP_MARGIN
    rows = db.session.execute(
        select(t.c.side, t.c.owner_id).where(t.c.touched_at >= since, t.c.side.in_((FOR_REQUEST, FOR_OFFER)))
    ).all()
    req_ids = [o for s, o in rows if s == FOR_REQUEST]
    off_ids = [o for s, o in rows if s == FOR_OFFER]
    if req_ids or off_ids:
        process(req_ids, off_ids)
    lock()
    db.session.execute(
        update(t)
        .where(t.c.side == EVERYTHING, t.c.touched_at < since)
        .values(dirty_since=None, computed_at=utcnow())
    )
    db.session.commit()
    return len(rows)
