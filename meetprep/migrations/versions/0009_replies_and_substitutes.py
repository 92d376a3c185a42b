"""replies to meeting requests; attendance notices; personal substitutes and groups of memberships

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=300), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('uid', sa.String(length=300), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('partstat', sa.String(length=32), nullable=True),
    sa.Column('dtstamp', meetprep.store.UTCDateTime(), nullable=True),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('client', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('received_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('counted', 'aside')", name=op.f('ck_replies_status')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_replies_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_replies_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies')),
    sa.UniqueConstraint('message_key', name=op.f('uq_replies_message_key'))
    )
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replies_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replies_person_id'), ['person_id'], unique=False)
    op.create_table('attendance_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=300), nullable=False),
    sa.Column('recorded_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_attendance_notices_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_notices')),
    sa.UniqueConstraint('meeting_id', 'kind', 'state', name=op.f('uq_attendance_notices_meeting_id_kind_state'))
    )
    with op.batch_alter_table('attendance_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_notices_meeting_id'), ['meeting_id'], unique=False)
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('substitute_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('on_behalf_of', sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_memberships_substitute_for_id_persons'), 'persons',
                                    ['substitute_for_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_memberships_substitute_for_id_persons'), type_='foreignkey')
        batch_op.drop_column('on_behalf_of')
        batch_op.drop_column('substitute_for_id')
    with op.batch_alter_table('attendance_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_notices_meeting_id'))
    op.drop_table('attendance_notices')
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replies_person_id'))
        batch_op.drop_index(batch_op.f('ix_replies_meeting_id'))
    op.drop_table('replies')
