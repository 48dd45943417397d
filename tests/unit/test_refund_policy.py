"""The centre's refund policy on cancellation, and recording bank transfers (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Booking, BookingStatus, CourseSession, PaymentMethod, PaymentOption, PaymentStatus, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services.bookings import BookingRequest, Refused, create_booking
from trainhub_ui.services.payments import record_bank_transfer
from trainhub_ui.services.refunds import policy_refund, refund_booking

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _booking(option: PaymentOption, paid: int, total: int = 49500, deposit: int = 14850) -> Booking:
    return Booking(payment_option=option, amount_paid=paid, total_amount=total, deposit_amount=deposit)


def _starting_in(days: float) -> CourseSession:
    return CourseSession(starts_at=NOW + timedelta(days=days))


@pytest.mark.parametrize(
    ("option", "paid", "days", "refund"),
    [
        (PaymentOption.FULL, 49500, 30, 49500),  # well ahead: everything back
        (PaymentOption.FULL, 49500, 14, 49500),  # exactly the policy's days: still everything
        (PaymentOption.FULL, 49500, 13.9, 49500 - 14850),  # later: the deposit it would have paid is kept
        (PaymentOption.DEPOSIT, 14850, 5, 0),  # only the deposit paid, late: nothing back
        (PaymentOption.DEPOSIT, 14850, 20, 14850),
        (PaymentOption.DEPOSIT, 49500, 2, 49500 - 14850),  # deposit and balance paid, late: the balance back
        (PaymentOption.INVOICE, 0, 20, 0),  # nothing paid, nothing to give back
    ],
)
def test_policy_refund(option: PaymentOption, paid: int, days: float, refund: int) -> None:
    ctx = TenantContext(tenant=Tenant(slug="c", name="C", full_refund_days=14, deposit_percent=30))
    assert policy_refund(_booking(option, paid), _starting_in(days), ctx, NOW) == refund


async def test_bank_transfer_then_refund_by_bank(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant, price=49500)
        course_session = await factories.course_session(session, course)
        student = await factories.customer(session, tenant)
    ctx = TenantContext(tenant=tenant, actor="tests")
    async with db.transaction() as session:
        booking = await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=student.id, session_id=course_session.id, payment_option=PaymentOption.INVOICE),
        )
    assert booking.status is BookingStatus.CONFIRMED and booking.balance_due == 49500
    async with db.transaction() as session:
        with pytest.raises(InvalidInput) as too_much:
            await record_bank_transfer(session, ctx, booking.id, 49501)
    assert too_much.value.field == "amount"
    for bad in (0, -5):
        async with db.transaction() as session:
            with pytest.raises(InvalidInput):
                await record_bank_transfer(session, ctx, booking.id, bad)
    async with db.transaction() as session:
        first = await record_bank_transfer(session, ctx, booking.id, 20000, "BACS 1")
    async with db.transaction() as session:
        second = await record_bank_transfer(session, ctx, booking.id, 29500, "BACS 2")
    assert first.payment_method is PaymentMethod.BANK_TRANSFER and first.status is PaymentStatus.PAID
    async with db.read() as session:
        paid = await session.get(Booking, booking.id)
    assert paid is not None and (paid.amount_paid, paid.balance_due) == (49500, 0)
    async with db.transaction() as session:
        with pytest.raises(InvalidInput):
            await record_bank_transfer(session, ctx, booking.id, 1)
    # Money that came by bank goes back by bank: recorded, no provider call.
    result = await refund_booking(db, ctx, OfflineProvider(), booking.id, 30000, "cancelled")
    assert [(r.payment_id, r.amount) for r in result.refunds] == [(second.id, 29500), (first.id, 500)]
    assert all(r.stripe_refund_id is None for r in result.refunds)


async def test_a_pending_booking_takes_no_bank_transfer(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        course_session = await factories.course_session(session, course)
        student = await factories.customer(session, tenant)
    ctx = TenantContext(tenant=tenant, actor="tests")
    async with db.transaction() as session:
        booking = await create_booking(
            session, ctx, BookingRequest(customer_id=student.id, session_id=course_session.id)
        )
    async with db.transaction() as session:
        with pytest.raises(Refused) as refused:
            await record_bank_transfer(session, ctx, booking.id, 100)
    assert refused.value.code == "booking_not_confirmed"
