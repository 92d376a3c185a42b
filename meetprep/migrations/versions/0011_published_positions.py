"""published objects keep their place in their body's list (OParl static list pages)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22

A list page of a kind is rows (page-1)*size+1 .. page*size in ledger order. Counting the rows
before an object to find its page read every earlier row of the kind, once per changed object:
a build's publish grew with the store. The position is given once, when the object is first
published, and never changes (lists keep deleted objects).
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('published_objects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))
    op.execute("UPDATE published_objects SET position = (SELECT count(*) FROM published_objects AS earlier "
               "WHERE earlier.body_key = published_objects.body_key AND earlier.kind = published_objects.kind "
               "AND earlier.id <= published_objects.id)")
    with op.batch_alter_table('published_objects', schema=None) as batch_op:
        batch_op.alter_column('position', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_published_objects_body_key_kind_position'), ['body_key', 'kind', 'position'])


def downgrade() -> None:
    with op.batch_alter_table('published_objects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_published_objects_body_key_kind_position'), type_='unique')
        batch_op.drop_column('position')
