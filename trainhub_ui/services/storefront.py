"""What the centre's public site shows: its catalogue, upcoming sessions and places left.

Only active courses and active, not cancelled sessions that have not started are shown; every figure
comes from SQL in a fixed number of queries, whatever the size of the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Course, CourseSession
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.signals import CapacityChanged

from .courses import get_course

# "Only 3 left" from this many places down.
FEW_PLACES = 3
TEXT_MAX = 200


@dataclass(frozen=True)
class SessionCard:
    """A session as a student sees it."""

    id: str
    course_id: str
    start_date: date
    end_date: date
    start_time: time
    end_time: time
    starts_at: datetime
    venue: str
    available_spots: int
    booked_spots: int

    @property
    def places_left(self) -> int:
        return max(self.available_spots - self.booked_spots, 0)


async def places_now(db: Database, change: CapacityChanged) -> CapacityChanged:
    """The session's places as committed now. Changes reach a page from several server processes, each in
    its own time: one heard late carries an older count, so what a page is sent is read afresh."""
    async with db.read() as session:
        row = (
            await session.execute(
                select(CourseSession.booked_spots, CourseSession.available_spots).where(
                    CourseSession.tenant_id == change.tenant_id, CourseSession.id == change.session_id
                )
            )
        ).first()
    if row is None:
        return change
    return replace(change, booked_spots=row[0], available_spots=row[1])


def places_text(places_left: int) -> str:
    """How a session's places read: "Full — join the waiting list", "Only 2 left", "9 places left"."""
    if places_left <= 0:
        return "Full — join the waiting list"
    if places_left <= FEW_PLACES:
        return f"Only {places_left} left"
    return f"{places_left} places left"


@dataclass(frozen=True)
class CourseCard:
    course: Course
    sessions: list[SessionCard]

    @property
    def next_session(self) -> SessionCard | None:
        return self.sessions[0] if self.sessions else None


@dataclass(frozen=True)
class CatalogFilters:
    category: str = ""
    location: str = ""
    starts_from: date | None = None
    starts_to: date | None = None
    with_places: bool = False
    text: str = ""

    def checked(self) -> CatalogFilters:
        for name, value in (("category", self.category), ("location", self.location), ("q", self.text)):
            if len(value) > TEXT_MAX:
                raise InvalidInput(name, f"At most {TEXT_MAX} characters.")
        if self.starts_from and self.starts_to and self.starts_to < self.starts_from:
            raise InvalidInput("to", "The end of the date range cannot be before its start.")
        return self


def _card(row: CourseSession) -> SessionCard:
    return SessionCard(
        id=row.id,
        course_id=row.course_id,
        start_date=row.start_date,
        end_date=row.end_date,
        start_time=row.start_time,
        end_time=row.end_time,
        starts_at=row.starts_at,
        venue=row.venue,
        available_spots=row.available_spots,
        booked_spots=row.booked_spots,
    )


def _bookable_sessions(ctx: TenantContext) -> Select[tuple[CourseSession]]:
    return select(CourseSession).where(
        CourseSession.tenant_id == ctx.tenant_id,
        CourseSession.is_active.is_(True),
        CourseSession.is_completed.is_(False),
        CourseSession.cancelled_at.is_(None),
        CourseSession.starts_at > ctx.now(),
    )


def _public_courses(ctx: TenantContext) -> Select[tuple[Course]]:
    return select(Course).where(Course.tenant_id == ctx.tenant_id, Course.is_active.is_(True))


CATALOGUE_PAGE = 24


