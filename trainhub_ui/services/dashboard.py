"""The centre's figures at a glance: catalogue, sessions, bookings, money, occupancy and completion.

Every figure is an SQL aggregate over one centre's rows; nothing is counted by loading rows into Python,
so the dashboard costs the same for a centre with ten bookings and one with a hundred thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Payment,
    PaymentStatus,
    WaitingListEntry,
    WaitingListStatus,
)

from .context import TenantContext

UPCOMING_SHOWN = 5
# Money that reached the centre: a refunded payment still counts for what was kept of it.
COLLECTED_PAYMENT_STATUSES = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


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


async def _next_sessions(session: AsyncSession, ctx: TenantContext, now: datetime) -> list[UpcomingSession]:
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
        .where(CourseSession.tenant_id == ctx.tenant_id, _upcoming(now))
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(UPCOMING_SHOWN)
    )
    return [UpcomingSession(*row) for row in rows]


async def dashboard_figures(session: AsyncSession, ctx: TenantContext) -> DashboardFigures:
    """The centre's figures as of `ctx.now()`; dates compare in the centre's own timezone."""
    now = ctx.now()
    today = now.astimezone(ZoneInfo(ctx.tenant.timezone)).date()
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
