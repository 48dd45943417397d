"""The centre cancels a session: every booking cancelled and refunded in full, the waiting list closed,
on SQLite and PostgreSQL, with card, bank-transfer and deposit payments in the offline payment mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from models import (
    AuditEntry,
    Booking,
    BookingStatus,
    CourseSession,
    Payment,
    PaymentMethod,
    PaymentOption,
    Refund,
    RefundStatus,
    StaffRole,
    Tenant,
    WaitingListEntry,
    WaitingListStatus,
)
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.payments import OfflineProvider, ProviderError
from trainhub_ui.services import course_sessions, courses, session_cancellation, waiting_list
from trainhub_ui.services.bookings import BookingRequest, Refused, cancel_booking, create_booking
from trainhub_ui.services.course_sessions import NewSession
from trainhub_ui.services.courses import NewCourse
from trainhub_ui.services.payments import open_payment, payment_succeeded, record_bank_transfer
from trainhub_ui.services.refunds import refund_by_policy

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PRICE = 49500
DEPOSIT = 14850  # the default 30 %


def ctx_of(tenant: Tenant, now: datetime = NOW) -> TenantContext:
    return TenantContext(tenant=tenant, actor="tests", role=StaffRole.ADMIN, clock=lambda: now)


class FailingProvider(OfflineProvider):
    """A provider whose card refunds fail, as when the card's bank says no."""

    async def refund(self, payment_intent: str | None, amount: int, *, idempotency_key: str, reason: str) -> str:
        raise ProviderError("The card issuer declined the refund.")


@dataclass
class Scene:
    tenant: Tenant
    course_id: str
    session_id: str


async def scene(db: Database, *, spots: int, starts_in_days: int = 7, slug: str = "test-centre") -> Scene:
    """A centre whose session starts within its full-refund days, so the policy alone would keep deposits."""
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug)
        tenant.offers_invoice = True
    ctx = ctx_of(tenant)
    async with db.transaction() as session:
        course = await courses.create_course(session, ctx, NewCourse(title="ACS CCN1", price=PRICE))
        item = await course_sessions.create_session(
            session,
            ctx,
            course.id,
            NewSession(
                start_date=date(2026, 6, 1) + timedelta(days=starts_in_days),
                start_time=time(9),
                end_time=time(17),
                available_spots=spots,
            ),
        )
    return Scene(tenant, course.id, item.id)


async def book(
    db: Database, scene: Scene, email: str, option: PaymentOption = PaymentOption.FULL, now: datetime = NOW
) -> Booking:
    async with db.transaction() as session:
        student = await factories.customer(session, scene.tenant, email)
        return await create_booking(
            session,
            ctx_of(scene.tenant, now),
            BookingRequest(customer_id=student.id, session_id=scene.session_id, payment_option=option),
        )


async def pay_by_card(db: Database, scene: Scene, booking: Booking, now: datetime = NOW) -> None:
    ctx = ctx_of(scene.tenant, now)
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
        await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)


async def booking_of(db: Database, booking_id: str) -> Booking:
    async with db.read() as session:
        found = await session.get(Booking, booking_id)
    assert found is not None
    return found


async def refunded_on(db: Database, booking_id: str) -> int:
    async with db.read() as session:
        payments = list(await session.scalars(select(Payment).where(Payment.booking_id == booking_id)))
    return sum(p.amount_refunded for p in payments)


