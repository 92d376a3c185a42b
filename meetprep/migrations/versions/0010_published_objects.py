"""the ledger of published public objects (OParl 1.1: stable ids, created, modified, deleted)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('published_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_key', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=600), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=300), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created', meetprep.store.UTCDateTime(), nullable=False),
    sa.Column('modified', meetprep.store.UTCDateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_objects')),
    sa.UniqueConstraint('path', name=op.f('uq_published_objects_path'))
    )
    with op.batch_alter_table('published_objects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_objects_body_key'), ['body_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_objects_scope'), ['scope'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_objects_modified'), ['modified'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('published_objects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_objects_modified'))
        batch_op.drop_index(batch_op.f('ix_published_objects_scope'))
        batch_op.drop_index(batch_op.f('ix_published_objects_body_key'))
    op.drop_table('published_objects')
