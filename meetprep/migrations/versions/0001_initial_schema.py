"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import meetprep.store


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bodies')),
    sa.UniqueConstraint('key', name=op.f('uq_bodies_key'))
    )
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('short_name', sa.String(length=64), nullable=True),
    sa.Column('classification', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_organizations_body_id_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('body_id', 'key', name=op.f('uq_organizations_body_id_key'))
    )
    op.create_table('papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('paper_type', sa.String(length=100), nullable=False),
    sa.Column('access', sa.String(length=16), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('originator_unit', sa.String(length=300), nullable=True),
    sa.Column('case_officer', sa.String(length=200), nullable=True),
    sa.Column('file_number', sa.String(length=100), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('proposal', sa.JSON(), nullable=True),
    sa.Column('financial', sa.JSON(), nullable=True),
    sa.Column('climate', sa.JSON(), nullable=True),
    sa.Column('signatories', sa.JSON(), nullable=False),
    sa.Column('related', sa.JSON(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('created_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.Column('updated_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.CheckConstraint("access IN ('public', 'closed')", name=op.f('ck_papers_access')),
    sa.ForeignKeyConstraint(['amends_id'], ['papers.id'], name=op.f('fk_papers_amends_id_papers')),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_papers_body_id_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_papers')),
    sa.UniqueConstraint('body_id', 'reference', name=op.f('uq_papers_body_id_reference'))
    )
    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('notify', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_persons_body_id_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('body_id', 'key', name=op.f('uq_persons_body_id_key'))
    )
    op.create_table('files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('path', sa.String(length=1000), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('responsible', sa.String(length=200), nullable=True),
    sa.Column('access', sa.String(length=16), nullable=False),
    sa.CheckConstraint("access IN ('public', 'closed')", name=op.f('ck_files_access')),
    sa.CheckConstraint("status IN ('present', 'to_follow')", name=op.f('ck_files_status')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_files_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_files')),
    sa.UniqueConstraint('paper_id', 'position', name=op.f('uq_files_paper_id_position'))
    )
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_files_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_status'), ['status'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('start', meetprep.store.UTCDateTime(), nullable=False),
    sa.Column('end', meetprep.store.UTCDateTime(), nullable=True),
    sa.Column('room', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('extraordinary', sa.Boolean(), nullable=False),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('updated_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_meetings_body_id_bodies')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_meetings_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('body_id', 'key', name=op.f('uq_meetings_body_id_key'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_start'), ['start'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('voting_right', sa.Boolean(), nullable=False),
    sa.Column('start', sa.Date(), nullable=True),
    sa.Column('end', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_memberships_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_memberships_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_person_id'), ['person_id'], unique=False)

    op.create_table('paper_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('imported_at', meetprep.store.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_paper_revisions_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_revisions')),
    sa.UniqueConstraint('paper_id', 'revision', name=op.f('uq_paper_revisions_paper_id_revision'))
    )
    with op.batch_alter_table('paper_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_revisions_paper_id'), ['paper_id'], unique=False)

    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('authoritative', sa.Boolean(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('result', sa.String(length=32), nullable=True),
    sa.Column('result_text', sa.Text(), nullable=True),
    sa.Column('votes_yes', sa.Integer(), nullable=True),
    sa.Column('votes_no', sa.Integer(), nullable=True),
    sa.Column('votes_abstain', sa.Integer(), nullable=True),
    sa.Column('votes_biased', sa.Integer(), nullable=True),
    sa.Column('agenda_number', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_consultations_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_consultations_organization_id_organizations')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_consultations_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations')),
    sa.UniqueConstraint('paper_id', 'position', name=op.f('uq_consultations_paper_id_position'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_status'))
        batch_op.drop_index(batch_op.f('ix_consultations_paper_id'))
        batch_op.drop_index(batch_op.f('ix_consultations_organization_id'))
        batch_op.drop_index(batch_op.f('ix_consultations_meeting_id'))

    op.drop_table('consultations')
    with op.batch_alter_table('paper_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_revisions_paper_id'))

    op.drop_table('paper_revisions')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_person_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_organization_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_start'))
        batch_op.drop_index(batch_op.f('ix_meetings_organization_id'))

    op.drop_table('meetings')
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_files_status'))
        batch_op.drop_index(batch_op.f('ix_files_paper_id'))

    op.drop_table('files')
    op.drop_table('persons')
    op.drop_table('papers')
    op.drop_table('organizations')
    op.drop_table('bodies')
