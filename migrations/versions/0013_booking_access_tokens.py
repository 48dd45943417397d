"""Booking access tokens: every booking gets a random token that its links carry beside the reference, and
the emails still waiting in the outbox have their links to the pay page rewritten to carry it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:30:00

"""
import re
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# As models.booking.ACCESS_TOKEN_BYTES; written out here so that this revision never changes with the models.
_TOKEN_BYTES = 24

_bookings = sa.table('bookings', sa.column('id', sa.String), sa.column('access_token', sa.String))


def _pay_link(reference: str) -> re.Pattern[str]:
    """A link to the booking's pay page, with whatever token it carried, and nothing of a longer path."""
    return re.compile(re.escape(f'/pay/{reference}') + r'(?:\?t=[A-Za-z0-9_-]*)?(?![A-Za-z0-9/_-])')


def _give_every_booking_a_token(connection: sa.Connection) -> None:
    ids = connection.execute(sa.text('SELECT id FROM bookings WHERE access_token IS NULL')).scalars().all()
    for booking_id in ids:
        connection.execute(
            _bookings.update()
            .where(_bookings.c.id == booking_id)
            .values(access_token=secrets.token_urlsafe(_TOKEN_BYTES))
        )


def _rewrite_unsent_emails(connection: sa.Connection) -> None:
    # Only what is still to be sent: an email already delivered keeps what it said, and its old link now
    # meets the page that explains how to get a new one.
    rows = connection.execute(
        sa.text(
            "SELECT e.id, e.body_text, e.body_html, b.reference, b.access_token FROM email_outbox e"
            " JOIN bookings b ON b.id = e.booking_id WHERE e.status IN ('QUEUED', 'SENDING')"
        )
    ).all()
    for email_id, body_text, body_html, reference, token in rows:
        link = _pay_link(reference)
        carried = f'/pay/{reference}?t={token}'
        text, html = link.sub(carried, body_text or ''), link.sub(carried, body_html or '')
        if (text, html) != (body_text or '', body_html or ''):
            connection.execute(
                sa.text('UPDATE email_outbox SET body_text = :text, body_html = :html WHERE id = :id'),
                {'text': text, 'html': html, 'id': email_id},
            )


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    _give_every_booking_a_token(connection)
    _rewrite_unsent_emails(connection)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('access_token', existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('access_token')
