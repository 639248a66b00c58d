"""The full-text index of requests and offers, kept by the database itself on both backends.

The searched document of a row is its activity code, topic and description.

- PostgreSQL: a GIN index on ``to_tsvector('dutch', activity || ' ' || topic || ' ' || description)``
  (Dutch stemming); :data:`PG_VECTOR` is that exact expression, which queries must repeat so that
  the planner uses the index. The index follows every write, bulk SQL included.
- SQLite: an FTS5 table ``<table>_fts`` with external content (the row itself), kept by three
  triggers on the table. :func:`sqlite_ddl` gives the statements; ``create_all`` runs them through
  :func:`install`, the migration writes the same statements.

A batch migration that rebuilds ``request`` or ``offer`` on SQLite drops its triggers: it must run
:func:`sqlite_ddl` again (and ``'rebuild'`` the FTS table) afterwards.
"""

from __future__ import annotations

from sqlalchemy import DDL, Index, Table, event, text

SEARCH_COLUMNS = ("activity", "topic", "description")
PG_CONFIG = "dutch"
PG_DOCUMENT = " || ' ' || ".join(f"coalesce({c}, '')" for c in SEARCH_COLUMNS)
PG_VECTOR = f"to_tsvector('{PG_CONFIG}'::regconfig, {PG_DOCUMENT})"


def fts_table(table: str) -> str:
    return f"{table}_fts"


def search_index(table: str) -> Index:
    """The PostgreSQL GIN index on the Dutch text vector (created on PostgreSQL only)."""
    return Index(f"ix_{table}_search", text(PG_VECTOR), postgresql_using="gin").ddl_if(dialect="postgresql")


def sqlite_ddl(table: str) -> list[str]:
    """CREATE statements of the SQLite FTS5 table and the triggers that keep it in step."""
    fts, cols = fts_table(table), ", ".join(SEARCH_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
    ]


def sqlite_drop(table: str) -> list[str]:
    fts = fts_table(table)
    return [f"DROP TRIGGER IF EXISTS {fts}_{t}" for t in ("ai", "ad", "au")] + [f"DROP TABLE IF EXISTS {fts}"]


def install(table: Table) -> None:
    """Create the SQLite FTS table with ``table`` (``create_all``) and drop it with it."""
    for stmt in sqlite_ddl(table.name):
        event.listen(table, "after_create", DDL(stmt).execute_if(dialect="sqlite"))
    for stmt in sqlite_drop(table.name):
        event.listen(table, "before_drop", DDL(stmt).execute_if(dialect="sqlite"))


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: leave out the SQLite FTS tables (not models) and the text-vector
    indexes, whose expression PostgreSQL reflects in another spelling; the migration creates both."""
    if type_ == "table" and reflected and compare_to is None and name and "_fts" in name:
        return False
    return not (type_ == "index" and name and name.endswith("_search"))
