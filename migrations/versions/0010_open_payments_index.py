"""The open (PENDING) payments, by when they were opened: the job that asks the payment provider about
card payments whose webhook may have been lost reads only these few.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN = "status = 'PENDING'"


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(
            'ix_payments_open', ['created_at'], unique=False,
            sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_open', sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
