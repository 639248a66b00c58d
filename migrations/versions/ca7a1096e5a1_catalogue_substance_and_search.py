"""catalogue: substance on requests and offers, organisation profile, full-text search

Existing rows get an empty description, no duration, costs "gratis" and no VOG. The full-text
index is a GIN index on the Dutch text vector on PostgreSQL and an FTS5 table kept by triggers on
SQLite (see loket/models/search.py; the statements are repeated here so that this migration stays
as it is when the model changes).

Revision ID: ca7a1096e5a1
Revises: c7a1e5d0b2f4
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ca7a1096e5a1'
down_revision = 'c7a1e5d0b2f4'
branch_labels = None
depends_on = None

SEARCH_COLUMNS = ("activity", "topic", "description")
PG_VECTOR = "to_tsvector('dutch'::regconfig, " + " || ' ' || ".join(
    f"coalesce({c}, '')" for c in SEARCH_COLUMNS
) + ")"


def _sqlite_fts(table):
    fts, cols = f"{table}_fts", ", ".join(SEARCH_COLUMNS)
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
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _common(batch_op):
    batch_op.add_column(sa.Column('description', sa.String(length=4000), server_default='', nullable=False))
    batch_op.add_column(sa.Column('duration_minutes', sa.Integer(), nullable=True))


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', sa.String(length=1000), server_default='', nullable=False))

    with op.batch_alter_table('request', schema=None) as batch_op:
        _common(batch_op)
        batch_op.add_column(sa.Column('vog_required', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('offer', schema=None) as batch_op:
        _common(batch_op)
        batch_op.add_column(sa.Column('group_size_max', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('school_arranges', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('costs', sa.String(length=200), server_default='gratis', nullable=False))
        batch_op.add_column(sa.Column('accessibility', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('guest_has_vog', sa.Boolean(), server_default=sa.false(), nullable=False))

    for table in ('request', 'offer'):
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin ({PG_VECTOR})")
        elif op.get_bind().dialect.name == 'sqlite':
            for stmt in _sqlite_fts(table):
                op.execute(stmt)


def downgrade():
    for table in ('request', 'offer'):
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        elif op.get_bind().dialect.name == 'sqlite':
            for t in ('ai', 'ad', 'au'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{t}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")

    with op.batch_alter_table('offer', schema=None) as batch_op:
        for col in ('guest_has_vog', 'accessibility', 'costs', 'school_arranges', 'group_size_max',
                    'duration_minutes', 'description'):
            batch_op.drop_column(col)

    with op.batch_alter_table('request', schema=None) as batch_op:
        for col in ('vog_required', 'duration_minutes', 'description'):
            batch_op.drop_column(col)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('profile')
