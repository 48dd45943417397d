"""The database itself keeps the rules: constraints hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from models import Booking, BookingStatus, CourseSession, Customer, PaymentOption, Tenant
from tests import factories
from trainhub_ui.db import Database


async def test_session_cannot_be_overbooked(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        item = await factories.course_session(session, course, spots=2)
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(update(CourseSession).where(CourseSession.id == item.id).values(booked_spots=3))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(update(CourseSession).where(CourseSession.id == item.id).values(booked_spots=-1))
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == item.id).values(booked_spots=2))


async def test_session_end_date_cannot_precede_start(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        item = await factories.course_session(session, course)
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(
                update(CourseSession)
                .where(CourseSession.id == item.id)
                .values(end_date=item.start_date - timedelta(days=1))
            )


async def test_negative_price_is_refused(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await factories.course(session, tenant, price=-1)


async def test_centre_slug_is_unique_and_customer_email_unique_per_centre(db: Database) -> None:
    async with db.transaction() as session:
        first = await factories.centre(session, "centre-a")
        second = await factories.centre(session, "centre-b")
        await factories.customer(session, first, "same@example.com")
        await factories.customer(session, second, "same@example.com")  # another centre: allowed
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Tenant(slug="centre-a", name="Copy"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await factories.customer(session, first, "same@example.com")


def _booking(tenant: Tenant, session_id: str, customer: Customer, reference: str, status: BookingStatus) -> Booking:
    return Booking(
        tenant_id=tenant.id,
        reference=reference,
        session_id=session_id,
        customer_id=customer.id,
        status=status,
        payment_option=PaymentOption.FULL,
        currency="GBP",
        total_amount=49500,
        balance_due=49500,
    )


async def test_one_live_booking_per_customer_and_session(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        item = await factories.course_session(session, course)
        student = await factories.customer(session, tenant)
        session.add(_booking(tenant, item.id, student, "TST-AAAAA", BookingStatus.CANCELLED))
        session.add(_booking(tenant, item.id, student, "TST-BBBBB", BookingStatus.PENDING))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(_booking(tenant, item.id, student, "TST-CCCCC", BookingStatus.CONFIRMED))
    with pytest.raises(IntegrityError):  # references are unique
        async with db.transaction() as session:
            session.add(_booking(tenant, item.id, student, "TST-AAAAA", BookingStatus.CANCELLED))


async def test_unknown_status_is_refused_by_the_database(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        item = await factories.course_session(session, course)
        student = await factories.customer(session, tenant)
        booking = _booking(tenant, item.id, student, "TST-DDDDD", BookingStatus.PENDING)
        session.add(booking)
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(text("UPDATE bookings SET status = 'LOST' WHERE id = :id"), {"id": booking.id})


async def test_foreign_keys_are_enforced(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        student = await factories.customer(session, tenant)
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(_booking(tenant, "no-such-session", student, "TST-EEEEE", BookingStatus.PENDING))


async def test_moments_round_trip_as_utc(db: Database) -> None:
    bst = timezone(timedelta(hours=1))
    moment = datetime(2026, 7, 1, 9, 30, tzinfo=bst)
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        item = await factories.course_session(session, course)
        item.starts_at = moment
    async with db.transaction() as session:
        stored = await session.scalar(select(CourseSession.starts_at).where(CourseSession.id == item.id))
    assert stored == moment
    assert stored is not None and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.astimezone(UTC).hour == 8
