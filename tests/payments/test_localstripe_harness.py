"""The Stripe harness works with the real SDK, and where localstripe falls short of Stripe.

The `test_gap_*` tests pin what localstripe (1.15) does differently from Stripe, so payment tests know
what to fake with `stripe_event_payload` and what the app must guard itself; if a localstripe upgrade
closes a gap, its test fails and says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stripe

from .conftest import WebhookInbox, signed_event_headers, stripe_event_payload

VISA = "4242424242424242"
DECLINED_ON_ATTACH = "4000000000000002"  # Stripe's generic decline; localstripe declines it only on attach
DECLINED_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined


def card_payment_method(client: stripe.StripeClient, number: str) -> stripe.PaymentMethod:
    return client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )


def charge_id(intent: stripe.PaymentIntent) -> str:
    """`latest_charge` is an id on Stripe and a whole Charge on localstripe; code must accept both."""
    charge = intent.latest_charge
    assert charge is not None
    return charge if isinstance(charge, str) else charge.id


def paid_intent(client: stripe.StripeClient, amount: int = 5000) -> stripe.PaymentIntent:
    intent = client.v1.payment_intents.create(
        params={"amount": amount, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert intent.status == "succeeded"
    return intent


def test_server_is_our_own_on_loopback(localstripe: str) -> None:
    assert localstripe.startswith("http://127.0.0.1:")
    assert int(localstripe.rsplit(":", 1)[1]) != 8420  # not the CLI's fixed port


def test_customer_is_created_and_read_back(stripe_client: stripe.StripeClient) -> None:
    customer = stripe_client.v1.customers.create(params={"email": "ada@example.org", "metadata": {"student": "17"}})

    fetched = stripe_client.v1.customers.retrieve(customer.id)

    assert customer.id.startswith("cus_")
    assert fetched.email == "ada@example.org"
    assert fetched.metadata["student"] == "17"


def test_store_is_not_pickled_to_tmp(stripe_client: stripe.StripeClient) -> None:
    pickle = Path("/tmp/localstripe.pickle")
    before = pickle.stat().st_mtime_ns if pickle.exists() else None

    stripe_client.v1.customers.create(params={"email": "nobody@example.org"})

    assert (pickle.stat().st_mtime_ns if pickle.exists() else None) == before


@pytest.mark.parametrize("payment_method", ["pm_card_visa", "created 4242"])
def test_payment_intent_confirmed_with_a_test_card_succeeds(
    stripe_client: stripe.StripeClient, payment_method: str
) -> None:
    customer = stripe_client.v1.customers.create(params={"email": "ada@example.org"})
    if payment_method == "created 4242":
        payment_method = card_payment_method(stripe_client, VISA).id
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 12000,
            "currency": "eur",
            "customer": customer.id,
            "payment_method": payment_method,
            "metadata": {"booking_id": "42"},
        }
    )
    assert intent.status == "requires_confirmation"

    confirmed = stripe_client.v1.payment_intents.confirm(intent.id)

    assert confirmed.status == "succeeded"
    charge = stripe_client.v1.charges.retrieve(charge_id(confirmed))
    assert (charge.amount, charge.paid, charge.payment_intent) == (12000, True, intent.id)
    assert stripe_client.v1.payment_intents.retrieve(intent.id).metadata["booking_id"] == "42"


def test_declined_card_fails_the_payment_intent(stripe_client: stripe.StripeClient) -> None:
    payment_method = card_payment_method(stripe_client, DECLINED_ON_CHARGE)
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 5000, "currency": "eur", "payment_method": payment_method.id}
    )

    with pytest.raises(stripe.CardError) as declined:
        stripe_client.v1.payment_intents.confirm(intent.id)

    assert declined.value.http_status == 402
    assert declined.value.code == "card_declined"
    failed = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error is not None
    assert failed.last_payment_error.code == "card_declined"


def test_declined_card_fails_at_create_with_confirm(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as declined:
        stripe_client.v1.payment_intents.create(
            params={"amount": 5000, "currency": "eur", "payment_method": "pm_card_chargeCustomerFail", "confirm": True}
        )

    assert declined.value.code == "card_declined"


def test_generic_decline_card_is_refused_when_attached(stripe_client: stripe.StripeClient) -> None:
    customer = stripe_client.v1.customers.create(params={"email": "ada@example.org"})
    payment_method = card_payment_method(stripe_client, DECLINED_ON_ATTACH)

    with pytest.raises(stripe.CardError) as declined:
        stripe_client.v1.payment_methods.attach(payment_method.id, params={"customer": customer.id})

    assert declined.value.code == "card_declined"


def test_full_refund_of_a_paid_intent(stripe_client: stripe.StripeClient) -> None:
    intent = paid_intent(stripe_client, amount=8000)

    refund = stripe_client.v1.refunds.create(params={"payment_intent": intent.id})

    assert (refund.status, refund.amount, refund.charge) == ("succeeded", 8000, charge_id(intent))
    charge = stripe_client.v1.charges.retrieve(charge_id(intent))
    assert (charge.amount_refunded, charge.refunded) == (8000, True)


def test_partial_refunds_add_up(stripe_client: stripe.StripeClient) -> None:
    intent = paid_intent(stripe_client, amount=8000)

    stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 3000, "metadata": {"reason": "a"}})
    charge = stripe_client.v1.charges.retrieve(charge_id(intent))
    assert (charge.amount_refunded, charge.refunded) == (3000, False)
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 5000})

    charge = stripe_client.v1.charges.retrieve(charge_id(intent))
    assert (charge.amount_refunded, charge.refunded) == (8000, True)
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent.id})
    assert sorted(refund.amount for refund in refunds.data) == [3000, 5000]


def test_refund_of_a_failed_payment_is_refused(stripe_client: stripe.StripeClient) -> None:
    payment_method = card_payment_method(stripe_client, DECLINED_ON_CHARGE)
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 5000, "currency": "eur", "payment_method": payment_method.id}
    )
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_intents.confirm(intent.id)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id})

    assert refused.value.http_status == 400


@pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")  # stripe's httpx client, not ours
async def test_async_calls_work(stripe_client: stripe.StripeClient) -> None:
    customer = await stripe_client.v1.customers.create_async(params={"email": "async@example.org"})
    intent = await stripe_client.v1.payment_intents.create_async(
        params={"amount": 2500, "currency": "eur", "customer": customer.id, "payment_method": "pm_card_visa"}
    )

    confirmed = await stripe_client.v1.payment_intents.confirm_async(intent.id)

    assert confirmed.status == "succeeded"


def test_module_level_configuration(stripe_globals: str) -> None:
    customer = stripe.Customer.create(email="global@example.org")

    assert stripe.Customer.retrieve(customer.id).email == "global@example.org"


def test_signed_event_is_accepted_and_tampering_is_refused() -> None:
    secret = "whsec_test_secret"
    payload = stripe_event_payload("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})
    header = signed_event_headers(payload, secret)["Stripe-Signature"]

    event = stripe.Webhook.construct_event(payload, header, secret)

    assert event.type == "checkout.session.completed"
    assert event.data.object["id"] == "cs_test_1"
    tampered = payload.replace(b"cs_test_1", b"cs_test_2")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, header, secret)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    stale = signed_event_headers(payload, secret, timestamp=1_000_000_000)["Stripe-Signature"]
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(payload, stale, secret)


def test_localstripe_delivers_a_signed_payment_intent_succeeded_webhook(
    stripe_client: stripe.StripeClient, localstripe_webhooks: WebhookInbox
) -> None:
    intent = paid_intent(stripe_client)

    delivery = localstripe_webhooks.wait_for("payment_intent.succeeded", intent.id)

    event = stripe.Webhook.construct_event(
        delivery.body, delivery.headers["Stripe-Signature"], localstripe_webhooks.secret
    )
    assert event.data.object["status"] == "succeeded"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body, delivery.headers["Stripe-Signature"], "whsec_other")


# --- where localstripe differs from Stripe ---------------------------------------------------------------


def test_checkout_sessions_are_the_harness_own(stripe_client: stripe.StripeClient) -> None:
    """localstripe has no Checkout Sessions; conftest adds the part the app uses, Stripe-shaped."""
    line_item = {"price_data": {"currency": "gbp", "unit_amount": 5000, "product_data": {"name": "First aid"}}}
    params = {
        "mode": "payment",
        "success_url": "http://127.0.0.1/done",
        "cancel_url": "http://127.0.0.1/pay",
        "line_items": [{**line_item, "quantity": 2}],
        "expires_at": 2_000_000_000,
        "metadata": {"paymentId": "p1"},
    }
    made = stripe_client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "payment-p1"})
    assert made.id.startswith("cs_test_") and made.status == "open" and made.amount_total == 10000
    assert made.metadata["paymentId"] == "p1" and made.url
    again = stripe_client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "payment-p1"})
    assert again.id == made.id
    assert stripe_client.v1.checkout.sessions.retrieve(made.id).amount_total == 10000
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.retrieve("cs_test_unknown")
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.create(params={"mode": "payment"})


def test_gap_no_webhook_endpoints_api(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.APIError) as missing:
        stripe_client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1/hook", "enabled_events": ["*"]})

    assert missing.value.http_status == 404


def test_gap_over_refund_is_accepted(stripe_client: stripe.StripeClient) -> None:
    """Stripe refuses refunding more than was charged; localstripe does not, so the app must check first."""
    intent = paid_intent(stripe_client, amount=5000)
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 4000})

    stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 4000})
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id})

    assert stripe_client.v1.charges.retrieve(charge_id(intent)).amount_refunded == 13000


def test_gap_no_refund_or_charge_events(stripe_client: stripe.StripeClient) -> None:
    intent = paid_intent(stripe_client)
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id})

    for event_type in ("charge.refunded", "charge.refund.updated", "refund.created", "charge.succeeded"):
        assert stripe_client.v1.events.list(params={"type": event_type}).data == []
    succeeded = stripe_client.v1.events.list(
        params={"type": "payment_intent.succeeded", "created": {"gte": intent.created}, "limit": 100}
    )
    assert intent.id in {event.data.object["id"] for event in succeeded.data}


def test_gap_generic_decline_card_is_charged(stripe_client: stripe.StripeClient) -> None:
    """Stripe declines 4000000000000002 on confirm; localstripe charges it (use 4000000000000341 for a decline)."""
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 5000,
            "currency": "eur",
            "payment_method": card_payment_method(stripe_client, DECLINED_ON_ATTACH).id,
        }
    )

    assert stripe_client.v1.payment_intents.confirm(intent.id).status == "succeeded"


def test_gap_confirm_cannot_take_a_payment_method(stripe_client: stripe.StripeClient) -> None:
    """Pass `payment_method` when creating the intent; localstripe answers 500 to it on confirm."""
    intent = stripe_client.v1.payment_intents.create(params={"amount": 5000, "currency": "eur"})

    with pytest.raises(stripe.APIError) as not_implemented:
        stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})

    assert not_implemented.value.http_status == 500


def test_gap_automatic_payment_methods_refused(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="automatic_payment_methods"):
        stripe_client.v1.payment_intents.create(
            params={"amount": 5000, "currency": "eur", "automatic_payment_methods": {"enabled": True}}
        )


def test_signed_event_headers_shape() -> None:
    headers = signed_event_headers(json.dumps({"a": 1}).encode(), "whsec_x", timestamp=1_700_000_000)

    assert headers["Content-Type"] == "application/json"
    timestamp, signature = headers["Stripe-Signature"].split(",")
    assert timestamp == "t=1700000000"
    assert signature.startswith("v1=") and len(signature) == 3 + 64
