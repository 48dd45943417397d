"""Webhook events handled once each, company invoices numbered per centre, refunds with a status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:59:31.561564

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('webhook_events',
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=True),
    sa.Column('outcome', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_webhook_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('provider', 'event_id', name='uq_webhook_events_provider_event')
    )
    op.create_table('invoices',
    sa.Column('booking_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('billing_email', sa.String(length=320), nullable=False),
    sa.Column('po_number', sa.String(length=100), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_amount', sa.Integer(), nullable=False),
    sa.Column('vat_rate_basis_points', sa.Integer(), nullable=True),
    sa.Column('vat_amount', sa.Integer(), nullable=False),
    sa.Column('total_amount', sa.Integer(), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('net_amount >= 0 AND vat_amount >= 0', name=op.f('ck_invoices_amounts_nonnegative')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_invoices_number_positive')),
    sa.CheckConstraint('total_amount = net_amount + vat_amount', name=op.f('ck_invoices_total_adds_up')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_invoices_booking_id_bookings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_invoices_booking_id')),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_invoices_tenant_number')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_tenant_due', ['tenant_id', 'paid_at', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('PENDING', 'SUCCEEDED', 'FAILED', name='refund_status', native_enum=False, create_constraint=True), server_default='SUCCEEDED', nullable=False))
        batch_op.add_column(sa.Column('failure_reason', sa.Text(), server_default='', nullable=False))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_refunds_refund_status'), type_='check')
        batch_op.drop_column('failure_reason')
        batch_op.drop_column('status')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_tenant_id'))
        batch_op.drop_index('ix_invoices_tenant_due')

    op.drop_table('invoices')
    op.drop_table('webhook_events')
