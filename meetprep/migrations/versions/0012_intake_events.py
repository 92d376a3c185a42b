"""the papers inbox's events, reported in the secretaries' intake digest

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_key', sa.String(length=64), nullable=False),
    sa.Column('committee_key', sa.String(length=64), nullable=True),
    sa.Column('file', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('at', meetprep.store.schema.UTCDateTime(), nullable=False),
    sa.Column('digest', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_events')),
    sa.UniqueConstraint('body_key', 'sha256', 'outcome', name=op.f('uq_intake_events_body_key_sha256_outcome'))
    )
    with op.batch_alter_table('intake_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_events_digest'), ['digest'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('intake_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_events_digest'))

    op.drop_table('intake_events')
