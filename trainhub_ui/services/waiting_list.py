"""The waiting list of a full session: join, get offered a freed place, accept or decline."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, PaymentOption, WaitingListEntry, WaitingListStatus
from trainhub_ui.booking import places
from trainhub_ui.booking.places import lock_session, lock_session_with_course, release_lapsed
from trainhub_ui.booking.rules import Refused, ensure_bookable
from trainhub_ui.booking.states import WAITING_LIST
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.domain.inputs import Fraction, ServiceInput, Text

from .bookings import BILLING_ADDRESS_MAX, BookingRequest, create_booking, find_customer_of, live_booking_of

LIVE_ENTRY_STATUSES = (WaitingListStatus.WAITING, WaitingListStatus.OFFERED)


async def get_entry(session: AsyncSession, ctx: TenantContext, entry_id: str) -> WaitingListEntry:
    entry = await session.scalar(
        select(WaitingListEntry).where(WaitingListEntry.tenant_id == ctx.tenant_id, WaitingListEntry.id == entry_id)
    )
    if entry is None:
        raise NotFound("Waiting-list entry")
    return entry


async def join_waiting_list(
    session: AsyncSession, ctx: TenantContext, session_id: str, customer_id: str
) -> WaitingListEntry:
    """Put a customer on a full session's waiting list."""

    now = ctx.now()
    course_session, course = await lock_session_with_course(session, ctx, session_id)
    customer = await find_customer_of(session, ctx, customer_id)
    ensure_bookable(course_session, course, ctx.tenant, now)
    await release_lapsed(session, ctx, course_session, now)
    if await live_booking_of(session, course_session.id, customer.id) is not None:
        raise Refused("already_booked", "This customer already has a place on this session.")
    existing = await session.scalar(
        select(WaitingListEntry.id).where(
            WaitingListEntry.session_id == course_session.id,
            WaitingListEntry.customer_id == customer.id,
            WaitingListEntry.status.in_(LIVE_ENTRY_STATUSES),
        )
    )
    if existing is not None:
        raise Refused("already_waiting", "This customer is on this session's waiting list already.")
    if places.has_free_place(course_session):
        raise Refused("session_not_full", "This session has places free: book one instead.")
    entry = WaitingListEntry(
        tenant_id=ctx.tenant_id,
        session_id=course_session.id,
        customer_id=customer.id,
        status=WAITING_LIST.start("join"),
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    audit.record(session, ctx, "waiting_list.joined", "waiting_list_entry", entry.id, session=course_session.id)
    return entry


async def _live_offer(session: AsyncSession, ctx: TenantContext, entry_id: str) -> WaitingListEntry:
    """The entry, if its offer still stands (a lapsed one is expired and passed on first)."""
    entry = await get_entry(session, ctx, entry_id)
    course_session = await lock_session(session, ctx, entry.session_id)
    await release_lapsed(session, ctx, course_session, ctx.now())
    await session.refresh(entry)
    if entry.status is not WaitingListStatus.OFFERED:
        code = "offer_expired" if entry.status is WaitingListStatus.EXPIRED else "no_offer"
        raise Refused(code, f"There is no place on offer for this entry (it is {entry.status.value.lower()}).")
    return entry


class OfferAcceptance(ServiceInput):
    """How the person offered a place pays for it; the API's body of POST /waiting-list/{id}/accept."""

    payment_option: PaymentOption | None = None
    deposit_percentage: Fraction | None = None
    special_requests: Text = ""
    billing_address: Annotated[str, StringConstraints(max_length=BILLING_ADDRESS_MAX, strip_whitespace=True)] | None = (
        None
    )


async def accept_offer(
    session: AsyncSession, ctx: TenantContext, entry_id: str, acceptance: OfferAcceptance
) -> Booking:
    """Take the offered place: a booking on the place the offer held."""
    entry = await _live_offer(session, ctx, entry_id)
    booking_request = BookingRequest(
        customer_id=entry.customer_id,
        session_id=entry.session_id,
        payment_option=acceptance.payment_option,
        deposit_percentage=acceptance.deposit_percentage,
        special_requests=acceptance.special_requests,
        billing_address=acceptance.billing_address,
    )
    return await create_booking(session, ctx, booking_request)


async def decline_offer(session: AsyncSession, ctx: TenantContext, entry_id: str) -> WaitingListEntry:
    """Say no to an offered place: it goes to the next person waiting."""
    entry = await _live_offer(session, ctx, entry_id)
    course_session = await lock_session(session, ctx, entry.session_id)
    now = ctx.now()
    WAITING_LIST.move(entry, "decline", now)
    audit.record(session, ctx, "waiting_list.declined", "waiting_list_entry", entry.id)
    await places.give_place_back(session, ctx, course_session, now)
    return entry


async def leave_waiting_list(session: AsyncSession, ctx: TenantContext, entry_id: str) -> WaitingListEntry:
    """Leave the list; an offer in hand is declined (its place passes on)."""
    entry = await get_entry(session, ctx, entry_id)
    if entry.status is WaitingListStatus.OFFERED:
        return await decline_offer(session, ctx, entry_id)
    if entry.status is not WaitingListStatus.WAITING:
        raise Refused("not_waiting", f"This entry is {entry.status.value.lower()}.")
    WAITING_LIST.move(entry, "leave", ctx.now())
    audit.record(session, ctx, "waiting_list.left", "waiting_list_entry", entry.id)
    return entry


async def list_entries(
    session: AsyncSession, ctx: TenantContext, session_id: str | None, limit: int, offset: int
) -> tuple[list[WaitingListEntry], int]:
    conditions = [WaitingListEntry.tenant_id == ctx.tenant_id]
    if session_id is not None:
        conditions.append(WaitingListEntry.session_id == session_id)
    total = await session.scalar(select(func.count(WaitingListEntry.id)).where(*conditions))
    rows = await session.scalars(
        select(WaitingListEntry)
        .where(*conditions)
        .order_by(WaitingListEntry.created_at, WaitingListEntry.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0
