"""Each payment keeps the course it was for (its booking's session's course), and the index of collected
payments by date holds it in place of the booking: revenue by course is then one range of that index,
grouped by course, with no lookup of each payment's booking and session.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 20:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# A booking moves only to another session of the same course, so its session's course now is the one every
# payment against it was for.
_BACKFILL = (
    'UPDATE payments SET course_id = ('
    'SELECT s.course_id FROM bookings b JOIN course_sessions s ON s.id = b.session_id'
    ' WHERE b.id = payments.booking_id)'
)


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_id', sa.String(length=36), nullable=True))
    op.execute(_BACKFILL)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('course_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_payments_course_id_courses'), 'courses', ['course_id'], ['id'], ondelete='RESTRICT'
        )
        batch_op.drop_index('ix_payments_tenant_status_paid_amounts')
        batch_op.create_index(
            'ix_payments_tenant_status_paid_course_amounts',
            ['tenant_id', 'status', 'paid_at', 'course_id', 'amount', 'amount_refunded'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_tenant_status_paid_course_amounts')
        batch_op.create_index(
            'ix_payments_tenant_status_paid_amounts',
            ['tenant_id', 'status', 'paid_at', 'amount', 'amount_refunded', 'booking_id'],
            unique=False,
        )
        batch_op.drop_constraint(batch_op.f('fk_payments_course_id_courses'), type_='foreignkey')
        batch_op.drop_column('course_id')
