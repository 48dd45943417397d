"""A guest's company invoice, confirmed before it is issued: by whoever it is billed to, through the link
emailed to them (`invoice_requests.ask_to_confirm_invoice`), or by the centre's staff. Until then the
place is held like a card hold and lapses like one; confirmed after it lapsed, the place is taken again
if one is free. Whoever receives the email may also say the booking is not theirs, which cancels it.

The link's code opens nothing else, and the booking's own link (its access token) does not confirm it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, Course, CourseSession, Customer, OutboxEmail
from trainhub_ui.booking.places import booking_changed, lock_session, release_lapsed
from trainhub_ui.booking.rules import Refused
from trainhub_ui.booking.states import BOOKING
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.booking_links import confirms
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound

from .booking_links import open_booking
from .bookings import cancel_booking, confirmed_on_invoice, get_booking
from .invoice_requests import ask_to_confirm_invoice, awaits_confirmation
from .payments import take_place_again

# How long after one email another may be asked for: enough to stop a page filling someone's inbox.
RESEND_AFTER_MINUTES = 5
DECLINED = "The invoice was declined by whoever it was to be billed to."


@dataclass(frozen=True)
class InvoiceToConfirm:
    """What the confirmation page shows: the booking, whose place it is, what the invoice will ask for."""

    booking: Booking
    student_name: str
    course_title: str
    starts_at: datetime
    venue: str

    @property
    def company_name(self) -> str:
        return self.booking.company_name


async def _by_code(session: AsyncSession, ctx: TenantContext, reference: str, code: str) -> Booking:
    """The booking whose invoice the code confirms, locked; any other code answers as an unknown booking."""
    booking = await session.scalar(
        select(Booking)
        .where(Booking.tenant_id == ctx.tenant_id, Booking.reference == reference.strip().upper())
        .with_for_update()
    )
    if booking is None or not confirms(booking, code):
        raise NotFound("Booking")
    return booking


async def invoice_to_confirm(db: Database, ctx: TenantContext, reference: str, code: str) -> InvoiceToConfirm:
    async with db.read() as session:
        booking = await _by_code(session, ctx, reference, code)
        row = (
            await session.execute(
                select(
                    Course.title, CourseSession.starts_at, CourseSession.venue, Customer.first_name, Customer.last_name
                )
                .join(CourseSession, CourseSession.course_id == Course.id)
                .join(Customer, Customer.id == booking.customer_id)
                .where(CourseSession.id == booking.session_id, Course.tenant_id == ctx.tenant_id)
            )
        ).one()
    return InvoiceToConfirm(booking, f"{row[3]} {row[4]}".strip(), row[0], row[1], row[2] or "")


async def _confirm(session: AsyncSession, ctx: TenantContext, booking: Booking, by: str) -> Booking:
    """Issue the invoice and confirm the place; a place taken again first if the hold lapsed. A booking whose
    session filled meanwhile stays EXPIRED (and is answered so); one confirmed already is left as it is."""
    now = ctx.now()
    if booking.status is BookingStatus.CONFIRMED:
        return booking
    if booking.status is BookingStatus.CANCELLED:
        raise Refused("booking_not_live", "This booking has been cancelled: there is nothing to confirm.")
    course_session = await lock_session(session, ctx, booking.session_id)
    if booking.status is BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at <= now:
        await release_lapsed(session, ctx, course_session, now)
        await session.refresh(booking)
    if booking.status is BookingStatus.EXPIRED:
        if not await take_place_again(session, ctx, booking, now):
            return booking
        BOOKING.move(booking, "hold_again", now)
    BOOKING.move(booking, "confirm", now)
    booking.confirmed_at = now
    booking.hold_expires_at = None
    audit.record(session, ctx, "booking.invoice_confirmed", "booking", booking.id, by=by)
    booking_changed(session, booking)
    await session.flush()
    await confirmed_on_invoice(session, ctx, booking, course_session)
    return booking


async def confirm_invoice(db: Database, ctx: TenantContext, reference: str, code: str) -> Booking:
    """Whoever the invoice is billed to confirms it by their link: the booking, CONFIRMED (or EXPIRED, the
    session having filled since its hold lapsed). The link again answers the booking as it is."""
    async with db.transaction() as session:
        return await _confirm(session, ctx, await _by_code(session, ctx, reference, code), "billing contact")


async def decline_invoice(db: Database, ctx: TenantContext, reference: str, code: str) -> Booking:
    """Whoever received the email knows nothing of it: the booking is cancelled and its place freed."""
    async with db.transaction() as session:
        booking = await _by_code(session, ctx, reference, code)
        if booking.status is not BookingStatus.PENDING:
            return booking  # lapsed, cancelled or confirmed already: nothing is held to give back
        return await cancel_booking(session, ctx, booking.id, DECLINED)


async def approve_invoice(db: Database, ctx: TenantContext, booking_id: str) -> Booking:
    """The centre confirms the invoice itself (it knows the company, or asked them another way)."""
    async with db.transaction() as session:
        booking = await get_booking(session, ctx, booking_id)
        if not awaits_confirmation(booking):
            raise Refused("not_awaiting_confirmation", "This booking has no invoice waiting to be confirmed.")
        return await _confirm(session, ctx, booking, "staff")


async def send_again(db: Database, ctx: TenantContext, reference: str, token: str) -> None:
    """From the pay page: a new link to whoever the invoice is billed to, the old one no longer working;
    at most one every few minutes."""
    async with db.transaction() as session:
        booking = await open_booking(session, ctx, reference, token)
        if not awaits_confirmation(booking):
            raise Refused("not_awaiting_confirmation", "This booking has no invoice waiting to be confirmed.")
        last = await session.scalar(
            select(OutboxEmail.created_at)
            .where(
                OutboxEmail.tenant_id == ctx.tenant_id,
                OutboxEmail.booking_id == booking.id,
                OutboxEmail.kind == "invoice_confirmation",
            )
            .order_by(OutboxEmail.created_at.desc())
            .limit(1)
        )
        if last is not None and (ctx.now() - last).total_seconds() < RESEND_AFTER_MINUTES * 60:
            raise Refused(
                "sent_just_now", f"The link was sent less than {RESEND_AFTER_MINUTES} minutes ago: check the inbox."
            )
        await ask_to_confirm_invoice(session, ctx, booking)
