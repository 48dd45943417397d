"""The emails the product sends, each queued in the transaction of the change that causes it.

Every function here takes the caller's session: the email commits or rolls back with the change.
Where a kind must go once only (a reminder, a confirmation), its dedupe key says so and the outbox's
unique constraint enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    OutboxEmail,
    Payment,
    PaymentMethod,
    PaymentOption,
    StaffRole,
    StaffUser,
    WaitingListEntry,
)
from trainhub_ui.components.formatting import day_and_time, local, money, session_dates
from trainhub_ui.config import get_settings
from trainhub_ui.services.calendar import booking_calendar
from trainhub_ui.services.context import TenantContext

from .outbox import Attachment, queue
from .render import render

PAYMENT_METHODS = {
    PaymentMethod.CARD: "card",
    PaymentMethod.BANK_TRANSFER: "bank transfer",
    PaymentMethod.OFFLINE: "test payment",
}
PAYMENT_KINDS = {"FULL": "the full price", "DEPOSIT": "the deposit", "BALANCE": "the balance"}
OPTIONS = {
    PaymentOption.FULL: "paid in full",
    PaymentOption.DEPOSIT: "deposit, then balance",
    PaymentOption.INVOICE: "company invoice",
}


@dataclass(frozen=True)
class BookingFacts:
    booking: Booking
    customer: Customer
    course_session: CourseSession
    course: Course


async def booking_facts(session: AsyncSession, ctx: TenantContext, booking: Booking) -> BookingFacts:
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == ctx.tenant_id, Customer.id == booking.customer_id)
    )
    row = (
        await session.execute(
            select(CourseSession, Course)
            .join(Course, Course.id == CourseSession.course_id)
            .where(CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id)
        )
    ).one()
    assert customer is not None
    return BookingFacts(booking, customer, row[0], row[1])


def _day(value: date) -> str:
    return f"{value:%a %-d %b %Y}"


def _site(ctx: TenantContext) -> str:
    return f"{get_settings().base_url}/{ctx.tenant.slug}"


def _student(customer: Customer) -> dict[str, str]:
    return {
        "first_name": customer.first_name,
        "full_name": customer.full_name,
        "email": customer.email,
        "phone": customer.phone,
    }


def _booking(ctx: TenantContext, facts: BookingFacts) -> dict[str, Any]:
    booking, course_session, course = facts.booking, facts.course_session, facts.course
    currency = booking.currency
    balance_due_on = course_session.start_date - timedelta(days=ctx.tenant.balance_due_days)
    return {
        "reference": booking.reference,
        "course": course.title,
        "dates": session_dates(course_session),
        "venue": course_session.venue or course.location,
        "total": money(booking.total_amount, currency),
        "paid": money(booking.amount_paid, currency),
        # A balance to pay by card; an invoice's amount is paid by bank transfer instead.
        "balance": money(booking.balance_due, currency)
        if booking.balance_due > 0
        and booking.status is BookingStatus.CONFIRMED
        and booking.payment_option is not PaymentOption.INVOICE
        else "",
        "balance_due_on": _day(max(balance_due_on, ctx.today())),
        "on_invoice": booking.payment_option is PaymentOption.INVOICE,
        "invoice_due": _day(balance_due_on),
        "company": booking.company_name,
        "po_number": booking.po_number,
        "option": OPTIONS[booking.payment_option],
        "special_requests": booking.special_requests,
        "pay_url": f"{_site(ctx)}/pay/{booking.reference}",
    }


def _calendar(ctx: TenantContext, facts: BookingFacts) -> Attachment:
    ics = booking_calendar(ctx.tenant, facts.booking, facts.course, facts.course_session, ctx.now())
    return Attachment(f"{facts.booking.reference}.ics", "text/calendar; method=PUBLISH", ics.encode())


async def _to_student(
    session: AsyncSession,
    ctx: TenantContext,
    kind: str,
    facts: BookingFacts,
    values: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None,
    attachments: list[Attachment] | None = None,
) -> OutboxEmail | None:
    email = render(
        kind,
        ctx.tenant,
        facts.customer.email,
        {
            "student": _student(facts.customer),
            "booking": _booking(ctx, facts),
            "account_url": f"{_site(ctx)}/account",
            "course_url": f"{_site(ctx)}/courses/{facts.course.id}",
            **(values or {}),
        },
        attachments,
    )
    return await queue(session, ctx, email, booking_id=facts.booking.id, dedupe_key=dedupe_key)


async def staff_addresses(session: AsyncSession, ctx: TenantContext) -> list[str]:
    """Where notices for the centre go: its bookings address, or else its active owners and admins."""
    if ctx.tenant.contact_email:
        return [ctx.tenant.contact_email]
    return list(
        await session.scalars(
            select(StaffUser.email)
            .where(
                StaffUser.tenant_id == ctx.tenant_id,
                StaffUser.is_active.is_(True),
                StaffUser.role.in_([StaffRole.OWNER, StaffRole.ADMIN]),
            )
            .order_by(StaffUser.email)
        )
    )


async def booking_confirmed(
    session: AsyncSession, ctx: TenantContext, booking: Booking, *, again: bool = False
) -> OutboxEmail | None:
    """The confirmation with its calendar file, to the student, and a notice to the centre (the first
    time only). `again` resends the confirmation alone, as staff may."""
    facts = await booking_facts(session, ctx, booking)
    sent = await _to_student(
        session,
        ctx,
        "booking_confirmed",
        facts,
        dedupe_key=None if again else f"confirmed:{booking.id}",
        attachments=[_calendar(ctx, facts)],
    )
    if not again:
        places = facts.course_session.available_spots - facts.course_session.booked_spots
        for address in await staff_addresses(session, ctx):
            notice = render(
                "new_booking",
                ctx.tenant,
                address,
                {
                    "student": _student(facts.customer),
                    "booking": _booking(ctx, facts),
                    "places": f"{facts.course_session.booked_spots} booked of {facts.course_session.available_spots}"
                    + (f", {places} left" if places > 0 else ", full"),
                    "admin_url": f"{_site(ctx)}/admin/bookings/{booking.id}",
                },
            )
            await queue(session, ctx, notice, booking_id=booking.id, dedupe_key=f"new-booking:{booking.id}:{address}")
    return sent


def _vat_note(ctx: TenantContext, amount: int, currency: str) -> str:
    rate = ctx.tenant.vat_rate_basis_points
    if not rate:
        return ""
    vat = round(amount * rate / (10_000 + rate))
    return f"Prices include VAT at {rate / 100:g}%: {money(vat, currency)} of this payment is VAT."


async def payment_received(session: AsyncSession, ctx: TenantContext, booking: Booking, payment: Payment) -> None:
    """A receipt for every payment that arrives; the first one that confirms the place also confirms it."""
    facts = await booking_facts(session, ctx, booking)
    paid_at = payment.paid_at or ctx.now()
    await _to_student(
        session,
        ctx,
        "payment_receipt",
        facts,
        {
            "payment": {
                "amount": money(payment.amount, payment.currency),
                "what": PAYMENT_KINDS.get(payment.kind.value, payment.kind.value.lower()),
                "paid_on": _day(local(ctx.tenant, paid_at).date()),
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
    await _to_student(
        session,
        ctx,
        "payment_failed",
        facts,
        {
            "payment": {"amount": money(payment.amount, payment.currency)},
            "reason": reason,
            "hold_until": day_and_time(ctx.tenant, booking.hold_expires_at) if held and booking.hold_expires_at else "",
        },
        dedupe_key=None,
    )


async def hold_expiring(session: AsyncSession, ctx: TenantContext, booking: Booking, due: int) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    assert booking.hold_expires_at is not None
    return await _to_student(
        session,
        ctx,
        "hold_expiring",
        facts,
        {"hold_until": day_and_time(ctx.tenant, booking.hold_expires_at), "due": money(due, booking.currency)},
        dedupe_key=f"hold-expiring:{booking.id}",
    )


async def session_reminder(
    session: AsyncSession, ctx: TenantContext, booking: Booking, *, days: int, now_by_staff: bool = False
) -> OutboxEmail | None:
    """The reminder `days` before the start: once per booking and kind, unless staff send one now."""
    facts = await booking_facts(session, ctx, booking)
    return await _to_student(
        session,
        ctx,
        "session_reminder",
        facts,
        {
            "days": days,
            "starts": day_and_time(ctx.tenant, facts.course_session.starts_at),
            "requirements": facts.course.requirements,
        },
        dedupe_key=None if now_by_staff else f"reminder-{days}d:{booking.id}",
    )


async def balance_due(session: AsyncSession, ctx: TenantContext, booking: Booking, *, days: int) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    return await _to_student(
        session, ctx, "balance_due", facts, {"days": days}, dedupe_key=f"balance-{days}d:{booking.id}"
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
            "student": _student(customer),
            "course": course.title,
            "dates": session_dates(course_session),
            "offer_until": day_and_time(ctx.tenant, entry.offer_expires_at),
            "book_url": f"{_site(ctx)}/courses/{course.id}/book?session={course_session.id}",
        },
    )
    # An entry can be offered a place again after a lapsed offer was put back: one email per offer.
    key = f"offer:{entry.id}:{entry.offer_expires_at:%Y%m%d%H%M%S}"
    return await queue(session, ctx, email, dedupe_key=key)


async def booking_cancelled(
    session: AsyncSession, ctx: TenantContext, booking: Booking, reason: str
) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    return await _to_student(
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
    return await _to_student(
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
    values = _booking(ctx, facts) | {"refunded": money(refunded, booking.currency)}
    return await _to_student(
        session,
        ctx,
        "refund_made",
        facts,
        {
            "booking": values,
            "refund": {
                "amount": money(amount, booking.currency),
                "how": "to the card you paid with" if by_card else "to you",
                "by_card": by_card,
                "reason": reason,
            },
        },
        dedupe_key=None,
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
        await _to_student(
            session,
            ctx,
            "session_changed",
            facts,
            {"changes": changes},
            dedupe_key=None,
            attachments=[_calendar(ctx, facts)],
        )
    return len(bookings)


async def message_everyone_booked(
    session: AsyncSession, ctx: TenantContext, session_id: str, subject: str, message: str
) -> int:
    """A message from staff to every student booked (held or confirmed) on a session. Answers how many."""
    bookings = list(
        await session.scalars(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.session_id == session_id,
                Booking.status.in_([BookingStatus.PENDING, BookingStatus.CONFIRMED]),
            )
        )
    )
    for booking in bookings:
        facts = await booking_facts(session, ctx, booking)
        await _to_student(
            session, ctx, "staff_message", facts, {"subject": subject, "message": message}, dedupe_key=None
        )
    return len(bookings)


async def send_reminder_now(session: AsyncSession, ctx: TenantContext, session_id: str) -> int:
    """Staff send the session's reminder to everyone confirmed, now. Answers how many."""
    bookings = list(
        await session.scalars(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.session_id == session_id,
                Booking.status == BookingStatus.CONFIRMED,
            )
        )
    )
    for booking in bookings:
        facts = await booking_facts(session, ctx, booking)
        days = max((facts.course_session.start_date - ctx.today()).days, 0)
        await session_reminder(session, ctx, booking, days=days, now_by_staff=True)
    return len(bookings)


