"""after the decision: excerpts kept as the paper's files, approved minutes, follow-up tasks

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('approved_at', meetprep.store.schema.UTCDateTime(), nullable=True))
    op.create_table('decision_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=300), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('reported_by', sa.String(length=320), nullable=True),
    sa.Column('done_at', meetprep.store.schema.UTCDateTime(), nullable=True),
    sa.Column('due_history', sa.JSON(), nullable=False),
    sa.Column('asked_due', sa.Date(), nullable=True),
    sa.Column('asked_by', sa.String(length=320), nullable=True),
    sa.Column('asked_reason', sa.Text(), nullable=True),
    sa.Column('created_at', meetprep.store.schema.UTCDateTime(), nullable=False),
    sa.Column('updated_at', meetprep.store.schema.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_tasks_decision_id_decisions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_decision_tasks_paper_id_papers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_tasks')),
    sa.UniqueConstraint('decision_id', 'number', name=op.f('uq_decision_tasks_decision_id_number')),
    sa.UniqueConstraint('token', name=op.f('uq_decision_tasks_token'))
    )
    with op.batch_alter_table('decision_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_tasks_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_tasks_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_tasks_due'), ['due'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_tasks_state'), ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('decision_tasks')
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_version')
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_column('decision_id')
        batch_op.drop_column('origin')
