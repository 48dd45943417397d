"""Indexes for the back office: a centre's bookings newest first, and the few payments with refunds.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 13:58:33.733649

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_tenant_created', ['tenant_id', 'created_at'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_tenant_refunded', ['tenant_id', 'booking_id'], unique=False, sqlite_where=sa.text('amount_refunded > 0'), postgresql_where=sa.text('amount_refunded > 0'))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_tenant_refunded', sqlite_where=sa.text('amount_refunded > 0'), postgresql_where=sa.text('amount_refunded > 0'))

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_tenant_created')

