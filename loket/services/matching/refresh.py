"""Stored suggestions, kept up to date: each open request's top-K offers and each open offer's top-K
requests in reach (``loket.models.suggestions``).

- ``process(request_ids, offer_ids)``: the incremental step, run after the commit of a change
  (``loket.services.matching.dirty``). It recomputes the touched owners' own lists against the
  candidates found around them (``candidates``), then works the touched rows' new pairs into the
  lists of the other side: a list takes a new pair in, drops one or re-ranks without recomputing
  when that is exact (the pair enters above the K-th entry, or the list was not full), and is
  recomputed from its own candidates otherwise (a pair that leaves a full list).
- ``refresh_all(progress)``: the full rebuild (``loket match --refresh``, nightly), one engine over
  all open offers and one ``RequestIndex`` over all open requests, written in blocks with a commit
  per block; changes made while it ran are worked in at the end.
- ``refresh_dirty()``: work in the owners still marked dirty (a crashed worker, Redis down).
- ``staleness_seconds()``: age of the oldest change not yet worked in (0 when all is current).

A pair's score depends on that pair only (``loket.matching.topic``), so the incremental result equals
the full rebuild's; tests compare them row for row. Every writer takes one lock first (a PostgreSQL
advisory lock; SQLite serialises writers anyway), so lists are never patched from a stale read.
"""

from __future__ import annotations

import hashlib
import logging
import time as clock
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from loket.db import UTCDateTime, db, utcnow
from loket.matching import Engine, MatchConfig, Suggestion
from loket.matching.reach import RequestIndex
from loket.models import StoredSuggestion, SuggestionState
from loket.models.suggestions import EVERYTHING, FOR_OFFER, FOR_REQUEST
from loket.services.matching import candidates
from loket.services.matching.candidates import chunks

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

#: version of the scoring code; with a digest of MatchConfig it forms the rows' ``weights_version``
SCORE_VERSION = "1"
BLOCK = 1000  # owners per block (and per commit) of the full rebuild
LOCK_KEY = 0x4C4B5347  # PostgreSQL advisory lock of the suggestion writers ("LKSG")
CATCH_UP_MARGIN = timedelta(seconds=5)  # a change this close before a rebuild started is redone after it


def weights_version(config: MatchConfig | None = None) -> str:
    """``v<SCORE_VERSION>-<digest of the weights and constants>``: changes whenever scores may."""
    cfg = asdict(config or MatchConfig())
    digest = hashlib.sha1(repr(sorted(cfg.items())).encode()).hexdigest()[:8]
    return f"v{SCORE_VERSION}-{digest}"


def top_k() -> int:
    """K: how many suggestions are stored per request and per offer (LOKET_SUGGESTIONS_TOP)."""
    return max(1, int(current_app.config["LOKET_SUGGESTIONS_TOP"]))


def _owner_col(side: str):
    return StoredSuggestion.request_id if side == FOR_REQUEST else StoredSuggestion.offer_id


def _other_col(side: str):
    return StoredSuggestion.offer_id if side == FOR_REQUEST else StoredSuggestion.request_id


