"""The back office's view of bookings: the list filtered, sorted and paged in SQL, its CSV export, and
one booking's whole record (student, session, payments, refunds, invoice, history).

A centre may hold a hundred thousand bookings, so the page is found in two steps: the ids of the page
(joining only what the filters and the sort need), then those few rows with their student, session and
course. Counting joins nothing it does not filter on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    AuditEntry,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    CreditNote,
    Customer,
    Invoice,
    Payment,
    PaymentKind,
    PaymentOption,
    Refund,
)
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound

from .booking_filters import SORTS, TEXT_MAX, BookingSearch, search_conditions, search_order, with_sort_joins
from .credit_notes import credit_notes_of
from .payment_states import PaymentState, payment_state, refunded_of_booking
from .refunds import policy_refund, refundable

PAGE_MAX = 200
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class BookingLine:
    """One booking as the list and the CSV show it."""

    id: str
    reference: str
    status: BookingStatus
    payment_state: PaymentState
    payment_option: PaymentOption
    currency: str
    total_amount: int
    amount_paid: int
    refunded: int
    balance_due: int
    booked_at: datetime
    customer_id: str
    student_name: str
    student_email: str
    company_name: str
    course_id: str
    course_title: str
    session_id: str
    session_start_date: date
    session_start_time: time


@dataclass(frozen=True)
class BookingPage:
    lines: list[BookingLine]
    total: int


def checked(search: BookingSearch) -> BookingSearch:
    """The search with its text trimmed; a problem raises InvalidInput naming the URL field."""
    text = "".join(c for c in search.text if c.isprintable()).strip()
    if len(text) > TEXT_MAX:
        raise InvalidInput("q", f"Search for at most {TEXT_MAX} characters.")
    if search.sort not in SORTS:
        raise InvalidInput("sort", "Sort by one of the table's columns.")
    if search.starts_from and search.starts_to and search.starts_from > search.starts_to:
        raise InvalidInput("to", "The end of the date range is before its start.")
    if text == search.text:
        return search
    return BookingSearch(**{**vars(search), "text": text})


def _lines_statement(ctx: TenantContext, page: Any = None) -> Select[Any]:
    """The columns of a BookingLine, with the student, session and course joined; from `page` (a subquery
    of booking ids, already limited to the centre) when given, else from all the centre's bookings."""
    statement = select(
        Booking.id,
        Booking.reference,
        Booking.status,
        Booking.payment_option,
        Booking.currency,
        Booking.total_amount,
        Booking.amount_paid,
        refunded_of_booking().label("refunded"),
        Booking.balance_due,
        Booking.created_at,
        Booking.customer_id,
        Customer.first_name,
        Customer.last_name,
        Customer.email,
        case((Booking.company_name != "", Booking.company_name), else_=Customer.company_name).label("company"),
        Course.id.label("course_id"),
        Course.title,
        Booking.session_id,
        CourseSession.start_date,
        CourseSession.start_time,
    )
    if page is not None:
        # The page's ids first, then each booking by its key: the planner cannot pick a scan of the centre.
        statement = statement.select_from(page).join(Booking, Booking.id == page.c.id)
    return (
        statement.join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id))
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
    )


def _line(row: Any) -> BookingLine:
    return BookingLine(
        id=row.id,
        reference=row.reference,
        status=row.status,
        payment_state=payment_state(row.payment_option, row.total_amount, row.amount_paid, row.refunded),
        payment_option=row.payment_option,
        currency=row.currency,
        total_amount=row.total_amount,
        amount_paid=row.amount_paid,
        refunded=row.refunded,
        balance_due=row.balance_due,
        booked_at=row.created_at,
        customer_id=row.customer_id,
        student_name=f"{row.first_name} {row.last_name}".strip(),
        student_email=row.email,
        company_name=row.company or "",
        course_id=row.course_id,
        course_title=row.title,
        session_id=row.session_id,
        session_start_date=row.start_date,
        session_start_time=row.start_time,
    )


