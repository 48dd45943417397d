"""Refunds: by staff or by the centre's refund policy, never more than a payment took.

A refund is written PENDING (its amount already counted against the payment, so two refunds at once
cannot both take the same money) before the provider is asked, then marked SUCCEEDED or FAILED.
The balance payment is refunded before the deposit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    CourseSession,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
    RefundStatus,
    Tenant,
)
from trainhub_ui.booking.amounts import deposit_for
from trainhub_ui.booking.places import booking_changed
from trainhub_ui.booking.rules import Refused
from trainhub_ui.booking.states import PAYMENT, REFUND
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import money
from trainhub_ui.notify import emails
from trainhub_ui.payments import PaymentProvider, ProviderError

from . import credit_notes
from .bookings import get_booking

# Later payments are given back first: the balance before the deposit. Money the booking never took (an
# excess charge whose automatic refund failed) goes back before any of the booking's own.
REFUND_ORDER = {PaymentKind.EXCESS: -1, PaymentKind.BALANCE: 0, PaymentKind.FULL: 1, PaymentKind.DEPOSIT: 2}


@dataclass(frozen=True)
class RefundResult:
    booking: Booking
    refunds: list[Refund]

    @property
    def amount(self) -> int:
        return sum(r.amount for r in self.refunds if r.status is RefundStatus.SUCCEEDED)


def policy_refund(booking: Booking, course_session: CourseSession, ctx: TenantContext, now: datetime) -> int:
    """What the centre's policy gives back on cancellation: everything paid when the start is at least
    `full_refund_days` away; later, everything but the deposit (for a booking paid in full, the deposit
    it would have paid). Earlier refunds are taken off when it is paid out (see `refundable`)."""
    if booking.amount_paid <= 0:
        return 0
    days_left = (course_session.starts_at - now).total_seconds() / 86400
    if days_left >= ctx.tenant.full_refund_days:
        return booking.amount_paid
    if booking.payment_option is PaymentOption.DEPOSIT:
        kept = booking.deposit_amount
    else:
        kept = deposit_for(booking.total_amount, ctx.tenant.deposit_percent)
    return max(booking.amount_paid - kept, 0)


def refundable(payment: Payment) -> int:
    return payment.amount - payment.amount_refunded if payment.status is PaymentStatus.PAID else 0


async def _reserve(
    session: AsyncSession, ctx: TenantContext, booking_id: str, amount: int, reason: str
) -> tuple[Booking, list[Refund]]:
    booking = await get_booking(session, ctx, booking_id)
    payments = list(
        await session.scalars(
            select(Payment)
            .where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id == booking.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    available = sum(refundable(p) for p in payments)
    if amount > available:
        most = money(available, booking.currency, ctx.tenant.locale)
        raise InvalidInput(
            "amount", f"At most {most} can be refunded on this booking (what was paid, less earlier refunds)."
        )
    now = ctx.now()
    refunds: list[Refund] = []
    left = amount
    # Newest first within a kind; then a stable sort puts balances before full payments before deposits.
    newest_first = sorted(payments, key=lambda p: (p.created_at, p.id), reverse=True)
    for payment in sorted(newest_first, key=lambda p: REFUND_ORDER[p.kind]):
        share = min(left, refundable(payment))
        if share <= 0:
            continue
        refunds.append(_pending_refund(session, ctx, payment, share, reason, now))
        left -= share
        if left == 0:
            break
    await session.flush()
    return booking, refunds


async def reserve_refund_of(
    session: AsyncSession, ctx: TenantContext, payment: Payment, amount: int, reason: str
) -> Refund:
    """A refund of `amount` of this one payment (its own PaymentIntent), written PENDING in the caller's
    transaction with its amount counted against the payment; `pay_out` asks the provider once that
    transaction has committed (a crash in between leaves it to `finish_pending_refunds`)."""
    if amount > refundable(payment):
        raise InvalidInput("amount", "A refund cannot give back more than the payment took.")
    refund = _pending_refund(session, ctx, payment, amount, reason, ctx.now())
    await session.flush()
    return refund


def _pending_refund(
    session: AsyncSession, ctx: TenantContext, payment: Payment, amount: int, reason: str, now: datetime
) -> Refund:
    """A PENDING refund of `amount` of this payment, counted against it at once so that a second refund
    in the meantime cannot take the same money."""
    payment.amount_refunded += amount
    payment.updated_at = now
    refund = Refund(
        tenant_id=ctx.tenant_id,
        payment_id=payment.id,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        created_by=ctx.actor,
        status=REFUND.start("request"),
        created_at=now,
        updated_at=now,
    )
    session.add(refund)
    return refund


async def pay_out(
    db: Database, ctx: TenantContext, provider: PaymentProvider, booking_id: str, refunds: list[Refund]
) -> RefundResult:
    """Ask the provider for refunds already written (`reserve_refund_of`), then record how each went: one the
    provider refused is FAILED, in the audit log and on the booking's page, for staff to give back by hand."""
    outcomes = await _ask_provider(db, provider, refunds)
    async with db.transaction() as session:
        booking, settled = await _settle(session, ctx, booking_id, outcomes)
    return RefundResult(booking, settled)


