"""Cancelling a session: the centre calls it off, every booking on it is cancelled and refunded in full,
and its waiting list is closed.

Staff first see what a cancellation would do (`cancellation_outlook`); a refund the payment provider
refuses is reported and can be tried again (`refund_cancelled_session`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CourseSession,
    Payment,
    PaymentStatus,
    WaitingListEntry,
    WaitingListStatus,
)
from trainhub_ui.booking import places
from trainhub_ui.booking.places import capacity_changed, release_lapsed
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.inputs import checked, words
from trainhub_ui.notify import emails
from trainhub_ui.payments import PaymentProvider

from .bookings import cancel_booking
from .refunds import refund_by_policy
from .session_lists import get_session, lock_session_of_course

MAX_REASON = 2000
Reason = words(MAX_REASON, required="Give the reason; it is kept with each booking cancelled.")


@dataclass(frozen=True)
class CancellationOutlook:
    """What cancelling a session would do: bookings cancelled, money given back, waiting list closed."""

    bookings: int
    paid: int  # minor units paid on those bookings and not yet refunded: all of it goes back
    waiting: int


@dataclass(frozen=True)
class RefundFailure:
    reference: str
    reason: str


@dataclass(frozen=True)
class SessionCancellation:
    course_session: CourseSession
    cancelled: list[Booking]
    waiting_list_closed: int
    refunded: int
    refund_failures: list[RefundFailure]


def _live_bookings_of(ctx: TenantContext, session_id: str) -> ColumnElement[bool]:
    return and_(
        Booking.tenant_id == ctx.tenant_id,
        Booking.session_id == session_id,
        Booking.status.in_(LIVE_BOOKING_STATUSES),
    )


_LIVE_ENTRIES = (WaitingListStatus.WAITING, WaitingListStatus.OFFERED)


async def cancellation_outlook(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str
) -> CancellationOutlook:
    """What `cancel_session` would cancel and refund now, for the confirmation staff see first."""
    item = await get_session(session, ctx, course_id, session_id)
    bookings = await session.scalar(select(func.count(Booking.id)).where(_live_bookings_of(ctx, item.id)))
    paid = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount - Payment.amount_refunded), 0))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(
            _live_bookings_of(ctx, item.id),
            Payment.tenant_id == ctx.tenant_id,
            Payment.status == PaymentStatus.PAID,
        )
    )
    waiting = await session.scalar(
        select(func.count(WaitingListEntry.id)).where(
            WaitingListEntry.tenant_id == ctx.tenant_id,
            WaitingListEntry.session_id == item.id,
            WaitingListEntry.status.in_(_LIVE_ENTRIES),
        )
    )
    return CancellationOutlook(bookings or 0, int(paid or 0), waiting or 0)


async def _cancel_session_and_bookings(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, reason: str
) -> tuple[CourseSession, list[Booking], int]:
    item = await lock_session_of_course(session, ctx, course_id, session_id)
    if item.cancelled_at is not None:
        raise DomainError("session_cancelled", "This session has been cancelled already.")
    if item.is_completed:
        raise DomainError("session_completed", "This session has been completed; it cannot be cancelled.")
    now = ctx.now()
    # Off sale first, so that no place freed below is offered to the waiting list or sold again.
    item.cancelled_at = now
    item.cancellation_reason = reason
    item.is_active = False
    await session.flush()
    # A lapsed hold ends as expired, as it would have anyway: nothing was paid on it.
    await release_lapsed(session, ctx, item, now)
    closed = await places.close_waiting_list(session, ctx, item, now)
    booking_ids = list(
        await session.scalars(
            select(Booking.id).where(_live_bookings_of(ctx, item.id)).order_by(Booking.created_at, Booking.id)
        )
    )
    cancelled = []
    for booking_id in booking_ids:
        booking = await cancel_booking(
            session, ctx, booking_id, f"Session cancelled by the centre: {reason}", tell_student=False
        )
        await emails.session_cancelled(session, ctx, booking, reason)
        cancelled.append(booking)
    audit.record(
        session,
        ctx,
        "session.cancelled",
        "course_session",
        item.id,
        reason=reason,
        bookings=len(cancelled),
        waiting_list=closed,
    )
    capacity_changed(session, ctx, item)
    return item, cancelled, closed


async def cancel_session(
    db: Database, ctx: TenantContext, provider: PaymentProvider, course_id: str, session_id: str, reason: str
) -> SessionCancellation:
    """The centre cancels a session: it stops taking bookings, every live booking on it is cancelled and
    its waiting list closed, in one transaction; then each booking is refunded in full.

    Refunds go to the payment provider one by one after that transaction commits, as every refund does;
    one that fails is reported, and `refund_cancelled_session` tries it again.
    """
    reason = checked(Reason, "reason", reason)
    async with db.transaction() as session:
        item, cancelled, closed = await _cancel_session_and_bookings(session, ctx, course_id, session_id, reason)
    refunded, failures = await refund_cancelled_session(db, ctx, provider, course_id, session_id)
    return SessionCancellation(item, cancelled, closed, refunded, failures)


async def refund_cancelled_session(
    db: Database, ctx: TenantContext, provider: PaymentProvider, course_id: str, session_id: str
) -> tuple[int, list[RefundFailure]]:
    """Refund in full every booking that a session's cancellation cancelled and that still has money to give
    back. Answers the amount refunded and the refunds that failed."""
    async with db.read() as session:
        item = await get_session(session, ctx, course_id, session_id)
        if item.cancelled_at is None:
            raise DomainError("session_not_cancelled", "This session has not been cancelled.")
        money_left = (
            select(Payment.id)
            .where(
                Payment.tenant_id == ctx.tenant_id,
                Payment.booking_id == Booking.id,
                Payment.status == PaymentStatus.PAID,
                Payment.amount > Payment.amount_refunded,
            )
            .exists()
        )
        owed = (
            await session.execute(
                select(Booking.id, Booking.reference)
                .where(
                    Booking.tenant_id == ctx.tenant_id,
                    Booking.session_id == item.id,
                    Booking.status == BookingStatus.CANCELLED,
                    # Bookings cancelled earlier, by the student or staff, were refunded by the policy then.
                    Booking.cancelled_at >= item.cancelled_at,
                    money_left,
                )
                .order_by(Booking.created_at, Booking.id)
            )
        ).all()
    refunded = 0
    failures: list[RefundFailure] = []
    for booking_id, reference in owed:
        try:
            result = await refund_by_policy(db, ctx, provider, booking_id, in_full=True)
        except DomainError as error:
            failures.append(RefundFailure(reference, error.message))
            continue
        if result is not None:
            refunded += result.amount
    return refunded, failures
