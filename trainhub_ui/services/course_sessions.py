"""Scheduling a course's sessions, once or weekly, changing them, opening and closing them for booking,
and removing one nobody has booked.

A change of a session's dates, times or venue is recorded as a "session.changed" audit entry with
`changes={field: [old, new]}` (snake_case field names, ISO dates, "HH:MM" times), and the people booked
on it are told by email.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any, ClassVar

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, Course, CourseSession, StaffUser
from trainhub_ui.booking.places import capacity_changed, offer_places
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput
from trainhub_ui.domain.formatting import clock_text, day_text
from trainhub_ui.domain.inputs import MAX_TEXT, Changes, Clock, Flag, Id, IsoDate, ServiceInput, is_id, whole, words
from trainhub_ui.notify import emails

from .courses import MAX_CAPACITY, lock_course
from .session_lists import get_session, lock_session_of_course, with_instructor
from .session_schedule import MAX_YEARS_AHEAD, Repetition, Schedule, check_schedule, check_start_day, repeat_dates

Places = whole(1, MAX_CAPACITY, "the number of places")
Notes = words(MAX_TEXT, strip=False)
Venue = words(300)


class NewSession(ServiceInput):
    """A session to schedule; the API's body of POST /courses/{courseId}/sessions. Left out: `end_date`
    from the course's days, `available_spots` its capacity, `venue` its location."""

    start_date: IsoDate
    start_time: Clock
    end_time: Clock
    end_date: IsoDate | None = None
    available_spots: Places | None = None
    instructor_notes: Notes = ""
    instructor_id: Id | None = None
    venue: Venue | None = None
    is_active: Flag = True


class SessionChanges(Changes):
    """Changes to a session; the API's body of PATCH .../sessions/{sessionId}. A field left out is kept;
    a null instructor takes the instructor off the session."""

    may_be_cleared: ClassVar[frozenset[str]] = frozenset({"instructor_id"})

    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    start_time: Clock | None = None
    end_time: Clock | None = None
    available_spots: Places | None = None
    instructor_notes: Notes | None = None
    instructor_id: Id | None = None
    venue: Venue | None = None
    is_active: Flag | None = None


