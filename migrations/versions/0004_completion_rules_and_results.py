"""Completion rules of a course (share of days attended, an assessment) and each booking's result.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:43:14.913338

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.Enum('PASSED', 'FAILED', name='course_result', native_enum=False, create_constraint=True), nullable=True))

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_attendance_percent', sa.Integer(), server_default='100', nullable=False))
        batch_op.add_column(sa.Column('requires_result', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_courses_min_attendance_percent_range'), 'min_attendance_percent BETWEEN 1 AND 100'
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_courses_min_attendance_percent_range'), type_='check')
        batch_op.drop_column('requires_result')
        batch_op.drop_column('min_attendance_percent')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_bookings_course_result'), type_='check')
        batch_op.drop_column('result')
