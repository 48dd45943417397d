"""What the bookings list is filtered and sorted by, and how a search becomes SQL: which bookings match its
status, payment state, course, session, student, dates and text, in which order, joining only what the sort needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from models import Booking, BookingStatus, Course, CourseSession, Customer
from trainhub_ui.domain.context import TenantContext

from .payment_states import PaymentState, payment_state_condition

TEXT_MAX = 200

SORTS = ("booked", "reference", "student", "course", "session", "status", "total", "balance")


@dataclass(frozen=True)
class BookingSearch:
    """What the bookings list is filtered and sorted by. Dates are the session's start date, inclusive."""

    status: BookingStatus | None = None
    payment: PaymentState | None = None
    course_id: str | None = None
    session_id: str | None = None
    customer_id: str | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    text: str = ""
    sort: str = "booked"
    descending: bool = True


# Between the words of a student joined for the search: a search text never holds it (it is stripped),
# so a match cannot run from the name into the email.
_UNIT_SEPARATOR = "\x1f"


def _text_matches(ctx: TenantContext, text: str) -> ColumnElement[bool]:
    """A reference, a student's name or email, or a company (the booking's or the student's)."""
    needle = text.lower()
    # One lower() over the joined words costs a third of one per column; the full name covers each name.
    student_words = func.lower(
        Customer.first_name
        + " "
        + Customer.last_name
        + _UNIT_SEPARATOR
        + Customer.email
        + _UNIT_SEPARATOR
        + Customer.company_name
    )
    students = select(Customer.id).where(
        Customer.tenant_id == ctx.tenant_id,
        # autoescape: a "%" or "_" typed into the search box is a character, not a wildcard.
        student_words.contains(needle, autoescape=True),
    )
    return or_(
        Booking.reference.contains(text.upper(), autoescape=True),
        and_(Booking.company_name != "", func.lower(Booking.company_name).contains(needle, autoescape=True)),
        Booking.customer_id.in_(students),
    )


def search_conditions(ctx: TenantContext, search: BookingSearch) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Booking.tenant_id == ctx.tenant_id]
    if search.status is not None:
        conditions.append(Booking.status == search.status)
    if search.session_id:
        conditions.append(Booking.session_id == search.session_id)
    if search.customer_id:
        conditions.append(Booking.customer_id == search.customer_id)
    session_conditions: list[ColumnElement[bool]] = []
    if search.course_id:
        session_conditions.append(CourseSession.course_id == search.course_id)
    if search.starts_from is not None:
        session_conditions.append(CourseSession.start_date >= search.starts_from)
    if search.starts_to is not None:
        session_conditions.append(CourseSession.start_date <= search.starts_to)
    if session_conditions:
        # The sessions first (an index on course or start date), then their bookings (by session).
        conditions.append(
            Booking.session_id.in_(
                select(CourseSession.id).where(CourseSession.tenant_id == ctx.tenant_id, *session_conditions)
            )
        )
    if search.text:
        conditions.append(_text_matches(ctx, search.text))
    if search.payment is not None:
        conditions.append(payment_state_condition(ctx, search.payment))
    return conditions


def search_order(search: BookingSearch) -> list[Any]:
    columns: dict[str, list[Any]] = {
        "booked": [Booking.created_at],
        "reference": [Booking.reference],
        # Names and session dates in the order of their indexes, so the first page is found by walking
        # students (or sessions) in order instead of sorting every booking.
        "student": [Customer.last_name, Customer.first_name],
        "course": [Course.title, CourseSession.start_date, CourseSession.start_time],
        "session": [CourseSession.start_date, CourseSession.start_time],
        "status": [Booking.status],
        "total": [Booking.total_amount],
        "balance": [Booking.balance_due],
    }
    chosen = columns[search.sort]
    # The id last: equal values keep one order, so no booking shows on two pages or on none.
    return [c.desc() if search.descending else c.asc() for c in chosen] + [
        Booking.id.desc() if search.descending else Booking.id.asc()
    ]


def with_sort_joins(ctx: TenantContext, statement: Select[Any], search: BookingSearch) -> Select[Any]:
    if search.sort == "student":
        statement = statement.join(
            Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id)
        )
    if search.sort in ("course", "session"):
        statement = statement.join(
            CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id)
        )
    if search.sort == "course":
        statement = statement.join(
            Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id)
        )
    return statement
