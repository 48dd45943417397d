"""Paying for a booking through the payment provider: starting a checkout, and hearing how it went.

The Payment row is written (and committed) before the provider is called, so whatever the provider
answers, or however often it calls back, there is one row to settle. What the provider reports
reaches `settle` through the success page (which looks the checkout up itself, so a lost webhook
leaves nothing pending) and through signed webhooks; each webhook event id is recorded in the same
transaction that acts on it, so a replay changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    PaymentMethod,
    Tenant,
    WaitingListEntry,
    WebhookEvent,
)
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.notify import emails
from trainhub_ui.notify.calendar import booking_calendar
from trainhub_ui.payments import HOLD_SLACK, Checkout, CheckoutRequest, CheckoutState, PaymentProvider, ProviderError
from trainhub_ui.payments.base import ProviderEvent

from .bookings import BookingRequest, Refused, create_booking, end_hold
from .payments import (
    PaymentOutcome,
    attempt_declined,
    find_booking_by_reference,
    get_payment,
    open_payment,
    payment_failed,
    payment_succeeded,
)
from .refunds import record_outside_refund, refund_booking
from .waiting_list import join_waiting_list

# A balance payment has no hold to end with; Stripe keeps a checkout open for at most 24 hours.
BALANCE_CHECKOUT_OPEN = timedelta(hours=23)


@dataclass(frozen=True)
class Settled:
    """What a reported payment came to, for the page that shows it."""

    booking: Booking
    changed: bool
    refunded: int = 0  # paid after the hold lapsed with no place left: given back at once


def pay_page_url(base_url: str, slug: str, reference: str) -> str:
    return f"{base_url}/{slug}/pay/{reference}"


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
    page = pay_page_url(base_url, ctx.tenant.slug, opened.booking.reference)
    known_checkout = opened.payment.stripe_checkout_session_id
    if known_checkout:
        state = await provider.checkout_state(known_checkout)
        if state.status == "open" and state.url:
            return Checkout(url=state.url, provider_reference=known_checkout)
        if state.paid:
            await settle_checkout_state(db, ctx, provider, state)
            return Checkout(url=f"{page}/done?session_id={known_checkout}", provider_reference=known_checkout)
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
        success_url=f"{page}/done",
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
    return await _refund_if_due(db, ctx, provider, outcome)


async def _refund_if_due(
    db: Database, ctx: TenantContext, provider: PaymentProvider, outcome: PaymentOutcome
) -> Settled:
    if not outcome.refund_due:
        return Settled(outcome.booking, outcome.changed)
    result = await refund_booking(
        db, ctx, provider, outcome.booking.id, outcome.refund_due, "Paid after the hold lapsed and the session was full"
    )
    return Settled(result.booking, outcome.changed, refunded=result.amount)


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


# --- webhooks ------------------------------------------------------------------------------------

HANDLED_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
}


async def _context_for(session: AsyncSession, tenant_id: str | None) -> TenantContext | None:
    tenant = await session.get(Tenant, tenant_id) if tenant_id else None
    return TenantContext(tenant=tenant, actor="Stripe") if tenant is not None else None


def _metadata(data: dict) -> dict[str, str]:
    metadata = data.get("metadata")
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


async def handle_event(db: Database, provider: PaymentProvider, event: ProviderEvent) -> str:
    """Act on a verified provider event once. Answers what was done, for the log and the response."""
    data = event.data
    try:
        async with db.transaction() as session:
            session.add(WebhookEvent(provider=provider.name, event_id=event.id, event_type=event.type))
            await session.flush()
    except IntegrityError:
        return "duplicate: already handled"
    if event.type not in HANDLED_EVENTS:
        return "ignored"
    try:
        outcome = await _act(db, provider, event.type, data)
    except DomainError as error:
        outcome = f"refused: {error.code}"
    except ProviderError as error:
        outcome = f"provider error: {error}"
    async with db.transaction() as session:
        recorded = await session.scalar(
            select(WebhookEvent).where(WebhookEvent.provider == provider.name, WebhookEvent.event_id == event.id)
        )
        if recorded is not None:
            recorded.outcome = outcome[:200]
            recorded.tenant_id = _metadata(data).get("tenant") or recorded.tenant_id
            if recorded.tenant_id is not None and await session.get(Tenant, recorded.tenant_id) is None:
                recorded.tenant_id = None
    return outcome


async def _act(db: Database, provider: PaymentProvider, event_type: str, data: dict) -> str:
    metadata = _metadata(data)
    if event_type == "charge.refunded":
        return await _refunded_elsewhere(db, data)
    async with db.read() as session:
        ctx = await _context_for(session, metadata.get("tenant"))
    payment_id = metadata.get("paymentId")
    if ctx is None or not payment_id:
        return "ignored: not one of ours"
    if event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if data.get("payment_status") != "paid":
            return "awaiting payment"
        amount = data.get("amount_total")
        if not isinstance(amount, int):
            return "refused: no amount"
        intent = data.get("payment_intent")
        settled = await settle(
            db,
            ctx,
            provider,
            payment_id,
            amount=amount,
            currency=str(data.get("currency") or ""),
            provider_reference=intent if isinstance(intent, str) else None,
        )
        if settled.refunded:
            return f"paid after the hold lapsed; refunded {settled.refunded}"
        return "paid" if settled.changed else "already paid"
    if event_type == "checkout.session.expired":
        async with db.transaction() as session:
            failed = await payment_failed(session, ctx, payment_id, "The checkout expired unpaid.")
            if failed.changed and failed.booking.status is BookingStatus.PENDING:
                await end_hold(session, ctx, failed.booking, "checkout expired")
        return "expired" if failed.changed else "already settled"
    # checkout.session.async_payment_failed, payment_intent.payment_failed
    error = data.get("last_payment_error")
    reason = str(error.get("message")) if isinstance(error, dict) and error.get("message") else "The payment failed."
    if event_type == "payment_intent.payment_failed" and await _checkout_still_payable(db, provider, ctx, payment_id):
        async with db.transaction() as session:
            attempt = await attempt_declined(session, ctx, payment_id, reason, str(data.get("id") or ""))
        return "declined attempt; checkout still open" if attempt.changed else "already settled"
    outcome = await decline_payment(db, ctx, payment_id, reason)
    return "failed" if outcome.changed else "already settled"


async def _checkout_still_payable(db: Database, provider: PaymentProvider, ctx: TenantContext, payment_id: str) -> bool:
    """Whether the payment's checkout can still be paid (open, or paid already): then a declined card is one
    attempt of several, not the end of the payment. When the provider cannot say, the payment is kept open:
    its checkout's expiry (or the hold's) ends it for certain."""
    async with db.read() as session:
        known_checkout = await session.scalar(
            select(Payment.stripe_checkout_session_id).where(
                Payment.tenant_id == ctx.tenant_id, Payment.id == payment_id
            )
        )
    if not known_checkout:
        return False
    try:
        state = await provider.checkout_state(known_checkout)
    except ProviderError:
        return True
    return state.status == "open" or state.paid


async def decline_payment(db: Database, ctx: TenantContext, payment_id: str, reason: str) -> PaymentOutcome:
    """A declined card (or the test mode's Decline): the booking keeps its hold, to try again."""
    async with db.transaction() as session:
        outcome = await payment_failed(session, ctx, payment_id, reason)
        if outcome.changed:
            await emails.payment_failed(session, ctx, outcome.booking, outcome.payment, reason)
        return outcome


async def _refunded_elsewhere(db: Database, charge: dict) -> str:
    """A refund made in Stripe's own dashboard: recorded here too, for what it adds to ours."""
    intent = charge.get("payment_intent")
    refunded = charge.get("amount_refunded")
    if not isinstance(intent, str) or not isinstance(refunded, int):
        return "ignored: no payment intent"
    async with db.transaction() as session:
        payment = await session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent))
        if payment is None:
            return "ignored: not one of ours"
        ctx = await _context_for(session, payment.tenant_id)
        assert ctx is not None
        added = await record_outside_refund(session, ctx, payment.id, refunded)
    return f"refund recorded: {added}" if added else "refunds already recorded"


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


async def pay_summary(db: Database, ctx: TenantContext, reference: str) -> PaySummary:
    async with db.read() as session:
        booking = await find_booking_by_reference(session, ctx, reference)
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
    request = BookingRequest(
        customer_id=lapsed.customer_id,
        session_id=lapsed.session_id,
        payment_option=lapsed.payment_option,
        special_requests=lapsed.special_requests,
    )
    try:
        async with db.transaction() as session:
            return await create_booking(session, ctx, request)
    except Refused as refused:
        if refused.code != "session_full":
            raise
    async with db.transaction() as session:
        return await join_waiting_list(session, ctx, lapsed.session_id, lapsed.customer_id)


async def booking_calendar_file(db: Database, ctx: TenantContext, reference: str) -> tuple[str, str]:
    """(file name, .ics text) of a live booking's session."""
    async with db.read() as session:
        booking = await find_booking_by_reference(session, ctx, reference)
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
