"""A student's own bookings: what they see in My account, and cancelling one by the centre's policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import LIVE_BOOKING_STATUSES, Booking, Course, CourseSession, CreditNote, Invoice, Payment
from trainhub_ui.domain.context import TenantContext

from .refunds import policy_refund, refundable


@dataclass(frozen=True)
class MyBooking:
    booking: Booking
    course_title: str
    course_session: CourseSession
    has_invoice: bool
    refund_on_cancel: int  # what cancelling now would give back (0 when it cannot be cancelled)

    upcoming: bool  # live, and its session has not started
    credit_notes: list[CreditNote] = field(default_factory=list)  # of its invoice: a cancellation, a refund


async def my_bookings(session: AsyncSession, ctx: TenantContext, customer_id: str) -> list[MyBooking]:
    """Every booking of the student at this centre, soonest session first."""
    rows = (
        await session.execute(
            select(Booking, Course.title, CourseSession)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .where(Booking.tenant_id == ctx.tenant_id, Booking.customer_id == customer_id)
            .order_by(CourseSession.starts_at, Booking.created_at)
        )
    ).all()
    ids = [booking.id for booking, _, _ in rows]
    invoiced = (
        set(
            await session.scalars(
                select(Invoice.booking_id).where(Invoice.tenant_id == ctx.tenant_id, Invoice.booking_id.in_(ids))
            )
        )
        if ids
        else set()
    )
    credited: dict[str, list[CreditNote]] = {}
    if invoiced:
        for note, booking_id in await session.execute(
            select(CreditNote, Invoice.booking_id)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.tenant_id == ctx.tenant_id, Invoice.booking_id.in_(invoiced))
            .order_by(CreditNote.number)
        ):
            credited.setdefault(booking_id, []).append(note)
    payments: dict[str, list[Payment]] = {}
    if ids:
        for payment in await session.scalars(
            select(Payment).where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id.in_(ids))
        ):
            payments.setdefault(payment.booking_id, []).append(payment)
    now = ctx.now()
    found = []
    for booking, title, course_session in rows:
        live = booking.status in LIVE_BOOKING_STATUSES and course_session.starts_at > now
        back = 0
        if live:
            available = sum(refundable(p) for p in payments.get(booking.id, []))
            back = min(policy_refund(booking, course_session, ctx, now), available)
        found.append(
            MyBooking(booking, title, course_session, booking.id in invoiced, back, live, credited.get(booking.id, []))
        )
    return found