async def search_bookings(
    session: AsyncSession, ctx: TenantContext, search: BookingSearch, *, limit: int = 25, offset: int = 0
) -> BookingPage:
    """One page of the centre's bookings matching `search`, in its order, and how many match in all."""
    search = checked(search)
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput("limit", f"Show between 1 and {PAGE_MAX} bookings at a time.")
    if offset < 0:
        raise InvalidInput("offset", "The offset cannot be negative.")
    conditions = search_conditions(ctx, search)
    total = await session.scalar(select(func.count()).select_from(Booking).where(*conditions)) or 0
    if total == 0 or offset >= total:
        return BookingPage([], total)
    page = (
        with_sort_joins(ctx, select(Booking.id), search)
        .where(*conditions)
        .order_by(*search_order(search))
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    rows = await session.execute(_lines_statement(ctx, page).order_by(*search_order(search)))
    return BookingPage([_line(row) for row in rows], total)


async def export_lines(
    session: AsyncSession, ctx: TenantContext, search: BookingSearch, *, batch: int = EXPORT_BATCH
) -> AsyncIterator[list[BookingLine]]:
    """Every booking matching `search`, in its order, a batch at a time, streamed from one query."""
    search = checked(search)
    statement = _lines_statement(ctx).where(*search_conditions(ctx, search)).order_by(*search_order(search))
    result = await session.stream(statement.execution_options(yield_per=batch))
    async for rows in result.partitions(batch):
        yield [_line(row) for row in rows]


CSV_HEADER = (
    "Reference",
    "Status",
    "Payment",
    "Payment option",
    "Currency",
    "Total",
    "Paid",
    "Refunded",
    "Balance due",
    "Booked at (UTC)",
    "Student",
    "Email",
    "Company",
    "Course",
    "Session date",
    "Session time",
)


def _amount(minor_units: int) -> str:
    return f"{minor_units / 100:.2f}"


def csv_cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: a student's name must not run as one.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_text(lines: Iterable[BookingLine], *, header: bool = False) -> str:
    """Bookings as CSV rows (amounts in major units with two decimals, the currency in its own column)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_HEADER)
    for line in lines:
        writer.writerow(
            [
                line.reference,
                line.status.value.title(),
                line.payment_state.label,
                line.payment_option.value.title(),
                line.currency,
                _amount(line.total_amount),
                _amount(line.amount_paid),
                _amount(line.refunded),
                _amount(line.balance_due),
                line.booked_at.strftime("%Y-%m-%d %H:%M"),
                csv_cell(line.student_name),
                csv_cell(line.student_email),
                csv_cell(line.company_name),
                csv_cell(line.course_title),
                line.session_start_date.isoformat(),
                line.session_start_time.strftime("%H:%M"),
            ]
        )
    return out.getvalue()


# --- one booking's record ------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRecord:
    payment: Payment
    refunds: list[Refund]

    @property
    def refundable(self) -> int:
        return refundable(self.payment)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    entity_type: str
    details: dict[str, Any]


@dataclass(frozen=True)
class BookingRecord:
    """Everything the booking page shows about one booking, read in one go."""

    booking: Booking
    student: Customer
    course_session: CourseSession
    course: Course
    payments: list[PaymentRecord]
    invoice: Invoice | None
    history: list[HistoryEntry] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)  # of its invoice, oldest first
    refunded: int = 0
    refundable: int = 0  # what can still be given back: paid, less refunds made or under way
    refund_by_policy: int = 0  # what cancelling now gives back under the centre's policy

    @property
    def payment_state(self) -> PaymentState:
        b = self.booking
        return payment_state(b.payment_option, b.total_amount, b.amount_paid, self.refunded)

    @property
    def is_live(self) -> bool:
        return self.booking.status in LIVE_BOOKING_STATUSES


HISTORY_MAX = 200


async def booking_record(session: AsyncSession, ctx: TenantContext, booking_id: str) -> BookingRecord:
    """One booking of this centre with its student, session, course, payments and their refunds, the
    invoice and the audit history (the booking's own entries and its payments' and refunds'), newest
    first. Another centre's id is NotFound, like a missing one."""
    row = (
        await session.execute(
            select(Booking, Customer, CourseSession, Course)
            .join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
            .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id))
            .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
            .where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound("Booking")
    booking, student, course_session, course = row
    payments = list(
        await session.scalars(
            select(Payment)
            .where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id == booking.id)
            .order_by(Payment.created_at, Payment.id)
            .execution_options(populate_existing=True)
        )
    )
    payment_ids = [p.id for p in payments]
    refunds: dict[str, list[Refund]] = {}
    if payment_ids:
        for refund in await session.scalars(
            select(Refund)
            .where(Refund.tenant_id == ctx.tenant_id, Refund.payment_id.in_(payment_ids))
            .order_by(Refund.created_at, Refund.id)
        ):
            refunds.setdefault(refund.payment_id, []).append(refund)
    invoice = await session.scalar(
        select(Invoice).where(Invoice.tenant_id == ctx.tenant_id, Invoice.booking_id == booking.id)
    )
    about = [and_(AuditEntry.entity_type == "booking", AuditEntry.entity_id == booking.id)]
    if payment_ids:
        about.append(and_(AuditEntry.entity_type == "payment", AuditEntry.entity_id.in_(payment_ids)))
    refund_ids = [r.id for rs in refunds.values() for r in rs]
    if refund_ids:
        about.append(and_(AuditEntry.entity_type == "refund", AuditEntry.entity_id.in_(refund_ids)))
    history = [
        HistoryEntry(e.created_at, e.actor, e.action, e.entity_type, dict(e.details or {}))
        for e in await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.tenant_id == ctx.tenant_id, or_(*about))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(HISTORY_MAX)
        )
    ]
    still_refundable = sum(refundable(p) for p in payments)
    by_policy = 0
    if booking.status in LIVE_BOOKING_STATUSES:
        by_policy = min(policy_refund(booking, course_session, ctx, ctx.now()), still_refundable)
    return BookingRecord(
        booking=booking,
        student=student,
        course_session=course_session,
        course=course,
        payments=[PaymentRecord(p, refunds.get(p.id, [])) for p in payments],
        invoice=invoice,
        credit_notes=await credit_notes_of(session, ctx, booking.id) if invoice is not None else [],
        history=history,
        refunded=sum(p.amount_refunded for p in payments if p.kind is not PaymentKind.EXCESS),
        refundable=still_refundable,
        refund_by_policy=by_policy,
    )
