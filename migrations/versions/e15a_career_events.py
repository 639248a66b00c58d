"""career days: events, rounds, sessions, groups, assignments

Revision ID: e15a_career_events
Revises: q14b_weight_sets
Create Date: 2026-11-29 22:31:48.329858

"""

import sqlalchemy as sa
from alembic import op

import loket.db

# revision identifiers, used by Alembic.
revision = "e15a_career_events"
down_revision = "q14b_weight_sets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "career_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("venue_postcode", sa.String(length=7), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("registration_deadline", sa.Date(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("cluster_ids", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", loket.db.UTCDateTime(), nullable=False),
        sa.Column("planned_at", loket.db.UTCDateTime(), nullable=True),
        sa.Column("plan_summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_career_event_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_career_event")),
    )
    op.create_table(
        "event_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("class_name", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=False),
        sa.Column("round_ids", sa.JSON(), nullable=False),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", loket.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_event_group_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_group_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_event_group_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_group")),
    )
    with op.batch_alter_table("event_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_group_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_group_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "event_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_round_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_round")),
    )
    with op.batch_alter_table("event_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_round_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("seats_per_round", sa.Integer(), nullable=False),
        sa.Column("round_ids", sa.JSON(), nullable=False),
        sa.Column("pupils_do", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", loket.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_event_session_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_session_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_event_session_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_session")),
    )
    with op.batch_alter_table("event_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_session_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_event_session_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "event_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["career_event.id"],
            name=op.f("fk_event_assignment_event_id_career_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["event_group.id"],
            name=op.f("fk_event_assignment_group_id_event_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["event_round.id"],
            name=op.f("fk_event_assignment_round_id_event_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_session.id"],
            name=op.f("fk_event_assignment_session_id_event_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_assignment")),
        sa.UniqueConstraint("group_id", "round_id", name="uq_event_assignment_group_round"),
    )
    with op.batch_alter_table("event_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_assignment_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_assignment_round_id"), ["round_id"], unique=False)
        batch_op.create_index("ix_event_assignment_session_round", ["session_id", "round_id"], unique=False)


def downgrade():
    with op.batch_alter_table("event_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_event_assignment_session_round")
        batch_op.drop_index(batch_op.f("ix_event_assignment_round_id"))
        batch_op.drop_index(batch_op.f("ix_event_assignment_event_id"))

    op.drop_table("event_assignment")
    with op.batch_alter_table("event_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_session_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_event_session_event_id"))

    op.drop_table("event_session")
    with op.batch_alter_table("event_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_round_event_id"))

    op.drop_table("event_round")
    with op.batch_alter_table("event_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_group_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_event_group_event_id"))

    op.drop_table("event_group")
    op.drop_table("career_event")
