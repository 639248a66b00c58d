"""manager notes: private notes on organisations, requests and matches, with a follow-up date

Revision ID: b7e13a9c4d21
Revises: ca7a1096e5a1
Create Date: 2025-01-01 00:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import loket.db

# revision identifiers, used by Alembic.
revision = 'b7e13a9c4d21'
down_revision = 'ca7a1096e5a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('manager_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=12), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('done_at', loket.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', loket.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_manager_note_author_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manager_note'))
    )
    with op.batch_alter_table('manager_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manager_note_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_manager_note_follow_up', ['follow_up_on', 'done_at'], unique=False)
        batch_op.create_index('ix_manager_note_object', ['object_type', 'object_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('manager_note', schema=None) as batch_op:
        batch_op.drop_index('ix_manager_note_object')
        batch_op.drop_index('ix_manager_note_follow_up')
        batch_op.drop_index(batch_op.f('ix_manager_note_author_id'))

    op.drop_table('manager_note')
