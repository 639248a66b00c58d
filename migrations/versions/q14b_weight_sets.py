"""weight sets learned from decisions; a match's fits and weights version

Revision ID: q14b_weight_sets
Revises: q14a_reasons_as_data
Create Date: 2026-11-29 21:50:00

"""

import sqlalchemy as sa
from alembic import op

import loket.db

# revision identifiers, used by Alembic.
revision = "q14b_weight_sets"
down_revision = "q14a_reasons_as_data"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "weight_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", loket.db.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", loket.db.UTCDateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["cluster.id"], name=op.f("fk_weight_set_cluster_id_cluster"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_weight_set_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["user_account.id"],
            name=op.f("fk_weight_set_undone_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weight_set")),
    )
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fits", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("weights_version", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_column("weights_version")
        batch_op.drop_column("fits")
    op.drop_table("weight_set")