# --------------------------------------------------------------------------- locking and state rows
def lock() -> None:
    """Serialise the suggestion writers until the end of this transaction (PostgreSQL: also no JIT
    for its queries, which spends seconds compiling what runs in milliseconds)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def upsert_state(rows: list[dict[str, Any]], on_conflict: dict[str, Any] | None) -> None:
    """Insert SuggestionState rows; on an existing (side, owner) apply ``on_conflict`` (None: keep it).

    ``on_conflict`` values may use ``excluded`` (the proposed row) through a callable taking the
    insert statement.
    """
    if not rows:
        return
    table = SuggestionState.__table__
    dialect = db.session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    if on_conflict is None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["side", "owner_id"])
    else:
        values = {k: (v(stmt) if callable(v) else v) for k, v in on_conflict.items()}
        stmt = stmt.on_conflict_do_update(index_elements=["side", "owner_id"], set_=values)
    conn = db.session.connection()
    for i in range(0, len(rows), 5000):
        conn.execute(stmt, rows[i : i + 5000])


def _ensure_state(side: str, ids: Iterable[int]) -> None:
    upsert_state([{"side": side, "owner_id": i, "touches": 0} for i in sorted(set(ids))], None)


def _states(side: str, ids: Iterable[int]) -> dict[int, Any]:
    """The state rows (side, owner_id, dirty_since, touched_at, touches, computed_at, ...) of ``ids``."""
    out: dict[int, Any] = {}
    t = SuggestionState.__table__
    for part in chunks(ids):
        for row in db.session.execute(select(t).where(t.c.side == side, t.c.owner_id.in_(part))):
            out[row.owner_id] = row
    return out


def _done(side: str, seqs: dict[int, int], version: str, now) -> None:
    """Mark lists computed; clear the dirty mark when no change came in since ``seqs`` was read."""
    if not seqs:
        return
    t = SuggestionState.__table__
    stmt = (
        update(t)
        .where(t.c.side == side, t.c.owner_id == bindparam("b_owner"))
        .values(
            computed_at=now,
            weights_version=version,
            dirty_since=case((t.c.touches == bindparam("b_seq"), None), else_=t.c.dirty_since),
        )
    )
    params = [{"b_owner": o, "b_seq": s} for o, s in sorted(seqs.items())]
    db.session.connection().execute(stmt, params)


def _computed(side: str, ids: Iterable[int], version: str, now) -> None:
    """Mark lists computed (patched or recomputed as a side effect) without touching dirty marks."""
    ids = sorted(set(ids))
    upsert_state(
        [
            {"side": side, "owner_id": i, "touches": 0, "computed_at": now, "weights_version": version}
            for i in ids
        ],
        {
            "computed_at": lambda s: s.excluded.computed_at,
            "weights_version": lambda s: s.excluded.weights_version,
        },
    )


# --------------------------------------------------------------------------- writing lists
def _rows_of(side: str, lists: dict[int, list[Suggestion]], version: str, now) -> list[dict[str, Any]]:
    return [
        {
            "side": side,
            "request_id": int(s.request_id),
            "offer_id": int(s.offer_id),
            "rank": rank,
            "score": float(s.score),
            "breakdown": dict(s.contributions),
            "reasons": list(s.reasons),
            "distance_km": s.distance_km,
            "mode": s.mode,
            "weights_version": version,
            "computed_at": now,
        }
        for owner in sorted(lists)
        for rank, s in enumerate(lists[owner], start=1)
    ]


def _insert(rows: list[dict[str, Any]]) -> None:
    conn = db.session.connection()
    for i in range(0, len(rows), 5000):
        conn.execute(StoredSuggestion.__table__.insert(), rows[i : i + 5000])


def _replace(side: str, owners: Iterable[int], lists: dict[int, list[Suggestion]], version: str, now) -> int:
    """The lists of ``owners`` become ``lists`` (missing owners: empty). Returns the rows written."""
    owners = sorted(set(owners))
    col = _owner_col(side)
    for part in chunks(owners):
        db.session.execute(
            delete(StoredSuggestion)
            .where(StoredSuggestion.side == side, col.in_(part))
            .execution_options(synchronize_session=False)
        )
    rows = _rows_of(side, {o: lists.get(o, []) for o in owners}, version, now)
    _insert(rows)
    return len(rows)


# --------------------------------------------------------------------------- computing lists
def _request_lists(records, k: int | None, today: date | None) -> tuple[dict[int, list[Suggestion]], dict]:
    """Each request's best ``k`` offers (all feasible with None) over its candidates; and the offers."""
    if not records:
        return {}, {}
    offers = candidates.offer_candidates(records)
    excluded = candidates.excluded_pairs(request_ids=[int(r.id) for r in records])
    lists = Engine(offers.records).suggest_all(records, k, excluded)
    return {int(rid): v for rid, v in lists.items()}, {o.id: o for o in offers.records}


def _offer_lists(records, k: int | None, today: date | None) -> tuple[dict[int, list[Suggestion]], dict]:
    """Each offer's best ``k`` requests in reach (all feasible with None); and the requests."""
    if not records:
        return {}, {}
    reqs = candidates.request_candidates(records, today)
    excluded = candidates.excluded_pairs(offer_ids=[int(o.id) for o in records])
    lists = RequestIndex(reqs.records).rank_all(records, k, excluded)
    return {int(oid): v for oid, v in lists.items()}, {r.id: r for r in reqs.records}


