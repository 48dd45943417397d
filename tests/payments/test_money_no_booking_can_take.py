"""Issue 14, story 3: money received that no booking can take is recorded and refunded, never dropped.

A second real charge for a payment already paid, or a payment for a booking cancelled meanwhile, is
written as a payment of its own (or on its payment) with a refund of that very PaymentIntent through
Stripe, an audit entry, and shows wherever staff see payments and refunds. The same charge heard twice
(a replayed event, another event naming the same PaymentIntent, the success page) is acted on once.
On SQLite and PostgreSQL, against localstripe, webhooks signed as Stripe signs them.
"""

from __future__ import annotations

from sqlalchemy import select

from models import AuditEntry, BookingStatus, PaymentKind, PaymentStatus, Refund, RefundStatus, StaffRole
from tests.payments.shop import BASE_URL, Shop
from trainhub_ui.services import checkout
from trainhub_ui.services.booking_search import booking_record
from trainhub_ui.services.payment_states import PaymentState
from trainhub_ui.services.tokens import create_api_token
from trainhub_ui.services.workflows import cancel_and_refund


def stripe_refunds(shop: Shop, payment_intent: str) -> list[int]:
    return [r.amount for r in shop.stripe.v1.refunds.list(params={"payment_intent": payment_intent}).data]


async def audited(shop: Shop, entity_id: str) -> list[str]:
    async with shop.db.read() as session:
        return list(await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == entity_id)))


