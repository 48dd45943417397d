"""What the app asks of a payment provider, in the app's own terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
class ProviderPayoutLine:
    """One movement of money a payout carries to the bank, as the provider's balance records it (for Stripe, one
    balance transaction). Amounts in minor units with the provider's signs: a refund's gross and net are negative,
    and net = gross - fee."""

    type: str  # the provider's word: charge, payment, refund, stripe_fee, adjustment, ...
    gross: int
    fee: int
    net: int
    payment_intent: str | None  # of the charge or refund it came from; None for fees and the like


@dataclass(frozen=True)
class ProviderPayout:
    """Money the provider sent (or is sending) to the centre's bank, with what was in it where the provider can say.

    `lines` is the whole payout only when `not_itemised` is None; otherwise it is empty and `not_itemised` says
    why the provider cannot tell which payments went into it (a payout made by hand, one still being itemised, a
    provider that does not answer the question). Nothing is ever guessed into it.
    """

    id: str
    arrival_date: date
    amount: int
    currency: str  # upper case, as the centre's currency is kept
    status: str  # the provider's word: paid, pending, in_transit, canceled, failed
    lines: tuple[ProviderPayoutLine, ...] = ()
    not_itemised: str | None = None


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

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        """The payouts expected at the bank on these days (both included, UTC dates as the provider keeps them),
        each with its lines where the provider can say; raises ProviderError if they cannot be listed."""
        ...
