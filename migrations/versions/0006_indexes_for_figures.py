"""Indexes that answer the back office's sums and deep pages from the index alone (balances owed,
revenue by date with its amounts, the bookings list newest first with its tie-breaking id).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:10:02.597756

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_tenant_created'))
        batch_op.create_index('ix_bookings_tenant_created_id', ['tenant_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_bookings_tenant_status_balance', ['tenant_id', 'status', 'balance_due'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_tenant_status_paid'))
        batch_op.create_index('ix_payments_tenant_status_paid_amounts', ['tenant_id', 'status', 'paid_at', 'amount', 'amount_refunded', 'booking_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_tenant_status_paid_amounts')
        batch_op.create_index(batch_op.f('ix_payments_tenant_status_paid'), ['tenant_id', 'status', 'paid_at'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_tenant_status_balance')
        batch_op.drop_index('ix_bookings_tenant_created_id')
        batch_op.create_index(batch_op.f('ix_bookings_tenant_created'), ['tenant_id', 'created_at'], unique=False)

