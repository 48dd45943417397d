"""The centre's figures at a glance: catalogue, sessions, bookings, money, occupancy and completion.

Every figure is an SQL aggregate over one centre's rows; nothing is counted by loading rows into Python,
so the dashboard costs the same for a centre with ten bookings and one with a hundred thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, and_, case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    WaitingListEntry,
    WaitingListStatus,
)
from trainhub_ui.domain.context import TenantContext

from .report_figures import RevenueLine
from .report_periods import ReportPeriod, add_months, week_buckets
from .reports import COLLECTED_PAYMENT_STATUSES, revenue_by_month

UPCOMING_SHOWN = 5


@dataclass(frozen=True)
class CourseFigures:
    total: int
    active: int


@dataclass(frozen=True)
class SessionFigures:
    upcoming: int
    completed: int
    total: int


@dataclass(frozen=True)
class BookingFigures:
    by_status: dict[str, int]  # every BookingStatus value, 0 when none
    total: int


@dataclass(frozen=True)
class WaitingListFigures:
    waiting: int
    offered: int


@dataclass(frozen=True)
class UpcomingSession:
    id: str
    course_id: str
    course_title: str
    start_date: date
    start_time: time
    booked_spots: int
    available_spots: int


@dataclass(frozen=True)
class DashboardFigures:
    """Money is integer minor units in `currency`; rates are fractions 0..1 rounded to 4 places."""

    currency: str
    as_of: datetime
    courses: CourseFigures
    sessions: SessionFigures
    bookings: BookingFigures
    waiting_list: WaitingListFigures
    revenue_paid: int
    amounts_outstanding: int
    refunded: int
    occupancy: float
    booked_places: int
    available_places: int
    completion_rate: float
    upcoming_sessions: list[UpcomingSession]


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum_where(condition: ColumnElement[bool], value: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _fraction(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _upcoming(now: datetime) -> ColumnElement[bool]:
    """A session still to run that takes bookings: the ones whose places and dates matter now."""
    return and_(
        CourseSession.is_active.is_(True),
        CourseSession.is_completed.is_(False),
        CourseSession.cancelled_at.is_(None),
        CourseSession.starts_at > now,
    )


async def _course_figures(session: AsyncSession, ctx: TenantContext) -> CourseFigures:
    row = (
        await session.execute(
            select(func.count(), _count_where(Course.is_active.is_(True))).where(Course.tenant_id == ctx.tenant_id)
        )
    ).one()
    return CourseFigures(total=int(row[0]), active=int(row[1]))


@dataclass(frozen=True)
class _SessionTotals:
    figures: SessionFigures
    booked_places: int
    available_places: int
    ended: int
    ended_completed: int


async def _session_totals(session: AsyncSession, ctx: TenantContext, now: datetime, today: date) -> _SessionTotals:
    upcoming = _upcoming(now)
    # Ended by the centre's own calendar: a session that finished yesterday in Auckland may still be "today" in UTC.
    ended = and_(CourseSession.end_date < today, CourseSession.cancelled_at.is_(None))
    completed = CourseSession.is_completed.is_(True)
    row = (
        await session.execute(
            select(
                func.count(),
                _count_where(upcoming),
                _count_where(completed),
                _sum_where(upcoming, CourseSession.booked_spots),
                _sum_where(upcoming, CourseSession.available_spots),
                _count_where(ended),
                _count_where(and_(ended, completed)),
            ).where(CourseSession.tenant_id == ctx.tenant_id)
        )
    ).one()
    total, upcoming_count, completed_count, booked, available, ended_count, ended_completed = (int(v) for v in row)
    return _SessionTotals(
        figures=SessionFigures(upcoming=upcoming_count, completed=completed_count, total=total),
        booked_places=booked,
        available_places=available,
        ended=ended_count,
        ended_completed=ended_completed,
    )


async def _booking_figures(session: AsyncSession, ctx: TenantContext) -> tuple[BookingFigures, int]:
    """Bookings by status, and the balance still owed on live ones."""
    counts = dict.fromkeys((status.value for status in BookingStatus), 0)
    rows = await session.execute(
        select(Booking.status, func.count()).where(Booking.tenant_id == ctx.tenant_id).group_by(Booking.status)
    )
    for status, count in rows:
        counts[BookingStatus(status).value] = int(count)
    outstanding = await session.scalar(
        select(func.coalesce(func.sum(Booking.balance_due), 0)).where(
            Booking.tenant_id == ctx.tenant_id, Booking.status.in_(LIVE_BOOKING_STATUSES)
        )
    )
    return BookingFigures(by_status=counts, total=sum(counts.values())), int(outstanding or 0)


async def _payment_figures(session: AsyncSession, ctx: TenantContext) -> tuple[int, int]:
    """Revenue kept (collected less refunded) and the total refunded."""
    kept = Payment.amount - Payment.amount_refunded
    row = (
        await session.execute(
            select(
                _sum_where(Payment.status.in_(COLLECTED_PAYMENT_STATUSES), kept),
                func.coalesce(func.sum(Payment.amount_refunded), 0),
            ).where(Payment.tenant_id == ctx.tenant_id)
        )
    ).one()
    return int(row[0]), int(row[1])


async def _waiting_list_figures(session: AsyncSession, ctx: TenantContext) -> WaitingListFigures:
    row = (
        await session.execute(
            select(
                _count_where(WaitingListEntry.status == WaitingListStatus.WAITING),
                _count_where(WaitingListEntry.status == WaitingListStatus.OFFERED),
            ).where(
                WaitingListEntry.tenant_id == ctx.tenant_id,
                WaitingListEntry.status.in_((WaitingListStatus.WAITING, WaitingListStatus.OFFERED)),
            )
        )
    ).one()
    return WaitingListFigures(waiting=int(row[0]), offered=int(row[1]))


async def _next_sessions(
    session: AsyncSession,
    ctx: TenantContext,
    now: datetime,
    *,
    limit: int = UPCOMING_SHOWN,
    instructor_id: str | None = None,
) -> list[UpcomingSession]:
    mine = [] if instructor_id is None else [CourseSession.instructor_id == instructor_id]
    rows = await session.execute(
        select(
            CourseSession.id,
            CourseSession.course_id,
            Course.title,
            CourseSession.start_date,
            CourseSession.start_time,
            CourseSession.booked_spots,
            CourseSession.available_spots,
        )
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(CourseSession.tenant_id == ctx.tenant_id, _upcoming(now), *mine)
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(limit)
    )
    return [UpcomingSession(*row) for row in rows]


async def dashboard_figures(session: AsyncSession, ctx: TenantContext) -> DashboardFigures:
    """The centre's figures as of `ctx.now()`; dates compare in the centre's own timezone."""
    now = ctx.now()
    today = ctx.today()
    sessions = await _session_totals(session, ctx, now, today)
    bookings, outstanding = await _booking_figures(session, ctx)
    revenue, refunded = await _payment_figures(session, ctx)
    return DashboardFigures(
        currency=ctx.tenant.currency,
        as_of=now,
        courses=await _course_figures(session, ctx),
        sessions=sessions.figures,
        bookings=bookings,
        waiting_list=await _waiting_list_figures(session, ctx),
        revenue_paid=revenue,
        amounts_outstanding=outstanding,
        refunded=refunded,
        occupancy=_fraction(sessions.booked_places, sessions.available_places),
        booked_places=sessions.booked_places,
        available_places=sessions.available_places,
        completion_rate=_fraction(sessions.ended_completed, sessions.ended),
        upcoming_sessions=await _next_sessions(session, ctx, now),
    )


# --- the back office's dashboard page: charts and lists beside the figures ----------------------------

CHART_MONTHS = 12
CHART_WEEKS = 12
OCCUPANCY_COURSES_SHOWN = 10
# Bookings made in a week, by what became of them; an expired card hold was never a booking anyone kept.
WEEK_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.PENDING, BookingStatus.CANCELLED)


async def upcoming_sessions(
    session: AsyncSession, ctx: TenantContext, *, limit: int = 8, instructor_id: str | None = None
) -> list[UpcomingSession]:
    """The next sessions that take bookings, soonest first; only one instructor's when `instructor_id` is given."""
    return await _next_sessions(session, ctx, ctx.now(), limit=limit, instructor_id=instructor_id)


