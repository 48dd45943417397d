"""Paying for a booking through the payment provider: starting a checkout, and hearing how it went.

The Payment row is written (and committed) before the provider is called, so whatever the provider
answers, or however often it calls back, there is one row to settle. What the provider reports
reaches `settle` through the success page (which looks the checkout up itself, so a lost webhook
leaves nothing pending) and through signed webhooks (`webhooks.py`: each event id is recorded in the
same transaction that acts on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    PaymentMethod,
    PaymentOption,
    WaitingListEntry,
)
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.booking_links import pay_url
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.notify import emails
from trainhub_ui.notify.calendar import booking_calendar
from trainhub_ui.payments import HOLD_SLACK, Checkout, CheckoutRequest, CheckoutState, PaymentProvider

from .booking_links import open_booking
from .bookings import BookingRequest, Refused, create_booking, end_hold
from .payments import (
    PaymentOutcome,
    find_booking_by_reference,
    get_payment,
    open_payment,
    payment_failed,
    payment_succeeded,
)
from .refunds import pay_out
from .waiting_list import join_waiting_list

# A balance payment has no hold to end with; Stripe keeps a checkout open for at most 24 hours.
BALANCE_CHECKOUT_OPEN = timedelta(hours=23)


@dataclass(frozen=True)
class Settled:
    """What a reported payment came to, for the page that shows it."""

    booking: Booking
    changed: bool
    refunded: int = 0  # money no booking could take, given back at once
    why: str = ""  # why it went back: PaymentOutcome.note ("paid after the hold lapsed", ...)


@dataclass(frozen=True)
class _Opened:
    """A payment opened for what is due now, and what its checkout needs."""

    payment: Payment
    booking: Booking
    expires_at: datetime
    customer_email: str
    course_title: str


async def _open_for_checkout(db: Database, ctx: TenantContext, provider: PaymentProvider, reference: str) -> _Opened:
    method = PaymentMethod.OFFLINE if provider.name == "offline" else PaymentMethod.CARD
    async with db.transaction() as session:
        booking = await find_booking_by_reference(session, ctx, reference)
        payment = await open_payment(session, ctx, booking.id, method)
        now = ctx.now()
        if booking.status is BookingStatus.PENDING and booking.hold_expires_at is not None:
            # The provider may need the checkout open longer than the centre's hold: the hold grows to match.
            shortest = now + provider.shortest_checkout + HOLD_SLACK if provider.shortest_checkout else now
            if booking.hold_expires_at < shortest:
                booking.hold_expires_at = shortest
                booking.updated_at = now
            expires_at = booking.hold_expires_at
        else:
            expires_at = now + BALANCE_CHECKOUT_OPEN
        customer = await session.get(Customer, booking.customer_id)
        course_title = await session.scalar(
            select(Course.title)
            .join(CourseSession, CourseSession.course_id == Course.id)
            .where(Course.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id)
        )
    return _Opened(payment, booking, expires_at, customer.email if customer else "", course_title or "")


async def begin_checkout(
    db: Database, ctx: TenantContext, provider: PaymentProvider, reference: str, base_url: str
) -> Checkout:
    """Open (or reopen) the payment of what is due now, and the provider's checkout for it.

    A payment already open is never given a second way to be charged: its checkout is answered again while
    open, settled if it was paid (the webhook not heard yet), and closed if it expired unpaid, so that a new
    payment with a new checkout takes its place.
    """
    opened = await _open_for_checkout(db, ctx, provider, reference)
    page = pay_url(base_url, ctx.tenant.slug, opened.booking)
    done = pay_url(base_url, ctx.tenant.slug, opened.booking, "/done")
    known_checkout = opened.payment.stripe_checkout_session_id
    if known_checkout:
        state = await provider.checkout_state(known_checkout)
        if state.status == "open" and state.url:
            return Checkout(url=state.url, provider_reference=known_checkout)
        if state.paid:
            await settle_checkout_state(db, ctx, provider, state)
            return Checkout(url=f"{done}&session_id={known_checkout}", provider_reference=known_checkout)
        async with db.transaction() as session:
            await payment_failed(session, ctx, opened.payment.id, "The checkout expired unpaid.")
        opened = await _open_for_checkout(db, ctx, provider, reference)
    payment, booking = opened.payment, opened.booking
    request = CheckoutRequest(
        payment_id=payment.id,
        tenant_id=ctx.tenant_id,
        booking_id=booking.id,
        booking_reference=booking.reference,
        kind=payment.kind.value,
        amount=payment.amount,
        currency=payment.currency,
        description=f"{opened.course_title} ({payment.kind.value.lower()} payment, booking {booking.reference})",
        customer_email=opened.customer_email,
        success_url=done,
        cancel_url=page,
        expires_at=opened.expires_at,
    )
    checkout = await provider.start_checkout(request)
    if checkout.provider_reference:
        async with db.transaction() as session:
            stored = await get_payment(session, ctx, payment.id)
            stored.stripe_checkout_session_id = checkout.provider_reference
            audit.record(session, ctx, "payment.checkout_started", "payment", payment.id, provider=provider.name)
    return checkout


async def settle(
    db: Database,
    ctx: TenantContext,
    provider: PaymentProvider,
    payment_id: str,
    *,
    amount: int,
    currency: str,
    provider_reference: str | None,
) -> Settled:
    """Money was received for a payment: record it, and give it straight back if no place is left."""
    async with db.transaction() as session:
        outcome = await payment_succeeded(
            session, ctx, payment_id, amount=amount, currency=currency, provider_reference=provider_reference
        )
    if not outcome.refunds:
        return Settled(outcome.booking, outcome.changed)
    # Committed: only now is the money asked back from the provider.
    result = await pay_out(db, ctx, provider, outcome.booking.id, list(outcome.refunds))
    return Settled(result.booking, outcome.changed, refunded=result.amount, why=outcome.note)


async def settle_checkout_state(
    db: Database, ctx: TenantContext, provider: PaymentProvider, state: CheckoutState
) -> Settled | None:
    """The success page's own look at the checkout: settles it if paid (a no-op if a webhook did already)."""
    if state.metadata.get("tenant") != ctx.tenant_id or not state.paid or state.amount is None:
        return None
    return await settle(
        db,
        ctx,
        provider,
        state.metadata.get("paymentId", ""),
        amount=state.amount,
        currency=state.currency,
        provider_reference=state.payment_intent,
    )


