"""reasons as data (code + parameters), the soonest date of a stored suggestion

Revision ID: q14a_reasons_as_data
Revises: b7e13a9c4d21
Create Date: 2026-11-29 21:40:00

Stored suggestions get ``starts_on`` (their tie-break after distance). Their old Dutch reasons are
cleared (the lists are derived data with a new score version: the next refresh rewrites them); a
match's Dutch reason strings become ``{"code": "legacy_text", "params": {"text": ...}}``, shown as
they were. Downgrade turns reason data back into text (legacy text as it was, others as their code).
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "q14a_reasons_as_data"
down_revision = "b7e13a9c4d21"
branch_labels = None
depends_on = None


_match = sa.table("match", sa.column("id", sa.Integer), sa.column("reasons", sa.JSON))


def _rows():
    conn = op.get_bind()
    return conn, conn.execute(sa.select(_match.c.id, _match.c.reasons)).all()


def _write(conn, row_id: int, reasons: list) -> None:
    conn.execute(sa.update(_match).where(_match.c.id == row_id).values(reasons=reasons))


def _load(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def upgrade():
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
    op.execute(sa.text("UPDATE suggestion SET reasons = '[]'"))
    conn, rows = _rows()
    for row_id, reasons in rows:
        items = _load(reasons)
        if any(isinstance(x, str) for x in items):
            new = [{"code": "legacy_text", "params": {"text": x}} if isinstance(x, str) else x for x in items]
            _write(conn, row_id, new)


def downgrade():
    conn, rows = _rows()
    for row_id, reasons in rows:
        items = _load(reasons)
        if any(isinstance(x, dict) for x in items):
            old = [
                (x.get("params") or {}).get("text", x.get("code", "")) if isinstance(x, dict) else x
                for x in items
            ]
            _write(conn, row_id, old)
    op.execute(sa.text("UPDATE suggestion SET reasons = '[]'"))
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_column("starts_on")
