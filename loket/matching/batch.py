"""Top-k offers for a block of requests at once: the engine's one-request path, vectorised per block.

``Engine.suggest`` ranks one request: its candidates from the BallTrees, the hard filters, the score,
the order. Doing that ten thousand times costs mostly numpy call overhead on small arrays. Here a
block of requests goes through each step once: one batched BallTree query per tree, the candidate
pairs of the whole block as flat arrays (request row, offer row), the filters and the fits over all
pairs in one go, the topic similarity of the pairs that can still reach a top-k as one sparse
product over the block's offer rows, and one ``lexsort`` that orders every request's pairs.

The result is identical to the one-request path, pair for pair and bit for bit: every step is an
elementwise operation on the same values (the topic similarity sums the same products of an offer
row in the same order as the sparse matrix-vector product of the one-request path), the pruning
before the topic is the same per request, and the order is the same total order (score, distance,
soonest date, offer id). ``tests/unit/test_matching_batch.py`` checks this on random requests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from loket.geo.distance import haversine_km
from loket.matching.encode import Table
from loket.matching.features import MODE_CODES, Checks, Fits, check, fits
from loket.matching.reasons import Pair, reasons
from loket.matching.topic import Terms
from loket.matching.types import FEATURES, SCORE_QUANTUM, RequestRecord, Suggestion

if TYPE_CHECKING:  # pragma: no cover
    from loket.matching.engine import Engine

_EMPTY = np.zeros(0, dtype=np.intp)


def rank_block(
    engine: Engine,
    part: Table,
    requests: Sequence[RequestRecord],
    queries: Sequence[Terms],
    top_k: int | None,
    excluded: Sequence[NDArray[np.intp]],
    with_reasons: bool = True,
) -> list[list[Suggestion]]:
    """The ``top_k`` suggestions (None: all feasible) of every request of a block (``part``: their
    encoded rows), in the block's order; ``excluded[k]`` are the offer rows request ``k`` may not get.
    Without ``with_reasons`` the reasons are left for :func:`fill_reasons` (of the pairs that need them)."""
    n = len(requests)
    if n == 0 or (top_k is not None and top_k <= 0):
        return [[] for _ in range(n)]
    owner, rows = _candidate_pairs(engine, part, excluded)
    rq = part.take(owner)
    of = engine.table.take(rows)
    d = haversine_km(rq.lat, rq.lon, of.lat, of.lon)
    ch = check(rq, of, d, engine.vocab)
    keep = np.flatnonzero(ch.feasible)
    owner, rows, d = owner[keep], rows[keep], d[keep]
    rq, of, ch = rq.take(keep), of.take(keep), ch.subset(keep)
    cfg = engine.config
    w_topic = cfg.weights["topic"]
    if w_topic > 0 and top_k is not None:
        sel = _reachable(owner, fits(rq, of, d, np.zeros(len(rows)), ch, cfg).score, n, top_k, w_topic)
        if sel is not None:
            owner, rows, d = owner[sel], rows[sel], d[sel]
            rq, of, ch = rq.take(sel), of.take(sel), ch.subset(sel)
    known_req = np.fromiter((len(q[0]) > 0 for q in queries), dtype=np.bool_, count=n)
    sim = _similarity(engine, queries, owner, rows)
    known = known_req[owner]
    ft = fits(rq, of, d, sim, ch, cfg, known)
    start = np.maximum(rq.start, of.start)
    order = np.lexsort((engine._id_rank[rows], start, np.nan_to_num(d, nan=np.inf), -ft.score, owner))
    first = np.searchsorted(owner[order], np.arange(n))  # where each request's pairs begin in `order`
    pos = np.arange(len(order)) - first[owner[order]]
    first_k = pos < top_k if top_k is not None else np.ones(len(pos), dtype=np.bool_)
    chosen = order[first_k]
    ranks = pos[first_k] + 1
    cols = _Cols(owner, rows, d, known, start, rq, of, ft, ch)
    out: list[list[Suggestion]] = [[] for _ in range(n)]
    made = _suggestions(engine, requests, chosen, ranks, cols, with_reasons)
    for k, s in zip(owner[chosen].tolist(), made, strict=True):
        out[k].append(s)
    return out


@dataclass
class _Cols:
    """The arrays of a block's feasible pairs that the suggestion records are read from."""

    owner: NDArray[np.intp]
    rows: NDArray[np.intp]
    d: NDArray[np.float64]
    known: NDArray[np.bool_]
    start: NDArray[np.int64]
    rq: Table
    of: Table
    ft: Fits
    ch: Checks


