"""Card payments through Stripe (localstripe on loopback), on SQLite and PostgreSQL.

The app's own code is the real Stripe code (the SDK, Checkout Sessions, signed webhooks). What
localstripe lacks is added on its side (see conftest): Checkout Sessions, and the events it never
sends, which the tests sign with the webhook secret as Stripe would. The webhook goes over HTTP to
the API app in process.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Booking,
    BookingStatus,
    PaymentKind,
    PaymentOption,
    PaymentStatus,
    Refund,
    RefundStatus,
    StaffRole,
    Tenant,
    WebhookEvent,
    utcnow,
)
from tests import factories
from tests.payments.conftest import signed_event_headers, stripe_event_payload
from tests.payments.shop import BASE_URL, WEBHOOK, WEBHOOK_SECRET, Shop
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.services import checkout, refunds
from trainhub_ui.services.refunds import refund_booking
from trainhub_ui.services.tokens import create_api_token


async def test_full_payment_by_checkout_and_webhook(shop: Shop) -> None:
    booking = await shop.book()
    # Stripe keeps a checkout open 30 minutes at least: with Stripe on, the centre's 15-minute card hold
    # is that long (and two minutes to reach the checkout) from the start.
    assert booking.hold_expires_at is not None
    assert booking.hold_expires_at - booking.created_at == timedelta(minutes=32)
    session = await shop.checkout_session(booking)
    assert session["amount_total"] == 49500 and session["currency"] == "gbp"
    assert session["metadata"]["bookingId"] == booking.id and session["metadata"]["kind"] == "FULL"
    assert session["metadata"]["tenant"] == shop.tenant.id
    assert session["customer_email"] == "s0@example.com"
    done = f"{BASE_URL}/bristol-gas-training/pay/{booking.reference}/done?t={booking.access_token}"
    assert session["success_url"] == done + "&session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == f"{BASE_URL}/bristol-gas-training/pay/{booking.reference}?t={booking.access_token}"
    held = await shop.booking(booking.id)
    assert held.hold_expires_at is not None and held.hold_expires_at - utcnow() > timedelta(minutes=30)
    assert session["expires_at"] == int(held.hold_expires_at.timestamp())
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PENDING and payment.stripe_checkout_session_id == session["id"]

    paid = shop.pay(session)
    answer = await shop.deliver("checkout.session.completed", paid)
    assert answer.status_code == 200 and answer.json()["outcome"] == "paid", answer.text
    confirmed = await shop.booking(booking.id)
    assert confirmed.status is BookingStatus.CONFIRMED and confirmed.amount_paid == 49500
    assert confirmed.balance_due == 0
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PAID and payment.stripe_payment_intent_id == paid["payment_intent"]


async def test_reopening_the_payment_answers_the_same_checkout(shop: Shop) -> None:
    booking = await shop.book()
    first = await checkout.begin_checkout(shop.db, shop.ctx, shop.provider, booking.reference, BASE_URL)
    again = await checkout.begin_checkout(shop.db, shop.ctx, shop.provider, booking.reference, BASE_URL)
    assert again.provider_reference == first.provider_reference and again.url == first.url
    assert len(await shop.payments(booking.id)) == 1


async def test_replayed_webhook_changes_nothing(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    first = await shop.deliver("checkout.session.completed", paid, event_id="evt_replayed_once")
    assert first.json()["outcome"] == "paid"
    before = await shop.booking(booking.id)
    replay = await shop.deliver("checkout.session.completed", paid, event_id="evt_replayed_once")
    assert replay.status_code == 200 and replay.json()["outcome"].startswith("duplicate")
    after = await shop.booking(booking.id)
    assert (after.amount_paid, after.status, after.updated_at) == (before.amount_paid, before.status, before.updated_at)
    async with shop.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


async def test_missing_or_tampered_signature_is_refused_and_changes_nothing(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    payload = stripe_event_payload("checkout.session.completed", paid)
    unsigned = await shop.api.post(WEBHOOK, content=payload, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400 and unsigned.json()["code"] == "bad_signature"
    headers = signed_event_headers(payload, WEBHOOK_SECRET)
    tampered = payload.replace(b'"amount_total": 49500', b'"amount_total": 100')
    assert tampered != payload
    assert (await shop.api.post(WEBHOOK, content=tampered, headers=headers)).status_code == 400
    wrong_secret = signed_event_headers(payload, "whsec_someone_else")
    assert (await shop.api.post(WEBHOOK, content=payload, headers=wrong_secret)).status_code == 400
    stale = signed_event_headers(payload, WEBHOOK_SECRET, timestamp=int(utcnow().timestamp()) - 3600)
    assert (await shop.api.post(WEBHOOK, content=payload, headers=stale)).status_code == 400
    assert (await shop.booking(booking.id)).status is BookingStatus.PENDING
    async with shop.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


async def test_wrong_amount_in_an_event_changes_nothing(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    answer = await shop.deliver("checkout.session.completed", {**paid, "amount_total": 100})
    assert answer.status_code == 200 and answer.json()["outcome"] == "refused: amount_mismatch"
    answer = await shop.deliver("checkout.session.completed", {**paid, "currency": "usd"})
    assert answer.json()["outcome"] == "refused: amount_mismatch"
    assert (await shop.booking(booking.id)).status is BookingStatus.PENDING
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PENDING


async def test_deposit_then_balance(shop: Shop) -> None:
    booking = await shop.book(payment_option=PaymentOption.DEPOSIT)
    deposit = await shop.checkout_session(booking)
    assert deposit["amount_total"] == 14850 and deposit["metadata"]["kind"] == "DEPOSIT"
    assert (await shop.deliver("checkout.session.completed", shop.pay(deposit))).json()["outcome"] == "paid"
    confirmed = await shop.booking(booking.id)
    assert confirmed.status is BookingStatus.CONFIRMED
    assert (confirmed.amount_paid, confirmed.balance_due) == (14850, 49500 - 14850)

    balance = await shop.checkout_session(confirmed)
    assert balance["amount_total"] == 34650 and balance["metadata"]["kind"] == "BALANCE"
    assert (await shop.deliver("checkout.session.completed", shop.pay(balance))).json()["outcome"] == "paid"
    settled = await shop.booking(booking.id)
    assert (settled.amount_paid, settled.balance_due) == (49500, 0)
    kinds = [(p.kind, p.status) for p in await shop.payments(booking.id)]
    assert kinds == [(PaymentKind.DEPOSIT, PaymentStatus.PAID), (PaymentKind.BALANCE, PaymentStatus.PAID)]


async def test_expired_checkout_frees_the_place(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    assert await shop.booked_spots() == 1
    answer = await shop.deliver("checkout.session.expired", shop.expire(session))
    assert answer.json()["outcome"] == "expired"
    assert (await shop.booking(booking.id)).status is BookingStatus.EXPIRED
    assert await shop.booked_spots() == 0
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.FAILED


async def test_success_page_reconciles_without_a_webhook(shop: Shop) -> None:
    booking = await shop.book()
    session = shop.pay(await shop.checkout_session(booking))
    state = await shop.provider.checkout_state(session["id"])
    settled = await checkout.settle_checkout_state(shop.db, shop.ctx, shop.provider, state)
    assert settled is not None and settled.changed
    assert (await shop.booking(booking.id)).status is BookingStatus.CONFIRMED
    # The webhook that arrives later finds it done.
    assert (await shop.deliver("checkout.session.completed", session)).json()["outcome"] == "already paid"


async def test_paid_after_the_hold_lapsed_with_no_place_left_is_refunded(shop: Shop) -> None:
    an_hour_ago = TenantContext(tenant=shop.tenant, actor="tests", clock=lambda: utcnow() - timedelta(hours=1))
    late = await shop.book(0, ctx=an_hour_ago)
    # Started while the hold still ran (an hour ago), paid now: the hold lapsed meanwhile.
    started = await checkout.begin_checkout(shop.db, an_hour_ago, shop.provider, late.reference, BASE_URL)
    session = shop._fake("GET", f"/v1/checkout/sessions/{started.provider_reference}")
    # Its place went to two others in the meantime.
    await shop.book(1)
    await shop.book(2)
    assert await shop.booked_spots() == 2
    answer = await shop.deliver("checkout.session.completed", shop.pay(session))
    assert answer.json()["outcome"] == "paid after the hold lapsed; refunded 49500", answer.text
    lapsed = await shop.booking(late.id)
    assert lapsed.status is BookingStatus.EXPIRED and await shop.booked_spots() == 2
    [payment] = await shop.payments(late.id)
    assert payment.status is PaymentStatus.REFUNDED and payment.amount_refunded == 49500
    refunds = shop.stripe.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id})
    assert [r.amount for r in refunds.data] == [49500]


async def test_paid_after_the_hold_lapsed_with_a_place_free_is_confirmed(shop: Shop) -> None:
    an_hour_ago = TenantContext(tenant=shop.tenant, actor="tests", clock=lambda: utcnow() - timedelta(hours=1))
    late = await shop.book(0, ctx=an_hour_ago)
    started = await checkout.begin_checkout(shop.db, an_hour_ago, shop.provider, late.reference, BASE_URL)
    session = shop._fake("GET", f"/v1/checkout/sessions/{started.provider_reference}")
    answer = await shop.deliver("checkout.session.completed", shop.pay(session))
    assert answer.json()["outcome"] == "paid"
    assert (await shop.booking(late.id)).status is BookingStatus.CONFIRMED and await shop.booked_spots() == 1


async def test_partial_and_full_refunds_and_over_refund_refused(shop: Shop) -> None:
    booking = await shop.book(payment_option=PaymentOption.DEPOSIT)
    await shop.deliver("checkout.session.completed", shop.pay(await shop.checkout_session(booking)))
    confirmed = await shop.booking(booking.id)
    await shop.deliver("checkout.session.completed", shop.pay(await shop.checkout_session(confirmed)))
    deposit, balance = await shop.payments(booking.id)

    # The balance payment goes back first.
    first = await refund_booking(shop.db, shop.ctx, shop.provider, booking.id, 10000, "goodwill")
    assert [(r.payment_id, r.amount, r.status) for r in first.refunds] == [(balance.id, 10000, RefundStatus.SUCCEEDED)]
    with pytest.raises(InvalidInput) as refused:
        await refund_booking(shop.db, shop.ctx, shop.provider, booking.id, 49500 - 10000 + 1, "too much")
    assert refused.value.field == "amount"
    # The rest: the balance's remainder, then the deposit.
    rest = await refund_booking(shop.db, shop.ctx, shop.provider, booking.id, 49500 - 10000, "cancelled")
    assert [(r.payment_id, r.amount) for r in rest.refunds] == [(balance.id, 34650 - 10000), (deposit.id, 14850)]
    deposit, balance = await shop.payments(booking.id)
    assert deposit.status is PaymentStatus.REFUNDED and balance.status is PaymentStatus.REFUNDED
    assert (deposit.amount_refunded, balance.amount_refunded) == (14850, 34650)
    for payment in (deposit, balance):
        listed = shop.stripe.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id})
        assert sum(r.amount for r in listed.data) == payment.amount
    with pytest.raises(InvalidInput):
        await refund_booking(shop.db, shop.ctx, shop.provider, booking.id, 1, "nothing left")
    async with shop.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Refund)) == 3


async def test_refund_made_in_stripe_is_recorded_from_charge_refunded(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    await shop.deliver("checkout.session.completed", paid)
    shop.stripe.v1.refunds.create(params={"payment_intent": paid["payment_intent"], "amount": 5000})
    charge = {"id": "ch_test_dashboard", "object": "charge", "payment_intent": paid["payment_intent"]}
    answer = await shop.deliver("charge.refunded", {**charge, "amount_refunded": 5000, "refunded": False})
    assert answer.json()["outcome"] == "refund recorded: 5000"
    again = await shop.deliver("charge.refunded", {**charge, "amount_refunded": 5000, "refunded": False})
    assert again.json()["outcome"] == "refunds already recorded"
    [payment] = await shop.payments(booking.id)
    assert payment.amount_refunded == 5000 and payment.status is PaymentStatus.PAID


async def _staff_headers(shop: Shop) -> dict[str, str]:
    async with shop.db.transaction() as session:
        _, secret = await create_api_token(session, shop.tenant, name="desk", role=StaffRole.ADMIN)
    return {"Authorization": f"Bearer {secret}"}


async def _paid_in_full(shop: Shop, student: int = 0, ctx: TenantContext | None = None) -> Booking:
    booking = await shop.book(student, ctx=ctx)
    await shop.deliver("checkout.session.completed", shop.pay(await shop.checkout_session(booking)))
    return booking


@pytest.mark.parametrize(("refund", "expected"), [("POLICY", 49500), ("FULL", 49500), ("NONE", 0)])
async def test_cancelling_well_ahead_refunds_by_the_policy(shop: Shop, refund: str, expected: int) -> None:
    booking = await _paid_in_full(shop)
    answer = await shop.api.patch(
        f"/api/tenant/{shop.tenant.slug}/bookings/{booking.id}",
        json={"status": "CANCELLED", "cancellationReason": "cannot come", "refund": refund},
        headers=await _staff_headers(shop),
    )
    assert answer.status_code == 200 and answer.json()["status"] == "CANCELLED", answer.text
    [payment] = await shop.payments(booking.id)
    assert payment.amount_refunded == expected
    listed = shop.stripe.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id})
    assert sum(r.amount for r in listed.data) == expected
    assert await shop.booked_spots() == 0


async def test_cancelling_late_keeps_the_deposit(shop: Shop) -> None:
    async with shop.db.transaction() as session:
        tenant = await session.get(Tenant, shop.tenant.id)
        assert tenant is not None
        course = await factories.course(session, tenant, price=49500, slug="soon")
        soon = await factories.course_session(session, course, start=(utcnow() + timedelta(days=5)).date())
    shop.session_id = soon.id
    booking = await _paid_in_full(shop)
    headers = await _staff_headers(shop)
    path = f"/api/tenant/{shop.tenant.slug}/bookings/{booking.id}"
    answer = await shop.api.patch(path, json={"status": "CANCELLED", "cancellationReason": "late"}, headers=headers)
    assert answer.status_code == 200, answer.text
    [payment] = await shop.payments(booking.id)
    assert payment.amount_refunded == 49500 - 14850  # the 30 % deposit is kept
    listed = await shop.api.get(f"{path}/payments", headers=headers)
    assert listed.json()[0]["amountRefunded"] == 49500 - 14850
    # Staff may still give the rest back by hand, and no more.
    refund = await shop.api.post(f"{path}/refunds", json={"amount": 14850, "reason": "goodwill"}, headers=headers)
    assert refund.status_code == 201 and refund.json()[0]["amount"] == 14850, refund.text
    over = await shop.api.post(f"{path}/refunds", json={"amount": 1}, headers=headers)
    assert over.status_code == 422 and over.json()["field"] == "amount"


async def test_refund_left_pending_by_a_stopped_server_is_finished_once(shop: Shop) -> None:
    booking = await _paid_in_full(shop)
    # The server wrote the refund, then stopped before asking Stripe.
    async with shop.db.transaction() as session:
        _, [pending] = await refunds._reserve(session, shop.ctx, booking.id, 20000, "cancelled")
    assert await refunds.finish_pending_refunds(shop.db, shop.provider, utcnow() - timedelta(minutes=5)) == 0
    assert await refunds.finish_pending_refunds(shop.db, shop.provider, utcnow() + timedelta(seconds=1)) == 1
    async with shop.db.read() as session:
        finished = await session.get(Refund, pending.id)
    assert finished is not None and finished.status is RefundStatus.SUCCEEDED and finished.stripe_refund_id
    [payment] = await shop.payments(booking.id)
    listed = shop.stripe.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id})
    assert [r.amount for r in listed.data] == [20000] and payment.amount_refunded == 20000
    assert await refunds.finish_pending_refunds(shop.db, shop.provider, utcnow() + timedelta(seconds=1)) == 0