async def decline_payment(db: Database, ctx: TenantContext, payment_id: str, reason: str) -> PaymentOutcome:
    """A declined card (or the test mode's Decline): the booking keeps its hold, to try again."""
    async with db.transaction() as session:
        return await decline_in_session(session, ctx, payment_id, reason)


async def decline_in_session(session: AsyncSession, ctx: TenantContext, payment_id: str, reason: str) -> PaymentOutcome:
    """`decline_payment` as a step of the caller's transaction (the webhook's)."""
    outcome = await payment_failed(session, ctx, payment_id, reason)
    if outcome.changed:
        await emails.payment_failed(session, ctx, outcome.booking, outcome.payment, reason)
    return outcome


async def checkout_expired(session: AsyncSession, ctx: TenantContext, payment_id: str) -> PaymentOutcome:
    """A checkout that can no longer be paid (its expiry event, or the provider asked): the payment fails,
    and a booking still held for it ends its hold now, freeing the place. A step of the caller's transaction."""
    outcome = await payment_failed(session, ctx, payment_id, "The checkout expired unpaid.")
    if outcome.changed and outcome.booking.status is BookingStatus.PENDING:
        await end_hold(session, ctx, outcome.booking, "checkout expired")
    return outcome


async def pay_in_test_mode(
    db: Database, ctx: TenantContext, provider: PaymentProvider, reference: str, *, succeed: bool
) -> Settled:
    """The offline test mode's "Pay (test)" and "Decline (test)": what a card would report, with no card."""
    if provider.name != "offline":
        raise Refused("not_test_mode", "Test payments are only taken in the offline test mode.")
    async with db.transaction() as session:
        booking = await find_booking_by_reference(session, ctx, reference)
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
    if not succeed:
        declined = await decline_payment(db, ctx, payment.id, "Declined (test mode)")
        return Settled(declined.booking, declined.changed)
    return await settle(
        db, ctx, provider, payment.id, amount=payment.amount, currency=payment.currency, provider_reference=None
    )


@dataclass(frozen=True)
class PaySummary:
    """What the pay page shows about a booking."""

    booking: Booking
    course_title: str
    starts_at: datetime
    venue: str
    first_name: str


async def pay_summary(
    db: Database, ctx: TenantContext, reference: str, token: str, *, student_id: str | None = None
) -> PaySummary:
    """What the pay page shows, for whoever holds the booking's link or is its student, signed in."""
    async with db.read() as session:
        booking = await open_booking(session, ctx, reference, token, student_id=student_id)
        row = (
            await session.execute(
                select(Course.title, CourseSession.starts_at, CourseSession.venue, Customer.first_name)
                .join(CourseSession, CourseSession.course_id == Course.id)
                .join(Customer, Customer.id == booking.customer_id)
                .where(CourseSession.id == booking.session_id, Course.tenant_id == ctx.tenant_id)
            )
        ).one()
    return PaySummary(booking, row[0], row[1], row[2] or "", row[3])


async def try_again(db: Database, ctx: TenantContext, reference: str) -> Booking | WaitingListEntry:
    """After a hold lapsed unpaid: a new booking on the same session if a place is free, otherwise a
    place on its waiting list (the first freed place is then offered)."""
    async with db.read() as session:
        lapsed = await find_booking_by_reference(session, ctx, reference)
    if lapsed.status is not BookingStatus.EXPIRED:
        raise Refused("booking_not_expired", f"This booking is {lapsed.status.value.lower()}; nothing to try again.")
    on_invoice = lapsed.payment_option is PaymentOption.INVOICE
    request = BookingRequest(
        customer_id=lapsed.customer_id,
        session_id=lapsed.session_id,
        payment_option=lapsed.payment_option,
        special_requests=lapsed.special_requests,
        company_name=lapsed.company_name,
        billing_email=lapsed.billing_email or None,
        po_number=lapsed.po_number,
        billing_address=lapsed.billing_address,
        accepted_terms_version=lapsed.terms_version,  # what they accepted when they booked it
    )
    try:
        async with db.transaction() as session:
            # Only a guest's invoice ever lapses: the new one waits for its confirmation in the same way.
            return await create_booking(session, ctx, request, invoice_to_confirm=on_invoice)
    except Refused as refused:
        if refused.code != "session_full":
            raise
    async with db.transaction() as session:
        return await join_waiting_list(session, ctx, lapsed.session_id, lapsed.customer_id)


async def booking_calendar_file(db: Database, ctx: TenantContext, reference: str, token: str) -> tuple[str, str]:
    """(file name, .ics text) of a live booking's session, for whoever holds its link."""
    async with db.read() as session:
        booking = await open_booking(session, ctx, reference, token)
        if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
            raise NotFound("Booking")
        row = (
            await session.execute(
                select(Course, CourseSession)
                .join(CourseSession, CourseSession.course_id == Course.id)
                .where(CourseSession.id == booking.session_id, Course.tenant_id == ctx.tenant_id)
            )
        ).one()
    course, course_session = row
    return f"{booking.reference}.ics", booking_calendar(ctx.tenant, booking, course, course_session, ctx.now())
