"""Payments against bookings: what is due, and what a successful or failed payment changes.

A payment only moves forward: PENDING -> PAID or FAILED, PAID -> REFUNDED, and FAILED -> PAID when the
money of a checkout we had given up on is heard of after all. A replayed success changes nothing. The
amount and currency a provider reports must be the payment row's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    CourseSession,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
)
from trainhub_ui.booking import places, rules
from trainhub_ui.booking.places import (
    booking_changed,
    capacity_changed,
    lock_session,
    lock_session_with_course,
    release_lapsed,
)
from trainhub_ui.booking.rules import Refused
from trainhub_ui.booking.states import BOOKING, PAYMENT
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.domain.formatting import money
from trainhub_ui.notify import emails

from .bookings import get_booking, live_booking_of
from .invoices import mark_paid_if_settled
from .refunds import reserve_refund_of

LATE_AND_FULL = "Paid after the hold lapsed and the session was full"
PAID_AFTER_THE_HOLD = "paid after the hold lapsed"
SECOND_CHARGE = "second charge for a payment already paid"
OVERPAID = "paid after the booking was paid by another payment"


@dataclass(frozen=True)
class Due:
    kind: PaymentKind
    amount: int


@dataclass(frozen=True)
class PaymentOutcome:
    """What a reported payment did. `refunds` give back money taken that no booking can take: written
    PENDING in the same transaction, paid out by the provider after it commits (`refunds.pay_out`)."""

    payment: Payment
    booking: Booking
    changed: bool
    refunds: tuple[Refund, ...] = ()
    note: str = ""  # why the money goes back, for the log and the webhook's answer

    @property
    def refund_due(self) -> int:
        return sum(refund.amount for refund in self.refunds)


def amount_due(booking: Booking) -> Due | None:
    """What the student can pay now by card: the whole price or the deposit of a held booking, or
    the balance of a confirmed deposit booking. Invoices are paid by bank transfer, recorded by staff."""
    if booking.payment_option is PaymentOption.INVOICE:
        return None
    if booking.status is BookingStatus.PENDING:
        if booking.payment_option is PaymentOption.DEPOSIT:
            return Due(PaymentKind.DEPOSIT, booking.deposit_amount)
        return Due(PaymentKind.FULL, booking.total_amount - booking.amount_paid)
    if booking.status is BookingStatus.CONFIRMED and booking.balance_due > 0:
        return Due(PaymentKind.BALANCE, booking.balance_due)
    return None


async def get_payment(session: AsyncSession, ctx: TenantContext, payment_id: str) -> Payment:
    payment = await session.scalar(
        select(Payment).where(Payment.tenant_id == ctx.tenant_id, Payment.id == payment_id).with_for_update()
    )
    if payment is None:
        raise NotFound("Payment")
    return payment


async def course_paid_for(session: AsyncSession, ctx: TenantContext, booking: Booking) -> str:
    """The course a payment against `booking` is for: the course of the booking's session. A booking moves
    only to another session of the same course (booking_moves.py), so a payment's course never changes."""
    course_id = await session.scalar(
        select(CourseSession.course_id).where(
            CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id
        )
    )
    if course_id is None:
        raise NotFound("Session")
    return course_id


async def _new_payment(
    session: AsyncSession, ctx: TenantContext, booking: Booking, now: datetime, **fields: Any
) -> Payment:
    """A payment row against `booking`, made at `now` and added to the session: every way money is recorded
    makes its row here, so each carries its course."""
    defaults: dict[str, Any] = {"currency": booking.currency, "failure_reason": ""}
    payment = Payment(
        tenant_id=ctx.tenant_id,
        booking_id=booking.id,
        course_id=await course_paid_for(session, ctx, booking),
        created_at=now,
        updated_at=now,
        **(defaults | fields),
    )
    session.add(payment)
    return payment


async def open_payment(session: AsyncSession, ctx: TenantContext, booking_id: str, method: PaymentMethod) -> Payment:
    """The PENDING payment for what is due now, written before any provider is called.

    Asking again for the same thing answers the same row, so a double click pays once.
    """
    booking = await get_booking(session, ctx, booking_id)
    if booking.status is BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at <= ctx.now():
        await release_lapsed(session, ctx, await lock_session(session, ctx, booking.session_id), ctx.now())
        await session.refresh(booking)
    due = amount_due(booking)
    if due is None or due.amount <= 0:
        raise Refused("nothing_due", f"Nothing is due on this booking now (it is {booking.status.value.lower()}).")
    existing = await session.scalar(
        select(Payment).where(
            Payment.booking_id == booking.id,
            Payment.status == PaymentStatus.PENDING,
            Payment.kind == due.kind,
            Payment.amount == due.amount,
            Payment.payment_method == method,
        )
    )
    if existing is not None:
        return existing
    payment = await _new_payment(
        session,
        ctx,
        booking,
        ctx.now(),
        kind=due.kind,
        status=PAYMENT.start("open"),
        payment_method=method,
        amount=due.amount,
    )
    await session.flush()
    audit.record(session, ctx, "payment.opened", "payment", payment.id, kind=due.kind.value, amount=due.amount)
    return payment


