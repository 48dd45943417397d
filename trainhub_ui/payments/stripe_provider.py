"""Stripe: Checkout Sessions in payment mode, refunds, and signed webhooks.

Only ids and amounts are kept; card details never reach this server (Stripe's page takes them), and
the secret key comes from the settings alone and is never logged.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import stripe

from .base import BadSignature, Checkout, CheckoutRequest, CheckoutState, ProviderError, ProviderEvent

log = logging.getLogger(__name__)

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is made.
SHORTEST_CHECKOUT = timedelta(minutes=30)
SIGNATURE_TOLERANCE_SECONDS = 300


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


def _with_session_id(url: str) -> str:
    # Stripe fills {CHECKOUT_SESSION_ID} in, so the success page can look the session up itself.
    return url + ("&" if "?" in url else "?") + "session_id={CHECKOUT_SESSION_ID}"
