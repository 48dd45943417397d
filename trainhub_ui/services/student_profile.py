"""One student as the back office sees them: their bookings, payments and certificates; booking counts
for a page of the student list; and the student list as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, Course, CourseSession, Customer, Payment, PaymentMethod, PaymentStatus
from trainhub_ui.domain.context import TenantContext

from .booking_filters import BookingSearch
from .booking_search import BookingPage, csv_cell, search_bookings
from .certificates import CertificateView, certificates_of
from .erasure import ErasureView, erasure_of
from .students import get_student, search_students

BOOKINGS_SHOWN = 50
PAYMENTS_SHOWN = 100
EXPORT_PAGE = 1000


@dataclass(frozen=True)
class StudentPayment:
    id: str
    booking_id: str
    reference: str
    course_title: str
    status: PaymentStatus
    method: PaymentMethod
    currency: str
    amount: int
    refunded: int
    paid_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class StudentProfile:
    student: Customer
    bookings: BookingPage  # the newest BOOKINGS_SHOWN, and how many there are in all
    payments: list[StudentPayment]
    certificates: list[CertificateView]  # newest first
    erasure: ErasureView | None = None  # their personal data was erased: when, by whom, why


async def student_profile(session: AsyncSession, ctx: TenantContext, customer_id: str) -> StudentProfile:
    """A student of this centre with their bookings (newest first), payments and certificates.
    Another centre's id is NotFound, like a missing one."""
    student = await get_student(session, ctx, customer_id)
    bookings = await search_bookings(
        session, ctx, BookingSearch(customer_id=student.id), limit=BOOKINGS_SHOWN, offset=0
    )
    payment_rows = await session.execute(
        select(Payment, Booking.reference, Course.title)
        .join(Booking, and_(Booking.id == Payment.booking_id, Booking.tenant_id == ctx.tenant_id))
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id))
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(Payment.tenant_id == ctx.tenant_id, Booking.customer_id == student.id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(PAYMENTS_SHOWN)
    )
    payments = [
        StudentPayment(
            id=payment.id,
            booking_id=payment.booking_id,
            reference=reference,
            course_title=title,
            status=payment.status,
            method=payment.payment_method,
            currency=payment.currency,
            amount=payment.amount,
            refunded=payment.amount_refunded,
            paid_at=payment.paid_at,
            created_at=payment.created_at,
        )
        for payment, reference, title in payment_rows
    ]
    certificates = await certificates_of(session, ctx, student.id)
    erased = await erasure_of(session, ctx, student.id) if student.erased_at is not None else None
    return StudentProfile(student, bookings, payments, certificates, erased)


async def booking_counts(session: AsyncSession, ctx: TenantContext, customer_ids: list[str]) -> dict[str, int]:
    """How many bookings each of these students has (all statuses), in one query for a page of them."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(Booking.customer_id, func.count())
        .where(Booking.tenant_id == ctx.tenant_id, Booking.customer_id.in_(customer_ids))
        .group_by(Booking.customer_id)
    )
    counts = {customer_id: 0 for customer_id in customer_ids}
    counts.update({customer_id: count for customer_id, count in rows})
    return counts


async def export_students(
    session: AsyncSession, ctx: TenantContext, query: str = "", *, page: int = EXPORT_PAGE
) -> AsyncIterator[list[Customer]]:
    """Every student matching `query` (as the student search matches it), a page at a time."""
    offset = 0
    while True:
        found = await search_students(session, ctx, query=query, limit=page, offset=offset)
        if found.items:
            yield found.items
        offset += page
        if offset >= found.total or not found.items:
            return


STUDENT_CSV_HEADER = (
    "First name",
    "Last name",
    "Email",
    "Phone",
    "Company",
    "Billing email",
    "PO number",
    "Added (UTC)",
)


def students_csv(students: Iterable[Customer], *, header: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(STUDENT_CSV_HEADER)
    for s in students:
        writer.writerow(
            [
                csv_cell(s.first_name),
                csv_cell(s.last_name),
                csv_cell(s.email),
                csv_cell(s.phone),
                csv_cell(s.company_name),
                csv_cell(s.billing_email),
                csv_cell(s.po_number),
                s.created_at.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out.getvalue()
