"""UK VAT invoices and credit notes: the centre's legal name and VAT number, a booking's billing address,
what each invoice showed kept with it (supplier, customer, line, bank details, tax point), how much of it
has been credited, and the credit notes themselves, numbered per centre.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Invoices issued before this revision take what they showed then from the centre's and the booking's rows:
# nothing of theirs changed since, except what an admin edited in the settings.
_BACKFILL = """
UPDATE invoices SET
    tax_point = issued_on,
    supplier_name = (SELECT t.name FROM tenants t WHERE t.id = invoices.tenant_id),
    supplier_address = (SELECT t.address FROM tenants t WHERE t.id = invoices.tenant_id),
    bank_details = (SELECT t.bank_details FROM tenants t WHERE t.id = invoices.tenant_id),
    customer_name = (
        SELECT c.first_name || ' ' || c.last_name FROM bookings b JOIN customers c ON c.id = b.customer_id
        WHERE b.id = invoices.booking_id
    )
"""


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('vat_number', sa.String(length=14), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('next_credit_note_number', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint('credit_note_number_positive', 'next_credit_note_number >= 1')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_address', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_point', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('supplier_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('supplier_address', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('supplier_vat_number', sa.String(length=14), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('customer_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('billing_address', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('bank_details', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('credited_amount', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint('credited_within_total', 'credited_amount BETWEEN 0 AND total_amount')
    op.execute(_BACKFILL)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.alter_column('tax_point', existing_type=sa.Date(), nullable=False)
    op.create_table('credit_notes',
    sa.Column('invoice_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_amount', sa.Integer(), nullable=False),
    sa.Column('vat_rate_basis_points', sa.Integer(), nullable=True),
    sa.Column('vat_amount', sa.Integer(), nullable=False),
    sa.Column('total_amount', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('net_amount >= 0 AND vat_amount >= 0', name=op.f('ck_credit_notes_amounts_nonnegative')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_credit_notes_number_positive')),
    sa.CheckConstraint('total_amount > 0', name=op.f('ck_credit_notes_total_positive')),
    sa.CheckConstraint('total_amount = net_amount + vat_amount', name=op.f('ck_credit_notes_total_adds_up')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_notes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_credit_notes_tenant_number')
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index('ix_credit_notes_invoice', ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_notes_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_notes_tenant_id'))
        batch_op.drop_index('ix_credit_notes_invoice')
    op.drop_table('credit_notes')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invoices_credited_within_total'), type_='check')
        for column in ('credited_amount', 'bank_details', 'description', 'billing_address', 'customer_name',
                       'supplier_vat_number', 'supplier_address', 'supplier_name', 'tax_point'):
            batch_op.drop_column(column)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('billing_address')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tenants_credit_note_number_positive'), type_='check')
        batch_op.drop_column('next_credit_note_number')
        batch_op.drop_column('vat_number')
        batch_op.drop_column('legal_name')
