"""The catalogue: a centre's courses and their dated sessions.

Reads come in two views. The public view (the centre's website, a caller without a token) sees
active courses and active, not cancelled sessions; staff see everything. Instructor notes are
internal: the public view never carries them, which the caller of these functions keeps by not
showing them when `public` is set.

A change of a session's dates, times or venue is recorded as a "session.changed" audit entry with
`changes={field: [old, new]}` (snake_case field names, ISO dates, "HH:MM" times), so the people
booked on it can be told.

A course is archived by making it inactive: off the public site, its sessions and bookings kept. A
session is cancelled by the centre with `cancel_session`: every booking on it is cancelled and
refunded in full, and its waiting list is closed.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import (
    LIVE_BOOKING_STATUSES,
    Achievement,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Payment,
    PaymentStatus,
    StaffUser,
    Tenant,
    WaitingListEntry,
    WaitingListStatus,
)
from trainhub_ui.booking import places
from trainhub_ui.booking.places import capacity_changed, lock_session, offer_places, release_lapsed
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.notify import emails
from trainhub_ui.payments import PaymentProvider

from .bookings import cancel_booking
from .refunds import refund_by_policy

MAX_PRICE = 100_000_000
MAX_CAPACITY = 500
MAX_DURATION_DAYS = 365
MAX_DURATION_HOURS = 10_000
MAX_CERTIFICATE_MONTHS = 600
MAX_LONG_TEXT = 10_000
# Far enough ahead for any real timetable, near enough that local-to-UTC arithmetic never overflows.
MAX_YEARS_AHEAD = 10
SLUG_MAX = 120
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Ids are UUIDs; anything longer or with a NUL cannot be one, and PostgreSQL refuses a NUL outright.
MAX_ID_LENGTH = 64
# A year of weekly sessions at most in one go; a longer timetable is made a year at a time.
MAX_REPEATS = 52
MAX_REPEAT_WEEKS = 12
MAX_REASON = 2000


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""In a `...Changes`, a field left as KEEP is not changed."""


# --- what callers pass in --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCourse:
    title: str
    price: int
    slug: str | None = None  # None: made from the title
    category: str = ""
    summary: str = ""
    description: str = ""
    requirements: str = ""
    location: str = ""
    duration_days: int = 1
    duration_hours: int = 0
    currency: str | None = None  # None: the centre's; otherwise it must be the centre's
    default_capacity: int = 12
    certificate_validity_months: int | None = None
    is_active: bool = True


@dataclass(frozen=True)
class CourseChanges:
    title: str | _Keep = KEEP
    slug: str | _Keep = KEEP
    category: str | _Keep = KEEP
    summary: str | _Keep = KEEP
    description: str | _Keep = KEEP
    requirements: str | _Keep = KEEP
    location: str | _Keep = KEEP
    duration_days: int | _Keep = KEEP
    duration_hours: int | _Keep = KEEP
    price: int | _Keep = KEEP
    currency: str | _Keep = KEEP
    default_capacity: int | _Keep = KEEP
    certificate_validity_months: int | _Keep | None = KEEP
    is_active: bool | _Keep = KEEP


@dataclass(frozen=True)
class NewSession:
    start_date: date
    start_time: time
    end_time: time
    end_date: date | None = None  # None: as many days as the course lasts
    available_spots: int | None = None  # None: the course's default capacity
    instructor_notes: str = ""
    instructor_id: str | None = None
    venue: str | None = None  # None: the course's location
    is_active: bool = True


@dataclass(frozen=True)
class SessionChanges:
    start_date: date | _Keep = KEEP
    end_date: date | _Keep = KEEP
    start_time: time | _Keep = KEEP
    end_time: time | _Keep = KEEP
    available_spots: int | _Keep = KEEP
    instructor_notes: str | _Keep = KEEP
    instructor_id: str | _Keep | None = KEEP
    venue: str | _Keep = KEEP
    is_active: bool | _Keep = KEEP


