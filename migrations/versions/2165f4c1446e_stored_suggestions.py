"""stored suggestions: the suggestion table, its freshness marks, bounding-box indexes

Revision ID: 2165f4c1446e
Revises: 5b1e0c7a9d42
Create Date: 2026-11-29 17:44:58.116445

"""
from alembic import op
import sqlalchemy as sa
import loket.db


# revision identifiers, used by Alembic.
revision = '2165f4c1446e'
down_revision = '5b1e0c7a9d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('suggestion_state',
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('owner_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('dirty_since', loket.db.UTCDateTime(), nullable=True),
    sa.Column('touched_at', loket.db.UTCDateTime(), nullable=True),
    sa.Column('touches', sa.Integer(), nullable=False),
    sa.Column('computed_at', loket.db.UTCDateTime(), nullable=True),
    sa.Column('weights_version', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('side', 'owner_id', name=op.f('pk_suggestion_state'))
    )
    with op.batch_alter_table('suggestion_state', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_state_dirty_since', ['dirty_since'], unique=False)

    op.create_table('suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('distance_km', sa.Float(), nullable=True),
    sa.Column('mode', sa.String(length=12), nullable=True),
    sa.Column('weights_version', sa.String(length=40), nullable=False),
    sa.Column('computed_at', loket.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_suggestion_offer_id_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_suggestion_request_id_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion'))
    )
    with op.batch_alter_table('suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_offer_side_rank', ['offer_id', 'side', 'rank'], unique=False)
        batch_op.create_index('ix_suggestion_request_side_rank', ['request_id', 'side', 'rank'], unique=False)

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.create_index('ix_location_lat_lon', ['lat', 'lon'], unique=False)

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index('ix_offer_location', ['location_id'], unique=False)

    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_location', ['location_id'], unique=False)



def downgrade():
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_location')

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_location')

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index('ix_location_lat_lon')

    with op.batch_alter_table('suggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_request_side_rank')
        batch_op.drop_index('ix_suggestion_offer_side_rank')

    op.drop_table('suggestion')
    with op.batch_alter_table('suggestion_state', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_state_dirty_since')

    op.drop_table('suggestion_state')
