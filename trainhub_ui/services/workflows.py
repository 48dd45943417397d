"""The workflows that change bookings and payments: each one function that owns its transaction.

Pages, the API, the kiosk and the jobs call these and nothing else to change a booking or a payment. The
convention for who commits (docs/architecture.md): a function that takes a `Database` owns its
transaction(s) and commits; a function that takes an `AsyncSession` is a step inside someone else's
transaction and never commits. Domain events queued by the steps are published by `Database.transaction`
after the commit, so nothing is announced that did not happen. Money goes back to a card only after the
cancellation that frees the place has committed: the provider is never asked inside a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from models import LIVE_BOOKING_STATUSES, Booking, CourseSession, Payment, WaitingListEntry
from trainhub_ui.booking.amounts import payment_option_for
from trainhub_ui.booking.rules import Refused
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.payments import PaymentProvider

from . import attendance, booking_moves, bookings, centre_terms, completion, payments, refunds, waiting_list

RefundChoice = Literal["POLICY", "FULL", "NONE"]


@dataclass(frozen=True)
class Changed:
    """A booking after a change; on a cancellation, what went back to the student and why a refund failed
    (the cancellation stands)."""

    booking: Booking
    refunded: int = 0
    refund_problem: str | None = None


@dataclass(frozen=True)
class BookingChanges:
    """What staff change on a booking at once: notes, and either a cancellation or a move."""

    staff_notes: str | None = None
    special_requests: str | None = None
    cancel_reason: str | None = None  # given: cancel the booking
    refund: RefundChoice = "POLICY"
    move_to_session_id: str | None = None


async def change_booking(
    db: Database, ctx: TenantContext, provider: PaymentProvider, booking_id: str, changes: BookingChanges
) -> Changed:
    """Notes, then a cancellation (refunded by `changes.refund` once it has committed) or a move, together."""
    if changes.cancel_reason is not None and changes.move_to_session_id is not None:
        raise DomainError("cancel_or_move", "Cancel a booking or move it, not both at once.")
    async with db.transaction() as session:
        booking = await bookings.get_booking(session, ctx, booking_id)
        if changes.staff_notes is not None or changes.special_requests is not None:
            booking = await bookings.set_booking_notes(
                session, ctx, booking_id, staff_notes=changes.staff_notes, special_requests=changes.special_requests
            )
        if changes.cancel_reason is not None:
            booking = await bookings.cancel_booking(session, ctx, booking_id, changes.cancel_reason)
        elif changes.move_to_session_id is not None:
            booking = await booking_moves.move_booking(session, ctx, booking_id, changes.move_to_session_id)
    if changes.cancel_reason is None or changes.refund == "NONE":
        return Changed(booking)
    return await _refund_after_cancel(db, ctx, provider, booking, in_full=changes.refund == "FULL")


async def cancel_and_refund(
    db: Database,
    ctx: TenantContext,
    provider: PaymentProvider,
    booking_id: str,
    reason: str,
    refund: RefundChoice = "POLICY",
) -> Changed:
    """Staff cancel a booking: the place is freed (and offered on), then the refund chosen is made."""
    return await change_booking(db, ctx, provider, booking_id, BookingChanges(cancel_reason=reason, refund=refund))


async def cancel_my_booking(
    db: Database, ctx: TenantContext, provider: PaymentProvider, customer_id: str, booking_id: str
) -> Changed:
    """A student cancels their own booking before it starts; the centre's policy says what goes back."""
    async with db.transaction() as session:
        booking = await session.scalar(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id, Booking.customer_id == customer_id
            )
        )
        if booking is None:
            raise NotFound("Booking")
        course_session = await session.get(CourseSession, booking.session_id)
        if course_session is None or course_session.starts_at <= ctx.now():
            raise Refused("session_started", "This session has started; ask the centre about your booking.")
        if booking.status not in LIVE_BOOKING_STATUSES:
            raise Refused("booking_not_live", f"This booking is {booking.status.value.lower()} already.")
        booking = await bookings.cancel_booking(session, ctx, booking.id, "Cancelled by the student online")
    return await _refund_after_cancel(db, ctx, provider, booking, in_full=False)