async def test_second_charges_for_a_paid_payment_are_recorded_and_refunded(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    assert (await shop.deliver("checkout.session.completed", paid)).json()["outcome"] == "paid"
    second, third = shop.card_payment(49500), shop.card_payment(49500)

    for intent in (second, third):
        answer = await shop.deliver("checkout.session.completed", {**paid, "payment_intent": intent})
        assert answer.json()["outcome"] == "second charge for a payment already paid; refunded 49500", answer.text
    # The same charges heard again, by a replay and by other events naming them: nothing more happens.
    replay = await shop.deliver("checkout.session.completed", {**paid, "payment_intent": second}, event_id="evt_x")
    assert replay.json()["outcome"] == "already paid"
    duplicate = await shop.deliver("checkout.session.completed", {}, event_id="evt_x")
    assert duplicate.json()["outcome"] == "duplicate: already handled"
    again = await shop.deliver("checkout.session.async_payment_succeeded", {**paid, "payment_intent": third})
    assert again.json()["outcome"] == "already paid"

    assert stripe_refunds(shop, paid["payment_intent"]) == []
    assert stripe_refunds(shop, second) == [49500] and stripe_refunds(shop, third) == [49500]
    confirmed = await shop.booking(booking.id)
    assert (confirmed.status, confirmed.amount_paid, confirmed.balance_due) == (BookingStatus.CONFIRMED, 49500, 0)
    first, *extra = await shop.payments(booking.id)
    assert (first.status, first.stripe_payment_intent_id, first.amount_refunded) == (
        PaymentStatus.PAID,
        paid["payment_intent"],
        0,
    )
    assert sorted((p.kind, p.status, p.amount, p.amount_refunded, p.stripe_payment_intent_id) for p in extra) == sorted(
        (PaymentKind.EXCESS, PaymentStatus.REFUNDED, 49500, 49500, intent) for intent in (second, third)
    )
    for payment in extra:
        assert {"payment.excess_received", "refund.made"} <= set(await audited(shop, payment.id)) | {
            action for r in await refunds_of(shop, payment.id) for action in await audited(shop, r.id)
        }
        [refund] = await refunds_of(shop, payment.id)
        assert refund.status is RefundStatus.SUCCEEDED and refund.stripe_refund_id and refund.amount == 49500

    # Staff see them: on the booking's page (still "Paid": the booking's own money stands) and in the API.
    async with shop.db.read() as session:
        record = await booking_record(session, shop.ctx, booking.id)
    assert record.payment_state is PaymentState.PAID
    assert [len(p.refunds) for p in record.payments] == [0, 1, 1]
    assert "payment.excess_received" in {entry.action for entry in record.history}
    async with shop.db.transaction() as session:
        _, secret = await create_api_token(session, shop.tenant, name="desk", role=StaffRole.ADMIN)
    listed = await shop.api.get(
        f"/api/tenant/{shop.tenant.slug}/bookings/{booking.id}/payments", headers={"Authorization": f"Bearer {secret}"}
    )
    assert sorted((p["kind"], p["amountRefunded"]) for p in listed.json()) == [
        ("EXCESS", 49500),
        ("EXCESS", 49500),
        ("FULL", 0),
    ]


async def refunds_of(shop: Shop, payment_id: str) -> list[Refund]:
    async with shop.db.read() as session:
        return list(await session.scalars(select(Refund).where(Refund.payment_id == payment_id)))


async def test_a_second_charge_seen_by_the_success_page_is_refunded_once(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    paid = shop.pay(session)
    assert (await shop.deliver("checkout.session.completed", paid)).json()["outcome"] == "paid"
    second = shop.card_payment(49500)
    state = await shop.provider.checkout_state(session["id"])
    late = type(state)(**{**state.__dict__, "payment_intent": second})
    settled = await checkout.settle_checkout_state(shop.db, shop.ctx, shop.provider, late)
    assert settled is not None and settled.refunded == 49500
    assert (await checkout.settle_checkout_state(shop.db, shop.ctx, shop.provider, late)).refunded == 0
    answer = await shop.deliver("checkout.session.completed", {**paid, "payment_intent": second})
    assert answer.json()["outcome"] == "already paid"
    assert stripe_refunds(shop, second) == [49500]
    assert (await shop.booking(booking.id)).amount_paid == 49500


async def test_paid_for_a_booking_cancelled_meanwhile_is_refunded(shop: Shop) -> None:
    booking = await shop.book()
    session = await shop.checkout_session(booking)
    # Staff cancel while the student is on Stripe's page; the student pays anyway.
    await cancel_and_refund(shop.db, shop.ctx, shop.provider, booking.id, "course moved")
    assert await shop.booked_spots() == 0
    paid = shop.pay(session)
    answer = await shop.deliver("checkout.session.completed", paid)
    assert answer.json()["outcome"] == "paid for a cancelled booking; refunded 49500", answer.text
    cancelled = await shop.booking(booking.id)
    assert cancelled.status is BookingStatus.CANCELLED and await shop.booked_spots() == 0
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.REFUNDED and payment.amount_refunded == 49500
    assert stripe_refunds(shop, paid["payment_intent"]) == [49500]
    assert "payment.refund_due" in await audited(shop, payment.id)


async def test_a_stale_payment_paid_after_another_one_confirmed_the_booking_is_refunded(shop: Shop) -> None:
    booking = await shop.book()
    stale = await shop.checkout_session(booking)
    shop.expire(stale)  # "Pay by card" again then replaces it with a new payment and checkout
    fresh = await checkout.begin_checkout(shop.db, shop.ctx, shop.provider, booking.reference, BASE_URL)
    fresh_session = shop._fake("GET", f"/v1/checkout/sessions/{fresh.provider_reference}")
    assert (await shop.deliver("checkout.session.completed", shop.pay(fresh_session))).json()["outcome"] == "paid"
    # The stale checkout's money is heard of after all (the fake lets it be paid, as a race would).
    late = shop.pay(stale)
    answer = await shop.deliver("checkout.session.completed", late)
    assert answer.json()["outcome"] == "paid after the booking was paid by another payment; refunded 49500"
    confirmed = await shop.booking(booking.id)
    assert (confirmed.status, confirmed.amount_paid) == (BookingStatus.CONFIRMED, 49500)
    stale_payment, fresh_payment, excess = await shop.payments(booking.id)
    assert (stale_payment.status, stale_payment.stripe_payment_intent_id) == (PaymentStatus.FAILED, None)
    assert (fresh_payment.kind, fresh_payment.status) == (PaymentKind.FULL, PaymentStatus.PAID)
    assert (excess.kind, excess.status, excess.stripe_payment_intent_id) == (
        PaymentKind.EXCESS,
        PaymentStatus.REFUNDED,
        late["payment_intent"],
    )
    assert stripe_refunds(shop, late["payment_intent"]) == [49500]
    assert stripe_refunds(shop, fresh_payment.stripe_payment_intent_id or "") == []
