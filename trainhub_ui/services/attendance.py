"""Attendance: who came on each day of a session, recorded by staff, the instructor or the kiosk.

The kiosk's check-in is the same record as the register's: a check-in is PRESENT (LATE when it comes
well after the start), with the time and who recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    PaymentOption,
    SessionAttendance,
    StaffRole,
)
from trainhub_ui.domain import audit, signals
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.domain.formatting import clock_text, day_text, money

from .references import REFERENCE_LENGTH

LATE_AFTER = timedelta(minutes=15)  # a check-in this long after the day's start counts as late
KIOSK = "kiosk"
NAME_MATCHES_SHOWN = 8


def session_days(course_session: CourseSession) -> list[date]:
    """Every day of the session, first to last."""
    count = (course_session.end_date - course_session.start_date).days + 1
    return [course_session.start_date + timedelta(days=n) for n in range(count)]


async def _session_of(session: AsyncSession, ctx: TenantContext, session_id: str) -> CourseSession:
    course_session = await session.scalar(
        select(CourseSession).where(CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == session_id)
    )
    if course_session is None:
        raise NotFound("Session")
    return course_session


def may_keep_register(ctx: TenantContext, course_session: CourseSession) -> bool:
    """Staff and above keep any register; an instructor keeps the registers of their own sessions; the
    kiosk (no role, acting as the centre's reception) checks people in."""
    if ctx.at_kiosk or ctx.has_role(StaffRole.STAFF):
        return True
    return ctx.role is StaffRole.INSTRUCTOR and course_session.instructor_id == ctx.user_id


async def record_attendance(
    session: AsyncSession,
    ctx: TenantContext,
    booking_id: str,
    day: date,
    status: AttendanceStatus,
    *,
    notes: str | None = None,
) -> SessionAttendance:
    """Mark one booked student present, late or absent on one day of their session (again: it changes)."""
    # Locked: two kiosks (or a double scan) recording the same booking at once wait for each other
    # instead of both inserting the day's row.
    booking = await session.scalar(
        select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id).with_for_update()
    )
    if booking is None:
        raise NotFound("Booking")
    course_session = await _session_of(session, ctx, booking.session_id)
    if not may_keep_register(ctx, course_session):
        raise DomainError("not_your_session", "Only the session's own instructor or staff can keep its register.")
    if booking.status is not BookingStatus.CONFIRMED:
        raise DomainError(
            "booking_not_confirmed", f"Only confirmed bookings attend (this one is {booking.status.value.lower()})."
        )
    if day not in session_days(course_session):
        raise InvalidInput("day", "That day is not one of the session's days.")
    if day > ctx.today():
        raise DomainError(
            "day_not_come",
            f"The register of {day_text(day, ctx.tenant.locale, 'weekday_day_month')} is kept from that day on.",
            field="day",
        )
    if notes is not None and len(notes) > 2000:
        raise InvalidInput("notes", "Use at most 2000 characters.")
    now = ctx.now()
    row = await _attendance_of(session, ctx, booking.id, day)
    if row is None:
        row = SessionAttendance(
            tenant_id=ctx.tenant_id,
            session_id=course_session.id,
            booking_id=booking.id,
            day=day,
            status=status,
            notes="",
            created_at=now,
        )
        session.add(row)
    row.status = status
    if status is AttendanceStatus.ABSENT:
        row.checked_in_at = None
    elif row.checked_in_at is None:
        row.checked_in_at = now
    row.recorded_by = KIOSK if ctx.at_kiosk else ctx.actor
    row.recorded_by_user_id = ctx.user_id
    if notes is not None:
        row.notes = notes.strip()
    row.updated_at = now
    await session.flush()
    audit.record(session, ctx, "attendance.recorded", "booking", booking.id, day=day.isoformat(), status=status.value)
    signals.queue(
        session,
        signals.AttendanceChanged(ctx.tenant_id, course_session.id, booking.id, day.isoformat(), status.value),
    )
    return row


async def _attendance_of(
    session: AsyncSession, ctx: TenantContext, booking_id: str, day: date
) -> SessionAttendance | None:
    return await session.scalar(
        select(SessionAttendance).where(
            SessionAttendance.tenant_id == ctx.tenant_id,
            SessionAttendance.booking_id == booking_id,
            SessionAttendance.day == day,
        )
    )


async def register(
    session: AsyncSession, ctx: TenantContext, session_id: str
) -> dict[str, dict[date, SessionAttendance]]:
    """The session's register: for each booking, its attendance by day (days not yet recorded are missing)."""
    course_session = await _session_of(session, ctx, session_id)
    found: dict[str, dict[date, SessionAttendance]] = {}
    for row in await session.scalars(
        select(SessionAttendance).where(
            SessionAttendance.tenant_id == ctx.tenant_id, SessionAttendance.session_id == course_session.id
        )
    ):
        found.setdefault(row.booking_id, {})[row.day] = row
    return found


