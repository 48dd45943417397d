"""The courses a centre offers: adding, changing, archiving and removing them, and listing them.

Reads come in two views. The public view (the centre's website, a caller without a token) sees active
courses only; staff see everything.

A course is archived by making it inactive: off the public site, its sessions and bookings kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, ClassVar

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Achievement, Booking, Course, CourseSession
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.domain.inputs import MAX_TEXT, NUL, Changes, Flag, ServiceInput, is_id, whole, words

MAX_PRICE = 100_000_000
MAX_CAPACITY = 500
MAX_DURATION_DAYS = 365
MAX_DURATION_HOURS = 10_000
MAX_CERTIFICATE_MONTHS = 600
SLUG_MAX = 120
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise PydanticCustomError("invalid", "Use lowercase letters, digits and single hyphens, like “acs-ccn1”.")
    return value


Title = words(200, required="Give the course a title.")
Slug = Annotated[words(SLUG_MAX, required="Give the course an address (slug)."), AfterValidator(_slug)]
Category = words(100)
Summary = words(500)
LongText = words(MAX_TEXT, strip=False)
Location = words(200)
Days = whole(1, MAX_DURATION_DAYS, "the number of days")
Hours = whole(0, MAX_DURATION_HOURS, "the number of hours")
Price = whole(0, MAX_PRICE, "the price in minor units (pence)")
Capacity = whole(1, MAX_CAPACITY, "the capacity")
Months = whole(1, MAX_CERTIFICATE_MONTHS, "the months")
Currency = words(3, required="Give a currency code.")


class NewCourse(ServiceInput):
    """A course to add; the API's body of POST /courses. `price` is in minor units (pence); without
    `slug` one is made from the title; `currency`, when given, must be the centre's."""

    title: Title
    price: Price
    slug: Slug | None = None
    category: Category = ""
    summary: Summary = ""
    description: LongText = ""
    requirements: LongText = ""
    location: Location = ""
    duration_days: Days = 1
    duration_hours: Hours = 0
    currency: Currency | None = None
    default_capacity: Capacity = 12
    certificate_validity_months: Months | None = None
    is_active: Flag = True


class CourseChanges(Changes):
    """Changes to a course; the API's body of PATCH /courses/{courseId}. A field left out is kept."""

    may_be_cleared: ClassVar[frozenset[str]] = frozenset({"certificate_validity_months"})

    title: Title | None = None
    slug: Slug | None = None
    category: Category | None = None
    summary: Summary | None = None
    description: LongText | None = None
    requirements: LongText | None = None
    location: Location | None = None
    duration_days: Days | None = None
    duration_hours: Hours | None = None
    price: Price | None = None
    currency: Currency | None = None
    default_capacity: Capacity | None = None
    certificate_validity_months: Months | None = None
    is_active: Flag | None = None


def _currency(ctx: TenantContext, given: str | None) -> None:
    if given is not None and given.upper() != ctx.tenant.currency:
        raise InvalidInput("currency", f"Prices at this centre are in {ctx.tenant.currency}.")


def slug_from_title(title: str) -> str:
    """A course address made from its title: “ACS CCN1 (Domestic)” -> “acs-ccn1-domestic”."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "course"


def _filter_text(field: str, value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > 200 or NUL in value:
        raise InvalidInput(field, "Search with at most 200 characters of text.")
    return value


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
    if category := _filter_text("category", category):
        conditions.append(Course.category == category)
    if q := _filter_text("q", q):
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
    _currency(ctx, details.currency)
    values = details.model_dump(exclude={"slug", "currency"})
    chosen_slug = details.slug
    if chosen_slug is not None:
        values["slug"] = chosen_slug
        if await _slug_taken(session, ctx, chosen_slug):
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
    values = changes.given()
    _currency(ctx, values.pop("currency", None))
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
