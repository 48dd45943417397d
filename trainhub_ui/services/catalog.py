"""The catalogue: a centre's courses and their dated sessions.

Reads come in two views. The public view (the centre's website, a caller without a token) sees
active courses and active, not cancelled sessions; staff see everything. Instructor notes are
internal: the public view never carries them, which the caller of these functions keeps by not
showing them when `public` is set.

A change of a session's dates, times or venue is recorded as a "session.changed" audit entry with
`changes={field: [old, new]}` (snake_case field names, ISO dates, "HH:MM" times), so the people
booked on it can be told.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import Achievement, Booking, Course, CourseSession, StaffUser, Tenant

from . import audit
from .bookings import capacity_changed, lock_session, offer_places
from .context import TenantContext
from .errors import DomainError, InvalidInput, NotFound

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


def local_today(tenant: Tenant, now: datetime) -> date:
    """Today's date on the centre's wall calendar."""
    return now.astimezone(ZoneInfo(tenant.timezone)).date()


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
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CourseSession], int]:
    """A page of a course's sessions in date order, and how many match in all.

    Without `include_past` only sessions that have not ended (by the centre's calendar) are listed.
    """
    course = await get_course(session, ctx, course_id, public=public)
    conditions = [CourseSession.course_id == course.id, *_session_visible(ctx, public=public)]
    if starts_from is not None:
        conditions.append(CourseSession.start_date >= starts_from)
    if starts_to is not None:
        conditions.append(CourseSession.start_date <= starts_to)
    if not include_past:
        conditions.append(CourseSession.end_date >= local_today(ctx.tenant, ctx.now()))
    total = await session.scalar(select(func.count()).select_from(CourseSession).where(*conditions))
    rows = await session.scalars(
        _with_instructor(ctx, select(CourseSession).where(*conditions))
        .order_by(CourseSession.start_date, CourseSession.start_time, CourseSession.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0


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
    today = local_today(ctx.tenant, ctx.now())
    if day < today - timedelta(days=1):
        raise InvalidInput("startDate", "A session cannot start in the past.")
    if day > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise InvalidInput("startDate", f"Schedule sessions at most {MAX_YEARS_AHEAD} years ahead.")
    return day


async def create_session(
    session: AsyncSession, ctx: TenantContext, course_id: str, details: NewSession
) -> CourseSession:
    """Schedule a session of a course. It must start in the future; gaps are filled from the course."""
    # Locked so that the course cannot be deleted while its new session is being added.
    course = await _lock_course(session, ctx, course_id)
    start_date = _check_start_day(ctx, details.start_date)
    end_date = details.end_date
    if end_date is None:
        end_date = start_date + timedelta(days=course.duration_days - 1)
    plan = _Schedule(start_date, end_date, details.start_time, details.end_time)
    starts_at = _check_schedule(ctx, plan, start_moved=True)
    spots = course.default_capacity if details.available_spots is None else details.available_spots
    venue = course.location if details.venue is None else details.venue
    item = CourseSession(
        tenant_id=ctx.tenant_id,
        course_id=course.id,
        start_date=plan.start_date,
        end_date=plan.end_date,
        start_time=plan.start_time,
        end_time=plan.end_time,
        starts_at=starts_at,
        available_spots=_whole("availableSpots", spots, 1, MAX_CAPACITY, "the number of places"),
        booked_spots=0,
        instructor_notes=_text("instructorNotes", details.instructor_notes, MAX_LONG_TEXT, strip=False),
        instructor_id=await _instructor(session, ctx, details.instructor_id),
        venue=_text("venue", venue, 300),
        is_active=_flag("isActive", details.is_active),
        is_completed=False,
    )
    session.add(item)
    await session.flush()
    audit.record(
        session,
        ctx,
        "session.created",
        "course_session",
        item.id,
        course_id=course.id,
        start_date=item.start_date.isoformat(),
        available_spots=item.available_spots,
    )
    return await get_session(session, ctx, course.id, item.id)


# The fields a booked student is told about when they change.
SCHEDULE_FIELDS = ("start_date", "end_date", "start_time", "end_time", "venue")


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
    for name, (_old, new) in changed.items():
        setattr(item, name, new)
    if starts_at is not None:
        item.starts_at = starts_at
    await session.flush()

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
