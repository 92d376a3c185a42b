"""message claims: the run that sends a message, and its lease

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', meetprep.store.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claim_token')
