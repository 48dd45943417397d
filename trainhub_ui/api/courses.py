"""API: courses and their dated sessions.

Reads need no token and then show the public view: active courses, active and not cancelled
sessions, and never instructor notes. A token of the centre sees everything. Writes need a token
with the STAFF role or above.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from models import Course, CourseSession
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import course_sessions, courses, session_lists

from .access import MayChangeTimetable, Reader, Visitor, Writer
from .common import ERROR_RESPONSES, ApiModel, Page, Paging

router = APIRouter(prefix="/tenant/{slug}", tags=["courses"], responses=ERROR_RESPONSES)

# The caller comes first in every route: on SQLite the write transaction holds the database's write
# lock, and recording the token's last use needs it too.
Staff = MayChangeTimetable
CourseId = Annotated[str, Path(alias="courseId")]
SessionId = Annotated[str, Path(alias="sessionId")]
PagingQuery = Annotated[Paging, Depends()]


# --- dates and times on the wire -------------------------------------------------------------------


def _hh_mm(value: time) -> str:
    return value.strftime("%H:%M")


# --- courses ---------------------------------------------------------------------------------------


class CourseOut(ApiModel):
    id: str
    title: str
    slug: str
    category: str
    summary: str
    description: str
    requirements: str
    location: str
    duration_days: int
    duration_hours: int
    price: int
    currency: str
    default_capacity: int
    certificate_validity_months: int | None
    is_active: bool


def course_answer(ctx: TenantContext, course: Course) -> CourseOut:
    return CourseOut(
        id=course.id,
        title=course.title,
        slug=course.slug,
        category=course.category,
        summary=course.summary,
        description=course.description,
        requirements=course.requirements,
        location=course.location,
        duration_days=course.duration_days,
        duration_hours=course.duration_hours,
        price=course.price,
        currency=ctx.tenant.currency,
        default_capacity=course.default_capacity,
        certificate_validity_months=course.certificate_validity_months,
        is_active=course.is_active,
    )


@router.get("/courses")
async def list_courses(
    ctx: Visitor,
    session: Reader,
    paging: PagingQuery,
    category: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title")] = None,
    active: Annotated[bool | None, Query(description="With a token only")] = None,
) -> Page[CourseOut]:
    """The centre's courses by title. Without a token, active courses only."""
    items, total = await courses.list_courses(
        session,
        ctx,
        public=not ctx.may(Permission.TIMETABLE),
        category=category,
        q=q,
        active=active,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[CourseOut](items=[course_answer(ctx, course) for course in items], total=total)


@router.post("/courses", status_code=201)
async def create_course(ctx: Staff, session: Writer, body: courses.NewCourse) -> CourseOut:
    course = await courses.create_course(session, ctx, body)
    return course_answer(ctx, course)


@router.get("/courses/{courseId}")
async def get_course(ctx: Visitor, session: Reader, course_id: CourseId) -> CourseOut:
    course = await courses.get_course(session, ctx, course_id, public=not ctx.may(Permission.TIMETABLE))
    return course_answer(ctx, course)


@router.patch("/courses/{courseId}")
async def update_course(ctx: Staff, session: Writer, course_id: CourseId, body: courses.CourseChanges) -> CourseOut:
    course = await courses.update_course(session, ctx, course_id, body)
    return course_answer(ctx, course)


@router.delete("/courses/{courseId}", status_code=204, response_class=Response)
async def delete_course(ctx: Staff, session: Writer, course_id: CourseId) -> Response:
    """Refused with 409 `course_has_bookings` once anyone has booked on one of its sessions."""
    await courses.delete_course(session, ctx, course_id)
    return Response(status_code=204)


# --- sessions --------------------------------------------------------------------------------------


class SessionOut(ApiModel):
    """Dates and times are the centre's local ones; `startsAt` is the same start as a UTC moment."""

    id: str
    course_id: str
    start_date: date
    end_date: date
    start_time: str
    end_time: str
    starts_at: datetime
    available_spots: int
    booked_spots: int
    remaining_spots: int
    is_active: bool
    is_completed: bool
    instructor_id: str | None
    instructor: str | None
    venue: str
    instructor_notes: str | None = None  # staff only: left out of the public answer altogether


def session_answer(ctx: TenantContext, item: CourseSession) -> SessionOut:
    answer = SessionOut(
        id=item.id,
        course_id=item.course_id,
        start_date=item.start_date,
        end_date=item.end_date,
        start_time=_hh_mm(item.start_time),
        end_time=_hh_mm(item.end_time),
        starts_at=item.starts_at,
        available_spots=item.available_spots,
        booked_spots=item.booked_spots,
        remaining_spots=item.remaining_spots,
        is_active=item.is_active,
        is_completed=item.is_completed,
        instructor_id=item.instructor_id,
        instructor=item.instructor.name if item.instructor is not None else None,
        venue=item.venue,
    )
    if ctx.may(Permission.SESSIONS_TAUGHT):
        answer.instructor_notes = item.instructor_notes  # marks the field set, so it is answered
    return answer


@router.get("/courses/{courseId}/sessions", response_model_exclude_unset=True)
async def list_sessions(
    ctx: Visitor,
    session: Reader,
    course_id: CourseId,
    paging: PagingQuery,
    starts_from: Annotated[date | None, Query(alias="from", description="Starting on or after")] = None,
    starts_to: Annotated[date | None, Query(alias="to", description="Starting on or before")] = None,
    include_past: Annotated[bool, Query(alias="includePast", description="Also sessions that have ended")] = False,
) -> Page[SessionOut]:
    """A course's sessions by date. Without a token, active and not cancelled ones, without instructor notes."""
    items, total = await session_lists.list_sessions(
        session,
        ctx,
        course_id,
        public=not ctx.may(Permission.TIMETABLE),
        starts_from=starts_from,
        starts_to=starts_to,
        include_past=include_past,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[SessionOut](items=[session_answer(ctx, item) for item in items], total=total)


@router.post("/courses/{courseId}/sessions", status_code=201, response_model_exclude_unset=True)
async def create_session(
    ctx: Staff, session: Writer, course_id: CourseId, body: course_sessions.NewSession
) -> SessionOut:
    """Refused with 422 `startDate` when the session would start in the past."""
    item = await course_sessions.create_session(session, ctx, course_id, body)
    return session_answer(ctx, item)


@router.get("/courses/{courseId}/sessions/{sessionId}", response_model_exclude_unset=True)
async def get_session(ctx: Visitor, session: Reader, course_id: CourseId, session_id: SessionId) -> SessionOut:
    item = await session_lists.get_session(
        session, ctx, course_id, session_id, public=not ctx.may(Permission.TIMETABLE)
    )
    return session_answer(ctx, item)


@router.patch("/courses/{courseId}/sessions/{sessionId}", response_model_exclude_unset=True)
async def update_session(
    ctx: Staff, session: Writer, course_id: CourseId, session_id: SessionId, body: course_sessions.SessionChanges
) -> SessionOut:
    """Capacity below the places taken is 409 `capacity_below_booked`; a completed session 409 `session_completed`."""
    item = await course_sessions.update_session(session, ctx, course_id, session_id, body)
    return session_answer(ctx, item)


@router.delete("/courses/{courseId}/sessions/{sessionId}", status_code=204, response_class=Response)
async def delete_session(ctx: Staff, session: Writer, course_id: CourseId, session_id: SessionId) -> Response:
    """Refused with 409 `session_has_bookings` when anyone has booked: deactivate or cancel it instead."""
    await course_sessions.delete_session(session, ctx, course_id, session_id)
    return Response(status_code=204)
