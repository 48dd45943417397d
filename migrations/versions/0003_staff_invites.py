"""Staff invites: one-time set-password links for staff users, stored as SHA-256 hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:24:52.405266

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('staff_invites',
    sa.Column('staff_user_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_staff_invites_staff_user_id_staff_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_staff_invites_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invites')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_invites_token_hash'))
    )
    with op.batch_alter_table('staff_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invites_staff_user_id'), ['staff_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_invites_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invites_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_staff_invites_staff_user_id'))

    op.drop_table('staff_invites')
