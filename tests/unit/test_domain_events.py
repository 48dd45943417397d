"""Domain events reach the publisher only after the transaction commits, never after a rollback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from models import PaymentOption
from tests import factories
from trainhub_ui.db import Database, set_publisher
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.signals import BookingChanged, CapacityChanged, DomainEvent
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def published() -> Iterator[list[DomainEvent]]:
    heard: list[DomainEvent] = []
    set_publisher(heard.extend)
    try:
        yield heard
    finally:
        set_publisher(None)


async def test_booking_and_cancelling_publish_capacity_after_commit(db: Database, published: list) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        course_session = await factories.course_session(
            session, course, spots=4, start=(NOW + timedelta(days=9)).date()
        )
        student = await factories.customer(session, tenant)
    ctx = TenantContext(tenant=tenant, clock=lambda: NOW)

    async with db.transaction() as session:
        booking = await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=student.id, session_id=course_session.id, payment_option=PaymentOption.INVOICE),
        )
        assert published == []  # nothing is heard before the commit
    capacity = [e for e in published if isinstance(e, CapacityChanged)]
    assert [(e.session_id, e.booked_spots, e.available_spots, e.remaining_spots) for e in capacity] == [
        (course_session.id, 1, 4, 3)
    ]
    assert any(isinstance(e, BookingChanged) and e.booking_id == booking.id for e in published)

    published.clear()
    async with db.transaction() as session:
        await cancel_booking(session, ctx, booking.id, "")
    assert [e.booked_spots for e in published if isinstance(e, CapacityChanged)] == [0]


async def test_a_rolled_back_change_publishes_nothing(db: Database, published: list) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        course = await factories.course(session, tenant)
        course_session = await factories.course_session(session, course, start=(NOW + timedelta(days=9)).date())
        student = await factories.customer(session, tenant)
    ctx = TenantContext(tenant=tenant, clock=lambda: NOW)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await create_booking(session, ctx, BookingRequest(customer_id=student.id, session_id=course_session.id))
            raise RuntimeError("something later in the same action failed")
    assert published == []
