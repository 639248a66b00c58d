"""ops: index on lower(email) for the login lookup; scheduler job state

Revision ID: 5b1e0c7a9d42
Revises: 772172c2003e
Create Date: 2026-11-29 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
import loket.db


# revision identifiers, used by Alembic.
revision = '5b1e0c7a9d42'
down_revision = '772172c2003e'
branch_labels = None
depends_on = None


def upgrade():
    # a functional index: PostgreSQL and SQLite (3.9+) both use it for WHERE lower(email) = :x
    op.create_index('ix_user_email_lower', 'user_account', [sa.text('lower(email)')], unique=False)
    op.create_table('scheduler_job',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_started_at', loket.db.UTCDateTime(), nullable=True),
    sa.Column('last_finished_at', loket.db.UTCDateTime(), nullable=True),
    sa.Column('last_ok', sa.Boolean(), nullable=True),
    sa.Column('last_result', sa.JSON(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_instance', sa.String(length=200), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures_in_a_row', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_job'))
    )


def downgrade():
    op.drop_table('scheduler_job')
    op.drop_index('ix_user_email_lower', table_name='user_account')
