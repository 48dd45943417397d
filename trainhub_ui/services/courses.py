"""The courses a centre offers: adding, changing, archiving and removing them, and listing them.

Reads come in two views. The public view (the centre's website, a caller without a token) sees active
courses only; staff see everything.

A course is archived by making it inactive: off the public site, its sessions and bookings kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Achievement, Booking, Course, CourseSession
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound

from .input_checks import KEEP, MAX_LONG_TEXT, Keep, changes_given, flag, is_id, text, whole

MAX_PRICE = 100_000_000
MAX_CAPACITY = 500
MAX_DURATION_DAYS = 365
MAX_DURATION_HOURS = 10_000
MAX_CERTIFICATE_MONTHS = 600
SLUG_MAX = 120
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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
    title: str | Keep = KEEP
    slug: str | Keep = KEEP
    category: str | Keep = KEEP
    summary: str | Keep = KEEP
    description: str | Keep = KEEP
    requirements: str | Keep = KEEP
    location: str | Keep = KEEP
    duration_days: int | Keep = KEEP
    duration_hours: int | Keep = KEEP
    price: int | Keep = KEEP
    currency: str | Keep = KEEP
    default_capacity: int | Keep = KEEP
    certificate_validity_months: int | Keep | None = KEEP
    is_active: bool | Keep = KEEP


def _slug(value: object) -> str:
    slug = text("slug", value, SLUG_MAX, required="Give the course an address (slug).")
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput("slug", "Use lowercase letters, digits and single hyphens, like “acs-ccn1”.")
    return slug


def _currency(ctx: TenantContext, value: object) -> None:
    given = text("currency", value, 3, required="Give a currency code.").upper()
    if given != ctx.tenant.currency:
        raise InvalidInput("currency", f"Prices at this centre are in {ctx.tenant.currency}.")


def slug_from_title(title: str) -> str:
    """A course address made from its title: “ACS CCN1 (Domestic)” -> “acs-ccn1-domestic”."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "course"


def _course_fields(ctx: TenantContext, given: dict[str, Any]) -> dict[str, Any]:
    """The checked values of the course fields in `given` (currency is checked, not stored)."""
    checks = {
        "title": lambda v: text("title", v, 200, required="Give the course a title."),
        "slug": _slug,
        "category": lambda v: text("category", v, 100),
        "summary": lambda v: text("summary", v, 500),
        "description": lambda v: text("description", v, MAX_LONG_TEXT, strip=False),
        "requirements": lambda v: text("requirements", v, MAX_LONG_TEXT, strip=False),
        "location": lambda v: text("location", v, 200),
        "duration_days": lambda v: whole("durationDays", v, 1, MAX_DURATION_DAYS, "the number of days"),
        "duration_hours": lambda v: whole("durationHours", v, 0, MAX_DURATION_HOURS, "the number of hours"),
        "price": lambda v: whole("price", v, 0, MAX_PRICE, "the price in minor units (pence)"),
        "default_capacity": lambda v: whole("defaultCapacity", v, 1, MAX_CAPACITY, "the capacity"),
        "certificate_validity_months": lambda v: (
            None if v is None else whole("certificateValidityMonths", v, 1, MAX_CERTIFICATE_MONTHS, "the months")
        ),
        "is_active": lambda v: flag("isActive", v),
    }
    checked: dict[str, Any] = {}
    for name, value in given.items():
        if name == "currency":
            if value is not None:
                _currency(ctx, value)
            continue
        checked[name] = checks[name](value)
    return checked


def _course_visible(ctx: TenantContext, *, public: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Course.tenant_id == ctx.tenant_id]
    if public:
        conditions.append(Course.is_active.is_(True))
    return conditions


async def get_course(session: AsyncSession, ctx: TenantContext, course_id: str, *, public: bool = False) -> Course:
    """A course of this centre; another centre's id, or an inactive course in the public view, is NotFound."""
    if not is_id(course_id):
        raise NotFound("Course")
    course = await session.scalar(select(Course).where(Course.id == course_id, *_course_visible(ctx, public=public)))
    if course is None:
        raise NotFound("Course")
    return course


async def lock_course(session: AsyncSession, ctx: TenantContext, course_id: str) -> Course:
    if not is_id(course_id):
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
    if category := text("category", category or "", 200):
        conditions.append(Course.category == category)
    if q := text("q", q or "", 200):
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
    course = await lock_course(session, ctx, course_id)
    values = _course_fields(ctx, changes_given(changes))
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
    course = await lock_course(session, ctx, course_id)
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
