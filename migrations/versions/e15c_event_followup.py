"""career days: reminders sent and feedback per session

Revision ID: e15c_event_followup
Revises: e15a_career_events
Create Date: 2026-11-29 23:50:00

"""

import sqlalchemy as sa
from alembic import op

import loket.db

# revision identifiers, used by Alembic.
revision = "e15c_event_followup"
down_revision = "e15a_career_events"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("sent_at", loket.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_reminder_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_event_reminder_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_reminder")),
        sa.UniqueConstraint("event_id", "user_id", "kind", name="uq_event_reminder_event_user_kind"),
    )
    with op.batch_alter_table("event_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_reminder_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_reminder_user_id"), ["user_id"], unique=False)

    op.create_table(
        "event_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", loket.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", loket.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_feedback_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_session.id"],
            name=op.f("fk_event_feedback_session_id_event_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_event_feedback_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_event_feedback_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_feedback")),
        sa.UniqueConstraint("session_id", "user_id", name="uq_event_feedback_session_user"),
    )
    with op.batch_alter_table("event_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_feedback_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_feedback_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_feedback_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("event_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_feedback_user_id"))
        batch_op.drop_index(batch_op.f("ix_event_feedback_session_id"))
        batch_op.drop_index(batch_op.f("ix_event_feedback_event_id"))
    op.drop_table("event_feedback")
    with op.batch_alter_table("event_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_reminder_user_id"))
        batch_op.drop_index(batch_op.f("ix_event_reminder_event_id"))
    op.drop_table("event_reminder")