async def take_place_again(session: AsyncSession, ctx: TenantContext, booking: Booking, now: datetime) -> bool:
    """A hold lapsed before the money (or the invoice's confirmation) came: take a place again if one is
    free, for the same customer."""
    course_session, course = await lock_session_with_course(session, ctx, booking.session_id)
    await release_lapsed(session, ctx, course_session, now)
    if (
        rules.refusal(course_session, course, ctx.tenant, now) is not None
        or not places.has_free_place(course_session)
        or await live_booking_of(session, course_session.id, booking.customer_id) is not None
    ):
        return False
    places.take_place(course_session)
    capacity_changed(session, ctx, course_session)
    return True


async def payment_succeeded(
    session: AsyncSession,
    ctx: TenantContext,
    payment_id: str,
    *,
    amount: int,
    currency: str,
    provider_reference: str | None = None,
) -> PaymentOutcome:
    """Record money received. Confirms a held booking; a booking whose hold lapsed gets its place back
    if one is free. Money no booking can take (the session full after a lapsed hold, a cancelled booking, a
    second charge for a payment already paid, more than a confirmed booking owes) is recorded with a PENDING
    refund of that charge (`refunds`). A charge (PaymentIntent) already recorded changes nothing."""
    now = ctx.now()
    payment = await get_payment(session, ctx, payment_id)  # locked: one report of it at a time
    booking = await get_booking(session, ctx, payment.booking_id)
    if provider_reference and await _charge_recorded(session, ctx, provider_reference):
        return PaymentOutcome(payment, booking, changed=False)  # this charge is heard again: it was recorded
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED) and not provider_reference:
        return PaymentOutcome(payment, booking, changed=False)  # a replay: what was done stays done
    if amount != payment.amount or currency.upper() != payment.currency.upper():
        raise Refused(
            "amount_mismatch",
            f"Reported {amount} {currency.upper()} does not match the payment's {payment.amount} {payment.currency}.",
        )
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        # A real charge of its own (another PaymentIntent) for a payment already paid.
        return await _excess(session, ctx, payment, booking, amount, provider_reference, SECOND_CHARGE)
    if booking.status is BookingStatus.CONFIRMED and amount > booking.total_amount - booking.amount_paid:
        # The booking was paid meanwhile by another payment: this one's money is more than it is owed.
        if payment.status is PaymentStatus.PENDING:
            PAYMENT.move(payment, "fail", now)
            payment.failure_reason = "The booking was paid by another payment first."
        return await _excess(session, ctx, payment, booking, amount, provider_reference, OVERPAID)
    PAYMENT.move(payment, "succeed", now)
    payment.paid_at = now
    payment.failure_reason = ""  # an expiry heard before this success no longer describes the payment
    if provider_reference:
        payment.stripe_payment_intent_id = provider_reference
    booking.amount_paid += amount
    booking.updated_at = now
    audit.record(session, ctx, "payment.paid", "payment", payment.id, amount=amount, booking=booking.id)

    if booking.status is BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at <= now:
        await release_lapsed(session, ctx, await lock_session(session, ctx, booking.session_id), now)
        await session.refresh(booking)
    refunds: tuple[Refund, ...] = ()
    note = ""
    if booking.status is BookingStatus.EXPIRED:
        if await take_place_again(session, ctx, booking, now):
            BOOKING.move(booking, "hold_again", now)  # confirmed just below, like any paid hold
        else:
            note = PAID_AFTER_THE_HOLD
            refunds = (await reserve_refund_of(session, ctx, payment, amount, LATE_AND_FULL),)
    elif booking.status is BookingStatus.CANCELLED:
        note = "paid for a cancelled booking"
        refunds = (await reserve_refund_of(session, ctx, payment, amount, "Paid for a booking already cancelled"),)
    if note:
        audit.record(session, ctx, "payment.refund_due", "payment", payment.id, reason=note, amount=amount)
    confirmed_now = booking.status is BookingStatus.PENDING
    if confirmed_now:
        BOOKING.move(booking, "confirm", now)
        booking.confirmed_at = now
        booking.hold_expires_at = None
        audit.record(session, ctx, "booking.confirmed", "booking", booking.id)
    booking.balance_due = (
        max(booking.total_amount - booking.amount_paid, 0) if booking.status is BookingStatus.CONFIRMED else 0
    )
    booking_changed(session, booking)
    if booking.status is BookingStatus.CONFIRMED:
        await session.flush()
        if confirmed_now:
            await emails.booking_confirmed(session, ctx, booking)
        await emails.payment_received(session, ctx, booking, payment)
    return PaymentOutcome(payment, booking, changed=True, refunds=refunds, note=note)


async def _charge_recorded(session: AsyncSession, ctx: TenantContext, provider_reference: str) -> bool:
    """Whether money of this charge (a Stripe PaymentIntent) is recorded already, on any payment."""
    found = await session.scalar(
        select(Payment.id).where(
            Payment.tenant_id == ctx.tenant_id,
            Payment.stripe_payment_intent_id == provider_reference,
            Payment.status.in_((PaymentStatus.PAID, PaymentStatus.REFUNDED)),
        )
    )
    return found is not None


