"""Issue 14, story 1: a card declined inside an open Checkout, then accepted, is one payment, settled once.

Stripe copies our metadata onto the Checkout's PaymentIntent, so a declined attempt reaches us as
`payment_intent.payment_failed` while the student is still on Stripe's page and may try another card.
Such an attempt is recorded and the payment stays open; whichever way the success arrives later (the
webhook, the success page, "Pay by card" pressed again) settles it. Events that arrive out of order
still end in the right state. On SQLite and PostgreSQL, against localstripe, webhooks signed as Stripe
signs them.
"""

from __future__ import annotations

import json

import pytest
import stripe
from sqlalchemy import select

from models import AuditEntry, BookingStatus, PaymentStatus
from tests.payments.shop import BASE_URL, Shop
from trainhub_ui.services import checkout


def declined_attempt(shop: Shop, checkout_session: dict) -> dict:
    """What Stripe's page does with a declined card: the Checkout's PaymentIntent fails, carrying our metadata."""
    intent = shop.stripe.v1.payment_intents.create(
        params={
            "amount": checkout_session["amount_total"],
            "currency": checkout_session["currency"],
            "payment_method": "pm_card_chargeCustomerFail",
            "metadata": checkout_session["metadata"],
        }
    )
    with pytest.raises(stripe.CardError):
        shop.stripe.v1.payment_intents.confirm(intent.id)
    failed = shop.stripe.v1.payment_intents.retrieve(intent.id)
    return json.loads(json.dumps(failed.to_dict()))


async def audit_actions(shop: Shop, entity_id: str) -> list[str]:
    async with shop.db.read() as session:
        return list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_id == entity_id).order_by(AuditEntry.created_at)
            )
        )


async def test_declined_then_paid_in_the_same_checkout_confirms_the_booking(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    answer = await shop.deliver("payment_intent.payment_failed", declined_attempt(shop, session))
    assert answer.status_code == 200 and answer.json()["outcome"] == "declined attempt; checkout still open"
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PENDING
    assert "payment.attempt_declined" in await audit_actions(shop, payment.id)
    held = await shop.booking(booking.id)
    assert held.status is BookingStatus.PENDING and await shop.booked_spots() == 1

    paid = shop.pay(session)
    answer = await shop.deliver("checkout.session.completed", paid)
    assert answer.json()["outcome"] == "paid", answer.text
    confirmed = await shop.booking(booking.id)
    assert confirmed.status is BookingStatus.CONFIRMED and confirmed.amount_paid == 49500
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PAID and payment.stripe_payment_intent_id == paid["payment_intent"]


async def test_declined_then_paid_settles_from_the_success_page(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    await shop.deliver("payment_intent.payment_failed", declined_attempt(shop, session))
    paid = shop.pay(session)
    # The student lands on /done before any webhook: the page looks the checkout up itself.
    state = await shop.provider.checkout_state(paid["id"])
    settled = await checkout.settle_checkout_state(shop.db, shop.ctx, shop.provider, state)
    assert settled is not None and settled.changed
    assert (await shop.booking(booking.id)).status is BookingStatus.CONFIRMED
    assert (await shop.deliver("checkout.session.completed", paid)).json()["outcome"] == "already paid"
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PAID


async def test_pay_by_card_again_after_a_decline_reopens_the_same_checkout(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    await shop.deliver("payment_intent.payment_failed", declined_attempt(shop, session))
    again = await checkout.begin_checkout(shop.db, shop.ctx, shop.provider, booking.reference, BASE_URL)
    assert again.provider_reference == session["id"] and again.url == session["url"]
    assert len(await shop.payments(booking.id)) == 1


async def test_pay_by_card_again_after_paying_settles_instead_of_charging_again(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    shop.pay(session)  # paid on Stripe's page; the webhook and the success page have not been heard yet
    again = await checkout.begin_checkout(shop.db, shop.ctx, shop.provider, booking.reference, BASE_URL)
    assert again.provider_reference == session["id"]
    done = f"{BASE_URL}/{shop.tenant.slug}/pay/{booking.reference}/done?t={booking.access_token}"
    assert again.url == f"{done}&session_id={session['id']}"
    assert (await shop.booking(booking.id)).status is BookingStatus.CONFIRMED
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PAID


async def test_pay_by_card_again_after_the_checkout_expired_opens_a_new_one(shop: Shop) -> None:
    booking = await shop.book()
    first = await shop.checkout_session(booking)
    shop.expire(first)  # its expiry event not heard yet; the hold still runs
    again = await checkout.begin_checkout(shop.db, shop.ctx, shop.provider, booking.reference, BASE_URL)
    assert again.provider_reference and again.provider_reference != first["id"]
    old, new = await shop.payments(booking.id)
    assert old.status is PaymentStatus.FAILED and new.status is PaymentStatus.PENDING
    assert new.stripe_checkout_session_id == again.provider_reference


async def test_a_decline_heard_after_the_success_changes_nothing(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    declined = declined_attempt(shop, session)
    assert (await shop.deliver("checkout.session.completed", shop.pay(session))).json()["outcome"] == "paid"
    answer = await shop.deliver("payment_intent.payment_failed", declined)
    assert answer.json()["outcome"] == "already settled"
    assert (await shop.booking(booking.id)).status is BookingStatus.CONFIRMED
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PAID and not payment.failure_reason


async def test_completed_heard_after_expired_takes_the_money(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    paid = shop.pay(session)
    # Stripe's expiry event overtook the completion (delivered late, or retried after an error).
    expired = {**session, "status": "expired", "url": None}
    assert (await shop.deliver("checkout.session.expired", expired)).json()["outcome"] == "expired"
    assert (await shop.booking(booking.id)).status is BookingStatus.EXPIRED
    answer = await shop.deliver("checkout.session.completed", paid)
    assert answer.json()["outcome"] == "paid", answer.text
    confirmed = await shop.booking(booking.id)
    assert confirmed.status is BookingStatus.CONFIRMED and confirmed.amount_paid == 49500
    assert await shop.booked_spots() == 1
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PAID and payment.stripe_payment_intent_id == paid["payment_intent"]
