"""What the app asks of a payment provider, in the app's own terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider could not do what was asked (unreachable, refused); the message is safe to show."""


class BadSignature(Exception):
    """A webhook whose signature is missing or does not verify."""


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: str
    tenant_id: str
    booking_id: str
    booking_reference: str
    kind: str
    amount: int
    currency: str
    description: str
    customer_email: str
    success_url: str
    cancel_url: str
    expires_at: datetime


@dataclass(frozen=True)
class Checkout:
    url: str
    provider_reference: str | None = None  # a Stripe Checkout Session id


@dataclass(frozen=True)
class CheckoutState:
    provider_reference: str
    status: str  # open, complete or expired
    paid: bool
    amount: int | None
    currency: str
    payment_intent: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    url: str | None = None  # where the student pays, while the checkout is open


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str
    data: dict[str, Any]


class PaymentProvider(Protocol):
    name: str
    test_mode: bool
    # The shortest time a checkout may stay open (Stripe: 30 minutes); a card hold is made at least this long.
    shortest_checkout: timedelta

    async def start_checkout(self, request: CheckoutRequest) -> Checkout: ...

    async def checkout_state(self, provider_reference: str) -> CheckoutState: ...

    async def refund(self, payment_intent: str | None, amount: int, *, idempotency_key: str, reason: str) -> str:
        """Give `amount` back; answers the provider's refund id."""
        ...

    def parse_event(self, body: bytes, signature: str | None) -> ProviderEvent: ...
