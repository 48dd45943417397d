"""Card payments whose outcome was never heard: asked of the provider, and settled as its webhook would be.

A webhook can be lost (an outage at either end, a misconfigured endpoint, retries given up). A card payment
still open some minutes after it was opened is looked up at the provider, outside any transaction, and the
answer is acted on through the webhook's own steps, each in its own transaction:

- paid: `checkout.settle`, the same `payment_succeeded` in one transaction, and money no booking can take
  paid back out only after that commit;
- expired: `checkout.checkout_expired`, the payment fails and its hold ends, as on the expiry event;
- still open (or anything else): left for the next run.

Settling is idempotent (a charge is recorded once per PaymentIntent, a payment moves only forward), so a
webhook arriving at the same time, or another process running this job, changes nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import literal_column, select

from models import Payment, PaymentMethod, PaymentStatus, Tenant
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.payments import CheckoutState, PaymentProvider, ProviderError

from .checkout import checkout_expired, settle

log = logging.getLogger(__name__)

# Stripe keeps a checkout open for 24 hours at most, so well before this its answer is final (paid or
# expired). Only a payment the provider could not be asked about for this long is left out, so that a few
# such (a checkout made with another Stripe account's key) never crowd out the payments that can be settled.
ASKED_FOR = timedelta(days=7)


async def open_card_payments(db: Database, opened_before: datetime) -> list[Payment]:
    """Card payments still PENDING, opened before `opened_before` (and within `ASKED_FOR` of it), that have a
    checkout to ask about, oldest first. A payment whose checkout was never made cannot have been paid."""
    async with db.read() as session:
        return list(
            await session.scalars(
                select(Payment)
                .where(
                    # Written out, not bound: a generic plan of a prepared statement (PostgreSQL) can use
                    # the partial index of open payments only when the query names its condition itself.
                    Payment.status == literal_column(f"'{PaymentStatus.PENDING.value}'"),
                    Payment.payment_method == PaymentMethod.CARD,
                    Payment.stripe_checkout_session_id.is_not(None),
                    Payment.created_at < opened_before,
                    Payment.created_at >= opened_before - ASKED_FOR,
                )
                .order_by(Payment.created_at, Payment.id)
            )
        )


async def reconcile_open_payments(
    db: Database, provider: PaymentProvider, now: datetime, opened_before: datetime
) -> int:
    """Ask the provider how each long-open card payment went and act on it. Answers how many were settled
    or ended (a checkout still open is not counted: nothing was done)."""
    acted = 0
    for payment in await open_card_payments(db, opened_before):
        checkout_id = payment.stripe_checkout_session_id
        assert checkout_id is not None
        try:
            state = await provider.checkout_state(checkout_id)
        except ProviderError as error:
            log.warning("could not look up checkout %s of payment %s: %s", checkout_id, payment.id, error)
            continue
        try:
            acted += await _act_on(db, provider, payment, state, now)
        except DomainError as error:
            # As the webhook records a refused event: nothing changes, and the next run asks again.
            log.warning("checkout %s of payment %s refused: %s", checkout_id, payment.id, error)
    return acted


async def _act_on(
    db: Database, provider: PaymentProvider, payment: Payment, state: CheckoutState, now: datetime
) -> int:
    async with db.read() as session:
        tenant = await session.get(Tenant, payment.tenant_id)
    if tenant is None:
        return 0
    ctx = TenantContext(tenant=tenant, actor="reconciliation", clock=lambda: now)
    if state.paid and state.amount is not None:
        settled = await settle(
            db,
            ctx,
            provider,
            payment.id,
            amount=state.amount,
            currency=state.currency,
            provider_reference=state.payment_intent,
        )
        return int(settled.changed)
    if state.status == "expired":
        async with db.transaction() as session:
            ended = await checkout_expired(session, ctx, payment.id)
        return int(ended.changed)
    return 0