async def browse(
    session: AsyncSession, ctx: TenantContext, filters: CatalogFilters, *, limit: int = CATALOGUE_PAGE, offset: int = 0
) -> tuple[list[CourseCard], int]:
    """A page of the catalogue by title: courses matching the filters, each with its upcoming sessions
    that match; and how many courses match in all.

    A date range or "only with places" keeps only the courses that have such a session.
    """
    filters = filters.checked()
    courses = _public_courses(ctx)
    if filters.category:
        courses = courses.where(Course.category == filters.category)
    if filters.text:
        words = filters.text.strip()
        courses = courses.where(
            or_(
                Course.title.icontains(words, autoescape=True),
                Course.summary.icontains(words, autoescape=True),
                Course.category.icontains(words, autoescape=True),
            )
        )
    sessions = _bookable_sessions(ctx)
    if filters.starts_from:
        sessions = sessions.where(CourseSession.start_date >= filters.starts_from)
    if filters.starts_to:
        sessions = sessions.where(CourseSession.start_date <= filters.starts_to)
    if filters.with_places:
        sessions = sessions.where(CourseSession.booked_spots < CourseSession.available_spots)
    if filters.location:
        # A session's venue, or else its course's location, says where it is.
        courses = courses.where(
            or_(
                Course.location == filters.location,
                Course.id.in_(
                    select(CourseSession.course_id).where(
                        CourseSession.tenant_id == ctx.tenant_id, CourseSession.venue == filters.location
                    )
                ),
            )
        )
    if filters.starts_from or filters.starts_to or filters.with_places:
        courses = courses.where(
            sessions.with_only_columns(CourseSession.id).where(CourseSession.course_id == Course.id).exists()
        )
    total = await session.scalar(select(func.count()).select_from(courses.subquery())) or 0
    found = list(await session.scalars(courses.order_by(Course.title, Course.id).limit(limit).offset(offset)))
    by_course: dict[str, list[SessionCard]] = {course.id: [] for course in found}
    if found:
        rows = await session.scalars(
            sessions.where(CourseSession.course_id.in_(by_course)).order_by(CourseSession.starts_at, CourseSession.id)
        )
        for row in rows:
            by_course[row.course_id].append(_card(row))
    return [CourseCard(course, by_course[course.id]) for course in found], total


async def upcoming(session: AsyncSession, ctx: TenantContext, limit: int = 6) -> list[tuple[Course, SessionCard]]:
    """The next sessions of the centre, soonest first, with their courses (for the home page)."""
    rows = await session.execute(
        _bookable_sessions(ctx)
        .add_columns(Course)
        .join(Course, Course.id == CourseSession.course_id)
        .where(Course.is_active.is_(True))
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(limit)
    )
    return [(course, _card(row)) for row, course in rows]


async def categories(session: AsyncSession, ctx: TenantContext) -> list[tuple[str, int]]:
    """Each category of the active courses, with how many courses it has."""
    rows = await session.execute(
        select(Course.category, func.count())
        .where(Course.tenant_id == ctx.tenant_id, Course.is_active.is_(True), Course.category != "")
        .group_by(Course.category)
        .order_by(Course.category)
    )
    return [(name, count) for name, count in rows]


async def locations(session: AsyncSession, ctx: TenantContext) -> list[str]:
    """Where the active courses run: course locations and session venues."""
    course_places = select(Course.location.label("place")).where(
        Course.tenant_id == ctx.tenant_id, Course.is_active.is_(True), Course.location != ""
    )
    venues = (
        _bookable_sessions(ctx).with_only_columns(CourseSession.venue.label("place")).where(CourseSession.venue != "")
    )
    union = course_places.union(venues).subquery()
    return list(await session.scalars(select(union.c.place).order_by(union.c.place)))


async def course_with_sessions(session: AsyncSession, ctx: TenantContext, course_id: str) -> CourseCard:
    """A course's page: the course (active only) and every upcoming session; 404 for anything else."""
    course = await get_course(session, ctx, course_id, public=True)
    rows = await session.scalars(
        _bookable_sessions(ctx)
        .where(CourseSession.course_id == course.id)
        .order_by(CourseSession.starts_at, CourseSession.id)
    )
    return CourseCard(course, [_card(row) for row in rows])