async def _excess(
    session: AsyncSession,
    ctx: TenantContext,
    paid_for: Payment,
    booking: Booking,
    amount: int,
    provider_reference: str | None,
    why: str,
) -> PaymentOutcome:
    """Money received that the booking cannot take: recorded as a payment of its own (never counted as the
    booking's), with a refund of that very charge written in the same transaction, and an audit entry."""
    now = ctx.now()
    excess = await _new_payment(
        session,
        ctx,
        booking,
        now,
        kind=PaymentKind.EXCESS,
        status=PAYMENT.start("receive_excess"),
        payment_method=paid_for.payment_method,
        currency=paid_for.currency,
        amount=amount,
        stripe_payment_intent_id=provider_reference,
        stripe_checkout_session_id=paid_for.stripe_checkout_session_id,
        paid_at=now,
    )
    await session.flush()
    audit.record(
        session,
        ctx,
        "payment.excess_received",
        "payment",
        excess.id,
        amount=amount,
        payment=paid_for.id,
        booking=booking.id,
        charge=provider_reference or "",
        reason=why,
    )
    refund = await reserve_refund_of(session, ctx, excess, amount, f"Refunded at once: {why}")
    booking_changed(session, booking)
    return PaymentOutcome(excess, booking, changed=True, refunds=(refund,), note=why)


async def payment_failed(session: AsyncSession, ctx: TenantContext, payment_id: str, reason: str) -> PaymentOutcome:
    """A declined or abandoned payment: the booking keeps its hold until it lapses, to try again."""
    payment = await get_payment(session, ctx, payment_id)
    booking = await get_booking(session, ctx, payment.booking_id)
    if payment.status is not PaymentStatus.PENDING:
        return PaymentOutcome(payment, booking, changed=False)
    PAYMENT.move(payment, "fail", ctx.now())
    payment.failure_reason = reason[:2000]
    audit.record(session, ctx, "payment.failed", "payment", payment.id, reason=reason[:200])
    return PaymentOutcome(payment, booking, changed=True)


async def attempt_declined(
    session: AsyncSession, ctx: TenantContext, payment_id: str, reason: str, attempt: str | None
) -> PaymentOutcome:
    """A card declined inside a checkout that is still open. The student may try another card on the same
    page, so the payment stays open (a later success settles it); the attempt is kept for staff."""
    payment = await get_payment(session, ctx, payment_id)
    booking = await get_booking(session, ctx, payment.booking_id)
    if payment.status is not PaymentStatus.PENDING:
        return PaymentOutcome(payment, booking, changed=False)
    audit.record(
        session, ctx, "payment.attempt_declined", "payment", payment.id, reason=reason[:200], attempt=attempt or ""
    )
    return PaymentOutcome(payment, booking, changed=True)


async def find_booking_by_reference(session: AsyncSession, ctx: TenantContext, reference: str) -> Booking:
    booking = await session.scalar(
        select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.reference == reference.strip().upper())
    )
    if booking is None:
        raise NotFound("Booking")
    return booking


async def record_bank_transfer(
    session: AsyncSession, ctx: TenantContext, booking_id: str, amount: int, note: str = ""
) -> Payment:
    """Staff record money received by bank transfer against a confirmed booking (an invoice, a balance)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("amount", "A payment is a whole positive number of minor units (pence).")
    now = ctx.now()
    booking = await get_booking(session, ctx, booking_id)
    await session.refresh(booking, with_for_update=True)
    if booking.status is not BookingStatus.CONFIRMED:
        raise Refused(
            "booking_not_confirmed",
            f"Only a confirmed booking takes payments (this one is {booking.status.value.lower()}).",
        )
    if amount > booking.balance_due:
        owed = money(booking.balance_due, booking.currency, ctx.tenant.locale)
        raise InvalidInput("amount", f"At most the balance due, {owed}, can be recorded.")
    payment = await _new_payment(
        session,
        ctx,
        booking,
        now,
        kind=PaymentKind.FULL if amount == booking.total_amount else PaymentKind.BALANCE,
        status=PAYMENT.start("record_received"),
        payment_method=PaymentMethod.BANK_TRANSFER,
        amount=amount,
        paid_at=now,
    )
    booking.amount_paid += amount
    booking.balance_due = max(booking.total_amount - booking.amount_paid, 0)
    booking.updated_at = now
    await mark_paid_if_settled(session, ctx, booking)
    await session.flush()
    audit.record(session, ctx, "payment.bank_transfer", "payment", payment.id, amount=amount, note=note[:200])
    booking_changed(session, booking)
    await emails.payment_received(session, ctx, booking, payment)
    return payment


async def payments_of(session: AsyncSession, ctx: TenantContext, booking_id: str) -> list[Payment]:
    booking = await get_booking(session, ctx, booking_id)
    return list(
        await session.scalars(
            select(Payment)
            .where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id == booking.id)
            .order_by(Payment.created_at, Payment.id)
        )
    )
