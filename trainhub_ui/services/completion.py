"""Completing a session: who met the course's rule gets a certificate, everyone who came is asked for
feedback.

The rule is the course's: attended at least `min_attendance_percent` of the session's days (PRESENT or
LATE; 100 means every day) and, when the course `requires_result`, PASSED the instructor's assessment.
A session is completed once its last day has started, once every booking has its attendance (and result, where
one is needed) recorded, or past a warning that some is missing, which then counts as absent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Course,
    CourseResult,
    CourseSession,
    Customer,
    SessionAttendance,
)
from trainhub_ui.config import get_settings
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.domain.formatting import local
from trainhub_ui.notify import certificate_emails

from . import feedback
from .attendance import may_keep_register, session_days
from .certificates import certificate_pdf, certificate_view, issue_certificate
from .session_schedule import session_starts_at

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass(frozen=True)
class StudentOutcome:
    booking_id: str
    name: str
    days_attended: int
    days: int
    result: CourseResult | None
    completes: bool
    why_not: str  # empty when it completes
    missing_days: list[date] = field(default_factory=list)
    result_missing: bool = False


@dataclass(frozen=True)
class CompletionPreview:
    session_id: str
    course: str
    days: list[date]
    outcomes: list[StudentOutcome]
    can_complete_on: date  # the session's last day
    completed: bool
    can_complete_from: datetime  # the last day's start

    def completable(self, now: datetime) -> bool:
        return not self.completed and now >= self.can_complete_from

    @property
    def missing(self) -> int:
        """How many attendance records (and results) are still to be entered."""
        return sum(len(o.missing_days) + (1 if o.result_missing else 0) for o in self.outcomes)


def last_day_starts_at(ctx: TenantContext, course_session: CourseSession) -> datetime:
    """The moment from which a session may be completed: its last day's start, at the centre. A certificate
    says the training happened, so no sooner."""
    return session_starts_at(ctx.tenant, course_session.end_date, course_session.start_time)


def days_needed(course: Course, days: int) -> int:
    return max(1, math.ceil(days * course.min_attendance_percent / 100))


async def _session_and_course(
    session: AsyncSession, ctx: TenantContext, session_id: str, *, lock: bool = False
) -> tuple[CourseSession, Course]:
    statement = (
        select(CourseSession, Course)
        .join(Course, Course.id == CourseSession.course_id)
        .where(CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == session_id)
    )
    if lock:
        statement = statement.with_for_update(of=CourseSession)
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        raise NotFound("Session")
    return row[0], row[1]


async def completion_preview(session: AsyncSession, ctx: TenantContext, session_id: str) -> CompletionPreview:
    """Who would complete, and what is still missing, if the session were completed now."""
    course_session, course = await _session_and_course(session, ctx, session_id)
    return await _preview(session, ctx, course_session, course)


async def _preview(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, course: Course
) -> CompletionPreview:
    days = session_days(course_session)
    needed = days_needed(course, len(days))
    bookings = (
        await session.execute(
            select(Booking, Customer.first_name, Customer.last_name)
            .join(Customer, Customer.id == Booking.customer_id)
            .where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.session_id == course_session.id,
                Booking.status == BookingStatus.CONFIRMED,
                # An erased student is no one to certify or ask for feedback.
                Customer.erased_at.is_(None),
            )
            .order_by(Customer.last_name, Customer.first_name)
        )
    ).all()
    recorded: dict[str, dict[date, AttendanceStatus]] = {}
    for row in await session.scalars(
        select(SessionAttendance).where(
            SessionAttendance.tenant_id == ctx.tenant_id, SessionAttendance.session_id == course_session.id
        )
    ):
        recorded.setdefault(row.booking_id, {})[row.day] = row.status
    outcomes = []
    for booking, first, last in bookings:
        marks = recorded.get(booking.id, {})
        attended = sum(1 for day in days if marks.get(day) in ATTENDED)
        missing = [day for day in days if day not in marks]
        result_missing = course.requires_result and booking.result is None
        if attended < needed:
            why = f"attended {attended} of {len(days)} days; {needed} needed"
        elif course.requires_result and booking.result is not CourseResult.PASSED:
            why = "did not pass the assessment" if booking.result is CourseResult.FAILED else "no result entered"
        else:
            why = ""
        outcomes.append(
            StudentOutcome(
                booking.id,
                f"{first} {last}".strip(),
                attended,
                len(days),
                booking.result,
                completes=not why,
                why_not=why,
                missing_days=missing,
                result_missing=result_missing,
            )
        )
    return CompletionPreview(
        course_session.id,
        course.title,
        days,
        outcomes,
        course_session.end_date,
        course_session.is_completed,
        last_day_starts_at(ctx, course_session),
    )


async def set_result(session: AsyncSession, ctx: TenantContext, booking_id: str, result: CourseResult | None) -> None:
    """The instructor's assessment of one student (None clears it)."""
    booking = await session.scalar(select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id))
    if booking is None:
        raise NotFound("Booking")
    course_session, course = await _session_and_course(session, ctx, booking.session_id)
    if not may_keep_register(ctx, course_session) or ctx.at_kiosk:
        raise DomainError("not_your_session", "Only the session's own instructor or staff can enter results.")
    if not course.requires_result:
        raise InvalidInput("result", "This course has no assessment to record.")
    if course_session.is_completed:
        raise DomainError("session_completed", "The session is completed: its results are final.")
    booking.result = result
    booking.updated_at = ctx.now()
    audit.record(session, ctx, "booking.result", "booking", booking.id, result=result.value if result else None)


