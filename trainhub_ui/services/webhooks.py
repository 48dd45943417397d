"""Stripe's signed events: each is recorded and acted on in ONE transaction.

The event's id is written (unique per provider) in the same transaction that changes the payment and the
booking, so either both happen or neither: an error while acting rolls the record back too, the
webhook answers 500, and Stripe's retry of the same event acts again; an event acted on once is answered
"duplicate" ever after, and two deliveries racing each other act once (the second waits on the unique
row, then finds it). A rule refusing the event (an amount that is not the payment's) is recorded as the
outcome, and nothing else changes (a savepoint undoes what the refused step began).

Nothing inside that transaction talks to the provider: what must be asked of it first (is a declined
card's checkout still open?) is asked before, and money to give back is written as PENDING refunds that
are paid out after the commit (a crash in between leaves them to the jobs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Payment, Refund, Tenant, WebhookEvent, utcnow
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.payments import PaymentProvider, ProviderError
from trainhub_ui.payments.base import ProviderEvent

from .checkout import checkout_expired, decline_in_session
from .payments import attempt_declined, payment_succeeded
from .refunds import pay_out, record_outside_refund

DUPLICATE = "duplicate: already handled"

HANDLED_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
}


class _Duplicate(Exception):
    """The event's id is recorded already (perhaps by a delivery racing this one)."""


@dataclass
class _Acted:
    outcome: str
    ctx: TenantContext | None = None
    booking_id: str = ""
    refunds: list[Refund] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class _Facts:
    """What the provider was asked before the transaction (never inside it)."""

    checkout_payable: bool = False  # the declined card's checkout can still be paid


def _metadata(data: dict[str, Any]) -> dict[str, str]:
    metadata = data.get("metadata")
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


Clock = Callable[[], datetime]


async def _context_for(session: AsyncSession, tenant_id: str | None, clock: Clock = utcnow) -> TenantContext | None:
    tenant = await session.get(Tenant, tenant_id) if tenant_id else None
    return TenantContext(tenant=tenant, actor="Stripe", clock=clock) if tenant is not None else None


async def handle_event(db: Database, provider: PaymentProvider, event: ProviderEvent, *, clock: Clock = utcnow) -> str:
    """Act on a verified provider event once. Answers what was done, for the log and the response.
    `clock` is the time the event is acted at (tests move it, to hear an event after a hold lapsed)."""
    async with db.read() as session:
        if await _recorded(session, provider, event.id):
            return DUPLICATE
    facts = await _ask_first(db, provider, event)
    try:
        async with db.transaction() as session:
            record = WebhookEvent(provider=provider.name, event_id=event.id, event_type=event.type)
            session.add(record)
            try:
                await session.flush()
            except IntegrityError:
                raise _Duplicate from None
            acted = await _act_or_refuse(session, event, facts, clock)
            record.outcome = acted.outcome[:200]
            record.tenant_id = acted.ctx.tenant_id if acted.ctx is not None else None
    except _Duplicate:
        return DUPLICATE
    if not acted.refunds or acted.ctx is None:
        return acted.outcome
    # Committed: only now is the money asked back from the provider.
    result = await pay_out(db, acted.ctx, provider, acted.booking_id, acted.refunds)
    return f"{acted.note}; refunded {result.amount}" if result.amount else f"{acted.note}; refund failed"


async def _recorded(session: AsyncSession, provider: PaymentProvider, event_id: str) -> bool:
    found = await session.scalar(
        select(WebhookEvent.id).where(WebhookEvent.provider == provider.name, WebhookEvent.event_id == event_id)
    )
    return found is not None


async def _ask_first(db: Database, provider: PaymentProvider, event: ProviderEvent) -> _Facts:
    if event.type != "payment_intent.payment_failed":
        return _Facts()
    metadata = _metadata(event.data)
    async with db.read() as session:
        known_checkout = await session.scalar(
            select(Payment.stripe_checkout_session_id).where(
                Payment.tenant_id == metadata.get("tenant", ""), Payment.id == metadata.get("paymentId", "")
            )
        )
    if not known_checkout:
        return _Facts()
    try:
        state = await provider.checkout_state(known_checkout)
    except ProviderError:
        # The provider cannot say: keep the payment open; its checkout's expiry (or the hold's) ends it for sure.
        return _Facts(checkout_payable=True)
    return _Facts(checkout_payable=state.status == "open" or state.paid)


async def _act_or_refuse(session: AsyncSession, event: ProviderEvent, facts: _Facts, clock: Clock) -> _Acted:
    if event.type not in HANDLED_EVENTS:
        return _Acted("ignored", await _context_for(session, _metadata(event.data).get("tenant"), clock))
    if event.type == "charge.refunded":
        return await _refunded_elsewhere(session, event.data, clock)
    ctx = await _context_for(session, _metadata(event.data).get("tenant"), clock)
    payment_id = _metadata(event.data).get("paymentId")
    if ctx is None or not payment_id:
        return _Acted("ignored: not one of ours")
    try:
        async with session.begin_nested():
            acted = await _act(session, ctx, payment_id, event, facts)
    except DomainError as error:
        return _Acted(f"refused: {error.code}", ctx)
    acted.ctx = ctx
    return acted


async def _act(
    session: AsyncSession, ctx: TenantContext, payment_id: str, event: ProviderEvent, facts: _Facts
) -> _Acted:
    data = event.data
    if event.type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if data.get("payment_status") != "paid":
            return _Acted("awaiting payment")
        amount = data.get("amount_total")
        if not isinstance(amount, int):
            return _Acted("refused: no amount")
        intent = data.get("payment_intent")
        paid = await payment_succeeded(
            session,
            ctx,
            payment_id,
            amount=amount,
            currency=str(data.get("currency") or ""),
            provider_reference=intent if isinstance(intent, str) else None,
        )
        outcome = "paid" if paid.changed else "already paid"
        return _Acted(outcome, booking_id=paid.booking.id, refunds=list(paid.refunds), note=paid.note)
    if event.type == "checkout.session.expired":
        failed = await checkout_expired(session, ctx, payment_id)
        return _Acted("expired" if failed.changed else "already settled")
    # checkout.session.async_payment_failed, payment_intent.payment_failed
    error = data.get("last_payment_error")
    reason = str(error.get("message")) if isinstance(error, dict) and error.get("message") else "The payment failed."
    if event.type == "payment_intent.payment_failed" and facts.checkout_payable:
        # One attempt of several: the student is still on Stripe's page and may try another card.
        attempt = await attempt_declined(session, ctx, payment_id, reason, str(data.get("id") or ""))
        return _Acted("declined attempt; checkout still open" if attempt.changed else "already settled")
    declined = await decline_in_session(session, ctx, payment_id, reason)
    return _Acted("failed" if declined.changed else "already settled")


async def _refunded_elsewhere(session: AsyncSession, charge: dict[str, Any], clock: Clock) -> _Acted:
    """A refund made in Stripe's own dashboard: recorded here too, for what it adds to ours."""
    intent = charge.get("payment_intent")
    refunded = charge.get("amount_refunded")
    if not isinstance(intent, str) or not isinstance(refunded, int):
        return _Acted("ignored: no payment intent")
    payment = await session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent))
    if payment is None:
        return _Acted("ignored: not one of ours")
    ctx = await _context_for(session, payment.tenant_id, clock)
    assert ctx is not None
    added = await record_outside_refund(session, ctx, payment.id, refunded)
    return _Acted(f"refund recorded: {added}" if added else "refunds already recorded", ctx)