async def _refund_after_cancel(
    db: Database, ctx: TenantContext, provider: PaymentProvider, booking: Booking, *, in_full: bool
) -> Changed:
    try:
        result = await refunds.refund_by_policy(db, ctx, provider, booking.id, in_full=in_full)
    except DomainError as error:
        return Changed(booking, refund_problem=error.message)
    return Changed(booking, refunded=result.amount if result is not None else 0)


async def move_to_session(db: Database, ctx: TenantContext, booking_id: str, target_session_id: str) -> Booking:
    """Move a booking to another session of the same course (the old place is freed only if the new is taken)."""
    async with db.transaction() as session:
        return await booking_moves.move_booking(session, ctx, booking_id, target_session_id)


async def set_notes(
    db: Database,
    ctx: TenantContext,
    booking_id: str,
    *,
    staff_notes: str | None = None,
    special_requests: str | None = None,
) -> Booking:
    """Staff notes and the student's special requests on a booking."""
    async with db.transaction() as session:
        return await bookings.set_booking_notes(
            session, ctx, booking_id, staff_notes=staff_notes, special_requests=special_requests
        )


async def record_bank_transfer(db: Database, ctx: TenantContext, booking_id: str, amount: int, note: str) -> Payment:
    """Money received by bank transfer against a confirmed booking (an invoice, a balance)."""
    async with db.transaction() as session:
        return await payments.record_bank_transfer(session, ctx, booking_id, amount, note)


async def complete_session(
    db: Database, ctx: TenantContext, session_id: str, *, despite_missing: bool = False
) -> completion.Completed:
    """Complete a session: its certificates issued and emailed, everyone who came asked for feedback."""
    async with db.transaction() as session:
        return await completion.complete_session(session, ctx, session_id, despite_missing=despite_missing)


# --- taking places: bookings and the waiting list ----------------------------------------------


async def book(db: Database, ctx: TenantContext, request: bookings.BookingRequest) -> Booking:
    """Take a place for a customer: a card booking held PENDING, an invoice one CONFIRMED (with its invoice)."""
    bookings.ensure_billing_address(payment_option_for(ctx, request), request.billing_address)
    async with db.transaction() as session:
        # Staff need not give a version; one they give (what their own site's visitor accepted) must be in force.
        await centre_terms.accepted_version(
            session, ctx, request.accepted_terms_version, required=False, field="acceptedTermsVersion"
        )
        return await bookings.create_booking(session, ctx, request)


async def join_waiting_list(db: Database, ctx: TenantContext, session_id: str, customer_id: str) -> WaitingListEntry:
    """Put a customer on a full session's waiting list."""
    async with db.transaction() as session:
        return await waiting_list.join_waiting_list(session, ctx, session_id, customer_id)


async def accept_offer(
    db: Database, ctx: TenantContext, entry_id: str, acceptance: waiting_list.OfferAcceptance
) -> Booking:
    """Take the place a waiting-list offer holds: a booking on it."""
    option = payment_option_for(ctx, acceptance)
    bookings.ensure_billing_address(option, acceptance.billing_address)
    async with db.transaction() as session:
        return await waiting_list.accept_offer(session, ctx, entry_id, acceptance)


async def decline_offer(db: Database, ctx: TenantContext, entry_id: str) -> WaitingListEntry:
    """Say no to an offered place: it goes to the next person waiting."""
    async with db.transaction() as session:
        return await waiting_list.decline_offer(session, ctx, entry_id)


async def leave_waiting_list(db: Database, ctx: TenantContext, entry_id: str) -> WaitingListEntry:
    """Leave a waiting list; an offer in hand is declined."""
    async with db.transaction() as session:
        return await waiting_list.leave_waiting_list(session, ctx, entry_id)


# --- reception -------------------------------------------------------------------------------------


async def check_in(db: Database, ctx: TenantContext, reference: str) -> attendance.CheckIn:
    """Check a student in for today at the kiosk by their booking reference (typed or scanned)."""
    async with db.transaction() as session:
        return await attendance.check_in(session, ctx, reference)


async def check_in_booking(db: Database, ctx: TenantContext, booking_id: str) -> attendance.CheckIn:
    """Check in the booking a student picked by name at the kiosk."""
    async with db.transaction() as session:
        return await attendance.check_in_booking(session, ctx, booking_id)