@dataclass(frozen=True)
class Completed:
    certificates: list[Achievement]
    not_completed: list[StudentOutcome]


async def complete_session(
    session: AsyncSession, ctx: TenantContext, session_id: str, *, despite_missing: bool = False
) -> Completed:
    """Mark the session completed, issue the certificates it earned (emailed with their PDF) and ask
    everyone who came for feedback. Refused before the last day, twice, or with records missing unless
    `despite_missing` (the warning was confirmed)."""
    course_session, course = await _session_and_course(session, ctx, session_id, lock=True)
    if ctx.at_kiosk or not may_keep_register(ctx, course_session):
        raise DomainError("not_your_session", "Only the session's own instructor or staff can complete it.")
    if course_session.is_completed:
        raise DomainError("session_completed", "This session is completed already.")
    if course_session.cancelled_at is not None:
        raise DomainError("session_cancelled", "A cancelled session cannot be completed.")
    today = ctx.today()
    completable_from = last_day_starts_at(ctx, course_session)
    if ctx.now() < completable_from:
        raise DomainError(
            "session_not_over",
            "A session can be completed once its last day has started: "
            f"{local(ctx.tenant, completable_from):%-d %B %Y at %H:%M}.",
        )
    preview = await _preview(session, ctx, course_session, course)
    if preview.missing and not despite_missing:
        raise DomainError(
            "attendance_missing",
            f"{preview.missing} attendance record{'s are' if preview.missing != 1 else ' is'} still missing; "
            "complete anyway to count them as absent.",
        )
    now = ctx.now()
    course_session.is_completed = True
    course_session.completed_at = now
    course_session.updated_at = now
    audit.record(
        session,
        ctx,
        "session.completed",
        "course_session",
        course_session.id,
        completed=sum(1 for o in preview.outcomes if o.completes),
        missing=preview.missing,
    )
    issued = []
    base_url = get_settings().base_url
    bookings = {
        b.id: b
        for b in await session.scalars(
            select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.session_id == course_session.id)
        )
    }
    for outcome in preview.outcomes:
        booking = bookings[outcome.booking_id]
        if outcome.completes:
            achievement = await issue_certificate(session, ctx, booking, course, today)
            view = await certificate_view(session, ctx, achievement.id)
            await certificate_emails.certificate_issued(
                session, ctx, achievement, certificate_pdf(ctx.tenant, view, base_url)
            )
            issued.append(achievement)
        if outcome.days_attended > 0:
            await feedback.ask_for_feedback(session, ctx, booking)
    return Completed(issued, [o for o in preview.outcomes if not o.completes])
