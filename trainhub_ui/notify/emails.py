"""The emails about a booking and its payments: confirmation, receipts, a failed payment, a place offered
from the waiting list, cancellation, refund, a move to another date, and a change to the session, each
queued in the transaction of the change that causes it.

Every function here takes the caller's session: the email commits or rolls back with the change.
Where a kind must go once only (a reminder, a confirmation), its dedupe key says so and the outbox's
unique constraint enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    OutboxEmail,
    Payment,
    PaymentMethod,
    WaitingListEntry,
)
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time, day_text, local, money, session_dates

from .facts import (
    booking_facts,
    booking_values,
    calendar_file,
    site_url,
    staff_addresses,
    student_values,
    to_student,
)
from .outbox import queue
from .render import render

PAYMENT_METHODS = {
    PaymentMethod.CARD: "card",
    PaymentMethod.BANK_TRANSFER: "bank transfer",
    PaymentMethod.OFFLINE: "test payment",
}


PAYMENT_KINDS = {"FULL": "the full price", "DEPOSIT": "the deposit", "BALANCE": "the balance"}


async def booking_confirmed(
    session: AsyncSession, ctx: TenantContext, booking: Booking, *, again: bool = False
) -> OutboxEmail | None:
    """The confirmation with its calendar file, to the student, and a notice to the centre (the first
    time only). `again` resends the confirmation alone, as staff may."""
    facts = await booking_facts(session, ctx, booking)
    sent = await to_student(
        session,
        ctx,
        "booking_confirmed",
        facts,
        dedupe_key=None if again else f"confirmed:{booking.id}",
        attachments=[calendar_file(ctx, facts)],
    )
    if not again:
        places = facts.course_session.available_spots - facts.course_session.booked_spots
        for address in await staff_addresses(session, ctx):
            notice = render(
                "new_booking",
                ctx.tenant,
                address,
                {
                    "student": student_values(facts.customer),
                    "booking": booking_values(ctx, facts),
                    "places": f"{facts.course_session.booked_spots} booked of {facts.course_session.available_spots}"
                    + (f", {places} left" if places > 0 else ", full"),
                    "admin_url": f"{site_url(ctx)}/admin/bookings/{booking.id}",
                },
            )
            await queue(session, ctx, notice, booking_id=booking.id, dedupe_key=f"new-booking:{booking.id}:{address}")
    return sent


def _vat_note(ctx: TenantContext, amount: int, currency: str) -> str:
    rate = ctx.tenant.vat_rate_basis_points
    if not rate:
        return ""
    vat = round(amount * rate / (10_000 + rate))
    return f"Prices include VAT at {rate / 100:g}%: {money(vat, currency, ctx.tenant.locale)} of this payment is VAT."


async def payment_received(session: AsyncSession, ctx: TenantContext, booking: Booking, payment: Payment) -> None:
    """A receipt for every payment that arrives; the first one that confirms the place also confirms it."""
    facts = await booking_facts(session, ctx, booking)
    paid_at = payment.paid_at or ctx.now()
    await to_student(
        session,
        ctx,
        "payment_receipt",
        facts,
        {
            "payment": {
                "amount": money(payment.amount, payment.currency, ctx.tenant.locale),
                "what": PAYMENT_KINDS.get(payment.kind.value, payment.kind.value.lower()),
                "paid_on": day_text(local(ctx.tenant, paid_at).date(), ctx.tenant.locale, "day"),
                "method": PAYMENT_METHODS.get(payment.payment_method, payment.payment_method.value.lower()),
            },
            "vat_note": _vat_note(ctx, payment.amount, payment.currency),
        },
        dedupe_key=f"receipt:{payment.id}",
    )


async def payment_failed(
    session: AsyncSession, ctx: TenantContext, booking: Booking, payment: Payment, reason: str
) -> None:
    facts = await booking_facts(session, ctx, booking)
    held = booking.status is BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at > ctx.now()
    await to_student(
        session,
        ctx,
        "payment_failed",
        facts,
        {
            "payment": {"amount": money(payment.amount, payment.currency, ctx.tenant.locale)},
            "reason": reason,
            "hold_until": day_and_time(ctx.tenant, booking.hold_expires_at) if held and booking.hold_expires_at else "",
        },
        dedupe_key=None,
    )


async def waiting_list_offer(
    session: AsyncSession, ctx: TenantContext, entry: WaitingListEntry, course_session: CourseSession
) -> OutboxEmail | None:
    customer = await session.get(Customer, entry.customer_id)
    course = await session.get(Course, course_session.course_id)
    assert customer is not None and course is not None and entry.offer_expires_at is not None
    email = render(
        "waiting_list_offer",
        ctx.tenant,
        customer.email,
        {
            "student": student_values(customer),
            "course": course.title,
            "dates": session_dates(course_session, ctx.tenant.locale),
            "offer_until": day_and_time(ctx.tenant, entry.offer_expires_at),
            "book_url": f"{site_url(ctx)}/courses/{course.id}/book?session={course_session.id}",
        },
    )
    # An entry can be offered a place again after a lapsed offer was put back: one email per offer.
    key = f"offer:{entry.id}:{entry.offer_expires_at:%Y%m%d%H%M%S}"
    return await queue(session, ctx, email, dedupe_key=key)


async def booking_cancelled(
    session: AsyncSession, ctx: TenantContext, booking: Booking, reason: str
) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    return await to_student(
        session,
        ctx,
        "booking_cancelled",
        facts,
        {"reason": reason, "paid": booking.amount_paid > 0},
        dedupe_key=f"cancelled:{booking.id}",
    )


async def session_cancelled(
    session: AsyncSession, ctx: TenantContext, booking: Booking, reason: str
) -> OutboxEmail | None:
    """The centre cancelled the session: everything paid comes back (the refund email follows)."""
    facts = await booking_facts(session, ctx, booking)
    return await to_student(
        session,
        ctx,
        "session_cancelled",
        facts,
        {"reason": reason, "paid": booking.amount_paid > 0},
        dedupe_key=f"session-cancelled:{booking.id}",
    )


async def refund_made(
    session: AsyncSession, ctx: TenantContext, booking: Booking, amount: int, reason: str, *, by_card: bool
) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    refunded = sum(
        await session.scalars(
            select(Payment.amount_refunded).where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id == booking.id)
        )
    )
    values = booking_values(ctx, facts) | {"refunded": money(refunded, booking.currency, ctx.tenant.locale)}
    return await to_student(
        session,
        ctx,
        "refund_made",
        facts,
        {
            "booking": values,
            "refund": {
                "amount": money(amount, booking.currency, ctx.tenant.locale),
                "how": "to the card you paid with" if by_card else "to you",
                "by_card": by_card,
                "reason": reason,
            },
        },
        dedupe_key=None,
    )


async def booking_moved(
    session: AsyncSession, ctx: TenantContext, booking: Booking, was: CourseSession
) -> OutboxEmail | None:
    """Staff moved the booking to another session of its course: the new dates, and a calendar file that
    replaces the old one. A hold not yet paid hears nothing: its payment page shows the new dates."""
    if booking.status is not BookingStatus.CONFIRMED:
        return None
    facts = await booking_facts(session, ctx, booking)
    return await to_student(
        session,
        ctx,
        "booking_moved",
        facts,
        {"was": session_dates(was, ctx.tenant.locale)},
        dedupe_key=None,
        attachments=[calendar_file(ctx, facts)],
    )


@dataclass(frozen=True)
class Change:
    what: str
    was: str
    now: str


async def session_changed(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, changes: list[Change]
) -> int:
    """Tell everyone booked (held or confirmed) what changed, with a fresh calendar file. Answers how many."""
    bookings = list(
        await session.scalars(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.session_id == course_session.id,
                Booking.status.in_([BookingStatus.PENDING, BookingStatus.CONFIRMED]),
            )
        )
    )
    for booking in bookings:
        facts = await booking_facts(session, ctx, booking)
        await to_student(
            session,
            ctx,
            "session_changed",
            facts,
            {"changes": changes},
            dedupe_key=None,
            attachments=[calendar_file(ctx, facts)],
        )
    return len(bookings)


async def booking_link(session: AsyncSession, ctx: TenantContext, booking: Booking) -> OutboxEmail | None:
    """A new link to the booking, asked for where an old link without its token leads. One an hour at most,
    so that the request cannot be used to fill a student's inbox."""
    facts = await booking_facts(session, ctx, booking)
    return await to_student(session, ctx, "booking_link", facts, dedupe_key=f"link:{booking.id}:{ctx.now():%Y%m%d%H}")