def _recompute(side: str, ids: set[int], k: int, version: str, now, today: date | None) -> int:
    """Recompute the lists of ``ids`` from their own candidates (no changes to the other side)."""
    if not ids:
        return 0
    if side == FOR_REQUEST:
        lists, _ = _request_lists(candidates.open_requests(ids, today).records, k, today)
    else:
        lists, _ = _offer_lists(candidates.open_offers(ids).records, k, today)
    n = _replace(side, ids, lists, version, now)
    _computed(side, ids, version, now)
    return n


# --------------------------------------------------------------------------- patching other lists
Key = tuple[float, str]


def _key(score: float, other: int) -> Key:
    """The engine's order: score descending, then the id as text ascending."""
    return (-score, str(other))


def patch_list(
    entries: list[tuple[Key, int, Any]], other: int, new: tuple[Key, Any] | None, k: int
) -> list[tuple[Key, int, Any]] | None:
    """``entries`` (key, other id, payload; best first; the exact top-k) after ``other``'s pair changed
    to ``new`` (None: no longer feasible). None when that cannot be known without recomputing: the
    pair left (or fell within) a full list, so the entry after the k-th is unknown."""
    entries = entries[:k]
    pos = next((i for i, e in enumerate(entries) if e[1] == other), None)
    added = [(new[0], other, new[1])] if new is not None else []
    if pos is None:
        if not added:
            return entries
        if len(entries) < k or added[0][0] < entries[-1][0]:
            return sorted(entries + added, key=lambda e: e[0])[:k]
        return entries
    rest = entries[:pos] + entries[pos + 1 :]
    if len(entries) < k:  # the list held every feasible pair
        return sorted(rest + added, key=lambda e: e[0])
    if added and added[0][0] < entries[-1][0]:  # still above everything outside the list
        return sorted(rest + added, key=lambda e: e[0])
    return None


def _apply(
    side: str, changes: dict[int, dict[int, Suggestion | None]], k: int, version: str, now
) -> tuple[set[int], int]:
    """Work new pairs into the stored lists of ``side``'s owners. Returns (owners to recompute,
    rows changed). ``changes``: owner -> {other id: its new pair with the owner, or None}."""
    if not changes:
        return set(), 0
    states = _states(side, changes)
    col, other_col = _owner_col(side), _other_col(side)
    stored: dict[int, list[tuple[Key, int, Any]]] = {o: [] for o in changes}
    for part in chunks(changes):
        q = (
            select(col, other_col, StoredSuggestion.id, StoredSuggestion.score, StoredSuggestion.rank)
            .where(StoredSuggestion.side == side, col.in_(part))
            .order_by(col, StoredSuggestion.rank)
        )
        for owner, other, row_id, score, _rank in db.session.execute(q):
            stored[owner].append((_key(score, other), other, row_id))
    recompute: set[int] = set()
    deletes: list[int] = []
    inserts: dict[int, list[tuple[int, Suggestion]]] = {}
    ranks: list[dict[str, int]] = []
    for owner, by_other in changes.items():
        st = states.get(owner)
        if st is None or st.computed_at is None or st.weights_version != version:
            recompute.add(owner)  # never computed (or by other weights): nothing exact to patch
            continue
        before = stored[owner]
        entries: list[tuple[Key, int, Any]] | None = before
        for other, pair in sorted(by_other.items()):
            new = (_key(pair.score, other), pair) if pair is not None else None
            entries = patch_list(entries, other, new, k)
            if entries is None:
                break
        if entries is None:
            recompute.add(owner)
            continue
        kept = {e[2] for e in entries if isinstance(e[2], int)}
        deletes += [e[2] for e in before if e[2] not in kept]
        old_rank = {e[2]: i for i, e in enumerate(before, start=1)}
        for rank, (_, _, payload) in enumerate(entries, start=1):
            if isinstance(payload, int):
                if old_rank[payload] != rank:
                    ranks.append({"b_id": payload, "b_rank": rank})
            else:
                inserts.setdefault(owner, []).append((rank, payload))
    for part in chunks(deletes):
        db.session.execute(
            delete(StoredSuggestion)
            .where(StoredSuggestion.id.in_(part))
            .execution_options(synchronize_session=False)
        )
    if ranks:
        t = StoredSuggestion.__table__
        db.session.connection().execute(
            update(t).where(t.c.id == bindparam("b_id")).values(rank=bindparam("b_rank")), ranks
        )
    rows = []
    for owner, items in inserts.items():
        for rank, s in items:
            row = _rows_of(side, {owner: [s]}, version, now)[0]
            row["rank"] = rank
            rows.append(row)
    _insert(rows)
    return recompute, len(deletes) + len(ranks) + len(rows)