# --- the kiosk ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    """What the kiosk shows after a reference or a name was chosen."""

    ok: bool
    code: str  # "checked_in", "already", or the problem: "not_found" (also for a booking of another
    # day: the kiosk names only today's students), "cancelled", "expired", ...
    message: str
    first_name: str = ""
    course: str = ""
    reference: str = ""
    where: str = ""  # the session's venue, on a check-in


@dataclass(frozen=True)
class TodaysSession:
    id: str
    course_id: str
    course: str
    venue: str
    starts: str  # the day's hours, "09:00–16:30"
    day_number: int
    days: int
    booked: int
    checked_in: int

    @property
    def expected(self) -> int:
        return max(self.booked - self.checked_in, 0)


def _covers(today: date) -> list:  # type: ignore[type-arg]
    return [
        CourseSession.start_date <= today,
        CourseSession.end_date >= today,
        CourseSession.cancelled_at.is_(None),
        CourseSession.is_active.is_(True),
    ]


async def todays_sessions(
    session: AsyncSession, ctx: TenantContext, *, session_id: str | None = None
) -> list[TodaysSession]:
    """The sessions running today, with how many are booked, checked in and still expected (only the
    session `session_id`, when given: a kiosk re-reading one card's figures)."""
    locale = ctx.tenant.locale
    today = ctx.today()
    statement = (
        select(CourseSession, Course.title, Course.location)
        .join(Course, (Course.id == CourseSession.course_id) & (Course.tenant_id == ctx.tenant_id))
        .where(CourseSession.tenant_id == ctx.tenant_id, *_covers(today))
        .order_by(CourseSession.start_time, Course.title, CourseSession.id)
    )
    if session_id is not None:
        statement = statement.where(CourseSession.id == session_id)
    rows = (await session.execute(statement)).all()
    ids = [course_session.id for course_session, _, _ in rows]
    booked: dict[str, int] = {}
    arrived: dict[str, int] = {}
    if ids:
        booked = dict(
            (
                await session.execute(
                    select(Booking.session_id, func.count())
                    .where(
                        Booking.tenant_id == ctx.tenant_id,
                        Booking.session_id.in_(ids),
                        Booking.status == BookingStatus.CONFIRMED,
                    )
                    .group_by(Booking.session_id)
                )
            ).all()
        )
        arrived = dict(
            (
                await session.execute(
                    select(SessionAttendance.session_id, func.count())
                    .where(
                        SessionAttendance.tenant_id == ctx.tenant_id,
                        SessionAttendance.session_id.in_(ids),
                        SessionAttendance.day == today,
                        SessionAttendance.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
                    )
                    .group_by(SessionAttendance.session_id)
                )
            ).all()
        )
    return [
        TodaysSession(
            id=course_session.id,
            course_id=course_session.course_id,
            course=title,
            venue=course_session.venue or location,
            starts=f"{clock_text(course_session.start_time, locale)}–{clock_text(course_session.end_time, locale)}",
            day_number=(today - course_session.start_date).days + 1,
            days=(course_session.end_date - course_session.start_date).days + 1,
            booked=booked.get(course_session.id, 0),
            checked_in=arrived.get(course_session.id, 0),
        )
        for course_session, title, location in rows
    ]


def _see_reception(text: str) -> str:
    return f"{text} Please see the reception staff."


def normalised_reference(typed: str) -> str:
    """A reference as typed or scanned, in the form it is stored: any case, spaces anywhere, and the
    hyphen optional ("bgt 7k3qx" -> "BGT-7K3QX")."""
    wanted = "".join(typed.split()).upper()
    prefix, code = wanted[:3], wanted[3:]
    if "-" not in wanted and len(code) == REFERENCE_LENGTH and prefix.isalnum():
        return f"{prefix}-{code}"
    return wanted


def _same_centre(ctx: TenantContext) -> list:  # type: ignore[type-arg]
    """A booking joined to its session, course and student, all of this centre."""
    return [
        Booking.tenant_id == ctx.tenant_id,
        CourseSession.tenant_id == ctx.tenant_id,
        Course.tenant_id == ctx.tenant_id,
        Customer.tenant_id == ctx.tenant_id,
    ]


async def check_in(session: AsyncSession, ctx: TenantContext, reference: str) -> CheckIn:
    """Check a student in for today by their booking reference (typed, or scanned from the QR code)."""
    wanted = normalised_reference(reference)
    if not wanted:
        return CheckIn(False, "empty", "Type or scan your booking reference.")
    if len(wanted) > 16:
        return CheckIn(False, "not_found", _see_reception("That is not a booking reference we know."))
    row = (
        await session.execute(
            select(Booking, CourseSession, Course, Customer)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .join(Customer, Customer.id == Booking.customer_id)
            .where(*_same_centre(ctx), Booking.reference == wanted)
            # Locked: two kiosks (or one scan read twice) checking in the same booking at once take
            # turns, and the second finds the first one's check-in.
            .with_for_update(of=Booking)
        )
    ).one_or_none()
    if row is None:
        return _not_found_today(wanted)
    booking, course_session, course, customer = row
    return await _check_in(session, ctx, booking, course_session, course, customer)