def _wire(value: Any) -> Any:
    """A value as the audit trail keeps it (JSON)."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


async def _instructor(session: AsyncSession, ctx: TenantContext, instructor_id: object) -> str | None:
    if instructor_id is None:
        return None
    if not isinstance(instructor_id, str) or not is_id(instructor_id):
        raise InvalidInput("instructorId", "Choose an instructor from this centre's staff.")
    found = await session.scalar(
        select(StaffUser.id).where(
            StaffUser.tenant_id == ctx.tenant_id, StaffUser.id == instructor_id, StaffUser.is_active.is_(True)
        )
    )
    if found is None:
        raise InvalidInput("instructorId", "Choose an instructor from this centre's staff.")
    return found


def _planned_session(
    ctx: TenantContext, course: Course, details: NewSession, instructor_id: str | None
) -> CourseSession:
    """A checked, unsaved session of `course`; the instructor has been checked by the caller."""
    start_date = check_start_day(ctx, details.start_date)
    end_date = details.end_date
    if end_date is None:
        end_date = start_date + timedelta(days=course.duration_days - 1)
    plan = Schedule(start_date, end_date, details.start_time, details.end_time)
    starts_at = check_schedule(ctx, plan, start_moved=True)
    spots = course.default_capacity if details.available_spots is None else details.available_spots
    venue = course.location if details.venue is None else details.venue
    return CourseSession(
        tenant_id=ctx.tenant_id,
        course_id=course.id,
        start_date=plan.start_date,
        end_date=plan.end_date,
        start_time=plan.start_time,
        end_time=plan.end_time,
        starts_at=starts_at,
        available_spots=spots,
        instructor_notes=details.instructor_notes,
        instructor_id=instructor_id,
        venue=venue,
        is_active=details.is_active,
        is_completed=False,
    )


def _record_created(session: AsyncSession, ctx: TenantContext, item: CourseSession) -> None:
    audit.record(
        session,
        ctx,
        "session.created",
        "course_session",
        item.id,
        course_id=item.course_id,
        start_date=item.start_date.isoformat(),
        available_spots=item.available_spots,
    )


async def create_session(
    session: AsyncSession, ctx: TenantContext, course_id: str, details: NewSession
) -> CourseSession:
    """Schedule a session of a course. It must start in the future; gaps are filled from the course."""
    # Locked so that the course cannot be deleted while its new session is being added.
    course = await lock_course(session, ctx, course_id)
    instructor_id = await _instructor(session, ctx, details.instructor_id)
    item = _planned_session(ctx, course, details, instructor_id)
    session.add(item)
    await session.flush()
    _record_created(session, ctx, item)
    return await get_session(session, ctx, course.id, item.id)


async def create_repeated_sessions(
    session: AsyncSession, ctx: TenantContext, course_id: str, details: NewSession, repetition: Repetition
) -> list[CourseSession]:
    """Schedule a run of sessions in one go (every Monday for 8 weeks, say), all or none.

    Each is `details` moved to its own date; a session of several days keeps its length.
    """
    course = await lock_course(session, ctx, course_id)
    starts = repeat_dates(check_start_day(ctx, details.start_date), repetition)
    last_allowed = ctx.today() + timedelta(days=366 * MAX_YEARS_AHEAD)
    if starts[-1] > last_allowed:
        raise InvalidInput("repeatCount", f"The last session would be more than {MAX_YEARS_AHEAD} years ahead.")
    length = None if details.end_date is None else details.end_date - details.start_date
    instructor_id = await _instructor(session, ctx, details.instructor_id)
    items = [
        _planned_session(
            ctx,
            course,
            details.model_copy(update={"start_date": day, "end_date": None if length is None else day + length}),
            instructor_id,
        )
        for day in starts
    ]
    session.add_all(items)
    await session.flush()
    for item in items:
        _record_created(session, ctx, item)
    audit.record(
        session,
        ctx,
        "session.series_created",
        "course",
        course.id,
        sessions=len(items),
        every_weeks=repetition.every_weeks,
        first=starts[0].isoformat(),
        last=starts[-1].isoformat(),
    )
    rows = await session.scalars(
        with_instructor(ctx, select(CourseSession).where(CourseSession.id.in_([item.id for item in items])))
        .order_by(CourseSession.start_date, CourseSession.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


# The fields a booked student is told about when they change.
SCHEDULE_FIELDS = ("start_date", "end_date", "start_time", "end_time", "venue")


def _schedule_in_words(item: CourseSession, locale: str) -> list[tuple[str, str]]:
    """What a student is told when it changes: the days, the hours and the venue."""
    days = day_text(item.start_date, locale, "day")
    if item.end_date != item.start_date:
        days = f"{day_text(item.start_date, locale, 'day_no_year')} – {day_text(item.end_date, locale, 'day')}"
    return [
        ("Dates", days),
        ("Times", f"{clock_text(item.start_time, locale)}–{clock_text(item.end_time, locale)}"),
        ("Venue", item.venue or "the course's usual venue"),
    ]


async def _checked_session_changes(
    session: AsyncSession, ctx: TenantContext, item: CourseSession, changes: SessionChanges
) -> dict[str, Any]:
    """The changes, with a new instructor checked against the centre's staff; dates and times are checked
    together by check_schedule."""
    checked = changes.given()
    if "instructor_id" in checked and checked["instructor_id"] != item.instructor_id:
        checked["instructor_id"] = await _instructor(session, ctx, checked["instructor_id"])
    return checked


async def update_session(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, changes: SessionChanges
) -> CourseSession:
    """Change some fields of a session, keeping its dates, times and capacity consistent.

    Capacity cannot go below the places already taken; a completed session is not edited.
    """
    item = await lock_session_of_course(session, ctx, course_id, session_id)
    if item.is_completed:
        raise DomainError("session_completed", "This session has been completed and can no longer be edited.")
    if item.cancelled_at is not None:
        raise DomainError("session_cancelled", "This session has been cancelled and can no longer be edited.")
    checked = await _checked_session_changes(session, ctx, item, changes)
    changed = {name: (getattr(item, name), value) for name, value in checked.items() if getattr(item, name) != value}
    if not changed:
        return await get_session(session, ctx, item.course_id, item.id)

    if "available_spots" in changed and changed["available_spots"][1] < item.booked_spots:
        raise DomainError(
            "capacity_below_booked",
            f"{item.booked_spots} places are already taken; the capacity cannot go below that.",
            field="availableSpots",
        )
    plan = Schedule(
        start_date=checked.get("start_date", item.start_date),
        end_date=checked.get("end_date", item.end_date),
        start_time=checked.get("start_time", item.start_time),
        end_time=checked.get("end_time", item.end_time),
    )
    starts_at = check_schedule(ctx, plan, start_moved="start_date" in changed or "start_time" in changed)
    before = _schedule_in_words(item, ctx.tenant.locale)
    for name, (_old, new) in changed.items():
        setattr(item, name, new)
    if starts_at is not None:
        item.starts_at = starts_at
    await session.flush()
    told = [
        emails.Change(what, was, now)
        for (what, was), (_, now) in zip(before, _schedule_in_words(item, ctx.tenant.locale), strict=True)
        if was != now
    ]
    if told:
        await emails.session_changed(session, ctx, item, told)

    schedule = {name: [_wire(old), _wire(new)] for name, (old, new) in changed.items() if name in SCHEDULE_FIELDS}
    other = {name: [_wire(old), _wire(new)] for name, (old, new) in changed.items() if name not in SCHEDULE_FIELDS}
    if schedule:
        audit.record(session, ctx, "session.changed", "course_session", item.id, changes=schedule)
    if other:
        audit.record(session, ctx, "session.updated", "course_session", item.id, changes=other)
    if "available_spots" in changed or "is_active" in changed:
        # More places, or a session open again: the waiting list hears first.
        await offer_places(session, ctx, item, ctx.now())
        capacity_changed(session, ctx, item)
    return await get_session(session, ctx, item.course_id, item.id)


async def delete_session(session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str) -> None:
    """Remove a session nobody has ever booked; one with bookings is deactivated or cancelled instead."""
    item = await lock_session_of_course(session, ctx, course_id, session_id)
    # The engine's lock lets bookings of the session be inserted meanwhile; deleting must stop them too.
    await session.execute(select(CourseSession.id).where(CourseSession.id == item.id).with_for_update())
    booked = item.booked_spots > 0 or await session.scalar(
        select(exists().where(Booking.tenant_id == ctx.tenant_id, Booking.session_id == item.id))
    )
    if booked:
        raise DomainError(
            "session_has_bookings",
            "This session has bookings, so it cannot be deleted; deactivate or cancel it instead.",
        )
    await session.execute(
        delete(CourseSession).where(CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == item.id)
    )
    audit.record(
        session,
        ctx,
        "session.deleted",
        "course_session",
        item.id,
        course_id=item.course_id,
        start_date=item.start_date.isoformat(),
    )


async def set_session_active(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, active: bool
) -> CourseSession:
    """Open a session for bookings, or stop it taking new ones; the bookings already made stand either way."""
    return await update_session(session, ctx, course_id, session_id, SessionChanges(is_active=active))
