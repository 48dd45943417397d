"""The centre's reports for a chosen period: revenue, balances owed, overdue invoices, refunds, occupancy, completion.

Every figure is an SQL aggregate (GROUP BY) over one centre's rows, grouped by the centre's own months
and weeks (report_periods.py), so the same statement groups correctly on SQLite and PostgreSQL.

Revenue is money actually received: each payment (card, bank transfer, invoice paid) less what has been
refunded of it, counted on the date it was paid. Refunds are also listed on their own, on the date they were
made. Payments not yet made (held bookings, unpaid balances and invoices) are not revenue; they are balances.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Invoice,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput

from .invoices import InvoiceLine, invoice_number, list_invoices
from .report_figures import BalanceLine, BalancesOwed, CourseDelivery, RefundLine, RefundTotals, RevenueLine
from .report_periods import Buckets, ReportPeriod, add_months, month_buckets, this_year

# Money that reached the centre: a refunded payment still counts for what was kept of it.
COLLECTED_PAYMENT_STATUSES = (PaymentStatus.PAID, PaymentStatus.REFUNDED)
# A long period is fine, but one CASE branch per month: keep the statement a sensible size.
LONGEST_PERIOD_YEARS = 5


# --- the period ----------------------------------------------------------------------------------


def _day(field: str, text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field, f"Enter the {what} date as YYYY-MM-DD, for example 2026-01-31.") from None


def parse_period(start_text: str | None, end_text: str | None, today: date) -> ReportPeriod:
    """The period from the page's `from` and `to` (ISO dates); a missing one defaults to this year's bound."""
    default = this_year(today)
    start = _day("from", start_text, "first") if start_text and start_text.strip() else default.start
    end = _day("to", end_text, "last") if end_text and end_text.strip() else default.end
    if end < start:
        raise InvalidInput("to", "The last date must be on or after the first date.")
    if end >= add_months(start, 12 * LONGEST_PERIOD_YEARS):
        raise InvalidInput("to", f"Choose a period of at most {LONGEST_PERIOD_YEARS} years.")
    return ReportPeriod(start, end)


# --- revenue -------------------------------------------------------------------------------------


def _collected(ctx: TenantContext, buckets: Buckets) -> list[ColumnElement[bool]]:
    return [
        Payment.tenant_id == ctx.tenant_id,
        Payment.status.in_(COLLECTED_PAYMENT_STATUSES),
        buckets.within(Payment.paid_at),
    ]


async def revenue_by_month(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[RevenueLine]:
    """Every month of the period, in order, zeros included."""
    months, buckets = month_buckets(ctx, period)
    each_month = buckets.each(
        Payment.paid_at,
        select(
            func.count(),
            func.coalesce(func.sum(Payment.amount), 0),
            func.coalesce(func.sum(Payment.amount_refunded), 0),
        ).where(Payment.tenant_id == ctx.tenant_id, Payment.status.in_(COLLECTED_PAYMENT_STATUSES)),
    )
    rows = await session.execute(each_month)
    found = {int(month): (int(count), int(paid), int(refunded)) for count, paid, refunded, month in rows}
    return [
        RevenueLine(f"{month:%b %Y}", f"{month:%Y-%m}", *found.get(number, (0, 0, 0)))
        for number, month in enumerate(months)
    ]


async def revenue_by_course(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[RevenueLine]:
    """The courses that took money in the period, the most first."""
    _, buckets = month_buckets(ctx, period)
    # Each payment keeps its course, so the period's payments are added up by course from their own index
    # (one range of it) before the few courses are joined for their titles.
    by_course = (
        select(
            Payment.course_id.label("course_id"),
            func.count().label("payments"),
            func.sum(Payment.amount).label("paid"),
            func.sum(Payment.amount_refunded).label("refunded"),
        )
        .where(*_collected(ctx, buckets))
        .group_by(Payment.course_id)
        .subquery()
    )
    rows = await session.execute(
        select(Course.id, Course.title, by_course.c.payments, by_course.c.paid, by_course.c.refunded)
        .join(by_course, by_course.c.course_id == Course.id)
        .where(Course.tenant_id == ctx.tenant_id)
        .order_by((by_course.c.paid - by_course.c.refunded).desc(), Course.title)
    )
    return [
        RevenueLine(title, course_id, int(count), int(paid), int(refunded))
        for course_id, title, count, paid, refunded in rows
    ]


# --- balances owed and overdue invoices --------------------------------------------------------------


def owes_balance() -> ColumnElement[bool]:
    """A confirmed place with part of its price still to pay: a deposit's balance or an unpaid invoice.
    (An unpaid card hold is not owed: it lapses unless paid.)"""
    return and_(Booking.status == BookingStatus.CONFIRMED, Booking.balance_due > 0)


async def balances_owed(
    session: AsyncSession, ctx: TenantContext, *, limit: int | None = 20, offset: int = 0
) -> BalancesOwed:
    """Balances owed now (whatever the period), soonest session first: a page of them, or all (`limit=None`,
    for the export); the count and sum are over all of them."""
    owed = [Booking.tenant_id == ctx.tenant_id, owes_balance()]
    # One pass over the bookings owing: the page's ids in order, with the count and sum of all of them
    # alongside (window aggregates); the names are joined to the page's rows only.
    # The session's start is read per booking, so the bookings owing are found from their own index and
    # only they are sorted (joined, the database may walk every session's confirmed bookings instead).
    starts_at = (
        select(CourseSession.starts_at)
        .where(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id)
        .correlate(Booking)
        .scalar_subquery()
    )
    page = (
        select(
            Booking.id.label("id"),
            starts_at.label("starts_at"),
            Booking.reference.label("reference"),
            func.count().over().label("bookings"),
            func.sum(Booking.balance_due).over().label("amount"),
        )
        .where(*owed)
        .order_by(starts_at, Booking.reference)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                page.c.bookings,
                page.c.amount,
                Booking.id,
                Booking.reference,
                Customer.first_name,
                Customer.last_name,
                Booking.company_name,
                Course.id,
                Course.title,
                CourseSession.start_date,
                Booking.balance_due,
                Invoice.due_on,
            )
            .select_from(page)
            .join(Booking, Booking.id == page.c.id)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
            .join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
            .outerjoin(Invoice, and_(Invoice.booking_id == Booking.id, Invoice.tenant_id == ctx.tenant_id))
            .order_by(page.c.starts_at, page.c.reference)
        )
    ).all()
    if rows:
        count, amount = rows[0][0], rows[0][1]
    elif offset:
        count, amount = (
            await session.execute(select(func.count(), func.coalesce(func.sum(Booking.balance_due), 0)).where(*owed))
        ).one()
    else:
        count, amount = 0, 0
    deadline = timedelta(days=ctx.tenant.balance_due_days)
    lines = [
        BalanceLine(
            booking_id,
            reference,
            f"{first} {last}",
            company,
            course_id,
            title,
            start,
            int(balance),
            invoice_due or start - deadline,
        )
        for _, _, booking_id, reference, first, last, company, course_id, title, start, balance, invoice_due in rows
    ]
    return BalancesOwed(lines, int(count), int(amount))


async def balances_by_course(session: AsyncSession, ctx: TenantContext) -> list[tuple[str, str, int, int]]:
    """(course id, title, bookings, amount owed) for every course with a balance owed, the most first."""
    # Each booking's course is read per booking, so the bookings owing are found from their own index and
    # only they are read; joined, the database may walk every session's confirmed bookings instead.
    course_of = (
        select(CourseSession.course_id)
        .where(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id)
        .correlate(Booking)
        .scalar_subquery()
        .label("course_id")
    )
    by_course = (
        select(course_of, func.count().label("bookings"), func.sum(Booking.balance_due).label("owed"))
        .where(Booking.tenant_id == ctx.tenant_id, owes_balance())
        .group_by(course_of)
        .subquery()
    )
    rows = await session.execute(
        select(Course.id, Course.title, by_course.c.bookings, by_course.c.owed)
        .join(by_course, by_course.c.course_id == Course.id)
        .where(Course.tenant_id == ctx.tenant_id)
        .order_by(by_course.c.owed.desc(), Course.title)
    )
    return [(course_id, title, int(count), int(amount)) for course_id, title, count, amount in rows]


async def overdue_invoices(
    session: AsyncSession, ctx: TenantContext, *, limit: int = 20, offset: int = 0
) -> tuple[list[InvoiceLine], int]:
    """Unpaid invoices past their due date, oldest due first (the invoices service's own rule)."""
    return await list_invoices(session, ctx, overdue=True, limit=limit, offset=offset)


# --- refunds -------------------------------------------------------------------------------------


def _refunds_in(ctx: TenantContext, period: ReportPeriod) -> list[ColumnElement[bool]]:
    _, buckets = month_buckets(ctx, period)
    return [Refund.tenant_id == ctx.tenant_id, buckets.within(Refund.created_at)]


async def refund_totals(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> RefundTotals:
    totals = {status.value: (0, 0) for status in RefundStatus}
    rows = await session.execute(
        select(Refund.status, func.count(), func.sum(Refund.amount))
        .where(*_refunds_in(ctx, period))
        .group_by(Refund.status)
    )
    for status, count, amount in rows:
        totals[RefundStatus(status).value] = (int(count), int(amount))
    return RefundTotals(totals)


async def refunds(
    session: AsyncSession, ctx: TenantContext, period: ReportPeriod, *, limit: int | None = 20, offset: int = 0
) -> list[RefundLine]:
    """The period's refunds, newest first: a page of them, or all of them (`limit=None`, for the export)."""
    # The page is chosen from the refunds alone; only its rows are joined to their bookings and names.
    page = (
        select(Refund.id)
        .where(*_refunds_in(ctx, period))
        .order_by(Refund.created_at.desc(), Refund.id)
        .limit(limit)
        .offset(offset)
    )
    statement = (
        select(
            Refund.created_at,
            Booking.id,
            Booking.reference,
            Customer.first_name,
            Customer.last_name,
            Course.title,
            Refund.amount,
            Refund.status,
            Refund.reason,
            Refund.created_by,
        )
        .join(Payment, and_(Payment.id == Refund.payment_id, Payment.tenant_id == ctx.tenant_id))
        .join(Booking, and_(Booking.id == Payment.booking_id, Booking.tenant_id == ctx.tenant_id))
        .join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id))
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(Refund.tenant_id == ctx.tenant_id, Refund.id.in_(page.scalar_subquery()))
        .order_by(Refund.created_at.desc(), Refund.id)
    )
    rows = await session.execute(statement)
    return [
        RefundLine(made, booking_id, reference, f"{first} {last}", title, int(amount), RefundStatus(status), reason, by)
        for made, booking_id, reference, first, last, title, amount, status, reason, by in rows
    ]


