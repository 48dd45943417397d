"""The booking engine's rules, on SQLite and PostgreSQL: amounts, holds, capacity, waiting list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CourseSession,
    PaymentOption,
    WaitingListEntry,
    WaitingListStatus,
)
from tests import factories
from tests.factories import Clock
from trainhub_ui.booking.amounts import deposit_for
from trainhub_ui.booking.places import offer_deadline
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.jobs import expire_holds
from trainhub_ui.services import waiting_list
from trainhub_ui.services.booking_moves import move_booking
from trainhub_ui.services.bookings import (
    BookingRequest,
    cancel_booking,
    create_booking,
)
from trainhub_ui.services.waiting_list import OfferAcceptance

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
async def centre(db: Database):
    """A centre with a £495 course, one 3-place session and four students."""
    async with db.transaction() as session:
        tenant = await factories.centre(session, "bristol-gas-training", "Bristol Gas Training Centre")
        course = await factories.course(session, tenant, price=49500)
        course_session = await factories.course_session(
            session, course, spots=3, start=(NOW + timedelta(days=30)).date()
        )
        other_session = await factories.course_session(
            session, course, spots=3, start=(NOW + timedelta(days=60)).date()
        )
        students = [await factories.customer(session, tenant, f"student{n}@example.com") for n in range(5)]
    clock = Clock()
    ctx = TenantContext(tenant=tenant, actor="test", clock=clock)
    return ctx, clock, course_session.id, other_session.id, [s.id for s in students]


async def book(db: Database, ctx: TenantContext, session_id: str, customer_id: str, **options) -> Booking:
    async with db.transaction() as session:
        return await create_booking(
            session, ctx, BookingRequest(customer_id=customer_id, session_id=session_id, **options)
        )


async def booked_spots(db: Database, session_id: str) -> int:
    async with db.read() as session:
        return (await session.get(CourseSession, session_id)).booked_spots


async def assert_counts_agree(db: Database, session_id: str) -> None:
    """bookedSpots = live bookings + places held by offers, never above capacity."""
    async with db.read() as session:
        course_session = await session.get(CourseSession, session_id)
        live = await session.scalar(
            select(func.count()).where(Booking.session_id == session_id, Booking.status.in_(LIVE_BOOKING_STATUSES))
        )
        offers = await session.scalar(
            select(func.count()).where(
                WaitingListEntry.session_id == session_id, WaitingListEntry.status == WaitingListStatus.OFFERED
            )
        )
    assert course_session.booked_spots == live + offers
    assert 0 <= course_session.booked_spots <= course_session.available_spots


def test_deposit_rounds_up_and_adds_up() -> None:
    assert deposit_for(49500, 30) == 14850
    assert deposit_for(9999, 30) == 3000  # 2999.7 rounds up
    assert deposit_for(1, 30) == 1
    for total in (0, 1, 333, 49500, 99999):
        deposit = deposit_for(total, 30)
        assert deposit + (total - deposit) == total and deposit <= total


async def test_full_card_booking_holds_a_place(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    booking = await book(db, ctx, session_id, students[0])
    assert booking.status is BookingStatus.PENDING
    assert booking.payment_option is PaymentOption.FULL
    assert (booking.total_amount, booking.deposit_amount, booking.amount_paid, booking.balance_due) == (
        49500,
        0,
        0,
        49500,
    )
    assert booking.hold_expires_at == NOW + timedelta(minutes=15)
    assert booking.reference.startswith("BGT-") and len(booking.reference) == 9
    assert await booked_spots(db, session_id) == 1


async def test_deposit_booking_takes_the_centres_percentage_only(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    booking = await book(db, ctx, session_id, students[0], deposit_percentage=0.3)
    assert booking.payment_option is PaymentOption.DEPOSIT
    assert booking.deposit_amount == 14850 and booking.balance_due == 49500
    with pytest.raises(InvalidInput) as raised:
        await book(db, ctx, session_id, students[1], deposit_percentage=0.1)
    assert raised.value.field == "depositPercentage"
    with pytest.raises(InvalidInput):
        await book(db, ctx, session_id, students[1], deposit_percentage=0.3, payment_option=PaymentOption.FULL)
    assert await booked_spots(db, session_id) == 1


async def test_invoice_booking_is_confirmed_at_once_with_the_amount_outstanding(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    booking = await book(db, ctx, session_id, students[0], payment_option=PaymentOption.INVOICE, po_number="PO-77")
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.hold_expires_at is None and booking.confirmed_at == NOW
    assert booking.balance_due == 49500 and booking.po_number == "PO-77"


async def test_a_full_session_refuses_and_the_count_never_exceeds_capacity(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    for student in students[:3]:
        await book(db, ctx, session_id, student)
    with pytest.raises(DomainError) as raised:
        await book(db, ctx, session_id, students[3])
    assert raised.value.code == "session_full"
    assert await booked_spots(db, session_id) == 3
    await assert_counts_agree(db, session_id)


async def test_one_live_booking_per_customer(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    await book(db, ctx, session_id, students[0])
    with pytest.raises(DomainError) as raised:
        await book(db, ctx, session_id, students[0], payment_option=PaymentOption.INVOICE)
    assert raised.value.code == "already_booked"
    assert await booked_spots(db, session_id) == 1


async def test_inactive_started_and_completed_sessions_take_no_bookings(db: Database, centre) -> None:
    ctx, clock, session_id, other_id, students = centre
    async with db.transaction() as session:
        (await session.get(CourseSession, other_id)).is_active = False
    with pytest.raises(DomainError) as raised:
        await book(db, ctx, other_id, students[0])
    assert raised.value.code == "session_inactive"
    clock.now = NOW + timedelta(days=31)
    with pytest.raises(DomainError) as raised:
        await book(db, ctx, session_id, students[0])
    assert raised.value.code == "session_started"


async def test_another_centres_ids_are_not_found(db: Database, centre) -> None:
    ctx, _, session_id, _, _ = centre
    async with db.transaction() as session:
        other = await factories.centre(session, "leeds-heat-academy", "Leeds Heat Academy")
        stranger = await factories.customer(session, other, "stranger@example.com")
        course = await factories.course(session, other)
        foreign_session = await factories.course_session(session, course)
    with pytest.raises(NotFound):
        await book(db, ctx, session_id, stranger.id)
    ours = (await _students(db, ctx))[0]
    with pytest.raises(NotFound):
        await book(db, ctx, foreign_session.id, ours)


async def _students(db: Database, ctx: TenantContext) -> list[str]:
    from models import Customer

    async with db.read() as session:
        return list(await session.scalars(select(Customer.id).where(Customer.tenant_id == ctx.tenant_id)))


async def test_an_expired_hold_frees_its_place_without_waiting_for_the_job(db: Database, centre) -> None:
    ctx, clock, session_id, _, students = centre
    held = [await book(db, ctx, session_id, s) for s in students[:3]]
    clock.now = NOW + timedelta(minutes=16)
    late = await book(db, ctx, session_id, students[3])  # the capacity check itself releases lapsed holds
    assert late.status is BookingStatus.PENDING
    async with db.read() as session:
        statuses = {b.id: b.status for b in await session.scalars(select(Booking))}
    assert all(statuses[b.id] is BookingStatus.EXPIRED for b in held)
    assert await booked_spots(db, session_id) == 1
    await assert_counts_agree(db, session_id)
    # The customer whose hold lapsed may book again.
    await book(db, ctx, session_id, students[0])


async def test_the_job_expires_holds_in_every_centre(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    await book(db, ctx, session_id, students[0])
    await book(db, ctx, session_id, students[1], payment_option=PaymentOption.INVOICE)
    assert await expire_holds(db, NOW + timedelta(minutes=5)) == 0
    assert await expire_holds(db, NOW + timedelta(minutes=15)) == 1
    assert await expire_holds(db, NOW + timedelta(minutes=16)) == 0
    assert await booked_spots(db, session_id) == 1


async def test_cancel_frees_the_place(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    booking = await book(db, ctx, session_id, students[0], payment_option=PaymentOption.INVOICE)
    async with db.transaction() as session:
        cancelled = await cancel_booking(session, ctx, booking.id, "Changed jobs")
    assert cancelled.status is BookingStatus.CANCELLED and cancelled.cancellation_reason == "Changed jobs"
    assert cancelled.balance_due == 0
    assert await booked_spots(db, session_id) == 0
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await cancel_booking(session, ctx, booking.id, "again")
    assert raised.value.code == "booking_not_live"


async def test_move_is_atomic(db: Database, centre) -> None:
    ctx, _, session_id, other_id, students = centre
    booking = await book(db, ctx, session_id, students[0], payment_option=PaymentOption.INVOICE)
    for student in students[1:4]:
        await book(db, ctx, other_id, student)
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await move_booking(session, ctx, booking.id, other_id)
    assert raised.value.code == "session_full"
    assert (await booked_spots(db, session_id), await booked_spots(db, other_id)) == (1, 3)

    async with db.read() as session:
        taken = await session.scalar(select(Booking).where(Booking.session_id == other_id))
    async with db.transaction() as session:
        await cancel_booking(session, ctx, taken.id, "")
    async with db.transaction() as session:
        moved = await move_booking(session, ctx, booking.id, other_id)
    assert moved.session_id == other_id
    assert (await booked_spots(db, session_id), await booked_spots(db, other_id)) == (0, 3)


async def test_move_only_within_the_same_course(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    async with db.transaction() as session:
        other_course = await factories.course(session, ctx.tenant, slug="g3")
        elsewhere = await factories.course_session(session, other_course)
    booking = await book(db, ctx, session_id, students[0])
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await move_booking(session, ctx, booking.id, elsewhere.id)
    assert raised.value.code == "different_course"


async def test_waiting_list_offer_accept_and_pass_on(db: Database, centre) -> None:
    ctx, clock, session_id, _, students = centre
    placed = [await book(db, ctx, session_id, s, payment_option=PaymentOption.INVOICE) for s in students[:3]]
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await waiting_list.join_waiting_list(session, ctx, session_id, students[0])
    assert raised.value.code == "already_booked"
    async with db.transaction() as session:
        first = await waiting_list.join_waiting_list(session, ctx, session_id, students[3])
    clock.now = NOW + timedelta(seconds=1)
    async with db.transaction() as session:
        second = await waiting_list.join_waiting_list(session, ctx, session_id, students[4])

    async with db.transaction() as session:
        await cancel_booking(session, ctx, placed[0].id, "")
    async with db.read() as session:
        offered = await session.get(WaitingListEntry, first.id)
        still_waiting = await session.get(WaitingListEntry, second.id)
    assert offered.status is WaitingListStatus.OFFERED
    assert still_waiting.status is WaitingListStatus.WAITING
    assert await booked_spots(db, session_id) == 3  # the offer holds the freed place
    await assert_counts_agree(db, session_id)

    # Nobody else can take the offered place.
    async with db.transaction() as session:
        outsider = await factories.customer(session, ctx.tenant, "outsider@example.com")
    with pytest.raises(DomainError) as raised:
        await book(db, ctx, session_id, outsider.id)
    assert raised.value.code == "session_full"

    # Declining passes it to the next in line; accepting turns it into a booking on the held place.
    async with db.transaction() as session:
        await waiting_list.decline_offer(session, ctx, first.id)
    async with db.transaction() as session:
        booking = await waiting_list.accept_offer(session, ctx, second.id, OfferAcceptance(deposit_percentage=0.3))
    assert booking.customer_id == students[4] and booking.status is BookingStatus.PENDING
    assert await booked_spots(db, session_id) == 3
    await assert_counts_agree(db, session_id)


async def test_a_lapsed_offer_passes_on(db: Database, centre) -> None:
    ctx, clock, session_id, _, students = centre
    placed = [await book(db, ctx, session_id, s, payment_option=PaymentOption.INVOICE) for s in students[:3]]
    async with db.transaction() as session:
        first = await waiting_list.join_waiting_list(session, ctx, session_id, students[3])
    clock.now = NOW + timedelta(seconds=1)
    async with db.transaction() as session:
        second = await waiting_list.join_waiting_list(session, ctx, session_id, students[4])
    async with db.transaction() as session:
        await cancel_booking(session, ctx, placed[0].id, "")
    clock.now = NOW + timedelta(hours=25)
    assert await expire_holds(db, clock.now) == 1
    async with db.read() as session:
        assert (await session.get(WaitingListEntry, first.id)).status is WaitingListStatus.EXPIRED
        assert (await session.get(WaitingListEntry, second.id)).status is WaitingListStatus.OFFERED
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await waiting_list.accept_offer(session, ctx, first.id, OfferAcceptance())
    assert raised.value.code == "offer_expired"
    await assert_counts_agree(db, session_id)


async def test_join_refused_while_places_are_free(db: Database, centre) -> None:
    ctx, _, session_id, _, students = centre
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await waiting_list.join_waiting_list(session, ctx, session_id, students[0])
    assert raised.value.code == "session_not_full"


def test_offer_window_shrinks_near_the_start(centre_ctx_free=None) -> None:
    from models import Tenant

    tenant = Tenant(slug="x", name="X", offer_window_hours=24)
    ctx = TenantContext(tenant=tenant)
    far = CourseSession(starts_at=NOW + timedelta(days=10))
    near = CourseSession(starts_at=NOW + timedelta(hours=10))
    imminent = CourseSession(starts_at=NOW + timedelta(minutes=10))
    assert offer_deadline(ctx, far, NOW) == NOW + timedelta(hours=24)
    assert offer_deadline(ctx, near, NOW) == NOW + timedelta(hours=5)
    assert offer_deadline(ctx, imminent, NOW) == NOW + timedelta(minutes=10)


async def test_more_places_go_to_the_waiting_list_first(db: Database, centre) -> None:
    from trainhub_ui.services.course_sessions import SessionChanges, update_session

    ctx, _, session_id, _, students = centre
    for student in students[:3]:
        await book(db, ctx, session_id, student, payment_option=PaymentOption.INVOICE)
    async with db.transaction() as session:
        entry = await waiting_list.join_waiting_list(session, ctx, session_id, students[3])
    async with db.read() as session:
        course_id = (await session.get(CourseSession, session_id)).course_id
    async with db.transaction() as session:
        await update_session(session, ctx, course_id, session_id, SessionChanges(available_spots=5))
    async with db.read() as session:
        assert (await session.get(WaitingListEntry, entry.id)).status is WaitingListStatus.OFFERED
    assert await booked_spots(db, session_id) == 4
    await assert_counts_agree(db, session_id)


async def test_moving_onto_a_session_where_the_customer_holds_an_offer_uses_that_place(db: Database, centre) -> None:
    ctx, _, session_id, other_id, students = centre
    placed = [await book(db, ctx, session_id, s, payment_option=PaymentOption.INVOICE) for s in students[:3]]
    mover = await book(db, ctx, other_id, students[3], payment_option=PaymentOption.INVOICE)
    async with db.transaction() as session:
        entry = await waiting_list.join_waiting_list(session, ctx, session_id, students[3])
    async with db.transaction() as session:
        await cancel_booking(session, ctx, placed[0].id, "")  # the freed place is offered to the mover
    async with db.transaction() as session:
        await cancel_booking(session, ctx, placed[1].id, "")  # a second place stands free
    async with db.transaction() as session:
        await move_booking(session, ctx, mover.id, session_id)
    async with db.read() as session:
        assert (await session.get(WaitingListEntry, entry.id)).status is WaitingListStatus.ACCEPTED
    assert await booked_spots(db, session_id) == 2  # the mover and students[2]; one place free again
    await assert_counts_agree(db, session_id)
    await assert_counts_agree(db, other_id)
