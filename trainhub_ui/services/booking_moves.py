"""Moving a live booking to another session of the same course: both places changed at once, or neither."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import LIVE_BOOKING_STATUSES, Booking, WaitingListEntry
from trainhub_ui.booking import places
from trainhub_ui.booking.places import booking_changed, capacity_changed, lock_session_with_course, release_lapsed
from trainhub_ui.booking.rules import Refused, ensure_bookable
from trainhub_ui.booking.states import WAITING_LIST
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify import emails

from .bookings import customer_standing, get_booking, release_lapsed_of


async def move_booking(session: AsyncSession, ctx: TenantContext, booking_id: str, target_session_id: str) -> Booking:
    """Move a live booking to another session of the same course, atomically, and tell the student.

    The old place is freed only if the new one is taken; otherwise nothing changes.
    """
    now = ctx.now()
    booking = await get_booking(session, ctx, booking_id)
    await release_lapsed_of(session, ctx, booking, now)
    if booking.status not in LIVE_BOOKING_STATUSES:
        raise Refused("booking_not_live", f"This booking is {booking.status.value.lower()}; it cannot move.")
    if target_session_id == booking.session_id:
        raise Refused("same_session", "The booking is on that session already.", field="sessionId")
    # Locks are always taken in id order, so two moves in opposite directions cannot deadlock.
    first, second = sorted((booking.session_id, target_session_id))
    locked = {
        first: await lock_session_with_course(session, ctx, first),
        second: await lock_session_with_course(session, ctx, second),
    }
    current, (target, course) = locked[booking.session_id][0], locked[target_session_id]
    if target.course_id != current.course_id:
        raise Refused("different_course", "A booking can only move to a session of the same course.", field="sessionId")
    ensure_bookable(target, course, ctx.tenant, now)
    await release_lapsed(session, ctx, target, now)
    standing = await customer_standing(session, ctx, booking.customer_id, target.id)
    if standing.live_booking_id is not None:
        raise Refused("already_booked", "This customer already has a place on that session.", field="sessionId")
    offer = await session.get(WaitingListEntry, standing.offer_id) if standing.offer_id else None
    try:
        places.move_place(current, target, held_by_offer=offer is not None)
    except Refused as full:
        full.field = "sessionId"
        raise
    if offer is not None:
        # A place on the target was already set aside for this customer: the move takes that one.
        WAITING_LIST.move(offer, "accept", now)
        offer.booking_id = booking.id
    booking.session_id = target.id
    booking.updated_at = now
    audit.record(session, ctx, "booking.moved", "booking", booking.id, source=current.id, target=target.id)
    await emails.booking_moved(session, ctx, booking, current)
    await places.offer_places(session, ctx, current, now)
    booking_changed(session, booking)
    capacity_changed(session, ctx, current)
    capacity_changed(session, ctx, target)
    return booking