async def test_cancelling_a_session_cancels_refunds_in_full_and_closes_the_waiting_list(db: Database) -> None:
    s = await scene(db, spots=5)
    ctx = ctx_of(s.tenant)
    paid_in_full = await book(db, s, "card@example.com")
    await pay_by_card(db, s, paid_in_full)
    by_bank = await book(db, s, "company@example.com", PaymentOption.INVOICE)
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, by_bank.id, 20000, "BACS part payment")
    unpaid = await book(db, s, "unpaid@example.com")
    # Booked two months ahead: a deposit is taken only while its balance date is far enough away.
    deposit = await book(db, s, "deposit@example.com", PaymentOption.DEPOSIT, now=NOW - timedelta(days=60))
    await pay_by_card(db, s, deposit, now=NOW - timedelta(days=60))
    left_early = await book(db, s, "early@example.com")
    await pay_by_card(db, s, left_early)
    # The session is full: two join its waiting list; one who cancelled earlier frees a place, offered to the first.
    async with db.transaction() as session:
        first = await factories.customer(session, s.tenant, "first-in-line@example.com")
        second = await factories.customer(session, s.tenant, "second-in-line@example.com")
        offered = await waiting_list.join_waiting_list(session, ctx, s.session_id, first.id)
        waiting = await waiting_list.join_waiting_list(session, ctx, s.session_id, second.id)
    earlier = ctx_of(s.tenant, NOW - timedelta(hours=2))
    async with db.transaction() as session:
        await cancel_booking(session, earlier, left_early.id, "Changed plans")
    early_refund = await refund_by_policy(db, earlier, OfflineProvider(), left_early.id)
    assert early_refund is not None and early_refund.amount == PRICE - DEPOSIT  # late: the policy keeps a deposit

    async with db.read() as session:
        outlook = await session_cancellation.cancellation_outlook(session, ctx, s.course_id, s.session_id)
    assert outlook == session_cancellation.CancellationOutlook(bookings=4, paid=PRICE + 20000 + DEPOSIT, waiting=2)

    result = await session_cancellation.cancel_session(
        db, ctx, OfflineProvider(), s.course_id, s.session_id, "  Instructor ill  "
    )

    assert {b.id for b in result.cancelled} == {paid_in_full.id, by_bank.id, unpaid.id, deposit.id}
    assert result.waiting_list_closed == 2
    assert result.refunded == PRICE + 20000 + DEPOSIT and result.refund_failures == []
    for booking_id in (paid_in_full.id, by_bank.id, unpaid.id, deposit.id):
        stored = await booking_of(db, booking_id)
        assert stored.status is BookingStatus.CANCELLED and stored.balance_due == 0
        assert stored.cancellation_reason == "Session cancelled by the centre: Instructor ill"
    assert await refunded_on(db, paid_in_full.id) == PRICE
    assert await refunded_on(db, by_bank.id) == 20000  # recorded for the centre to pay back by bank
    assert await refunded_on(db, deposit.id) == DEPOSIT  # the centre cancelled: the deposit goes back too
    assert await refunded_on(db, unpaid.id) == 0
    # Cancelled before the session was: its policy refund stands, nothing more is given.
    assert await refunded_on(db, left_early.id) == PRICE - DEPOSIT
    async with db.read() as session:
        item = await session.get(CourseSession, s.session_id)
        entries = {e.id: e.status for e in await session.scalars(select(WaitingListEntry))}
        refunds = list(await session.scalars(select(Refund)))
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "session.cancelled"))
    assert item is not None
    assert (item.is_active, item.cancelled_at, item.cancellation_reason, item.booked_spots) == (
        False,
        NOW,
        "Instructor ill",
        0,
    )
    assert entries == {offered.id: WaitingListStatus.CANCELLED, waiting.id: WaitingListStatus.CANCELLED}
    assert all(r.status is RefundStatus.SUCCEEDED for r in refunds)
    assert audit is not None and audit.details == {"reason": "Instructor ill", "bookings": 4, "waiting_list": 2}

    # Nothing more to do, and no second cancellation.
    assert await session_cancellation.refund_cancelled_session(
        db, ctx, OfflineProvider(), s.course_id, s.session_id
    ) == (0, [])
    with pytest.raises(DomainError) as again:
        await session_cancellation.cancel_session(db, ctx, OfflineProvider(), s.course_id, s.session_id, "Twice")
    assert again.value.code == "session_cancelled"
    # A cancelled session takes no bookings.
    with pytest.raises(Refused) as refused:
        await book(db, s, "late-comer@example.com")
    assert refused.value.code == "session_inactive"


