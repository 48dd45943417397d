"""An in-process stand-in for Stripe, for property tests that must stay fast: checkouts, charges and
refunds kept in dicts, so a test can compare what the provider holds with what the database says.
localstripe over HTTP (tests/payments) covers the real wire."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from trainhub_ui.payments import (
    BadSignature,
    Checkout,
    CheckoutRequest,
    CheckoutState,
    ProviderError,
    ProviderEvent,
    ProviderPayout,
)


@dataclass
class FakeCheckout:
    id: str
    amount: int
    currency: str
    metadata: dict[str, str]
    status: str = "open"  # open, complete or expired
    payment_intent: str | None = None

    @property
    def paid(self) -> bool:
        return self.payment_intent is not None

    def as_event_data(self, payment_intent: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "checkout.session",
            "status": self.status,
            "payment_status": "paid" if self.paid else "unpaid",
            "amount_total": self.amount,
            "currency": self.currency.lower(),
            "payment_intent": payment_intent or self.payment_intent,
            "metadata": dict(self.metadata),
        }


@dataclass
class FakeStripe:
    """Implements `PaymentProvider`; `charge` is the student's card on the provider's page."""

    name: str = "fake"
    test_mode: bool = True
    shortest_checkout: timedelta = timedelta(0)
    checkouts: dict[str, FakeCheckout] = field(default_factory=dict)
    charges: dict[str, int] = field(default_factory=dict)  # PaymentIntent -> amount taken
    refunds: dict[str, tuple[str, int]] = field(default_factory=dict)  # idempotency key -> (intent, amount)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _by_payment: dict[str, str] = field(default_factory=dict)

    def _next(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    async def start_checkout(self, request: CheckoutRequest) -> Checkout:
        # Stripe's idempotency key is the payment's id: asking twice makes one checkout.
        if request.payment_id not in self._by_payment:
            checkout = FakeCheckout(
                id=self._next("cs"),
                amount=request.amount,
                currency=request.currency,
                metadata={
                    "tenant": request.tenant_id,
                    "bookingId": request.booking_id,
                    "paymentId": request.payment_id,
                },
            )
            self.checkouts[checkout.id] = checkout
            self._by_payment[request.payment_id] = checkout.id
        checkout_id = self._by_payment[request.payment_id]
        return Checkout(url=f"https://fake.stripe/{checkout_id}", provider_reference=checkout_id)

    async def checkout_state(self, provider_reference: str) -> CheckoutState:
        checkout = self.checkouts.get(provider_reference)
        if checkout is None:
            raise ProviderError("No such checkout.")
        return CheckoutState(
            provider_reference=checkout.id,
            status=checkout.status,
            paid=checkout.paid,
            amount=checkout.amount,
            currency=checkout.currency,
            payment_intent=checkout.payment_intent,
            metadata=dict(checkout.metadata),
            url=f"https://fake.stripe/{checkout.id}" if checkout.status == "open" else None,
        )

    def charge(self, amount: int) -> str:
        intent = self._next("pi")
        self.charges[intent] = amount
        return intent

    def refunded(self, intent: str) -> int:
        return sum(amount for refunded_intent, amount in self.refunds.values() if refunded_intent == intent)

    async def refund(self, payment_intent: str | None, amount: int, *, idempotency_key: str, reason: str) -> str:
        if idempotency_key in self.refunds:
            return idempotency_key
        if payment_intent not in self.charges:
            raise ProviderError("No such payment.")
        if self.refunded(payment_intent) + amount > self.charges[payment_intent]:
            # Stripe refuses this too; the app must never ask it.
            raise AssertionError(f"refund of {amount} on {payment_intent} exceeds what it took")
        self.refunds[idempotency_key] = (payment_intent, amount)
        return idempotency_key

    def parse_event(self, body: bytes, signature: str | None) -> ProviderEvent:
        raise BadSignature("The fake takes events in process.")

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        # The money properties end at the provider's balance; payouts to a bank are tests/unit/test_payout_report.py's.
        return []