def _candidate_pairs(
    engine: Engine, part: Table, excluded: Sequence[NDArray[np.intp]]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(request row in the block, offer row) of every candidate pair, grouped by request."""
    hits = engine._tree_hits(part)
    acts, modes, lvls = part.act.tolist(), part.modes.tolist(), part.lvl.tolist()
    cands = []
    for k, found in enumerate(hits):
        c = engine._candidates_of(acts[k], modes[k], lvls[k], found)
        ex = excluded[k]
        if len(ex) and len(c):
            c = c[~np.isin(c, ex)]
        cands.append(c)
    lens = np.fromiter((len(c) for c in cands), dtype=np.intp, count=len(cands))
    rows = np.concatenate(cands) if cands else _EMPTY
    return np.repeat(np.arange(len(cands)), lens), rows.astype(np.intp, copy=False)


def _reachable(
    owner: NDArray[np.intp], base: NDArray[np.float64], n: int, top_k: int, w_topic: float
) -> NDArray[np.intp] | None:
    """The pairs that can still reach their request's top-k once the topic is added (as the
    one-request path prunes: only for requests with more than 2 * top_k feasible pairs); None: all."""
    counts = np.bincount(owner, minlength=n)
    big = counts > 2 * top_k
    if not big.any():
        return None
    order = np.lexsort((-base, owner))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    kth = np.full(n, -np.inf)
    kth[big] = base[order[first[big] + top_k - 1]]
    return np.flatnonzero(base + w_topic >= kth[owner] - SCORE_QUANTUM - 1e-9)


def _similarity(
    engine: Engine, queries: Sequence[Terms], owner: NDArray[np.intp], rows: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Cosine topic similarity of each pair: the offer rows of the block in one sparse gather, each
    request's query weights put beside its rows' terms, and one sparse product with ones that sums
    every row's products in the order the one-request path's matrix-vector product does."""
    if not len(rows):
        return np.zeros(0)
    sub = engine.topics.offers[rows]
    indptr, indices = sub.indptr, sub.indices
    bounds = indptr[np.searchsorted(owner, np.arange(len(queries) + 1))].tolist()
    vals = np.zeros(sub.nnz)
    dense = np.zeros(sub.shape[1])
    for k, (q_idx, q_val) in enumerate(queries):
        a, b = bounds[k], bounds[k + 1]
        if a == b or not len(q_idx):
            continue
        dense[q_idx] = q_val
        vals[a:b] = dense[indices[a:b]]
        dense[q_idx] = 0.0
    weighted = sparse.csr_matrix((sub.data * vals, indices, indptr), shape=sub.shape)
    return np.asarray(weighted @ np.ones(sub.shape[1]), dtype=np.float64)


def _suggestions(
    engine: Engine,
    requests: Sequence[RequestRecord],
    chosen: NDArray[np.intp],
    ranks: NDArray[np.intp],
    v: _Cols,
    with_reasons: bool,
) -> list[Suggestion]:
    """Suggestion records of the chosen pairs, built from plain Python values of their columns."""
    rq, of, ft, ch = v.rq, v.of, v.ft, v.ch
    rows, owner, d, known, start = v.rows, v.owner, v.d, v.known, v.start
    cfg, vocab, offers = engine.config, engine.vocab, engine.offers
    w = cfg.weights

    def col(a: NDArray) -> list:
        return a[chosen].tolist()

    fit_cols = {name: col(ft.fits[name]) for name in FEATURES}
    cols = [
        col(owner), col(rows), ranks.tolist(), col(ft.score), col(d), col(ft.mode), col(known),
        col(start), col(rq.sect), col(rq.sect_rel), col(rq.lvl), col(rq.acts_year), col(rq.modes),
        col(rq.reach), col(of.sect), col(of.lvl_x), col(of.act), col(of.modes), col(of.reach), col(ch.kind),
    ]  # fmt: skip
    out = []
    rows_of = enumerate(zip(*cols, strict=True))
    for i, (
        k,
        j,
        rank,
        score,
        dist,
        m,
        kn,
        st,
        rs,
        rr,
        rl,
        ay,
        rm,
        rreach,
        os_,
        olx,
        oa,
        om,
        oreach,
        kind,
    ) in rows_of:
        mode = MODE_CODES[m]
        dist_km = dist if math.isfinite(dist) else None
        pair_fits = {name: fit_cols[name][i] for name in FEATURES}
        offer = offers[j]
        pair = Pair(
            fits=pair_fits,
            mode=mode,
            distance_km=dist_km,
            req_sect=rs,
            req_rel=rr,
            off_sect=os_,
            req_lvl=rl,
            off_lvl_x=olx,
            kind=kind,
            offer_activity=oa,
            topic_known=kn,
            offer_topic=offer.topic or "",
            acts_year=ay,
            req_modes=rm,
            off_modes=om,
            travel_km=rreach,
            radius_km=oreach,
        )
        out.append(
            Suggestion(
                request_id=requests[k].id,
                offer_id=offer.id,
                rank=rank,
                score=score,
                distance_km=dist_km,
                mode=mode,
                contributions={name: w[name] * pair_fits[name] for name in FEATURES},
                reasons=reasons(vocab, cfg, pair) if with_reasons else [],
                starts_on=date.fromordinal(st),
                fits=pair_fits,
                deferred=None if with_reasons else pair,
            )
        )
    return out


def fill_reasons(engine: Engine, suggestions: Iterable[Suggestion]) -> None:
    """Make the reasons of suggestions made without them (the same reasons as made at once)."""
    for s in suggestions:
        if isinstance(s.deferred, Pair):
            s.reasons = reasons(engine.vocab, engine.config, s.deferred)
            s.deferred = None
