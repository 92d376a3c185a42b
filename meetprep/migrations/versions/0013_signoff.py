"""the sign-off round: requests per step and round, answers, exceptions for late papers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signoff_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('requested_at', meetprep.store.schema.UTCDateTime(), nullable=True),
    sa.Column('answered_at', meetprep.store.schema.UTCDateTime(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('carried', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_signoff_requests_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff_requests')),
    sa.UniqueConstraint('paper_id', 'round', 'step', name=op.f('uq_signoff_requests_paper_id_round_step')),
    sa.UniqueConstraint('token', name=op.f('uq_signoff_requests_token'))
    )
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_requests_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signoff_requests_state'), ['state'], unique=False)

    op.create_table('signoff_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('at', meetprep.store.schema.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['signoff_requests.id'], name=op.f('fk_signoff_answers_request_id_signoff_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff_answers')),
    sa.UniqueConstraint('source', name=op.f('uq_signoff_answers_source'))
    )
    with op.batch_alter_table('signoff_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_answers_request_id'), ['request_id'], unique=False)

    op.create_table('signoff_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', meetprep.store.schema.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_signoff_exceptions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_signoff_exceptions_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff_exceptions')),
    sa.UniqueConstraint('paper_id', 'meeting_id', name=op.f('uq_signoff_exceptions_paper_id_meeting_id'))
    )
    with op.batch_alter_table('signoff_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_exceptions_paper_id'), ['paper_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signoff_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signoff_exceptions_paper_id'))

    op.drop_table('signoff_exceptions')
    with op.batch_alter_table('signoff_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signoff_answers_request_id'))

    op.drop_table('signoff_answers')
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signoff_requests_state'))
        batch_op.drop_index(batch_op.f('ix_signoff_requests_paper_id'))

    op.drop_table('signoff_requests')
