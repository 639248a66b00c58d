"""Working changed pairs into stored top-K lists without recomputing them, where that is exact: a
pair that enters above the K-th entry, or a list that was not full; otherwise the list is left to be
recomputed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select, update

from loket.db import db
from loket.matching import Suggestion
from loket.matching.order import Key, sort_key
from loket.models import StoredSuggestion
from loket.services.matching.lists import insert_rows, other_col, owner_col, rows_of
from loket.services.matching.open_records import chunks
from loket.services.matching.state import read_states

if TYPE_CHECKING:
    from loket.services.matching.cluster_weights import Weighting


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


def apply_changes(
    side: str, changes: dict[int, dict[int, Suggestion | None]], k: int, w: Weighting, now
) -> tuple[set[int], int]:
    """Work new pairs into the stored lists of ``side``'s owners. Returns (owners to recompute,
    rows changed). ``changes``: owner -> {other id: its new pair with the owner, or None}."""
    if not changes:
        return set(), 0
    states = read_states(side, changes)
    col, col_other = owner_col(side), other_col(side)
    stored: dict[int, list[tuple[Key, int, Any]]] = {o: [] for o in changes}
    for part in chunks(changes):
        q = (
            select(
                col,
                col_other,
                StoredSuggestion.id,
                StoredSuggestion.score,
                StoredSuggestion.distance_km,
                StoredSuggestion.starts_on,
            )
            .where(StoredSuggestion.side == side, col.in_(part))
            .order_by(col, StoredSuggestion.rank)
        )
        for owner, other, row_id, score, dist, starts_on in db.session.execute(q):
            stored[owner].append((sort_key(score, dist, starts_on, other), other, row_id))
    recompute: set[int] = set()
    deletes: list[int] = []
    inserts: dict[int, list[tuple[int, Suggestion]]] = {}
    ranks: list[dict[str, int]] = []
    for owner, by_other in changes.items():
        st = states.get(owner)
        if st is None or st.computed_at is None or st.weights_version != w.state_version(side, owner):
            recompute.add(owner)  # never computed (or by other weights): nothing exact to patch
            continue
        before = stored[owner]
        entries: list[tuple[Key, int, Any]] | None = before
        for other, pair in sorted(by_other.items()):
            new = (
                (sort_key(pair.score, pair.distance_km, pair.starts_on, other), pair)
                if pair is not None
                else None
            )
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
            row = rows_of(side, {owner: [s]}, w, now)[0]
            row["rank"] = rank
            rows.append(row)
    insert_rows(rows)
    return recompute, len(deletes) + len(ranks) + len(rows)
