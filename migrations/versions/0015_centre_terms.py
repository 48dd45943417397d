"""The centre's terms and privacy notice, versioned: one row per published version, never edited; and the
version each booking made online accepted.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('centre_terms',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('privacy_notice', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.Column('published_by_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_centre_terms_version_positive')),
    sa.ForeignKeyConstraint(['published_by_id'], ['staff_users.id'], name=op.f('fk_centre_terms_published_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_centre_terms_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_terms')),
    sa.UniqueConstraint('tenant_id', 'version', name='uq_centre_terms_tenant_version')
    )
    with op.batch_alter_table('centre_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_terms_tenant_id'), ['tenant_id'], unique=False)
    # Nullable: bookings made before this, and those staff make, accepted no version.
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('terms_version')
    with op.batch_alter_table('centre_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_terms_tenant_id'))
    op.drop_table('centre_terms')
