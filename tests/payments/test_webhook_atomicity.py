"""Issue 14, story 2: a webhook event is recorded in the transaction that acts on it.

If acting fails, the event's record is rolled back with the rest and Stripe's retry of the same signed
event acts again; an event that was acted on is never acted on twice, even when two deliveries race.
On SQLite and PostgreSQL, against localstripe, webhooks signed as Stripe signs them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from models import BookingStatus, PaymentStatus, WebhookEvent
from tests.payments.conftest import signed_event_headers, stripe_event_payload
from tests.payments.shop import WEBHOOK, WEBHOOK_SECRET, Shop
from trainhub_ui.notify import emails


async def recorded_events(shop: Shop) -> list[tuple[str, str]]:
    async with shop.db.read() as session:
        return [(e.event_id, e.outcome) for e in await session.scalars(select(WebhookEvent))]


async def test_a_failure_while_acting_leaves_the_event_for_the_retry(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    payload = stripe_event_payload("checkout.session.completed", paid, event_id="evt_fails_once")
    headers = signed_event_headers(payload, WEBHOOK_SECRET)

    # A fault part-way through acting (after the payment was marked paid, before the commit).
    real, faults = emails.payment_received, []

    async def fails_once(*args: Any, **kwargs: Any) -> Any:
        if not faults:
            faults.append("raised")
            raise RuntimeError("injected fault while acting on the event")
        return await real(*args, **kwargs)

    monkeypatch.setattr(emails, "payment_received", fails_once)

    failed = await shop.api.post(WEBHOOK, content=payload, headers=headers)
    assert failed.status_code == 500 and faults == ["raised"]
    assert await recorded_events(shop) == []  # rolled back with what it did
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PENDING
    assert (await shop.booking(booking.id)).status is BookingStatus.PENDING

    # Stripe retries the very same signed request.
    retried = await shop.api.post(WEBHOOK, content=payload, headers=headers)
    assert retried.status_code == 200 and retried.json()["outcome"] == "paid", retried.text
    confirmed = await shop.booking(booking.id)
    assert confirmed.status is BookingStatus.CONFIRMED and confirmed.amount_paid == 49500
    assert await recorded_events(shop) == [("evt_fails_once", "paid")]

    again = await shop.api.post(WEBHOOK, content=payload, headers=headers)
    assert again.json()["outcome"] == "duplicate: already handled"
    assert (await shop.booking(booking.id)).amount_paid == 49500


async def test_a_failure_while_expiring_leaves_the_event_for_the_retry(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trainhub_ui.booking import places

    booking = await shop.book()
    expired = shop.expire(await shop.checkout_session(booking))
    payload = stripe_event_payload("checkout.session.expired", expired, event_id="evt_expiry_fails_once")
    headers = signed_event_headers(payload, WEBHOOK_SECRET)
    real, faults = places.capacity_changed, []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        if not faults:
            faults.append("raised")
            raise RuntimeError("injected fault while freeing the place")
        return real(*args, **kwargs)

    monkeypatch.setattr(places, "capacity_changed", fails_once)
    assert (await shop.api.post(WEBHOOK, content=payload, headers=headers)).status_code == 500
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PENDING and await shop.booked_spots() == 1
    assert await recorded_events(shop) == []

    retried = await shop.api.post(WEBHOOK, content=payload, headers=headers)
    assert retried.json()["outcome"] == "expired", retried.text
    assert (await shop.booking(booking.id)).status is BookingStatus.EXPIRED and await shop.booked_spots() == 0
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.FAILED


async def test_the_same_event_delivered_twice_at_once_is_acted_on_once(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    payload = stripe_event_payload("checkout.session.completed", paid, event_id="evt_delivered_twice")
    headers = signed_event_headers(payload, WEBHOOK_SECRET)
    answers = await asyncio.gather(*(shop.api.post(WEBHOOK, content=payload, headers=headers) for _ in range(2)))
    assert sorted(a.json()["outcome"] for a in answers) == ["duplicate: already handled", "paid"]
    assert (await shop.booking(booking.id)).amount_paid == 49500
    assert await recorded_events(shop) == [("evt_delivered_twice", "paid")]
