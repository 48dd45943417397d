"""Stripe: Checkout Sessions in payment mode, refunds, signed webhooks, and the payouts to the centre's bank.

Only ids and amounts are kept; card details never reach this server (Stripe's page takes them), and
the secret key comes from the settings alone and is never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import stripe

from .base import (
    BadSignature,
    Checkout,
    CheckoutRequest,
    CheckoutState,
    ProviderError,
    ProviderEvent,
    ProviderPayout,
    ProviderPayoutLine,
)

log = logging.getLogger(__name__)

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is made.
SHORTEST_CHECKOUT = timedelta(minutes=30)
SIGNATURE_TOLERANCE_SECONDS = 300
# The most a Stripe list answers at once; longer lists are followed page by page (has_more, starting_after).
PAGE_SIZE = 100
PAYOUTS_ITEMISED_AT_ONCE = 4
# Why Stripe cannot say which payments are in a payout (its docs: only automatic payouts are itemised, once
# Stripe has finished reconciling them).
MADE_BY_HAND = "made by hand: Stripe cannot say which payments it holds"
STILL_ITEMISING = "Stripe is still itemising it"
REFUSED = "Stripe did not list what is in it"


class StripeProvider:
    name = "stripe"
    test_mode = False
    shortest_checkout = SHORTEST_CHECKOUT

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        self.test_mode = secret_key.startswith("sk_test_")
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            max_network_retries=0 if api_base else 2,
        )

    async def start_checkout(self, request: CheckoutRequest) -> Checkout:
        metadata = {
            "tenant": request.tenant_id,
            "bookingId": request.booking_id,
            "paymentId": request.payment_id,
            "kind": request.kind,
        }
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "customer_email": request.customer_email,
            "client_reference_id": request.booking_reference,
            "success_url": _with_session_id(request.success_url),
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"payment-{request.payment_id}"},
            )
        except stripe.StripeError as error:
            log.warning("Stripe refused a checkout for payment %s: %s", request.payment_id, error.user_message)
            raise ProviderError("The card payment could not be started; please try again.") from error
        return Checkout(url=str(session.url), provider_reference=str(session.id))

    async def checkout_state(self, provider_reference: str) -> CheckoutState:
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(provider_reference)
        except stripe.StripeError as error:
            raise ProviderError("The card payment could not be looked up.") from error
        data = session.to_dict()
        intent = data.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        return CheckoutState(
            provider_reference=str(data["id"]),
            status=str(data.get("status") or ""),
            paid=data.get("payment_status") == "paid",
            amount=data.get("amount_total"),
            currency=str(data.get("currency") or ""),
            payment_intent=str(intent) if intent else None,
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            url=data.get("url"),
        )

    async def refund(self, payment_intent: str | None, amount: int, *, idempotency_key: str, reason: str) -> str:
        if not payment_intent:
            raise ProviderError("This payment has no Stripe payment to refund.")
        try:
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": payment_intent, "amount": amount, "metadata": {"reason": reason[:450]}},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            log.warning("Stripe refused a refund on %s: %s", payment_intent, error.user_message)
            raise ProviderError("Stripe did not accept the refund.") from error
        return str(refund.id)

    def parse_event(self, body: bytes, signature: str | None) -> ProviderEvent:
        if not signature or not self._webhook_secret:
            raise BadSignature("missing Stripe-Signature header or webhook secret")
        try:
            payload = body.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                payload, signature, self._webhook_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise BadSignature(str(error)) from error
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise BadSignature("not a Stripe event")
        data = event["data"].get("object")
        if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str) or not isinstance(data, dict):
            raise BadSignature("not a Stripe event")
        return ProviderEvent(id=event["id"], type=event["type"], data=data)

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        # Stripe keeps an arrival date as the moment its day starts in UTC.
        window = {
            "gte": int(datetime.combine(arrived_from, time(0), UTC).timestamp()),
            "lte": int(datetime.combine(arrived_to + timedelta(days=1), time(0), UTC).timestamp()) - 1,
        }
        try:
            listed = await _every(self._client.v1.payouts.list_async, {"arrival_date": window})
        except stripe.StripeError as error:
            log.warning("Stripe did not list payouts from %s to %s: %s", arrived_from, arrived_to, error.user_message)
            raise ProviderError("Stripe did not list its payouts for these dates.") from error
        # A payout a day makes a year's report hundreds of requests: a few at a time, well inside Stripe's rate limit.
        asking = asyncio.Semaphore(PAYOUTS_ITEMISED_AT_ONCE)

        async def itemised(payout: dict[str, Any]) -> ProviderPayout:
            async with asking:
                return await self._itemised(payout)

        return list(await asyncio.gather(*(itemised(payout) for payout in listed)))

    async def _itemised(self, payout: dict[str, Any]) -> ProviderPayout:
        """The payout with its balance transactions, or marked not itemised with Stripe's reason."""
        found = ProviderPayout(
            id=str(payout["id"]),
            arrival_date=datetime.fromtimestamp(int(payout["arrival_date"]), UTC).date(),
            amount=int(payout["amount"]),
            currency=str(payout.get("currency") or "").upper(),
            status=str(payout.get("status") or ""),
        )
        if payout.get("automatic") is False:
            return replace(found, not_itemised=MADE_BY_HAND)
        if payout.get("reconciliation_status") == "in_progress":
            return replace(found, not_itemised=STILL_ITEMISING)
        try:
            transactions = await _every(
                self._client.v1.balance_transactions.list_async, {"payout": found.id, "expand": ["data.source"]}
            )
        except stripe.InvalidRequestError as error:
            # Stripe (or a stand-in for it) refused the question for this payout: say so, never guess.
            log.info("Stripe did not itemise payout %s: %s", found.id, error.user_message)
            return replace(found, not_itemised=REFUSED)
        except stripe.StripeError as error:
            log.warning("Stripe did not answer for payout %s: %s", found.id, error.user_message)
            raise ProviderError("Stripe did not answer about its payouts; please try again.") from error
        lines = tuple(_payout_line(txn) for txn in transactions if not _is_the_payout_itself(txn, payout))
        return replace(found, lines=lines)