async def test_a_failed_refund_is_reported_and_made_when_tried_again(db: Database) -> None:
    s = await scene(db, spots=3)
    ctx = ctx_of(s.tenant)
    card = await book(db, s, "card@example.com")
    await pay_by_card(db, s, card)
    by_bank = await book(db, s, "bank@example.com", PaymentOption.INVOICE)
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, by_bank.id, PRICE)

    result = await session_cancellation.cancel_session(
        db, ctx, FailingProvider(), s.course_id, s.session_id, "Venue flooded"
    )

    assert {b.id for b in result.cancelled} == {card.id, by_bank.id}
    assert result.refunded == PRICE  # the bank transfer's, recorded; the card's failed
    assert [(f.reference, f.reason) for f in result.refund_failures] == [
        (card.reference, "The card issuer declined the refund.")
    ]
    assert (await booking_of(db, card.id)).status is BookingStatus.CANCELLED
    assert await refunded_on(db, card.id) == 0

    refunded, failures = await session_cancellation.refund_cancelled_session(
        db, ctx, OfflineProvider(), s.course_id, s.session_id
    )
    assert (refunded, failures) == (PRICE, [])
    assert await refunded_on(db, card.id) == PRICE


async def test_a_lapsed_hold_ends_as_expired_not_cancelled(db: Database) -> None:
    s = await scene(db, spots=3)
    lapsed = await book(db, s, "slow@example.com", now=NOW - timedelta(hours=1))
    live = await book(db, s, "quick@example.com")
    result = await session_cancellation.cancel_session(
        db, ctx_of(s.tenant), OfflineProvider(), s.course_id, s.session_id, "Ill"
    )
    assert [b.id for b in result.cancelled] == [live.id]
    assert (await booking_of(db, lapsed.id)).status is BookingStatus.EXPIRED
    async with db.read() as session:
        item = await session.get(CourseSession, s.session_id)
    assert item is not None and item.booked_spots == 0


async def test_an_empty_session_is_cancelled_too(db: Database) -> None:
    s = await scene(db, spots=3)
    result = await session_cancellation.cancel_session(
        db, ctx_of(s.tenant), OfflineProvider(), s.course_id, s.session_id, "Quiet"
    )
    assert (result.cancelled, result.waiting_list_closed, result.refunded) == ([], 0, 0)
    assert result.course_session.cancelled_at == NOW and not result.course_session.is_active


@pytest.mark.parametrize("reason", ["", "   ", "x" * (session_cancellation.MAX_REASON + 1)])
async def test_a_reason_is_needed_and_nothing_changes_without_one(db: Database, reason: str) -> None:
    s = await scene(db, spots=3)
    booking = await book(db, s, "kept@example.com")
    with pytest.raises(InvalidInput) as caught:
        await session_cancellation.cancel_session(
            db, ctx_of(s.tenant), OfflineProvider(), s.course_id, s.session_id, reason
        )
    assert caught.value.field == "reason"
    assert (await booking_of(db, booking.id)).status is BookingStatus.PENDING
    async with db.read() as session:
        item = await session.get(CourseSession, s.session_id)
    assert item is not None and item.cancelled_at is None and item.is_active


async def test_a_completed_session_is_not_cancelled(db: Database) -> None:
    s = await scene(db, spots=3)
    async with db.transaction() as session:
        item = await session.get(CourseSession, s.session_id)
        assert item is not None
        item.is_completed = True
    with pytest.raises(DomainError) as refused:
        await session_cancellation.cancel_session(
            db, ctx_of(s.tenant), OfflineProvider(), s.course_id, s.session_id, "Late"
        )
    assert refused.value.code == "session_completed"


async def test_another_centres_session_cannot_be_cancelled(db: Database) -> None:
    ours = await scene(db, spots=3)
    theirs = await scene(db, spots=3, slug="other-centre")
    booking = await book(db, theirs, "theirs@example.com")
    ctx = ctx_of(ours.tenant)
    with pytest.raises(NotFound):
        await session_cancellation.cancel_session(
            db, ctx, OfflineProvider(), theirs.course_id, theirs.session_id, "Mine now"
        )
    with pytest.raises(NotFound):
        await session_cancellation.cancel_session(
            db, ctx, OfflineProvider(), ours.course_id, theirs.session_id, "Mixed ids"
        )
    async with db.read() as session:
        with pytest.raises(NotFound):
            await session_cancellation.cancellation_outlook(session, ctx, theirs.course_id, theirs.session_id)
    assert (await booking_of(db, booking.id)).status is BookingStatus.PENDING
