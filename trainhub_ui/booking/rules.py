"""Whether a place on a session can be taken, and whether a deposit can be offered: each rule once.

The bookable rule is written twice on purpose, in one module: `refusal` decides on loaded rows (the
careful path, the wizard, the waiting list) and `bookable_where` is the same rule as SQL conditions for
the fast path's conditional UPDATE. A test runs both over every kind of session and holds them equal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, select

from models import Course, CourseSession, Tenant
from models.base import UTCDateTime
from trainhub_ui.domain.errors import DomainError


class Refused(DomainError):
    """A booking rule said no (409 with a machine-readable code)."""


def booking_cutoff(tenant: Tenant) -> timedelta:
    """How long before the start a session stops taking bookings (0: until it starts)."""
    return timedelta(hours=tenant.booking_cutoff_hours)


def refusal(course_session: CourseSession, course: Course, tenant: Tenant, now: datetime) -> Refused | None:
    """Why no place can be taken on this session now, or None when one can (bookedSpots aside).

    Only an active session of an active course, not cancelled, not completed, not started and not within
    the centre's cut-off takes bookings (rule 3).
    """
    if not course.is_active:
        return Refused("course_inactive", "This course is no longer taking bookings.")
    if not course_session.is_active or course_session.cancelled_at is not None:
        return Refused("session_inactive", "This session is not taking bookings.")
    if course_session.is_completed:
        return Refused("session_completed", "This session has been completed.")
    if course_session.starts_at <= now:
        return Refused("session_started", "This session has already started.")
    cutoff = booking_cutoff(tenant)
    if course_session.starts_at - cutoff <= now:
        hours = tenant.booking_cutoff_hours
        return Refused(
            "booking_closed",
            f"Bookings for this session closed {hours} hour{'s' if hours != 1 else ''} before it starts.",
        )
    return None


def ensure_bookable(course_session: CourseSession, course: Course, tenant: Tenant, now: datetime) -> None:
    """Raise the refusal of `refusal`, if any."""
    refused = refusal(course_session, course, tenant, now)
    if refused is not None:
        raise refused


def bookable_where() -> list[ColumnElement[bool]]:
    """`refusal` as SQL conditions on `course_sessions`, with the parameter `closes_after`: the moment
    after which the session no longer takes bookings is `now + the centre's cut-off`."""
    return [
        CourseSession.is_active.is_(True),
        CourseSession.is_completed.is_(False),
        CourseSession.cancelled_at.is_(None),
        CourseSession.starts_at > bindparam("closes_after", type_=UTCDateTime()),
        select(Course.id).where(Course.id == CourseSession.course_id, Course.is_active.is_(True)).exists(),
    ]


def closes_after(tenant: Tenant, now: datetime) -> datetime:
    """The value of `bookable_where`'s `closes_after` parameter."""
    return now + booking_cutoff(tenant)


# --- deposits -------------------------------------------------------------------------------------


def balance_due_on(tenant: Tenant, starts_on: date) -> date:
    """When the balance of a deposit booking is due: the centre's number of days before the start."""
    return starts_on - timedelta(days=tenant.balance_due_days)


def deposit_refusal(tenant: Tenant, starts_on: date, today: date) -> str | None:
    """Why a deposit cannot be taken for a session starting on `starts_on`, or None when it can.

    A deposit leaves a balance to pay by its due date; that date must be at least the centre's minimum
    notice away, or the student would owe it at once (and the kiosk would turn them away for it).
    """
    if not tenant.offers_deposit:
        return f"{tenant.name} does not take deposits."
    if (balance_due_on(tenant, starts_on) - today).days < tenant.balance_notice_days:
        return "This date starts too soon for a deposit, so it is paid in full."
    return None