def _not_found_today(reference: str) -> CheckIn:
    """The one answer for any reference that is not of a session running today at this centre: the kiosk
    stands in a public place, and a reference typed there says nothing of anyone else's booking."""
    return CheckIn(False, "not_found", _see_reception(f"We could not find booking {reference} for a course today."))


async def check_in_booking(session: AsyncSession, ctx: TenantContext, booking_id: str) -> CheckIn:
    """Check in the booking a student picked from the name search."""
    row = (
        await session.execute(
            select(Booking, CourseSession, Course, Customer)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .join(Customer, Customer.id == Booking.customer_id)
            .where(*_same_centre(ctx), Booking.id == booking_id)
            .with_for_update(of=Booking)
        )
    ).one_or_none()
    if row is None:
        return CheckIn(False, "not_found", _see_reception("We could not find that booking."))
    return await _check_in(session, ctx, *row)


async def _check_in(
    session: AsyncSession,
    ctx: TenantContext,
    booking: Booking,
    course_session: CourseSession,
    course: Course,
    customer: Customer,
) -> CheckIn:
    def problem(code: str, text: str) -> CheckIn:
        return CheckIn(False, code, _see_reception(text), customer.first_name, course.title, booking.reference)

    today = ctx.today()
    if today not in session_days(course_session):
        return _not_found_today(booking.reference)
    if booking.status is BookingStatus.CANCELLED:
        return problem("cancelled", f"Booking {booking.reference} was cancelled.")
    if booking.status is BookingStatus.EXPIRED:
        return problem("expired", f"Booking {booking.reference} lapsed before it was paid.")
    if course_session.cancelled_at is not None:
        return problem("session_cancelled", f"This session of {course.title} was cancelled.")
    if booking.status is not BookingStatus.CONFIRMED:
        return problem("not_confirmed", f"Booking {booking.reference} is not paid and confirmed yet.")
    if booking.balance_due > 0 and booking.payment_option is not PaymentOption.INVOICE:
        owed = money(booking.balance_due, booking.currency, ctx.tenant.locale)
        return problem("balance_unpaid", f"There is a balance of {owed} still to pay on booking {booking.reference}.")
    already = await _attendance_of(session, ctx, booking.id, today)
    if already is not None and already.status is not AttendanceStatus.ABSENT and already.checked_in_at is not None:
        at = already.checked_in_at.astimezone(ZoneInfo(ctx.tenant.timezone))
        return CheckIn(
            True,
            "already",
            f"You are already checked in (at {clock_text(at.time(), ctx.tenant.locale)}). "
            f"Welcome back, {customer.first_name}.",
            customer.first_name,
            course.title,
            booking.reference,
        )
    zone = ZoneInfo(ctx.tenant.timezone)
    starts_today = datetime.combine(today, course_session.start_time, tzinfo=zone)
    status = AttendanceStatus.LATE if ctx.now() > starts_today + LATE_AFTER else AttendanceStatus.PRESENT
    await record_attendance(session, ctx, booking.id, today, status)
    where = course_session.venue or course.location
    return CheckIn(
        True,
        "checked_in",
        f"Welcome, {customer.first_name}! You are checked in for {course.title}." + (f" {where}." if where else ""),
        customer.first_name,
        course.title,
        booking.reference,
        where,
    )


@dataclass(frozen=True)
class NameMatch:
    booking_id: str
    name: str
    course: str
    starts: str


async def find_by_name(session: AsyncSession, ctx: TenantContext, text: str) -> list[NameMatch]:
    """Today's confirmed bookings whose student's name contains `text` (at least two letters)."""
    needle = " ".join(text.split()).lower()
    if len(needle) < 2:
        return []
    today = ctx.today()
    full_name = func.lower(Customer.first_name + " " + Customer.last_name)
    rows = (
        await session.execute(
            select(Booking.id, Customer.first_name, Customer.last_name, Course.title, CourseSession.start_time)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .join(Customer, Customer.id == Booking.customer_id)
            .where(
                *_same_centre(ctx),
                Booking.status.in_(LIVE_BOOKING_STATUSES),
                *_covers(today),
                or_(full_name.contains(needle, autoescape=True), func.lower(Customer.last_name).startswith(needle)),
            )
            .order_by(Customer.last_name, Customer.first_name, Booking.id)
            .limit(NAME_MATCHES_SHOWN)
        )
    ).all()
    # Only the first letter of the surname: the kiosk is in a public place.
    return [
        NameMatch(booking_id, f"{first} {last[:1]}.", title, clock_text(starts, ctx.tenant.locale))
        for booking_id, first, last, title, starts in rows
    ]
