"""The offline test mode: no money moves. The pay page offers "Pay (test)" and "Decline (test)"."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from .base import BadSignature, Checkout, CheckoutRequest, CheckoutState, ProviderError, ProviderEvent, ProviderPayout


class OfflineProvider:
    name = "offline"
    test_mode = True
    shortest_checkout = timedelta(0)

    async def start_checkout(self, request: CheckoutRequest) -> Checkout:
        # The pay page itself is the checkout: its test buttons report the outcome.
        return Checkout(url=request.cancel_url)

    async def checkout_state(self, provider_reference: str) -> CheckoutState:
        raise ProviderError("The offline test mode has no checkout sessions to look up.")

    async def refund(self, payment_intent: str | None, amount: int, *, idempotency_key: str, reason: str) -> str:
        return f"offline_refund_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:16]}"

    def parse_event(self, body: bytes, signature: str | None) -> ProviderEvent:
        raise BadSignature("The offline test mode takes no webhooks.")

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        # No money moves, so none reaches a bank.
        return []
