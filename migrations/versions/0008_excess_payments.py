"""Money received that no booking can take (a second charge for a payment already paid): a payment of
its own, of kind EXCESS, refunded at once and never counted as the booking's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KINDS = ('FULL', 'DEPOSIT', 'BALANCE', 'EXCESS')
OLD_KINDS = ('FULL', 'DEPOSIT', 'BALANCE')


def _kind_check(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_payment_kind'), type_='check')
        batch_op.create_check_constraint('payment_kind', _kind_check(KINDS))


def downgrade() -> None:
    # The older schema has no kind for it: such money was refunded in full, so FULL loses no sum.
    op.execute("UPDATE payments SET kind = 'FULL' WHERE kind = 'EXCESS'")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_payment_kind'), type_='check')
        batch_op.create_check_constraint('payment_kind', _kind_check(OLD_KINDS))
