"""What a payment changes, on SQLite and PostgreSQL: full, deposit then balance, replays, late payments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import BookingStatus, CourseSession, PaymentKind, PaymentMethod, PaymentOption, PaymentStatus
from tests import factories
from tests.factories import Clock
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.payments import open_payment, payment_failed, payment_succeeded

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
async def setting(db: Database):
    async with db.transaction() as session:
        tenant = await factories.centre(session, "bristol-gas-training", "Bristol Gas Training Centre")
        course = await factories.course(session, tenant, price=49500)
        course_session = await factories.course_session(
            session, course, spots=1, start=(NOW + timedelta(days=30)).date()
        )
        students = [await factories.customer(session, tenant, f"s{n}@example.com") for n in range(2)]
    clock = Clock()
    return TenantContext(tenant=tenant, clock=clock), clock, course_session.id, [s.id for s in students]


async def _book(db: Database, ctx: TenantContext, session_id: str, customer_id: str, **options):
    async with db.transaction() as session:
        return await create_booking(
            session, ctx, BookingRequest(customer_id=customer_id, session_id=session_id, **options)
        )


async def _pay(db: Database, ctx: TenantContext, booking_id: str, **reported):
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking_id, PaymentMethod.OFFLINE)
    async with db.transaction() as session:
        return await payment_succeeded(
            session,
            ctx,
            payment.id,
            amount=reported.get("amount", payment.amount),
            currency=reported.get("currency", payment.currency),
        )


async def test_full_payment_confirms(db: Database, setting) -> None:
    ctx, _, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0])
    outcome = await _pay(db, ctx, booking.id)
    assert outcome.changed and outcome.refund_due == 0
    assert outcome.payment.status is PaymentStatus.PAID and outcome.payment.kind is PaymentKind.FULL
    assert outcome.booking.status is BookingStatus.CONFIRMED
    assert (outcome.booking.amount_paid, outcome.booking.balance_due) == (49500, 0)
    assert outcome.booking.hold_expires_at is None


async def test_deposit_then_balance(db: Database, setting) -> None:
    ctx, _, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0], deposit_percentage=0.3)
    deposit = await _pay(db, ctx, booking.id)
    assert deposit.payment.kind is PaymentKind.DEPOSIT and deposit.payment.amount == 14850
    assert deposit.booking.status is BookingStatus.CONFIRMED and deposit.booking.balance_due == 34650
    balance = await _pay(db, ctx, booking.id)
    assert balance.payment.kind is PaymentKind.BALANCE and balance.payment.amount == 34650
    assert (balance.booking.amount_paid, balance.booking.balance_due) == (49500, 0)
    with pytest.raises(DomainError) as raised:
        await _pay(db, ctx, booking.id)
    assert raised.value.code == "nothing_due"


async def test_opening_twice_answers_the_same_payment(db: Database, setting) -> None:
    ctx, _, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0])
    async with db.transaction() as session:
        first = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
    async with db.transaction() as session:
        second = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
    assert first.id == second.id


async def test_replay_changes_nothing_and_wrong_amounts_are_refused(db: Database, setting) -> None:
    ctx, _, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0])
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
    for amount, currency in ((100, "GBP"), (49500, "EUR")):
        with pytest.raises(DomainError) as raised:
            async with db.transaction() as session:
                await payment_succeeded(session, ctx, payment.id, amount=amount, currency=currency)
        assert raised.value.code == "amount_mismatch"
    async with db.transaction() as session:
        await payment_succeeded(session, ctx, payment.id, amount=49500, currency="gbp")
    async with db.transaction() as session:
        replay = await payment_succeeded(session, ctx, payment.id, amount=49500, currency="GBP")
    assert not replay.changed and replay.booking.amount_paid == 49500


async def test_a_failed_payment_keeps_the_hold(db: Database, setting) -> None:
    ctx, _, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0])
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.CARD)
    async with db.transaction() as session:
        outcome = await payment_failed(session, ctx, payment.id, "card_declined")
    assert outcome.payment.status is PaymentStatus.FAILED and outcome.booking.status is BookingStatus.PENDING
    # Money heard of after all (its checkout's expiry overtook its success) is still money: it is taken.
    async with db.transaction() as session:
        late_success = await payment_succeeded(session, ctx, payment.id, amount=49500, currency="GBP")
    assert late_success.changed and late_success.payment.status is PaymentStatus.PAID
    assert late_success.booking.status is BookingStatus.CONFIRMED and late_success.booking.amount_paid == 49500


async def test_paid_after_the_hold_lapsed_with_the_place_still_free(db: Database, setting) -> None:
    ctx, clock, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0])
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.CARD)
    clock.now = NOW + timedelta(minutes=40)
    async with db.transaction() as session:
        outcome = await payment_succeeded(session, ctx, payment.id, amount=49500, currency="GBP")
    assert outcome.booking.status is BookingStatus.CONFIRMED and outcome.refund_due == 0
    async with db.read() as session:
        assert (await session.get(CourseSession, session_id)).booked_spots == 1


async def test_paid_after_the_hold_lapsed_and_the_place_went(db: Database, setting) -> None:
    ctx, clock, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0])
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.CARD)
    clock.now = NOW + timedelta(minutes=40)
    await _book(db, ctx, session_id, students[1], payment_option=PaymentOption.INVOICE)  # takes the only place
    async with db.transaction() as session:
        outcome = await payment_succeeded(session, ctx, payment.id, amount=49500, currency="GBP")
    assert outcome.booking.status is BookingStatus.EXPIRED
    assert outcome.refund_due == 49500 and outcome.booking.balance_due == 0
    async with db.read() as session:
        assert (await session.get(CourseSession, session_id)).booked_spots == 1


async def test_invoice_bookings_are_not_paid_by_card(db: Database, setting) -> None:
    ctx, _, session_id, students = setting
    booking = await _book(db, ctx, session_id, students[0], payment_option=PaymentOption.INVOICE)
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await open_payment(session, ctx, booking.id, PaymentMethod.CARD)
    assert raised.value.code == "nothing_due"
