"""What the emails say about a booking: its student, session and course as the templates read them, and
who gets them: the student, or the centre's own bookings address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    OutboxEmail,
    PaymentOption,
    StaffRole,
    StaffUser,
)
from trainhub_ui.config import get_settings
from trainhub_ui.domain.booking_links import pay_url
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_text, money, session_dates
from trainhub_ui.notify.calendar import booking_calendar

from .outbox import Attachment, queue
from .render import render

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


def site_url(ctx: TenantContext) -> str:
    return f"{get_settings().base_url}/{ctx.tenant.slug}"


def student_values(customer: Customer) -> dict[str, str]:
    return {
        "first_name": customer.first_name,
        "full_name": customer.full_name,
        "email": customer.email,
        "phone": customer.phone,
    }


def booking_values(ctx: TenantContext, facts: BookingFacts) -> dict[str, Any]:
    booking, course_session, course = facts.booking, facts.course_session, facts.course
    currency = booking.currency
    balance_due_on = course_session.start_date - timedelta(days=ctx.tenant.balance_due_days)
    return {
        "reference": booking.reference,
        "course": course.title,
        "dates": session_dates(course_session, ctx.tenant.locale),
        "venue": course_session.venue or course.location,
        "total": money(booking.total_amount, currency, ctx.tenant.locale),
        "paid": money(booking.amount_paid, currency, ctx.tenant.locale),
        # A balance to pay by card; an invoice's amount is paid by bank transfer instead.
        "balance": money(booking.balance_due, currency, ctx.tenant.locale)
        if booking.balance_due > 0
        and booking.status is BookingStatus.CONFIRMED
        and booking.payment_option is not PaymentOption.INVOICE
        else "",
        "balance_due_on": day_text(max(balance_due_on, ctx.today()), ctx.tenant.locale, "day"),
        "on_invoice": booking.payment_option is PaymentOption.INVOICE,
        "invoice_due": day_text(balance_due_on, ctx.tenant.locale, "day"),
        "company": booking.company_name,
        "po_number": booking.po_number,
        "option": OPTIONS[booking.payment_option],
        "special_requests": booking.special_requests,
        "pay_url": pay_url(get_settings().base_url, ctx.tenant.slug, booking),
    }


def calendar_file(ctx: TenantContext, facts: BookingFacts) -> Attachment:
    ics = booking_calendar(ctx.tenant, facts.booking, facts.course, facts.course_session, ctx.now())
    return Attachment(f"{facts.booking.reference}.ics", "text/calendar; method=PUBLISH", ics.encode())


async def to_student(
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
            "student": student_values(facts.customer),
            "booking": booking_values(ctx, facts),
            "account_url": f"{site_url(ctx)}/account",
            "course_url": f"{site_url(ctx)}/courses/{facts.course.id}",
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
