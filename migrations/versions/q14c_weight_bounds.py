"""the admin's bounds on each feature weight

Revision ID: q14c_weight_bounds
Revises: e15c_event_followup
Create Date: 2026-11-30 00:10:00

"""

import sqlalchemy as sa
from alembic import op

import loket.db

# revision identifiers, used by Alembic.
revision = "q14c_weight_bounds"
down_revision = "e15c_event_followup"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "weight_bound",
        sa.Column("feature", sa.String(length=20), nullable=False),
        sa.Column("lo", sa.Float(), nullable=False),
        sa.Column("hi", sa.Float(), nullable=False),
        sa.Column("updated_at", loket.db.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_weight_bound_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("feature", name=op.f("pk_weight_bound")),
    )


def downgrade():
    op.drop_table("weight_bound")
