"""A guest's company invoice is confirmed by a link emailed to whoever the invoice is billed to: the booking
keeps the hash of that link's code while it waits.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 19:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_confirmation_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('invoice_confirmation_hash')
