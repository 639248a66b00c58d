"""career days: invitations to companies (who, when, rank, the single-use link)

Revision ID: e15b_event_invitations
Revises: q14c_weight_bounds
Create Date: 2026-11-29 23:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

import loket.db

# revision identifiers, used by Alembic.
revision = "e15b_event_invitations"
down_revision = "q14c_weight_bounds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", loket.db.UTCDateTime(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_invitation_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name=op.f("fk_event_invitation_invited_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_event_invitation_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_session.id"],
            name=op.f("fk_event_invitation_session_id_event_session"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_event_invitation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_invitation")),
        sa.UniqueConstraint("event_id", "user_id", name="uq_event_invitation_event_user"),
        sa.UniqueConstraint("jti", name=op.f("uq_event_invitation_jti")),
    )
    with op.batch_alter_table("event_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_invitation_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_event_invitation_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("event_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_invitation_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_event_invitation_event_id"))
    op.drop_table("event_invitation")
