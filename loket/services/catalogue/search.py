"""Full-text search over requests and offers: one interface, two backends.

:func:`text_hits` turns what a user typed into a subquery ``(id, relevance)`` of the rows that
contain every word, higher relevance first; the catalogue joins it. The index itself is kept by the
database (``loket/models/search.py``):

- PostgreSQL: ``to_tsvector('dutch', ...) @@ plainto_tsquery('dutch', words)`` on the GIN index
  (Dutch stemming: "lessen" finds "les"), relevance ``ts_rank``.
- SQLite: FTS5 ``MATCH`` with each word quoted as a prefix (``"robot"*``: "robot" finds "robots";
  no stemmer for Dutch in SQLite), relevance ``-bm25``.

Words are letters and digits only (quotes, operators and column filters are dropped), so a query
can never be FTS syntax; at most :data:`MAX_WORDS` words are used.
"""

from __future__ import annotations

import re

from sqlalchemy import CTE, Float, Subquery, bindparam, column, func, literal_column, select, table, text

from loket.db import db
from loket.models.search import PG_CONFIG, PG_VECTOR, fts_table

MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")  # letters and digits; "_" and punctuation split words


def words(query: str | None) -> list[str]:
    """The searchable words of ``query``, lower case, in order, without duplicates."""
    seen: dict[str, None] = {}
    for w in _WORD.findall((query or "").lower()):
        seen.setdefault(w, None)
    return list(seen)[:MAX_WORDS]


def backend() -> str:
    return db.session.get_bind().dialect.name


def text_hits(model, query: str | None) -> Subquery | CTE | None:
    """``(id, relevance)`` of the ``model`` rows matching every word of ``query``; None without words."""
    terms = words(query)
    if not terms:
        return None
    name = model.__tablename__
    if backend() == "postgresql":
        tsq = func.plainto_tsquery(
            literal_column(f"'{PG_CONFIG}'::regconfig"), bindparam("fts_q", " ".join(terms))
        )
        vector = literal_column(PG_VECTOR)
        stmt = select(model.id.label("id"), func.ts_rank(vector, tsq).label("relevance")).where(
            vector.op("@@")(tsq)
        )
        return stmt.subquery(f"{name}_hits")
    fts = table(fts_table(name), column("rowid"))
    match = " AND ".join(f'"{t}"*' for t in terms)
    stmt = (
        select(
            fts.c.rowid.label("id"),
            (-func.bm25(literal_column(fts_table(name)), type_=Float)).label("relevance"),
        )
        .select_from(fts)
        .where(text(f"{fts_table(name)} MATCH :fts_q").bindparams(fts_q=match))
    )
    # materialised once: as a plain subquery SQLite may run the MATCH again for every joined row
    return stmt.cte(f"{name}_hits").prefix_with("MATERIALIZED")