# --------------------------------------------------------------------------- the incremental step
def process(
    request_ids: Iterable[int] = (), offer_ids: Iterable[int] = (), *, today: date | None = None
) -> dict[str, Any]:
    """Recompute the lists of these requests and offers and work their new pairs into the other
    side's lists; one transaction, committed here. Returns what it did."""
    t0 = clock.perf_counter()
    req_ids, off_ids = {int(i) for i in request_ids}, {int(i) for i in offer_ids}
    if not req_ids and not off_ids:
        return {"requests": 0, "offers": 0}
    k, version, now = top_k(), weights_version(), utcnow()
    lock()
    _ensure_state(FOR_REQUEST, req_ids)
    _ensure_state(FOR_OFFER, off_ids)
    seq_r = {o: s.touches for o, s in _states(FOR_REQUEST, req_ids).items()}
    seq_o = {o: s.touches for o, s in _states(FOR_OFFER, off_ids).items()}

    # 1. the touched owners' own lists, from all their feasible pairs
    reqs = candidates.open_requests(req_ids, today).records
    offs = candidates.open_offers(off_ids).records
    all_r, offer_recs = _request_lists(reqs, None, today)
    all_o, request_recs = _offer_lists(offs, None, today)
    written = _replace(FOR_REQUEST, req_ids, {r: v[:k] for r, v in all_r.items()}, version, now)
    written += _replace(FOR_OFFER, off_ids, {o: v[:k] for o, v in all_o.items()}, version, now)

    # 2. their pairs as seen from the other side: None where a stored pair is no longer feasible
    offer_changes: dict[int, dict[int, Suggestion | None]] = {}
    request_changes: dict[int, dict[int, Suggestion | None]] = {}
    for side, touched, into in (
        (FOR_OFFER, req_ids, offer_changes),
        (FOR_REQUEST, off_ids, request_changes),
    ):
        for part in chunks(touched):
            q = select(_owner_col(side), _other_col(side)).where(
                StoredSuggestion.side == side, _other_col(side).in_(part)
            )
            for owner, other in db.session.execute(q):
                into.setdefault(owner, {})[other] = None
    by_req = {int(r.id): r for r in reqs}
    for rid, pairs in all_r.items():  # a touched request's pair, scored the offers' way
        if not pairs:
            continue
        ranked = RequestIndex([by_req[rid]]).rank_all([offer_recs[p.offer_id] for p in pairs], None)
        for p in pairs:  # feasible, so not excluded
            got = ranked.get(p.offer_id) or []
            offer_changes.setdefault(int(p.offer_id), {})[rid] = got[0] if got else None
    by_off = {int(o.id): o for o in offs}
    for oid, pairs in all_o.items():  # a touched offer's pair, scored the requests' way
        if not pairs:
            continue
        lists = Engine([by_off[oid]]).suggest_all([request_recs[p.request_id] for p in pairs], None)
        for p in pairs:
            got = lists.get(p.request_id) or []
            request_changes.setdefault(int(p.request_id), {})[oid] = got[0] if got else None
    for rid in req_ids:
        request_changes.pop(rid, None)
    for oid in off_ids:
        offer_changes.pop(oid, None)

    # 3. patch where exact, recompute the rest
    redo_r, n_r = _apply(FOR_REQUEST, request_changes, k, version, now)
    redo_o, n_o = _apply(FOR_OFFER, offer_changes, k, version, now)
    written += n_r + n_o
    written += _recompute(FOR_REQUEST, redo_r, k, version, now, today)
    written += _recompute(FOR_OFFER, redo_o, k, version, now, today)
    _computed(FOR_REQUEST, set(request_changes) - redo_r, version, now)
    _computed(FOR_OFFER, set(offer_changes) - redo_o, version, now)
    _done(FOR_REQUEST, seq_r, version, now)
    _done(FOR_OFFER, seq_o, version, now)
    db.session.commit()
    return {
        "requests": len(req_ids),
        "offers": len(off_ids),
        "patched": len(request_changes) + len(offer_changes) - len(redo_r) - len(redo_o),
        "recomputed": len(redo_r) + len(redo_o),
        "rows": written,
        "seconds": round(clock.perf_counter() - t0, 4),
    }


