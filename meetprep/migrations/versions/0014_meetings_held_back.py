"""a meeting held back until the clerk says whether it is an announced meeting moved, and the key a file names a moved meeting by

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_back_for', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('also_known_as', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('also_known_as')
        batch_op.drop_column('held_back_for')

