"""Who may open a booking without staff rights: whoever holds its link (the reference with its access token),
or the student it belongs to, signed in. And a new link, for whoever holds only the reference."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking
from models.booking import new_access_token
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.booking_links import opens, same_token
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.notify import emails

from .payments import find_booking_by_reference

# Compared against when the reference is unknown, so that an unknown reference and a wrong token take the
# same steps.
_NO_BOOKING_TOKEN = new_access_token()


async def open_booking(
    session: AsyncSession, ctx: TenantContext, reference: str, token: str, *, student_id: str | None = None
) -> Booking:
    """The booking a link opens: its reference with its own token, or the signed-in student's own booking.

    Anything else is NotFound, exactly as an unknown reference is: the answer never says which was wrong.
    """
    try:
        booking = await find_booking_by_reference(session, ctx, reference)
    except NotFound:
        same_token(_NO_BOOKING_TOKEN, token)
        raise
    if student_id is not None and booking.customer_id == student_id:
        return booking
    if not opens(booking, token):
        raise NotFound("Booking")
    return booking


async def send_new_link(db: Database, ctx: TenantContext, reference: str) -> None:
    """Email a booking's link to the address it was booked with, if the reference is one of this centre's.

    Says nothing either way: whoever asks learns nothing of whether the reference exists, and only the
    student, at their own address, gets the link.
    """
    async with db.transaction() as session:
        try:
            booking = await find_booking_by_reference(session, ctx, reference)
        except NotFound:
            return
        if await emails.booking_link(session, ctx, booking) is not None:
            audit.record(session, ctx, "booking.link_sent", "booking", booking.id)