async def refund_booking(
    db: Database, ctx: TenantContext, provider: PaymentProvider, booking_id: str, amount: int, reason: str
) -> RefundResult:
    """Give `amount` (minor units) of a booking's payments back through the provider."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("amount", "A refund is a whole positive number of minor units (pence).")
    async with db.transaction() as session:
        booking, refunds = await _reserve(session, ctx, booking_id, amount, reason)
    outcomes = await _ask_provider(db, provider, refunds)
    async with db.transaction() as session:
        booking, settled = await _settle(session, ctx, booking_id, outcomes)
    failures = [failure for provider_id, failure in outcomes.values() if provider_id is None]
    if failures:
        raise Refused("refund_failed", failures[0])
    return RefundResult(booking, settled)


async def _ask_provider(
    db: Database, provider: PaymentProvider, refunds: list[Refund]
) -> dict[str, tuple[str | None, str]]:
    """Each refund's provider id ("" for money that goes back by bank), or None and why it failed.

    The idempotency key is the refund's own id, so asking again (after a crash) never pays twice.
    """
    outcomes: dict[str, tuple[str | None, str]] = {}
    for refund in refunds:
        async with db.read() as session:
            payment = await session.get(Payment, refund.payment_id)
        assert payment is not None
        if payment.payment_method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.INVOICE):
            # Money that came by bank goes back by bank: the centre pays it; this records it.
            outcomes[refund.id] = ("", "")
            continue
        try:
            provider_id = await provider.refund(
                payment.stripe_payment_intent_id,
                refund.amount,
                idempotency_key=f"refund-{refund.id}",
                reason=refund.reason,
            )
            outcomes[refund.id] = (provider_id, "")
        except ProviderError as error:
            outcomes[refund.id] = (None, str(error))
    return outcomes


async def finish_pending_refunds(db: Database, provider: PaymentProvider, older_than: datetime) -> int:
    """Refunds left PENDING (the server stopped between writing one and hearing the provider): asked again
    with the same idempotency key, then settled. Answers how many were finished."""
    async with db.read() as session:
        pending = list(
            await session.scalars(
                select(Refund).where(Refund.status == RefundStatus.PENDING, Refund.created_at < older_than)
            )
        )
    finished = 0
    for refund in pending:
        async with db.read() as session:
            tenant = await session.get(Tenant, refund.tenant_id)
            payment = await session.get(Payment, refund.payment_id)
        if tenant is None or payment is None:
            continue
        ctx = TenantContext(tenant=tenant, actor="system")
        outcomes = await _ask_provider(db, provider, [refund])
        async with db.transaction() as session:
            await _settle(session, ctx, payment.booking_id, outcomes)
        finished += 1
    return finished


async def _settle(
    session: AsyncSession, ctx: TenantContext, booking_id: str, outcomes: dict[str, tuple[str | None, str]]
) -> tuple[Booking, list[Refund]]:
    now = ctx.now()
    booking = await get_booking(session, ctx, booking_id)
    settled: list[Refund] = []
    given_back, credited, by_card, reasons = 0, 0, False, []
    for refund_id, (provider_id, failure) in outcomes.items():
        refund = await session.get(Refund, refund_id, with_for_update=True)
        payment = await session.get(Payment, refund.payment_id, with_for_update=True) if refund else None
        if refund is None or payment is None or refund.status is not RefundStatus.PENDING:
            continue
        refund.updated_at = now
        payment.updated_at = now
        if provider_id is None:
            REFUND.move(refund, "fail", now)
            refund.failure_reason = failure
            payment.amount_refunded -= refund.amount
            audit.record(session, ctx, "refund.failed", "refund", refund.id, amount=refund.amount, reason=failure)
        else:
            REFUND.move(refund, "succeed", now)
            refund.stripe_refund_id = provider_id or None
            if payment.amount_refunded >= payment.amount:
                PAYMENT.move(payment, "refund_in_full", now)
            audit.record(session, ctx, "refund.made", "refund", refund.id, amount=refund.amount, payment=payment.id)
            given_back += refund.amount
            if payment.kind is not PaymentKind.EXCESS:  # money the booking never took was never invoiced
                credited += refund.amount
            by_card = by_card or payment.payment_method is PaymentMethod.CARD
            if refund.reason and refund.reason not in reasons:
                reasons.append(refund.reason)
        settled.append(refund)
    # amount_paid stays what was received: a goodwill refund must not turn into a balance to pay.
    booking.updated_at = now
    booking_changed(session, booking)
    if credited:
        await credit_notes.credit_refund(session, ctx, booking, credited, "; ".join(reasons))
    if given_back:
        await session.flush()
        await emails.refund_made(session, ctx, booking, given_back, "; ".join(reasons), by_card=by_card)
    return booking, settled


async def record_outside_refund(
    session: AsyncSession, ctx: TenantContext, payment_id: str, refunded_in_total: int
) -> int:
    """The provider says `refunded_in_total` of a payment went back, some of it without us (its own
    dashboard): record the difference as a refund. Answers the amount added (0 when we knew it all)."""
    payment = await session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if payment is None or payment.tenant_id != ctx.tenant_id:
        return 0
    added = min(refunded_in_total, payment.amount) - payment.amount_refunded
    if added <= 0:
        return 0
    now = ctx.now()
    refund = Refund(
        tenant_id=ctx.tenant_id,
        payment_id=payment.id,
        amount=added,
        currency=payment.currency,
        reason="Refunded at the payment provider",
        created_by=ctx.actor,
        status=REFUND.start("record"),
        created_at=now,
        updated_at=now,
    )
    session.add(refund)
    payment.amount_refunded += added
    payment.updated_at = now
    if payment.amount_refunded >= payment.amount and PAYMENT.allows(payment.status, "refund_in_full"):
        PAYMENT.move(payment, "refund_in_full", now)
    await session.flush()
    audit.record(session, ctx, "refund.recorded", "refund", refund.id, amount=added, payment=payment.id)
    booking = await get_booking(session, ctx, payment.booking_id)
    if payment.kind is not PaymentKind.EXCESS:
        await credit_notes.credit_refund(session, ctx, booking, added, "refunded at the payment provider")
    await emails.refund_made(session, ctx, booking, added, "", by_card=payment.payment_method is PaymentMethod.CARD)
    return added


async def refund_by_policy(
    db: Database, ctx: TenantContext, provider: PaymentProvider, booking_id: str, *, in_full: bool = False
) -> RefundResult | None:
    """After a cancellation: give back what the centre's policy says (everything when `in_full`, as
    when the centre itself cancels). None when nothing is due back."""
    async with db.read() as session:
        booking = await get_booking(session, ctx, booking_id)
        course_session = await session.get(CourseSession, booking.session_id)
        payments = list(
            await session.scalars(
                select(Payment).where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id == booking.id)
            )
        )
    assert course_session is not None
    still_refundable = sum(refundable(p) for p in payments)
    due = still_refundable if in_full else policy_refund(booking, course_session, ctx, ctx.now())
    amount = min(due, still_refundable)
    if amount <= 0:
        return None
    reason = "Cancelled by the centre" if in_full else "Cancelled: refunded by the centre's refund policy"
    return await refund_booking(db, ctx, provider, booking_id, amount, reason)