# --- occupancy and completion ----------------------------------------------------------------------


def _sessions_in(ctx: TenantContext, period: ReportPeriod) -> list[ColumnElement[bool]]:
    return [
        CourseSession.tenant_id == ctx.tenant_id,
        CourseSession.start_date >= period.start,
        CourseSession.start_date <= period.end,
        CourseSession.cancelled_at.is_(None),
    ]


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def delivery_by_course(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[CourseDelivery]:
    """Occupancy and completion of each course with sessions starting in the period, by title."""
    today = ctx.today()
    ended = CourseSession.end_date < today
    completed = CourseSession.is_completed.is_(True)
    in_period = _sessions_in(ctx, period)
    # Counted per session from the (session, status) index, for the completed sessions only.
    students = (
        select(func.count())
        .where(
            Booking.tenant_id == ctx.tenant_id,
            Booking.session_id == CourseSession.id,
            Booking.status == BookingStatus.CONFIRMED,
        )
        .correlate(CourseSession)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            Course.id,
            Course.title,
            func.count(),
            func.sum(CourseSession.booked_spots),
            func.sum(CourseSession.available_spots),
            _count_where(ended),
            _count_where(and_(ended, completed)),
            func.coalesce(func.sum(case((completed, students), else_=0)), 0),
        )
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(*in_period)
        .group_by(Course.id, Course.title)
        .order_by(Course.title, Course.id)
    )
    courses = {course_id: [course_id, title, *(int(v) for v in figures)] for course_id, title, *figures in rows.all()}
    certified = await _students_certified(session, ctx, in_period, completed)
    return [CourseDelivery(*values, certified.get(course_id, 0)) for course_id, values in courses.items()]


async def _students_certified(
    session: AsyncSession, ctx: TenantContext, in_period: list[ColumnElement[bool]], completed: ColumnElement[bool]
) -> dict[str, int]:
    """By course: the students of the period's completed sessions issued a certificate (not revoked).
    Completing a session issues one to each student who met the course's rule (services/completion.py)."""
    rows = await session.execute(
        select(CourseSession.course_id, func.count(func.distinct(Achievement.booking_id)))
        .select_from(Achievement)
        .join(
            CourseSession,
            and_(CourseSession.id == Achievement.session_id, CourseSession.tenant_id == ctx.tenant_id),
        )
        .where(Achievement.tenant_id == ctx.tenant_id, Achievement.revoked_at.is_(None), *in_period, completed)
        .group_by(CourseSession.course_id)
    )
    return {course_id: int(count) for course_id, count in rows}


def invoice_label(line: InvoiceLine) -> str:
    return invoice_number(line.invoice)