# --------------------------------------------------------------------------- the full rebuild
def refresh_all(progress: Progress | None = None, *, block: int = BLOCK, today: date | None = None) -> dict:
    """Rebuild every stored list (``loket match --refresh``): commits per block of owners; changes
    made meanwhile are worked in at the end. ``progress(done, total)`` counts owners."""
    t0 = clock.perf_counter()
    started = utcnow()
    k, version = top_k(), weights_version()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
    reqs = candidates.open_requests(None, today)
    offs = candidates.open_offers(None)
    excluded = candidates.all_excluded_pairs()
    engine = Engine(offs.records)
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
        rows += _replace(
            FOR_REQUEST, [int(r.id) for r in part], {int(a): b for a, b in lists.items()}, version, now
        )
        _rebuilt(FOR_REQUEST, [int(r.id) for r in part], version, now, started)
        db.session.commit()
        done += len(part)
        if progress is not None:
            progress(done, total)
    del engine
    index = RequestIndex(reqs.records)
    for i in range(0, len(offs.records), block):
        part = offs.records[i : i + block]
        lists = index.rank_all(part, k, excluded)
        now = utcnow()
        lock()
        rows += _replace(
            FOR_OFFER, [int(o.id) for o in part], {int(a): b for a, b in lists.items()}, version, now
        )
        _rebuilt(FOR_OFFER, [int(o.id) for o in part], version, now, started)
        db.session.commit()
        done += len(part)
        if progress is not None:
            progress(done, total)
    removed = _drop_lists_of_others(reqs.ids, offs.ids, version, started)
    caught_up = _catch_up(started)
    return {
        "requests": len(reqs.records),
        "offers": len(offs.records),
        "rows": rows,
        "removed": removed,
        "skipped": len(reqs.skipped) + len(offs.skipped),
        "caught_up": caught_up,
        "top": k,
        "weights_version": version,
        "seconds": round(clock.perf_counter() - t0, 3),
    }


def _rebuilt(side: str, ids: list[int], version: str, now, started) -> None:
    """State after a rebuilt block: computed; clean unless a change came in near or after ``started``."""
    cutoff = started - CATCH_UP_MARGIN
    t = SuggestionState.__table__
    cut = bindparam("cutoff", cutoff, type_=UTCDateTime)
    upsert_state(
        [
            {"side": side, "owner_id": i, "touches": 0, "computed_at": now, "weights_version": version}
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


def _drop_lists_of_others(req_ids: set[int], off_ids: set[int], version: str, started) -> int:
    """Remove the lists of owners that are not open (or not matchable) any more."""
    lock()
    removed = 0
    for side, live in ((FOR_REQUEST, req_ids), (FOR_OFFER, off_ids)):
        col = _owner_col(side)
        owners = set(db.session.scalars(select(col).where(StoredSuggestion.side == side).distinct()))
        gone = owners - live
        for part in chunks(gone):
            removed += db.session.execute(
                delete(StoredSuggestion)
                .where(StoredSuggestion.side == side, col.in_(part))
                .execution_options(synchronize_session=False)
            ).rowcount
        _rebuilt(side, sorted(gone), version, utcnow(), started)
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


# --------------------------------------------------------------------------- leftovers and freshness
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