async def _every(listing: Callable[[Any], Awaitable[Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of a Stripe list, asked for a page at a time."""
    found: list[dict[str, Any]] = []
    asked = {**params, "limit": PAGE_SIZE}
    while True:
        page = (await listing(asked)).to_dict()
        found += page["data"]
        if not page.get("has_more") or not page["data"]:
            return found
        asked = {**asked, "starting_after": page["data"][-1]["id"]}


def _is_the_payout_itself(txn: dict[str, Any], payout: dict[str, Any]) -> bool:
    # The payout's own balance transaction (money leaving the balance for the bank) is in its list too.
    source = txn.get("source")
    source_id = source.get("id") if isinstance(source, dict) else source
    return txn.get("id") == payout.get("balance_transaction") or (
        txn.get("type") == "payout" and source_id == payout["id"]
    )


def _payout_line(txn: dict[str, Any]) -> ProviderPayoutLine:
    # The source of a charge is the Charge and of a refund the Refund: both name their PaymentIntent.
    source = txn.get("source")
    intent = source.get("payment_intent") if isinstance(source, dict) else None
    if isinstance(intent, dict):
        intent = intent.get("id")
    return ProviderPayoutLine(
        type=str(txn.get("type") or ""),
        gross=int(txn["amount"]),
        fee=int(txn.get("fee") or 0),
        net=int(txn["net"]),
        payment_intent=str(intent) if intent else None,
    )


def _with_session_id(url: str) -> str:
    # Stripe fills {CHECKOUT_SESSION_ID} in, so the success page can look the session up itself.
    return url + ("&" if "?" in url else "?") + "session_id={CHECKOUT_SESSION_ID}"
