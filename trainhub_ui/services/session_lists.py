"""Finding a course's sessions: one session, a page of them in date order, and the staff who may lead one.

Reads come in two views. The public view (the centre's website, a caller without a token) sees active,
not cancelled sessions of active courses; staff see everything. Instructor notes are internal: the public
view never carries them, which the caller of these functions keeps by not showing them when `public` is
set.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import CourseSession, StaffUser
from trainhub_ui.booking.places import lock_session
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.domain.inputs import is_id

from .courses import get_course


def _session_visible(ctx: TenantContext, *, public: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [CourseSession.tenant_id == ctx.tenant_id]
    if public:
        conditions += [CourseSession.is_active.is_(True), CourseSession.cancelled_at.is_(None)]
    return conditions


def with_instructor(ctx: TenantContext, statement: Select[tuple[CourseSession]]) -> Select[tuple[CourseSession]]:
    return statement.options(joinedload(CourseSession.instructor.and_(StaffUser.tenant_id == ctx.tenant_id)))


async def get_session(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, *, public: bool = False
) -> CourseSession:
    """A session of this course, with its instructor loaded; in the public view only a visible one."""
    course = await get_course(session, ctx, course_id, public=public)
    if not is_id(session_id):
        raise NotFound("Session")
    item = await session.scalar(
        with_instructor(
            ctx,
            select(CourseSession).where(
                CourseSession.id == session_id,
                CourseSession.course_id == course.id,
                *_session_visible(ctx, public=public),
            ),
        ).execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound("Session")
    return item


async def lock_session_of_course(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str
) -> CourseSession:
    """The session row, locked as the booking engine locks it, so capacity checks see the true count."""
    if not is_id(course_id) or not is_id(session_id):
        raise NotFound("Session")
    item = await lock_session(session, ctx, session_id)
    if item.course_id != course_id:
        raise NotFound("Session")
    return item


async def list_sessions(
    session: AsyncSession,
    ctx: TenantContext,
    course_id: str,
    *,
    public: bool,
    starts_from: date | None = None,
    starts_to: date | None = None,
    include_past: bool = False,
    past_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CourseSession], int]:
    """A page of a course's sessions in date order, and how many match in all.

    Without `include_past` only sessions that have not ended (by the centre's calendar) are listed;
    with `past_only` only those that have, the latest first.
    """
    course = await get_course(session, ctx, course_id, public=public)
    conditions = [CourseSession.course_id == course.id, *_session_visible(ctx, public=public)]
    if starts_from is not None:
        conditions.append(CourseSession.start_date >= starts_from)
    if starts_to is not None:
        conditions.append(CourseSession.start_date <= starts_to)
    today = ctx.today()
    if past_only:
        conditions.append(CourseSession.end_date < today)
    elif not include_past:
        conditions.append(CourseSession.end_date >= today)
    total = await session.scalar(select(func.count()).select_from(CourseSession).where(*conditions))
    order = [CourseSession.start_date, CourseSession.start_time, CourseSession.id]
    if past_only:
        order = [column.desc() for column in order]
    rows = await session.scalars(
        with_instructor(ctx, select(CourseSession).where(*conditions)).order_by(*order).limit(limit).offset(offset)
    )
    return list(rows), total or 0


async def instructors(session: AsyncSession, ctx: TenantContext) -> list[StaffUser]:
    """The centre's active staff, any of whom may lead a session, by name."""
    return list(
        await session.scalars(
            select(StaffUser)
            .where(StaffUser.tenant_id == ctx.tenant_id, StaffUser.is_active.is_(True))
            .order_by(StaffUser.name, StaffUser.id)
        )
    )