def _certificate(ctx: TenantContext, achievement: Achievement, course: Course) -> dict[str, str]:
    return {
        "course": course.title,
        "number": achievement.number,
        "issued_on": _day(achievement.issued_on),
        "expires_on": _day(achievement.expires_on) if achievement.expires_on else "",
        "verify_url": f"{_site(ctx)}/verify/{achievement.verification_code}",
    }


async def certificate_issued(
    session: AsyncSession, ctx: TenantContext, achievement: Achievement, pdf: bytes
) -> OutboxEmail | None:
    customer = await session.get(Customer, achievement.customer_id)
    course = await session.get(Course, achievement.course_id)
    assert customer is not None and course is not None
    email = render(
        "certificate_issued",
        ctx.tenant,
        customer.email,
        {"student": _student(customer), "certificate": _certificate(ctx, achievement, course)},
        [Attachment(f"certificate-{achievement.number}.pdf", "application/pdf", pdf)],
    )
    return await queue(
        session, ctx, email, booking_id=achievement.booking_id, dedupe_key=f"certificate:{achievement.id}"
    )


async def certificate_renewal(
    session: AsyncSession, ctx: TenantContext, achievement: Achievement, days: int, next_sessions: list[CourseSession]
) -> OutboxEmail | None:
    customer = await session.get(Customer, achievement.customer_id)
    course = await session.get(Course, achievement.course_id)
    assert customer is not None and course is not None
    email = render(
        "certificate_renewal",
        ctx.tenant,
        customer.email,
        {
            "student": _student(customer),
            "certificate": _certificate(ctx, achievement, course),
            "days": days,
            "course_url": f"{_site(ctx)}/courses/{course.id}",
            "next_sessions": [
                {
                    "dates": session_dates(s),
                    "venue": s.venue or course.location,
                    "places": "full, join the waiting list"
                    if s.booked_spots >= s.available_spots
                    else f"{s.available_spots - s.booked_spots} places left",
                }
                for s in next_sessions
            ],
        },
    )
    return await queue(session, ctx, email, dedupe_key=f"renewal-{days}d:{achievement.id}")


async def staff_invite(
    session: AsyncSession,
    ctx: TenantContext,
    *,
    to: str,
    name: str,
    role: StaffRole,
    invited_by: str,
    link: str,
    valid_until: datetime,
) -> OutboxEmail | None:
    email = render(
        "staff_invite",
        ctx.tenant,
        to,
        {
            "name": name,
            "role": role.value.title(),
            "invited_by": invited_by,
            "link": link,
            "valid_until": day_and_time(ctx.tenant, valid_until),
        },
    )
    return await queue(session, ctx, email)


async def feedback_request(session: AsyncSession, ctx: TenantContext, booking: Booking, url: str) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    return await _to_student(
        session, ctx, "feedback_request", facts, {"feedback_url": url}, dedupe_key=f"feedback:{booking.id}"
    )
