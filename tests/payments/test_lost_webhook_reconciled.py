"""Issue 14, story 4: a lost webhook costs minutes, not money.

A job asks Stripe about every card payment still open some minutes after it was opened, and acts on the
answer as the webhook would have: paid -> settled (the booking confirmed), expired -> the payment and its
hold ended, still open -> left alone. Running it again changes nothing. On SQLite and PostgreSQL, against
localstripe over HTTP; no webhook is ever delivered here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import AuditEntry, BookingStatus, PaymentStatus, utcnow
from tests.payments.shop import Shop
from trainhub_ui.config import get_settings
from trainhub_ui.jobs import run_jobs_once

RECONCILE = "reconcile open card payments"


def minutes_later(minutes: int) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def after_the_wait() -> datetime:
    """When the job first looks at a payment opened now."""
    return minutes_later(get_settings().reconcile_payments_after_minutes + 1)


async def audit_count(shop: Shop) -> int:
    async with shop.db.read() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)) or 0


async def test_paid_without_a_webhook_is_confirmed_by_the_job_once(shop: Shop) -> None:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))  # the student paid; Stripe's webhook never arrives

    # Too soon: a webhook may still be on its way, so the job does not ask yet.
    assert (await run_jobs_once(shop.db))[RECONCILE] == 0
    assert (await shop.booking(booking.id)).status is BookingStatus.PENDING

    assert (await run_jobs_once(shop.db, after_the_wait()))[RECONCILE] == 1
    confirmed = await shop.booking(booking.id)
    assert (confirmed.status, confirmed.amount_paid, confirmed.balance_due) == (BookingStatus.CONFIRMED, 49500, 0)
    [payment] = await shop.payments(booking.id)
    assert (payment.status, payment.stripe_payment_intent_id) == (PaymentStatus.PAID, paid["payment_intent"])
    assert await shop.booked_spots() == 1

    # Again, and later still: nothing is open, nothing changes.
    audited = await audit_count(shop)
    assert (await run_jobs_once(shop.db, after_the_wait()))[RECONCILE] == 0
    assert (await run_jobs_once(shop.db, minutes_later(25)))[RECONCILE] == 0
    assert await audit_count(shop) == audited
    again = await shop.booking(booking.id)
    assert (again.status, again.amount_paid) == (BookingStatus.CONFIRMED, 49500)
    # The webhook arriving after all finds the money recorded.
    assert (await shop.deliver("checkout.session.completed", paid)).json()["outcome"] == "already paid"
    assert (await shop.booking(booking.id)).amount_paid == 49500


async def test_an_expired_checkout_without_a_webhook_ends_the_payment_and_the_hold(shop: Shop) -> None:
    booking = await shop.book()
    shop.expire(await shop.checkout_session(booking))
    assert await shop.booked_spots() == 1

    assert (await run_jobs_once(shop.db, after_the_wait()))[RECONCILE] == 1
    assert (await shop.booking(booking.id)).status is BookingStatus.EXPIRED
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.FAILED
    assert await shop.booked_spots() == 0
    assert (await run_jobs_once(shop.db, after_the_wait()))[RECONCILE] == 0


async def test_a_checkout_still_open_is_left_alone(shop: Shop) -> None:
    booking = await shop.book()
    await shop.checkout_session(booking)  # the student is still on Stripe's page

    assert (await run_jobs_once(shop.db, after_the_wait()))[RECONCILE] == 0
    held = await shop.booking(booking.id)
    assert held.status is BookingStatus.PENDING and await shop.booked_spots() == 1
    [payment] = await shop.payments(booking.id)
    assert payment.status is PaymentStatus.PENDING
    # Paid later still: the next run settles it.
    shop.pay(await shop.checkout_session(booking))
    assert (await run_jobs_once(shop.db, minutes_later(20)))[RECONCILE] == 1
    assert (await shop.booking(booking.id)).status is BookingStatus.CONFIRMED