@dataclass(frozen=True)
class InstructorFigures:
    upcoming_sessions: int
    booked_places: int
    available_places: int


async def instructor_figures(session: AsyncSession, ctx: TenantContext, instructor_id: str) -> InstructorFigures:
    """How many upcoming sessions an instructor teaches, and their places booked of places offered."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CourseSession.booked_spots), 0),
                func.coalesce(func.sum(CourseSession.available_spots), 0),
            ).where(
                CourseSession.tenant_id == ctx.tenant_id,
                CourseSession.instructor_id == instructor_id,
                _upcoming(ctx.now()),
            )
        )
    ).one()
    return InstructorFigures(*(int(value) for value in row))


async def revenue_of_recent_months(
    session: AsyncSession, ctx: TenantContext, months: int = CHART_MONTHS
) -> list[RevenueLine]:
    """Revenue (paid less refunded, by payment date) of the last `months` months, this one last."""
    today = ctx.today()
    return await revenue_by_month(session, ctx, ReportPeriod(add_months(today, 1 - months), today))


@dataclass(frozen=True)
class WeekBookings:
    week_start: date  # a Monday
    by_status: dict[str, int]  # WEEK_STATUSES' values


async def bookings_by_week(session: AsyncSession, ctx: TenantContext, weeks: int = CHART_WEEKS) -> list[WeekBookings]:
    """Bookings made in each of the last `weeks` weeks (the centre's Monday to Sunday), by status now."""
    starts, buckets = week_buckets(ctx, weeks)
    each_week = buckets.each(
        Booking.created_at,
        select(Booking.status, func.count())
        .where(Booking.tenant_id == ctx.tenant_id, Booking.status.in_(WEEK_STATUSES))
        .group_by(Booking.status),
    )
    rows = await session.execute(each_week)
    counts = [dict.fromkeys((status.value for status in WEEK_STATUSES), 0) for _ in starts]
    for status, count, week in rows:
        counts[int(week)][BookingStatus(status).value] = int(count)
    return [WeekBookings(start, by_status) for start, by_status in zip(starts, counts, strict=True)]


@dataclass(frozen=True)
class CourseOccupancy:
    course_id: str
    course_title: str
    sessions: int
    booked_places: int
    available_places: int

    @property
    def occupancy(self) -> float:
        return _fraction(self.booked_places, self.available_places)


async def occupancy_by_course(
    session: AsyncSession, ctx: TenantContext, limit: int = OCCUPANCY_COURSES_SHOWN
) -> list[CourseOccupancy]:
    """Places booked of places offered on each course's upcoming sessions: the `limit` courses offering most."""
    available = func.sum(CourseSession.available_spots)
    rows = await session.execute(
        select(Course.id, Course.title, func.count(), func.sum(CourseSession.booked_spots), available)
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(CourseSession.tenant_id == ctx.tenant_id, _upcoming(ctx.now()))
        .group_by(Course.id, Course.title)
        .order_by(available.desc(), Course.title)
        .limit(limit)
    )
    return [
        CourseOccupancy(course_id, title, int(count), int(booked), int(places))
        for course_id, title, count, booked, places in rows
    ]


@dataclass(frozen=True)
class RecentBooking:
    id: str
    reference: str
    customer_name: str
    course_title: str
    session_start: date
    status: BookingStatus
    total_amount: int
    made_at: datetime


async def recent_bookings(session: AsyncSession, ctx: TenantContext, limit: int = 8) -> list[RecentBooking]:
    """The bookings made last, newest first (expired holds too: staff see what happened)."""
    # The newest of each status come straight off the (tenant, status, created_at) index; the newest of
    # those are the newest of all. Ordering every booking by its date would sort the whole table.
    newest_of_each = [
        select(Booking.id.label("id"), Booking.created_at.label("created_at"))
        .where(Booking.tenant_id == ctx.tenant_id, Booking.status == status)
        .order_by(Booking.created_at.desc())  # the index's own order: no sort (ties are broken below)
        .limit(limit)
        .subquery()
        for status in BookingStatus
    ]
    candidates = union_all(*(select(part.c.id, part.c.created_at) for part in newest_of_each)).subquery()
    newest = (
        select(candidates.c.id, candidates.c.created_at)
        .order_by(candidates.c.created_at.desc(), candidates.c.id)
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(
            Booking.id,
            Booking.reference,
            Customer.first_name,
            Customer.last_name,
            Course.title,
            CourseSession.start_date,
            Booking.status,
            Booking.total_amount,
            Booking.created_at,
        )
        .select_from(newest)
        .join(Booking, and_(Booking.id == newest.c.id, Booking.tenant_id == ctx.tenant_id))
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id))
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
        .order_by(newest.c.created_at.desc(), newest.c.id)
    )
    return [
        RecentBooking(booking_id, reference, f"{first} {last}", title, start, BookingStatus(status), total, made)
        for booking_id, reference, first, last, title, start, status, total, made in rows
    ]
