"""minutes and decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('started', meetprep.store.UTCDateTime(), nullable=True),
    sa.Column('ended', meetprep.store.UTCDateTime(), nullable=True),
    sa.Column('attendance', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('recorded_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_minutes_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_minutes_meeting_id'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('votes_yes', sa.Integer(), nullable=True),
    sa.Column('votes_no', sa.Integer(), nullable=True),
    sa.Column('votes_abstain', sa.Integer(), nullable=True),
    sa.Column('votes_biased', sa.Integer(), nullable=True),
    sa.Column('unanimous', sa.Boolean(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_decisions_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_decisions_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('consultation_id', 'meeting_id', name=op.f('uq_decisions_consultation_id_meeting_id'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_meeting_id'), ['meeting_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_consultation_id'))

    op.drop_table('decisions')
    op.drop_table('minutes')
