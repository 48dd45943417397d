"""Issue 14, story 5: paid after expiry on a full session.

The student's hold lapsed, the place went to someone else and the session is full; then the student's
money arrives. It is refunded through Stripe at once and staff can see it (the booking's page, its
payments in the API, the refunds report); the booking is not confirmed and nobody is oversold. Whether the
money is heard of by the webhook (after the expiry's own event) or by the job that asks Stripe about open
payments (no webhook at all). On SQLite and PostgreSQL, against localstripe over HTTP.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import LIVE_BOOKING_STATUSES, Booking, BookingStatus, PaymentStatus, RefundStatus, StaffRole, utcnow
from tests.payments.shop import BASE_URL, Shop
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.jobs import run_jobs_once
from trainhub_ui.services import checkout
from trainhub_ui.services.booking_search import booking_record
from trainhub_ui.services.payments import LATE_AND_FULL
from trainhub_ui.services.report_periods import ReportPeriod
from trainhub_ui.services.reports import refunds as refunds_report
from trainhub_ui.services.tokens import create_api_token


async def nobody_is_oversold(shop: Shop) -> int:
    """booked_spots counts the live bookings exactly and never passes capacity; answers it."""
    async with shop.db.read() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.session_id == shop.session_id, Booking.status.in_(LIVE_BOOKING_STATUSES))
        )
    booked = await shop.booked_spots()
    assert booked == live and booked <= 2
    return booked


async def staff_see_the_refund(shop: Shop, booking_id: str, payment_intent: str) -> None:
    async with shop.db.read() as session:
        record = await booking_record(session, shop.ctx, booking_id)
        today = utcnow().date()
        report = await refunds_report(session, shop.ctx, ReportPeriod(today - timedelta(days=1), today))
    [payment] = record.payments
    [refund] = payment.refunds
    assert (refund.amount, refund.status, refund.reason) == (49500, RefundStatus.SUCCEEDED, LATE_AND_FULL)
    assert "payment.refund_due" in {entry.action for entry in record.history}
    assert [(line.booking_id, line.amount, line.status) for line in report] == [
        (booking_id, 49500, RefundStatus.SUCCEEDED)
    ]
    async with shop.db.transaction() as session:
        _, secret = await create_api_token(session, shop.tenant, name="desk", role=StaffRole.ADMIN)
    listed = await shop.api.get(
        f"/api/tenant/{shop.tenant.slug}/bookings/{booking_id}/payments", headers={"Authorization": f"Bearer {secret}"}
    )
    assert [(p["status"], p["amountRefunded"]) for p in listed.json()] == [("REFUNDED", 49500)], listed.text
    # And at Stripe: that very charge was given back, once.
    stripe_refunds = shop.stripe.v1.refunds.list(params={"payment_intent": payment_intent}).data
    assert [r.amount for r in stripe_refunds] == [49500]


async def test_paid_after_the_checkout_expired_and_the_place_was_taken(shop: Shop) -> None:
    late = await shop.book(0)
    checkout_session = await shop.checkout_session(late)
    expired = await shop.deliver("checkout.session.expired", shop.expire(checkout_session))
    assert expired.json()["outcome"] == "expired"
    # The freed place goes to someone else, and the last one too: the session is full.
    await shop.book(1)
    await shop.book(2)
    assert await nobody_is_oversold(shop) == 2

    # The student's money arrives after all (paid on Stripe's page as it closed).
    paid = shop.pay(checkout_session)
    answer = await shop.deliver("checkout.session.completed", paid)
    assert answer.json()["outcome"] == "paid after the hold lapsed; refunded 49500", answer.text

    lapsed = await shop.booking(late.id)
    assert lapsed.status is BookingStatus.EXPIRED and lapsed.confirmed_at is None and lapsed.balance_due == 0
    assert await nobody_is_oversold(shop) == 2
    [payment] = await shop.payments(late.id)
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, 49500)
    await staff_see_the_refund(shop, late.id, paid["payment_intent"])
    # Heard again (Stripe's retry, the success page): nothing more is refunded.
    again = await shop.deliver("checkout.session.completed", paid)
    assert again.json()["outcome"] == "already paid"
    state = await shop.provider.checkout_state(checkout_session["id"])
    settled = await checkout.settle_checkout_state(shop.db, shop.ctx, shop.provider, state)
    assert settled is not None and settled.refunded == 0
    await staff_see_the_refund(shop, late.id, paid["payment_intent"])


async def test_paid_after_the_hold_lapsed_heard_only_by_the_job(shop: Shop) -> None:
    an_hour_ago = TenantContext(tenant=shop.tenant, actor="tests", clock=lambda: utcnow() - timedelta(hours=1))
    late = await shop.book(0, ctx=an_hour_ago)
    started = await checkout.begin_checkout(shop.db, an_hour_ago, shop.provider, late.reference, BASE_URL)
    checkout_session = shop._fake("GET", f"/v1/checkout/sessions/{started.provider_reference}")
    # Its hold lapsed unheard; the hold's job freed the place, and two others took the session's places.
    await run_jobs_once(shop.db)
    assert (await shop.booking(late.id)).status is BookingStatus.EXPIRED
    await shop.book(1)
    await shop.book(2)
    assert await nobody_is_oversold(shop) == 2

    paid = shop.pay(checkout_session)  # and no webhook ever comes
    done = await run_jobs_once(shop.db)
    assert done["reconcile open card payments"] == 1

    assert (await shop.booking(late.id)).status is BookingStatus.EXPIRED
    assert await nobody_is_oversold(shop) == 2
    await staff_see_the_refund(shop, late.id, paid["payment_intent"])
    assert (await run_jobs_once(shop.db))["reconcile open card payments"] == 0
    await staff_see_the_refund(shop, late.id, paid["payment_intent"])
