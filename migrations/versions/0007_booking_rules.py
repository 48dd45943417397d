"""The booking rules' settings of a centre (minimum notice for a deposit's balance, booking cut-off), and
no WAITLISTED booking status: a waiting list is its own entries, never a booking.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STATUSES = ('PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED')
OLD_STATUSES = ('PENDING', 'CONFIRMED', 'CANCELLED', 'WAITLISTED', 'EXPIRED')


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance_notice_days', sa.Integer(), nullable=False, server_default='7'))
        batch_op.add_column(sa.Column('booking_cutoff_hours', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint('balance_notice_days_range', 'balance_notice_days BETWEEN 0 AND 365')
        batch_op.create_check_constraint('booking_cutoff_hours_range', 'booking_cutoff_hours BETWEEN 0 AND 720')
    # No booking was ever WAITLISTED; a stray one would be a cancelled request.
    op.execute("UPDATE bookings SET status = 'CANCELLED' WHERE status = 'WAITLISTED'")
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_bookings_booking_status'), type_='check')
        batch_op.alter_column('status', existing_type=sa.String(10), type_=sa.String(9), existing_nullable=False)
        batch_op.create_check_constraint('booking_status', _status_check(STATUSES))


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_bookings_booking_status'), type_='check')
        batch_op.alter_column('status', existing_type=sa.String(9), type_=sa.String(10), existing_nullable=False)
        batch_op.create_check_constraint('booking_status', _status_check(OLD_STATUSES))
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tenants_booking_cutoff_hours_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_tenants_balance_notice_days_range'), type_='check')
        batch_op.drop_column('booking_cutoff_hours')
        batch_op.drop_column('balance_notice_days')
