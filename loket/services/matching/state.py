"""The freshness rows of the stored suggestions (``suggestion_state``: dirty since, touches, computed
at, weights version, per list owner) and the one lock every writer of the stored suggestions takes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, case, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from loket.db import db
from loket.models import SuggestionState
from loket.services.matching.open_records import chunks

if TYPE_CHECKING:
    from loket.services.matching.cluster_weights import Weighting

LOCK_KEY = 0x4C4B5347  # PostgreSQL advisory lock of the suggestion writers ("LKSG")


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


def ensure_state(side: str, ids: Iterable[int]) -> None:
    """A state row for each of ``ids`` that has none yet."""
    upsert_state([{"side": side, "owner_id": i, "touches": 0} for i in sorted(set(ids))], None)


def read_states(side: str, ids: Iterable[int]) -> dict[int, Any]:
    """The state rows (side, owner_id, dirty_since, touched_at, touches, computed_at, ...) of ``ids``."""
    out: dict[int, Any] = {}
    t = SuggestionState.__table__
    for part in chunks(ids):
        for row in db.session.execute(select(t).where(t.c.side == side, t.c.owner_id.in_(part))):
            out[row.owner_id] = row
    return out


def mark_done(side: str, seqs: dict[int, int], w: Weighting, now) -> None:
    """Mark lists computed (with the version ``w`` gives each list); clear the dirty mark when no
    change came in since ``seqs`` was read."""
    if not seqs:
        return
    t = SuggestionState.__table__
    stmt = (
        update(t)
        .where(t.c.side == side, t.c.owner_id == bindparam("b_owner"))
        .values(
            computed_at=now,
            weights_version=bindparam("b_version"),
            dirty_since=case((t.c.touches == bindparam("b_seq"), None), else_=t.c.dirty_since),
        )
    )
    params = [
        {"b_owner": o, "b_seq": s, "b_version": w.state_version(side, o)} for o, s in sorted(seqs.items())
    ]
    db.session.connection().execute(stmt, params)


def mark_computed(side: str, ids: Iterable[int], w: Weighting, now) -> None:
    """Mark lists computed (patched or recomputed as a side effect) without touching dirty marks."""
    ids = sorted(set(ids))
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
        },
    )
