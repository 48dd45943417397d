"""The job that asks the provider about long-open card payments, at its edges, on SQLite and PostgreSQL:
racing the webhook or another job runner it settles once; a checkout it cannot look up, or one that
reports another amount, is left as it was while the others are still settled. (The stories over HTTP
against localstripe are in tests/payments/test_lost_webhook_reconciled.py.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Booking, BookingStatus, Payment, PaymentStatus, Refund
from tests import factories
from tests.factories import Clock
from tests.unit.fake_provider import FakeCheckout, FakeStripe
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments import ProviderEvent
from trainhub_ui.services import checkout, webhooks
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.reconciliation import reconcile_open_payments

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=20)  # past the 15 minutes the job waits; the holds (30 minutes) still run
WAITED = timedelta(minutes=15)


@pytest.fixture
async def centre(db: Database) -> tuple[TenantContext, Clock, list[str], str]:
    async with db.transaction() as session:
        tenant = await factories.centre(session, "bristol-gas-training", "Bristol Gas Training Centre")
        tenant.hold_minutes = 30  # the job looks at 15 minutes, while the holds still run
        course = await factories.course(session, tenant, price=49500)
        course_session = await factories.course_session(
            session, course, spots=3, start=(NOW + timedelta(days=30)).date()
        )
        students = [await factories.customer(session, tenant, f"s{n}@example.com") for n in range(2)]
    clock = Clock(NOW)
    return TenantContext(tenant=tenant, clock=clock), clock, [s.id for s in students], course_session.id


async def book_and_open(db: Database, ctx: TenantContext, stripe: FakeStripe, student: str, session_id: str) -> Booking:
    async with db.transaction() as session:
        booking = await create_booking(session, ctx, BookingRequest(customer_id=student, session_id=session_id))
    await checkout.begin_checkout(db, ctx, stripe, booking.reference, "https://centre")
    return booking


def paid_checkout(stripe: FakeStripe, booking: Booking) -> FakeCheckout:
    [found] = [c for c in stripe.checkouts.values() if c.metadata["bookingId"] == booking.id]
    found.payment_intent = stripe.charge(found.amount)
    found.status = "complete"
    return found


async def money_of(db: Database, booking_id: str) -> tuple[BookingStatus, int, list[PaymentStatus], int]:
    async with db.read() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        statuses = list(await session.scalars(select(Payment.status).where(Payment.booking_id == booking_id)))
        refunds = await session.scalar(select(func.count()).select_from(Refund)) or 0
    return booking.status, booking.amount_paid, statuses, refunds


async def test_the_job_and_the_webhook_at_once_settle_once(db: Database, centre) -> None:
    ctx, clock, students, session_id = centre
    stripe = FakeStripe()
    booking = await book_and_open(db, ctx, stripe, students[0], session_id)
    paid = paid_checkout(stripe, booking)
    clock.now = LATER
    event = ProviderEvent(id="evt_late", type="checkout.session.completed", data=paid.as_event_data())

    acted, outcome = await asyncio.gather(
        reconcile_open_payments(db, stripe, LATER, opened_before=LATER - WAITED),
        webhooks.handle_event(db, stripe, event, clock=clock),
    )

    assert (acted, outcome) in ((1, "already paid"), (0, "paid"))
    assert await money_of(db, booking.id) == (BookingStatus.CONFIRMED, 49500, [PaymentStatus.PAID], 0)
    assert stripe.refunds == {}


async def test_two_job_runners_at_once_settle_once(db: Database, centre) -> None:
    ctx, clock, students, session_id = centre
    stripe = FakeStripe()
    booking = await book_and_open(db, ctx, stripe, students[0], session_id)
    paid_checkout(stripe, booking)
    clock.now = LATER

    runs = await asyncio.gather(
        *(reconcile_open_payments(db, stripe, LATER, opened_before=LATER - WAITED) for _ in range(2))
    )

    assert sorted(runs) == [0, 1]
    assert await money_of(db, booking.id) == (BookingStatus.CONFIRMED, 49500, [PaymentStatus.PAID], 0)


async def test_a_checkout_that_cannot_be_looked_up_or_disagrees_is_left_and_the_others_settled(
    db: Database, centre
) -> None:
    ctx, clock, students, session_id = centre
    stripe = FakeStripe()
    unknown = await book_and_open(db, ctx, stripe, students[0], session_id)
    paid_checkout(stripe, unknown)
    other = await book_and_open(db, ctx, stripe, students[1], session_id)
    paid_checkout(stripe, other)
    # The provider no longer knows the first checkout; then it reports another amount for it.
    [lost] = [c for c in stripe.checkouts.values() if c.metadata["bookingId"] == unknown.id]
    del stripe.checkouts[lost.id]
    clock.now = LATER

    assert await reconcile_open_payments(db, stripe, LATER, opened_before=LATER - WAITED) == 1
    assert await money_of(db, unknown.id) == (BookingStatus.PENDING, 0, [PaymentStatus.PENDING], 0)
    assert await money_of(db, other.id) == (BookingStatus.CONFIRMED, 49500, [PaymentStatus.PAID], 0)

    stripe.checkouts[lost.id] = lost
    lost.amount = 100
    assert await reconcile_open_payments(db, stripe, LATER, opened_before=LATER - WAITED) == 0
    assert await money_of(db, unknown.id) == (BookingStatus.PENDING, 0, [PaymentStatus.PENDING], 0)
