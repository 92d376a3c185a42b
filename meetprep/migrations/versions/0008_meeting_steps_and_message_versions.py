"""meeting steps of the timeline; the agenda version a message carries; papers and meeting sequence of a version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('recorded_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('done', 'skipped')", name=op.f('ck_meeting_steps_state')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_steps_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_steps')),
    sa.UniqueConstraint('meeting_id', 'step', 'due', name=op.f('uq_meeting_steps_meeting_id_step_due'))
    )
    with op.batch_alter_table('meeting_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_steps_meeting_id'), ['meeting_id'], unique=False)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_version', sa.Integer(), nullable=True))
    with op.batch_alter_table('agenda_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('papers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('meeting_sequence', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agenda_versions', schema=None) as batch_op:
        batch_op.drop_column('meeting_sequence')
        batch_op.drop_column('papers')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('agenda_version')
    with op.batch_alter_table('meeting_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_steps_meeting_id'))
    op.drop_table('meeting_steps')
