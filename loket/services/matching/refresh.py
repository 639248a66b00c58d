"""Stored suggestions, kept up to date: each open request's top-K offers and each open offer's top-K
requests in reach (``loket.models.suggestions``).

- ``incremental.process(request_ids, offer_ids)``: the incremental step, run after the commit of a
  change (``loket.services.matching.dirty``). It recomputes the touched owners' own lists against
  the candidates found around them (``candidates``), then works the touched rows' new pairs into
  the lists of the other side (``patch``): a list takes a new pair in, drops one or re-ranks
  without recomputing when that is exact (the pair enters above the K-th entry, or the list was
  not full), and is recomputed from its own candidates otherwise (a pair that leaves a full list).
- ``rebuild.refresh_all(progress)``: the full rebuild (``loket match --refresh``, nightly), one
  engine over all open offers and one ``RequestIndex`` over all open requests, written in blocks
  with a commit per block; changes made while it ran are worked in at the end.
- here: ``refresh_dirty()`` works in the owners still marked dirty (a crashed worker, Redis down),
  ``staleness_seconds()`` is the age of the oldest change not yet worked in (0 when all is
  current), and ``run_job`` is the RQ job of ``loket worker``.

A pair's score depends on that pair only (``loket.matching.topic``) and the weights of its request's
cluster (``cluster_weights``), so the incremental result equals the full rebuild's; tests compare
them row for row. Every writer takes one lock first (``state.lock``: a PostgreSQL advisory lock;
SQLite serialises writers anyway), so lists are never patched from a stale read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from loket.db import db, utcnow
from loket.models import SuggestionState
from loket.models.suggestions import EVERYTHING, FOR_OFFER, FOR_REQUEST
from loket.services.matching.incremental import process
from loket.services.matching.rebuild import refresh_all


def refresh_dirty(limit: int | None = None, older_than_s: float = 0.0) -> dict:
    """Work in the owners still marked dirty (oldest first); a pending full rebuild runs whole."""
    t = SuggestionState.__table__
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    everything = db.session.execute(
        select(t.c.owner_id).where(
            t.c.side == EVERYTHING, t.c.dirty_since.is_not(None), t.c.dirty_since <= cutoff
        )
    ).first()
    if everything is not None:
        return {"full": refresh_all()}
    q = (
        select(t.c.side, t.c.owner_id)
        .where(t.c.dirty_since.is_not(None), t.c.dirty_since <= cutoff)
        .order_by(t.c.dirty_since, t.c.side, t.c.owner_id)
    )
    if limit is not None:
        q = q.limit(limit)
    rows = db.session.execute(q).all()
    if not rows:
        return {"requests": 0, "offers": 0}
    return process([o for s, o in rows if s == FOR_REQUEST], [o for s, o in rows if s == FOR_OFFER])


def staleness_seconds() -> float:
    """Seconds since the oldest change that is not yet in the stored suggestions (0.0: all current)."""
    oldest = db.session.scalar(select(func.min(SuggestionState.dirty_since)))
    if oldest is None:
        return 0.0
    return max(0.0, (utcnow() - oldest).total_seconds())


def run_job(request_ids: Sequence[int] = (), offer_ids: Sequence[int] = (), everything: bool = False) -> dict:
    """RQ job (``loket worker``): work in what a committed transaction changed."""
    if everything:
        return {"full": refresh_all()}
    return process(request_ids, offer_ids)
