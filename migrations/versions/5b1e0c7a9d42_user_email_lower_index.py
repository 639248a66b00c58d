"""index on lower(email) for the login lookup

Revision ID: 5b1e0c7a9d42
Revises: 772172c2003e
Create Date: 2026-11-29 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e0c7a9d42'
down_revision = '772172c2003e'
branch_labels = None
depends_on = None


def upgrade():
    # a functional index: PostgreSQL and SQLite (3.9+) both use it for WHERE lower(email) = :x
    op.create_index('ix_user_email_lower', 'user_account', [sa.text('lower(email)')], unique=False)


def downgrade():
    op.drop_index('ix_user_email_lower', table_name='user_account')
