"""API: dashboard. The centre's figures for any role with a token of the centre."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter

from trainhub_ui.services.dashboard import DashboardFigures, UpcomingSession, dashboard_figures

from .access import MayReadReports, Reader
from .common import ERROR_RESPONSES, ApiModel

router = APIRouter(prefix="/tenant/{slug}", tags=["dashboard"], responses=ERROR_RESPONSES)


class CoursesOut(ApiModel):
    total: int
    active: int


class SessionsOut(ApiModel):
    upcoming: int
    completed: int
    total: int


class BookingsOut(ApiModel):
    by_status: dict[str, int]
    total: int


class WaitingListOut(ApiModel):
    waiting: int
    offered: int


class UpcomingSessionOut(ApiModel):
    id: str
    course_id: str
    course_title: str
    start_date: date
    start_time: str  # HH:MM, local to the centre
    booked_spots: int
    available_spots: int

    @classmethod
    def of(cls, item: UpcomingSession) -> UpcomingSessionOut:
        return cls(
            id=item.id,
            course_id=item.course_id,
            course_title=item.course_title,
            start_date=item.start_date,
            start_time=item.start_time.strftime("%H:%M"),
            booked_spots=item.booked_spots,
            available_spots=item.available_spots,
        )


class DashboardOut(ApiModel):
    """Amounts are integer minor units in `currency`; `occupancy` and `completionRate` are fractions 0..1."""

    currency: str
    as_of: datetime
    courses: CoursesOut
    sessions: SessionsOut
    bookings: BookingsOut
    waiting_list: WaitingListOut
    revenue_paid: int
    amounts_outstanding: int
    refunded: int
    occupancy: float
    booked_places: int
    available_places: int
    completion_rate: float
    upcoming_sessions: list[UpcomingSessionOut]

    @classmethod
    def of(cls, figures: DashboardFigures) -> DashboardOut:
        return cls(
            currency=figures.currency,
            as_of=figures.as_of,
            courses=CoursesOut(total=figures.courses.total, active=figures.courses.active),
            sessions=SessionsOut(
                upcoming=figures.sessions.upcoming, completed=figures.sessions.completed, total=figures.sessions.total
            ),
            bookings=BookingsOut(by_status=figures.bookings.by_status, total=figures.bookings.total),
            waiting_list=WaitingListOut(waiting=figures.waiting_list.waiting, offered=figures.waiting_list.offered),
            revenue_paid=figures.revenue_paid,
            amounts_outstanding=figures.amounts_outstanding,
            refunded=figures.refunded,
            occupancy=figures.occupancy,
            booked_places=figures.booked_places,
            available_places=figures.available_places,
            completion_rate=figures.completion_rate,
            upcoming_sessions=[UpcomingSessionOut.of(item) for item in figures.upcoming_sessions],
        )


@router.get("/dashboard", response_model=DashboardOut)
async def dashboard(ctx: MayReadReports, session: Reader) -> DashboardOut:
    """Courses, sessions, bookings by status, money, occupancy of upcoming sessions and the next five sessions."""
    return DashboardOut.of(await dashboard_figures(session, ctx))
