"""user session version: logout and "log out everywhere" end every earlier session

Revision ID: 6ceacbcb7213
Revises: 772172c2003e
Create Date: 2026-12-02 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "6ceacbcb7213"
down_revision = "772172c2003e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
