"""planned events, tasks and spending

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('planned_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('start', meetprep.store.UTCDateTime(), nullable=False),
    sa.Column('end', meetprep.store.UTCDateTime(), nullable=False),
    sa.Column('planned_amount', sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=False),
    sa.Column('budget_line', sa.String(length=300), nullable=True),
    sa.Column('paper_id', sa.Integer(), nullable=True),
    sa.Column('created_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_planned_events_body_id_bodies')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_planned_events_paper_id_papers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_events')),
    sa.UniqueConstraint('body_id', 'event_key', 'year', name=op.f('uq_planned_events_body_id_event_key_year'))
    )
    op.create_table('event_spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['planned_events.id'], name=op.f('fk_event_spending_event_id_planned_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_spending'))
    )
    with op.batch_alter_table('event_spending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_spending_event_id'), ['event_id'], unique=False)

    op.create_table('planning_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('meeting_start', meetprep.store.UTCDateTime(), nullable=True),
    sa.Column('meeting_end', meetprep.store.UTCDateTime(), nullable=True),
    sa.Column('done_at', meetprep.store.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['planned_events.id'], name=op.f('fk_planning_tasks_event_id_planned_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['persons.id'], name=op.f('fk_planning_tasks_owner_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_tasks')),
    sa.UniqueConstraint('event_id', 'key', name=op.f('uq_planning_tasks_event_id_key'))
    )
    with op.batch_alter_table('planning_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_tasks_due'), ['due'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_tasks_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('planning_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planning_tasks_event_id'))
        batch_op.drop_index(batch_op.f('ix_planning_tasks_due'))

    op.drop_table('planning_tasks')
    with op.batch_alter_table('event_spending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_spending_event_id'))

    op.drop_table('event_spending')
    op.drop_table('planned_events')