def _given(changes: CourseChanges | SessionChanges) -> dict[str, Any]:
    return {f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not KEEP}


# --- time at the centre ----------------------------------------------------------------------------


def session_starts_at(tenant: Tenant, day: date, at: time) -> datetime:
    """The UTC moment a session starts: its local date and time read in the centre's timezone."""
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=ZoneInfo(tenant.timezone)).astimezone(UTC)


# --- checking input --------------------------------------------------------------------------------


def _text(field: str, value: object, max_length: int, *, strip: bool = True, required: str | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, "Enter text.")
    if strip:
        value = value.strip()
    if required and not value:
        raise InvalidInput(field, required)
    if len(value) > max_length:
        raise InvalidInput(field, f"Use at most {max_length} characters.")
    if "\x00" in value:
        raise InvalidInput(field, "Remove the NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(field, "Use valid Unicode text.") from None
    return value


def _whole(field: str, value: object, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(field, f"Give {what} as a whole number.")
    if not low <= value <= high:
        raise InvalidInput(field, f"Give {what} from {low} to {high}.")
    return value


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, "Give true or false.")
    return value


def _slug(value: object) -> str:
    slug = _text("slug", value, SLUG_MAX, required="Give the course an address (slug).")
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput("slug", "Use lowercase letters, digits and single hyphens, like “acs-ccn1”.")
    return slug


def _currency(ctx: TenantContext, value: object) -> None:
    given = _text("currency", value, 3, required="Give a currency code.").upper()
    if given != ctx.tenant.currency:
        raise InvalidInput("currency", f"Prices at this centre are in {ctx.tenant.currency}.")


def _is_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


def slug_from_title(title: str) -> str:
    """A course address made from its title: “ACS CCN1 (Domestic)” -> “acs-ccn1-domestic”."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "course"


def _course_fields(ctx: TenantContext, given: dict[str, Any]) -> dict[str, Any]:
    """The checked values of the course fields in `given` (currency is checked, not stored)."""
    checks = {
        "title": lambda v: _text("title", v, 200, required="Give the course a title."),
        "slug": _slug,
        "category": lambda v: _text("category", v, 100),
        "summary": lambda v: _text("summary", v, 500),
        "description": lambda v: _text("description", v, MAX_LONG_TEXT, strip=False),
        "requirements": lambda v: _text("requirements", v, MAX_LONG_TEXT, strip=False),
        "location": lambda v: _text("location", v, 200),
        "duration_days": lambda v: _whole("durationDays", v, 1, MAX_DURATION_DAYS, "the number of days"),
        "duration_hours": lambda v: _whole("durationHours", v, 0, MAX_DURATION_HOURS, "the number of hours"),
        "price": lambda v: _whole("price", v, 0, MAX_PRICE, "the price in minor units (pence)"),
        "default_capacity": lambda v: _whole("defaultCapacity", v, 1, MAX_CAPACITY, "the capacity"),
        "certificate_validity_months": lambda v: (
            None if v is None else _whole("certificateValidityMonths", v, 1, MAX_CERTIFICATE_MONTHS, "the months")
        ),
        "is_active": lambda v: _flag("isActive", v),
    }
    checked: dict[str, Any] = {}
    for name, value in given.items():
        if name == "currency":
            if value is not None:
                _currency(ctx, value)
            continue
        checked[name] = checks[name](value)
    return checked


def _wire(value: Any) -> Any:
    """A value as the audit trail keeps it (JSON)."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- courses -------------------------------------------------------------------------------------


def _course_visible(ctx: TenantContext, *, public: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Course.tenant_id == ctx.tenant_id]
    if public:
        conditions.append(Course.is_active.is_(True))
    return conditions


async def get_course(session: AsyncSession, ctx: TenantContext, course_id: str, *, public: bool = False) -> Course:
    """A course of this centre; another centre's id, or an inactive course in the public view, is NotFound."""
    if not _is_id(course_id):
        raise NotFound("Course")
    course = await session.scalar(select(Course).where(Course.id == course_id, *_course_visible(ctx, public=public)))
    if course is None:
        raise NotFound("Course")
    return course


async def _lock_course(session: AsyncSession, ctx: TenantContext, course_id: str) -> Course:
    if not _is_id(course_id):
        raise NotFound("Course")
    course = await session.scalar(
        select(Course)
        .where(Course.tenant_id == ctx.tenant_id, Course.id == course_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if course is None:
        raise NotFound("Course")
    return course


async def list_courses(
    session: AsyncSession,
    ctx: TenantContext,
    *,
    public: bool,
    category: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Course], int]:
    """A page of the centre's courses by title, and how many match in all.

    The public view lists active courses only and ignores `active`.
    """
    conditions = _course_visible(ctx, public=public)
    if category := _text("category", category or "", 200):
        conditions.append(Course.category == category)
    if q := _text("q", q or "", 200):
        conditions.append(Course.title.icontains(q, autoescape=True))
    if active is not None and not public:
        conditions.append(Course.is_active.is_(active))
    total = await session.scalar(select(func.count()).select_from(Course).where(*conditions))
    rows = await session.scalars(
        select(Course).where(*conditions).order_by(Course.title, Course.id).limit(limit).offset(offset)
    )
    return list(rows), total or 0


async def _slug_taken(session: AsyncSession, ctx: TenantContext, slug: str, *, other_than: str | None = None) -> bool:
    statement = select(Course.id).where(Course.tenant_id == ctx.tenant_id, Course.slug == slug)
    if other_than is not None:
        statement = statement.where(Course.id != other_than)
    return await session.scalar(statement) is not None


async def _free_slug(session: AsyncSession, ctx: TenantContext, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever this centre has not used yet."""
    base = base[: SLUG_MAX - 4].rstrip("-")
    taken = set(
        await session.scalars(
            select(Course.slug).where(
                Course.tenant_id == ctx.tenant_id,
                or_(Course.slug == base, Course.slug.startswith(base + "-", autoescape=True)),
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _slug_in_use(slug: str) -> DomainError:
    return DomainError("course_slug_taken", f"Another course of this centre already uses “{slug}”.", field="slug")


async def create_course(session: AsyncSession, ctx: TenantContext, details: NewCourse) -> Course:
    """Add a course to the catalogue; without a slug one is made from the title, unique in the centre."""
    given = {f.name: getattr(details, f.name) for f in fields(details)}
    chosen_slug = given.pop("slug")
    values = _course_fields(ctx, given)
    if chosen_slug is not None:
        values["slug"] = _slug(chosen_slug)
        if await _slug_taken(session, ctx, values["slug"]):
            raise _slug_in_use(values["slug"])
    # Two courses with the same title may be added at once; the loser of the race takes the next suffix.
    for _attempt in range(3):
        slug = values.get("slug") or await _free_slug(session, ctx, slug_from_title(values["title"]))
        course = Course(tenant_id=ctx.tenant_id, **{**values, "slug": slug})
        try:
            async with session.begin_nested():
                session.add(course)
                await session.flush()
        except IntegrityError:
            if chosen_slug is not None:
                raise _slug_in_use(slug) from None
            continue
        audit.record(session, ctx, "course.created", "course", course.id, title=course.title, slug=course.slug)
        return course
    raise DomainError("course_slug_taken", "Too many courses were added at once; try again.", field="slug")


async def update_course(session: AsyncSession, ctx: TenantContext, course_id: str, changes: CourseChanges) -> Course:
    """Change some fields of a course; the slug must stay unique in the centre."""
    course = await _lock_course(session, ctx, course_id)
    values = _course_fields(ctx, _given(changes))
    if "slug" in values and values["slug"] != course.slug and await _slug_taken(session, ctx, values["slug"]):
        raise _slug_in_use(values["slug"])
    changed = {}
    for name, value in values.items():
        old = getattr(course, name)
        if old != value:
            changed[name] = [old, value]
            setattr(course, name, value)
    if changed:
        await session.flush()
        audit.record(session, ctx, "course.updated", "course", course.id, changes=changed)
    return course


async def delete_course(session: AsyncSession, ctx: TenantContext, course_id: str) -> None:
    """Remove a course and its sessions; refused once anyone has booked on it or holds its certificate."""
    course = await _lock_course(session, ctx, course_id)
    # Locking the sessions first means no booking can slip onto one between the check and the delete.
    session_ids = select(CourseSession.id).where(
        CourseSession.tenant_id == ctx.tenant_id, CourseSession.course_id == course.id
    )
    await session.execute(session_ids.with_for_update())
    booked = await session.scalar(
        select(exists().where(Booking.tenant_id == ctx.tenant_id, Booking.session_id.in_(session_ids)))
    )
    if booked:
        raise DomainError(
            "course_has_bookings",
            "This course has bookings, so it cannot be deleted; make it inactive instead.",
        )
    certified = await session.scalar(
        select(exists().where(Achievement.tenant_id == ctx.tenant_id, Achievement.course_id == course.id))
    )
    if certified:
        raise DomainError(
            "course_has_certificates",
            "Certificates have been issued for this course, so it cannot be deleted; make it inactive instead.",
        )
    await session.execute(
        delete(CourseSession).where(CourseSession.tenant_id == ctx.tenant_id, CourseSession.course_id == course.id)
    )
    await session.execute(delete(Course).where(Course.tenant_id == ctx.tenant_id, Course.id == course.id))
    audit.record(session, ctx, "course.deleted", "course", course.id, title=course.title, slug=course.slug)


async def set_course_archived(session: AsyncSession, ctx: TenantContext, course_id: str, archived: bool) -> Course:
    """Archive a course (off the public site and the booking wizard; its sessions and bookings stay as they
    are), or bring it back."""
    return await update_course(session, ctx, course_id, CourseChanges(is_active=not archived))


@dataclass(frozen=True)
class CourseOutlook:
    """A course's sessions that have not ended and are not cancelled, and the places booked on them."""

    upcoming_sessions: int = 0
    places_booked: int = 0


async def course_outlooks(session: AsyncSession, ctx: TenantContext, course_ids: list[str]) -> dict[str, CourseOutlook]:
    """The outlook of each of the given courses, in one grouped query."""
    if not course_ids:
        return {}
    today = ctx.today()
    rows = await session.execute(
        select(
            CourseSession.course_id,
            func.count(CourseSession.id),
            func.coalesce(func.sum(CourseSession.booked_spots), 0),
        )
        .where(
            CourseSession.tenant_id == ctx.tenant_id,
            CourseSession.course_id.in_(course_ids),
            CourseSession.end_date >= today,
            CourseSession.cancelled_at.is_(None),
        )
        .group_by(CourseSession.course_id)
    )
    found = {course_id: CourseOutlook(int(count), int(booked)) for course_id, count, booked in rows}
    return {course_id: found.get(course_id, CourseOutlook()) for course_id in course_ids}


# --- sessions ------------------------------------------------------------------------------------


def _session_visible(ctx: TenantContext, *, public: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [CourseSession.tenant_id == ctx.tenant_id]
    if public:
        conditions += [CourseSession.is_active.is_(True), CourseSession.cancelled_at.is_(None)]
    return conditions


def _with_instructor(ctx: TenantContext, statement: Select[tuple[CourseSession]]) -> Select[tuple[CourseSession]]:
    return statement.options(joinedload(CourseSession.instructor.and_(StaffUser.tenant_id == ctx.tenant_id)))


async def get_session(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, *, public: bool = False
) -> CourseSession:
    """A session of this course, with its instructor loaded; in the public view only a visible one."""
    course = await get_course(session, ctx, course_id, public=public)
    if not _is_id(session_id):
        raise NotFound("Session")
    item = await session.scalar(
        _with_instructor(
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


async def _lock_session(session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str) -> CourseSession:
    """The session row, locked as the booking engine locks it, so capacity checks see the true count."""
    if not _is_id(course_id) or not _is_id(session_id):
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
        _with_instructor(ctx, select(CourseSession).where(*conditions)).order_by(*order).limit(limit).offset(offset)
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


async def _instructor(session: AsyncSession, ctx: TenantContext, instructor_id: object) -> str | None:
    if instructor_id is None:
        return None
    if not isinstance(instructor_id, str) or not _is_id(instructor_id):
        raise InvalidInput("instructorId", "Choose an instructor from this centre's staff.")
    found = await session.scalar(
        select(StaffUser.id).where(
            StaffUser.tenant_id == ctx.tenant_id, StaffUser.id == instructor_id, StaffUser.is_active.is_(True)
        )
    )
    if found is None:
        raise InvalidInput("instructorId", "Choose an instructor from this centre's staff.")
    return found


@dataclass(frozen=True)
class _Schedule:
    start_date: date
    end_date: date
    start_time: time
    end_time: time


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_schedule(ctx: TenantContext, plan: _Schedule, *, start_moved: bool) -> datetime | None:
    """The rules a session's dates and times keep together; the new start moment when the start moved."""
    if not _is_day(plan.start_date):
        raise InvalidInput("startDate", "Give the start date as a date.")
    if not _is_day(plan.end_date):
        raise InvalidInput("endDate", "Give the end date as a date.")
    if not isinstance(plan.start_time, time):
        raise InvalidInput("startTime", "Give the start time as HH:MM.")
    if not isinstance(plan.end_time, time):
        raise InvalidInput("endTime", "Give the end time as HH:MM.")
    if start_moved:
        _check_start_day(ctx, plan.start_date)
    if plan.end_date < plan.start_date:
        raise InvalidInput("endDate", "The end date cannot be before the start date.")
    if plan.end_date - plan.start_date >= timedelta(days=MAX_DURATION_DAYS):
        raise InvalidInput("endDate", f"A session lasts at most {MAX_DURATION_DAYS} days.")
    if plan.end_time <= plan.start_time:
        raise InvalidInput("endTime", "The end time must be after the start time.")
    if not start_moved:
        return None
    starts_at = session_starts_at(ctx.tenant, plan.start_date, plan.start_time)
    if starts_at <= ctx.now():
        raise InvalidInput("startDate", "A session cannot start in the past.")
    return starts_at


def _check_start_day(ctx: TenantContext, day: object) -> date:
    """A start day in a sane window, checked before any arithmetic that would overflow at the calendar's ends."""
    if not _is_day(day):
        raise InvalidInput("startDate", "Give the start date as a date.")
    assert isinstance(day, date)
    today = ctx.today()
    if day < today - timedelta(days=1):
        raise InvalidInput("startDate", "A session cannot start in the past.")
    if day > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise InvalidInput("startDate", f"Schedule sessions at most {MAX_YEARS_AHEAD} years ahead.")
    return day


def _planned_session(
    ctx: TenantContext, course: Course, details: NewSession, instructor_id: str | None
) -> CourseSession:
    """A checked, unsaved session of `course`; the instructor has been checked by the caller."""
    start_date = _check_start_day(ctx, details.start_date)
    end_date = details.end_date
    if end_date is None:
        end_date = start_date + timedelta(days=course.duration_days - 1)
    plan = _Schedule(start_date, end_date, details.start_time, details.end_time)
    starts_at = _check_schedule(ctx, plan, start_moved=True)
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
        available_spots=_whole("availableSpots", spots, 1, MAX_CAPACITY, "the number of places"),
        instructor_notes=_text("instructorNotes", details.instructor_notes, MAX_LONG_TEXT, strip=False),
        instructor_id=instructor_id,
        venue=_text("venue", venue, 300),
        is_active=_flag("isActive", details.is_active),
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
    course = await _lock_course(session, ctx, course_id)
    instructor_id = await _instructor(session, ctx, details.instructor_id)
    item = _planned_session(ctx, course, details, instructor_id)
    session.add(item)
    await session.flush()
    _record_created(session, ctx, item)
    return await get_session(session, ctx, course.id, item.id)


@dataclass(frozen=True)
class Repetition:
    """`count` sessions in all, `every_weeks` weeks apart, on `weekday` (0 is Monday): the first falls on
    the first such weekday on or after the start date; without a weekday, on the start date itself."""

    count: int
    every_weeks: int = 1
    weekday: int | None = None


def repeat_dates(start: date, repetition: Repetition) -> list[date]:
    """The start dates of a repetition, checked: "every Monday for 8 weeks" from a Thursday starts next Monday."""
    if not _is_day(start):
        raise InvalidInput("startDate", "Give the start date as a date.")
    count = _whole("repeatCount", repetition.count, 1, MAX_REPEATS, "the number of sessions")
    every = _whole("repeatEveryWeeks", repetition.every_weeks, 1, MAX_REPEAT_WEEKS, "the weeks between sessions")
    first = start
    if repetition.weekday is not None:
        weekday = _whole("repeatWeekday", repetition.weekday, 0, 6, "the weekday")
        first = start + timedelta(days=(weekday - start.weekday()) % 7)
    return [first + timedelta(weeks=every * number) for number in range(count)]


async def create_repeated_sessions(
    session: AsyncSession, ctx: TenantContext, course_id: str, details: NewSession, repetition: Repetition
) -> list[CourseSession]:
    """Schedule a run of sessions in one go (every Monday for 8 weeks, say), all or none.

    Each is `details` moved to its own date; a session of several days keeps its length.
    """
    course = await _lock_course(session, ctx, course_id)
    starts = repeat_dates(_check_start_day(ctx, details.start_date), repetition)
    if details.end_date is not None and not _is_day(details.end_date):
        raise InvalidInput("endDate", "Give the end date as a date.")
    last_allowed = ctx.today() + timedelta(days=366 * MAX_YEARS_AHEAD)
    if starts[-1] > last_allowed:
        raise InvalidInput("repeatCount", f"The last session would be more than {MAX_YEARS_AHEAD} years ahead.")
    length = None if details.end_date is None else details.end_date - details.start_date
    instructor_id = await _instructor(session, ctx, details.instructor_id)
    items = [
        _planned_session(
            ctx,
            course,
            replace(details, start_date=day, end_date=None if length is None else day + length),
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
        _with_instructor(ctx, select(CourseSession).where(CourseSession.id.in_([item.id for item in items])))
        .order_by(CourseSession.start_date, CourseSession.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


# The fields a booked student is told about when they change.
SCHEDULE_FIELDS = ("start_date", "end_date", "start_time", "end_time", "venue")


def _schedule_in_words(item: CourseSession) -> list[tuple[str, str]]:
    """What a student is told when it changes: the days, the hours and the venue."""
    days = f"{item.start_date:%a %-d %b %Y}"
    if item.end_date != item.start_date:
        days = f"{item.start_date:%a %-d %b} – {item.end_date:%a %-d %b %Y}"
    return [
        ("Dates", days),
        ("Times", f"{item.start_time:%H:%M}–{item.end_time:%H:%M}"),
        ("Venue", item.venue or "the course's usual venue"),
    ]


async def _checked_session_changes(
    session: AsyncSession, ctx: TenantContext, item: CourseSession, given: dict[str, Any]
) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name, value in given.items():
        if name == "available_spots":
            checked[name] = _whole("availableSpots", value, 1, MAX_CAPACITY, "the number of places")
        elif name == "instructor_notes":
            checked[name] = _text("instructorNotes", value, MAX_LONG_TEXT, strip=False)
        elif name == "venue":
            checked[name] = _text("venue", value, 300)
        elif name == "is_active":
            checked[name] = _flag("isActive", value)
        elif name == "instructor_id":
            checked[name] = value if value == item.instructor_id else await _instructor(session, ctx, value)
        else:
            checked[name] = value  # dates and times: checked together, by _check_schedule
    return checked


async def update_session(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, changes: SessionChanges
) -> CourseSession:
    """Change some fields of a session, keeping its dates, times and capacity consistent.

    Capacity cannot go below the places already taken; a completed session is not edited.
    """
    item = await _lock_session(session, ctx, course_id, session_id)
    if item.is_completed:
        raise DomainError("session_completed", "This session has been completed and can no longer be edited.")
    if item.cancelled_at is not None:
        raise DomainError("session_cancelled", "This session has been cancelled and can no longer be edited.")
    checked = await _checked_session_changes(session, ctx, item, _given(changes))
    changed = {name: (getattr(item, name), value) for name, value in checked.items() if getattr(item, name) != value}
    if not changed:
        return await get_session(session, ctx, item.course_id, item.id)

    if "available_spots" in changed and changed["available_spots"][1] < item.booked_spots:
        raise DomainError(
            "capacity_below_booked",
            f"{item.booked_spots} places are already taken; the capacity cannot go below that.",
            field="availableSpots",
        )
    plan = _Schedule(
        start_date=checked.get("start_date", item.start_date),
        end_date=checked.get("end_date", item.end_date),
        start_time=checked.get("start_time", item.start_time),
        end_time=checked.get("end_time", item.end_time),
    )
    starts_at = _check_schedule(ctx, plan, start_moved="start_date" in changed or "start_time" in changed)
    before = _schedule_in_words(item)
    for name, (_old, new) in changed.items():
        setattr(item, name, new)
    if starts_at is not None:
        item.starts_at = starts_at
    await session.flush()
    told = [
        emails.Change(what, was, now)
        for (what, was), (_, now) in zip(before, _schedule_in_words(item), strict=True)
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
    item = await _lock_session(session, ctx, course_id, session_id)
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


# --- cancelling a session ------------------------------------------------------------------------


@dataclass(frozen=True)
class CancellationOutlook:
    """What cancelling a session would do: bookings cancelled, money given back, waiting list closed."""

    bookings: int
    paid: int  # minor units paid on those bookings and not yet refunded: all of it goes back
    waiting: int


@dataclass(frozen=True)
class RefundFailure:
    reference: str
    reason: str


@dataclass(frozen=True)
class SessionCancellation:
    course_session: CourseSession
    cancelled: list[Booking]
    waiting_list_closed: int
    refunded: int
    refund_failures: list[RefundFailure]


def _live_bookings_of(ctx: TenantContext, session_id: str) -> ColumnElement[bool]:
    return and_(
        Booking.tenant_id == ctx.tenant_id,
        Booking.session_id == session_id,
        Booking.status.in_(LIVE_BOOKING_STATUSES),
    )


_LIVE_ENTRIES = (WaitingListStatus.WAITING, WaitingListStatus.OFFERED)


async def cancellation_outlook(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str
) -> CancellationOutlook:
    """What `cancel_session` would cancel and refund now, for the confirmation staff see first."""
    item = await get_session(session, ctx, course_id, session_id)
    bookings = await session.scalar(select(func.count(Booking.id)).where(_live_bookings_of(ctx, item.id)))
    paid = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount - Payment.amount_refunded), 0))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(
            _live_bookings_of(ctx, item.id),
            Payment.tenant_id == ctx.tenant_id,
            Payment.status == PaymentStatus.PAID,
        )
    )
    waiting = await session.scalar(
        select(func.count(WaitingListEntry.id)).where(
            WaitingListEntry.tenant_id == ctx.tenant_id,
            WaitingListEntry.session_id == item.id,
            WaitingListEntry.status.in_(_LIVE_ENTRIES),
        )
    )
    return CancellationOutlook(bookings or 0, int(paid or 0), waiting or 0)


async def _cancel_session_and_bookings(
    session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str, reason: str
) -> tuple[CourseSession, list[Booking], int]:
    item = await _lock_session(session, ctx, course_id, session_id)
    if item.cancelled_at is not None:
        raise DomainError("session_cancelled", "This session has been cancelled already.")
    if item.is_completed:
        raise DomainError("session_completed", "This session has been completed; it cannot be cancelled.")
    now = ctx.now()
    # Off sale first, so that no place freed below is offered to the waiting list or sold again.
    item.cancelled_at = now
    item.cancellation_reason = reason
    item.is_active = False
    await session.flush()
    # A lapsed hold ends as expired, as it would have anyway: nothing was paid on it.
    await release_lapsed(session, ctx, item, now)
    closed = await places.close_waiting_list(session, ctx, item, now)
    booking_ids = list(
        await session.scalars(
            select(Booking.id).where(_live_bookings_of(ctx, item.id)).order_by(Booking.created_at, Booking.id)
        )
    )
    cancelled = []
    for booking_id in booking_ids:
        booking = await cancel_booking(
            session, ctx, booking_id, f"Session cancelled by the centre: {reason}", tell_student=False
        )
        await emails.session_cancelled(session, ctx, booking, reason)
        cancelled.append(booking)
    audit.record(
        session,
        ctx,
        "session.cancelled",
        "course_session",
        item.id,
        reason=reason,
        bookings=len(cancelled),
        waiting_list=closed,
    )
    capacity_changed(session, ctx, item)
    return item, cancelled, closed


async def cancel_session(
    db: Database, ctx: TenantContext, provider: PaymentProvider, course_id: str, session_id: str, reason: str
) -> SessionCancellation:
    """The centre cancels a session: it stops taking bookings, every live booking on it is cancelled and
    its waiting list closed, in one transaction; then each booking is refunded in full.

    Refunds go to the payment provider one by one after that transaction commits, as every refund does;
    one that fails is reported, and `refund_cancelled_session` tries it again.
    """
    reason = _text("reason", reason, MAX_REASON, required="Give the reason; it is kept with each booking cancelled.")
    async with db.transaction() as session:
        item, cancelled, closed = await _cancel_session_and_bookings(session, ctx, course_id, session_id, reason)
    refunded, failures = await refund_cancelled_session(db, ctx, provider, course_id, session_id)
    return SessionCancellation(item, cancelled, closed, refunded, failures)


async def refund_cancelled_session(
    db: Database, ctx: TenantContext, provider: PaymentProvider, course_id: str, session_id: str
) -> tuple[int, list[RefundFailure]]:
    """Refund in full every booking that a session's cancellation cancelled and that still has money to give
    back. Answers the amount refunded and the refunds that failed."""
    async with db.read() as session:
        item = await get_session(session, ctx, course_id, session_id)
        if item.cancelled_at is None:
            raise DomainError("session_not_cancelled", "This session has not been cancelled.")
        money_left = (
            select(Payment.id)
            .where(
                Payment.tenant_id == ctx.tenant_id,
                Payment.booking_id == Booking.id,
                Payment.status == PaymentStatus.PAID,
                Payment.amount > Payment.amount_refunded,
            )
            .exists()
        )
        owed = (
            await session.execute(
                select(Booking.id, Booking.reference)
                .where(
                    Booking.tenant_id == ctx.tenant_id,
                    Booking.session_id == item.id,
                    Booking.status == BookingStatus.CANCELLED,
                    # Bookings cancelled earlier, by the student or staff, were refunded by the policy then.
                    Booking.cancelled_at >= item.cancelled_at,
                    money_left,
                )
                .order_by(Booking.created_at, Booking.id)
            )
        ).all()
    refunded = 0
    failures: list[RefundFailure] = []
    for booking_id, reference in owed:
        try:
            result = await refund_by_policy(db, ctx, provider, booking_id, in_full=True)
        except DomainError as error:
            failures.append(RefundFailure(reference, error.message))
            continue
        if result is not None:
            refunded += result.amount
    return refunded, failures
