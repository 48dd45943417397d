"""A session's roster in the back office: who is booked and what they have paid, the roster as CSV,
the sessions an instructor leads, and bookings that staff make for a customer on the phone.

Staff see every session's roster; an instructor sees the rosters of the sessions they lead, and no
others, with where each booking's payment stands but not the sums of money.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    StaffRole,
)
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput

from . import courses, session_lists
from .bookings import BookingRequest, create_booking, ensure_billing_address, get_booking
from .payments import open_payment, payment_succeeded
from .students import COMPANY_NAME_MAX, PO_NUMBER_MAX, NewStudent, add_student, get_student

ROSTER_PAGE = 25
MOVE_TARGETS_SHOWN = 100
SPECIAL_REQUESTS_MAX = 2000


class NotYourSession(DomainError):
    """An instructor asked for a session someone else leads."""

    status = 403

    def __init__(self) -> None:
        super().__init__("not_your_session", "Only the session's own instructor and the centre's staff see it.")


def sees_money(ctx: TenantContext) -> bool:
    """Amounts paid and owed are for staff; an instructor sees a booking's payment status only."""
    return ctx.has_role(StaffRole.STAFF)


def may_see_session(ctx: TenantContext, course_session: CourseSession) -> bool:
    """Staff see every session; an instructor only the sessions they lead."""
    if ctx.has_role(StaffRole.STAFF):
        return True
    return ctx.role is StaffRole.INSTRUCTOR and ctx.user_id is not None and course_session.instructor_id == ctx.user_id


@dataclass(frozen=True)
class SessionView:
    course: Course
    course_session: CourseSession  # with its instructor loaded


async def session_for_roster(session: AsyncSession, ctx: TenantContext, course_id: str, session_id: str) -> SessionView:
    """The session and its course, if the caller may see its roster: NotFound for another centre's or a
    missing id, NotYourSession for an instructor's colleague's session."""
    course_session = await session_lists.get_session(session, ctx, course_id, session_id)
    if not may_see_session(ctx, course_session):
        raise NotYourSession()
    course = await courses.get_course(session, ctx, course_id)
    return SessionView(course, course_session)


# --- the roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    booking_id: str
    reference: str
    status: BookingStatus
    payment_option: PaymentOption
    customer_id: str
    student: str
    email: str
    phone: str
    company_name: str
    total: int
    paid: int
    refunded: int
    balance_due: int
    currency: str
    hold_expires_at: datetime | None
    special_requests: str
    booked_at: datetime

    @property
    def live(self) -> bool:
        return self.status in LIVE_BOOKING_STATUSES


def payment_status(entry: RosterEntry, now: datetime) -> str:
    """Where a booking's money stands, in reception's words."""
    if entry.status is BookingStatus.PENDING:
        if entry.hold_expires_at is not None and entry.hold_expires_at <= now:
            return "Hold lapsed, unpaid"
        return "Awaiting payment"
    if entry.status is BookingStatus.CONFIRMED:
        if entry.balance_due <= 0:
            return "Paid in full" if entry.paid > 0 else "Nothing to pay"
        if entry.paid <= 0:
            return "Invoice unpaid" if entry.payment_option is PaymentOption.INVOICE else "Unpaid"
        return "Deposit paid" if entry.payment_option is PaymentOption.DEPOSIT else "Part paid"
    if entry.paid <= 0:
        return "Nothing paid"
    if entry.refunded >= entry.paid:
        return "Refunded"
    return "Part refunded" if entry.refunded > 0 else "Paid, not refunded"


def _roster_conditions(ctx: TenantContext, session_id: str, include_cancelled: bool) -> list[ColumnElement[bool]]:
    conditions = [Booking.tenant_id == ctx.tenant_id, Booking.session_id == session_id]
    if not include_cancelled:
        conditions.append(Booking.status.in_(LIVE_BOOKING_STATUSES))
    return conditions


def _roster_statement(ctx: TenantContext, session_id: str, include_cancelled: bool) -> Select:
    refunded = (
        select(func.coalesce(func.sum(Payment.amount_refunded), 0))
        # The booking's own money only: an excess charge refunded says nothing of what the student paid.
        .where(Payment.tenant_id == ctx.tenant_id, Payment.booking_id == Booking.id, Payment.kind != PaymentKind.EXCESS)
        .correlate(Booking)
        .scalar_subquery()
    )
    live_first = case((Booking.status.in_(LIVE_BOOKING_STATUSES), 0), else_=1)
    return (
        select(Booking, Customer, refunded)
        .join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
        .where(*_roster_conditions(ctx, session_id, include_cancelled))
        .order_by(live_first, func.lower(Customer.last_name), func.lower(Customer.first_name), Booking.id)
    )


def _entry(booking: Booking, customer: Customer, refunded: int) -> RosterEntry:
    return RosterEntry(
        booking_id=booking.id,
        reference=booking.reference,
        status=booking.status,
        payment_option=booking.payment_option,
        customer_id=customer.id,
        student=customer.full_name,
        email=customer.email,
        phone=customer.phone,
        company_name=booking.company_name or customer.company_name,
        total=booking.total_amount,
        paid=booking.amount_paid,
        refunded=int(refunded or 0),
        balance_due=booking.balance_due,
        currency=booking.currency,
        hold_expires_at=booking.hold_expires_at,
        special_requests=booking.special_requests,
        booked_at=booking.created_at,
    )


async def session_roster(
    session: AsyncSession,
    ctx: TenantContext,
    session_id: str,
    *,
    include_cancelled: bool = False,
    limit: int = ROSTER_PAGE,
    offset: int = 0,
) -> tuple[list[RosterEntry], int]:
    """A page of a session's bookings (the live ones, by surname; cancelled ones after them when asked
    for), and how many there are in all."""
    total = await session.scalar(
        select(func.count(Booking.id)).where(*_roster_conditions(ctx, session_id, include_cancelled))
    )
    rows = await session.execute(_roster_statement(ctx, session_id, include_cancelled).limit(limit).offset(offset))
    return [_entry(booking, customer, refunded) for booking, customer, refunded in rows], total or 0


@dataclass(frozen=True)
class RosterTotals:
    confirmed: int
    awaiting_payment: int
    paid: int  # received on the live bookings
    balance_due: int  # still to come on the confirmed ones


async def roster_totals(session: AsyncSession, ctx: TenantContext, session_id: str) -> RosterTotals:
    """The live bookings of a session counted and summed, in one query."""
    row = (
        await session.execute(
            select(
                func.count(case((Booking.status == BookingStatus.CONFIRMED, 1))),
                func.count(case((Booking.status == BookingStatus.PENDING, 1))),
                func.coalesce(func.sum(Booking.amount_paid), 0),
                func.coalesce(func.sum(case((Booking.status == BookingStatus.CONFIRMED, Booking.balance_due))), 0),
            ).where(*_roster_conditions(ctx, session_id, include_cancelled=False))
        )
    ).one()
    return RosterTotals(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


CSV_COLUMNS = [
    "Reference",
    "Student",
    "Email",
    "Phone",
    "Company",
    "Status",
    "Payment option",
    "Payment status",
    "Total",
    "Paid",
    "Refunded",
    "Balance due",
    "Currency",
    "Special requests",
    "Booked at (UTC)",
]
MONEY_COLUMNS = frozenset({"Total", "Paid", "Refunded", "Balance due", "Currency"})


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _amount(minor_units: int) -> str:
    return f"{minor_units / 100:.2f}"


async def roster_csv(session: AsyncSession, ctx: TenantContext, session_id: str, *, include_cancelled: bool) -> bytes:
    """The whole roster as CSV (UTF-8 with a byte-order mark, so spreadsheets read names right); without the
    sums of money for an instructor."""
    now = ctx.now()
    kept = [sees_money(ctx) or name not in MONEY_COLUMNS for name in CSV_COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, keep in zip(CSV_COLUMNS, kept, strict=True) if keep])
    for booking, customer, refunded in await session.execute(_roster_statement(ctx, session_id, include_cancelled)):
        entry = _entry(booking, customer, refunded)
        row = [
            entry.reference,
            _cell(entry.student),
            _cell(entry.email),
            _cell(entry.phone),
            _cell(entry.company_name),
            entry.status.value,
            entry.payment_option.value,
            payment_status(entry, now),
            _amount(entry.total),
            _amount(entry.paid),
            _amount(entry.refunded),
            _amount(entry.balance_due),
            entry.currency,
            _cell(entry.special_requests),
            entry.booked_at.strftime("%Y-%m-%d %H:%M"),
        ]
        writer.writerow([value for value, keep in zip(row, kept, strict=True) if keep])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- an instructor's sessions --------------------------------------------------------------------


@dataclass(frozen=True)
class TaughtSession:
    course_session: CourseSession
    course_title: str


async def sessions_led_by(
    session: AsyncSession,
    ctx: TenantContext,
    instructor_id: str,
    *,
    past: bool = False,
    limit: int = ROSTER_PAGE,
    offset: int = 0,
) -> tuple[list[TaughtSession], int]:
    """A page of the sessions an instructor leads (those not yet ended, soonest first; or with `past`, the
    ended ones, latest first), and how many in all."""
    today = ctx.today()
    conditions = [
        CourseSession.tenant_id == ctx.tenant_id,
        CourseSession.instructor_id == instructor_id,
        CourseSession.end_date < today if past else CourseSession.end_date >= today,
    ]
    total = await session.scalar(select(func.count(CourseSession.id)).where(*conditions))
    order = [CourseSession.start_date, CourseSession.start_time, CourseSession.id]
    if past:
        order = [column.desc() for column in order]
    rows = await session.execute(
        select(CourseSession, Course.title)
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [TaughtSession(item, title) for item, title in rows], total or 0


# --- moving a booking ----------------------------------------------------------------------------


async def move_targets(session: AsyncSession, ctx: TenantContext, booking_id: str) -> list[CourseSession]:
    """The sessions a booking can move to: the same course's other sessions that take bookings and have a
    place free, soonest first."""
    booking = await get_booking(session, ctx, booking_id)
    course_id = await session.scalar(
        select(CourseSession.course_id).where(
            CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id
        )
    )
    rows = await session.scalars(
        select(CourseSession)
        .where(
            CourseSession.tenant_id == ctx.tenant_id,
            CourseSession.course_id == course_id,
            CourseSession.id != booking.session_id,
            CourseSession.is_active.is_(True),
            CourseSession.is_completed.is_(False),
            CourseSession.cancelled_at.is_(None),
            CourseSession.starts_at > ctx.now(),
            CourseSession.booked_spots < CourseSession.available_spots,
        )
        .order_by(CourseSession.start_date, CourseSession.start_time, CourseSession.id)
        .limit(MOVE_TARGETS_SHOWN)
    )
    return list(rows)


# --- a booking taken on the phone ----------------------------------------------------------------


@dataclass(frozen=True)
class PhoneBooking:
    """A booking staff make for a customer: an existing student (`customer_id`) or a new one.

    `paid_now`: what is due now (the price or the deposit) has come in at the desk (cash, the card
    machine) or by bank transfer, and is recorded with the booking, which is then confirmed. Otherwise
    a card booking is held for the centre's hold minutes while the customer pays at its pay link.
    """

    session_id: str
    payment_option: PaymentOption
    customer_id: str | None = None
    new_student: NewStudent | None = None
    paid_now: bool = False
    special_requests: str = ""
    company_name: str = ""  # an invoice booking: the company billed (the student's own when blank)
    po_number: str = ""
    billing_address: str = ""  # an invoice booking: where its invoice is addressed (required)


@dataclass(frozen=True)
class PhoneBooked:
    booking: Booking
    student: Customer
    paid_now: int


def _text(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(field, f"Use at most {limit} characters.")
    return value


async def book_for_customer(db: Database, ctx: TenantContext, request: PhoneBooking) -> PhoneBooked:
    """Take a place for a customer on the phone or at the desk, in one transaction with adding the new
    student and recording what they paid there and then."""
    special_requests = _text("specialRequests", request.special_requests, SPECIAL_REQUESTS_MAX)
    on_invoice = request.payment_option is PaymentOption.INVOICE
    if on_invoice and request.paid_now:
        raise InvalidInput("paidNow", "An invoice is paid later: record the bank transfer on the roster when it comes.")
    async with db.transaction() as session:
        if request.customer_id:
            student = await get_student(session, ctx, request.customer_id)
        elif request.new_student is not None:
            student = await add_student(session, ctx, request.new_student)
        else:
            raise InvalidInput("customerId", "Choose a student, or add a new one.")
        company_name = po_number = billing_address = None
        if on_invoice:
            company_name = _text("companyName", request.company_name, COMPANY_NAME_MAX) or student.company_name
            if not company_name:
                raise InvalidInput("companyName", "A company invoice needs the company's name.")
            billing_address = request.billing_address.strip()
            ensure_billing_address(request.payment_option, billing_address)
            po_number = _text("poNumber", request.po_number, PO_NUMBER_MAX) or student.po_number
        booking = await create_booking(
            session,
            ctx,
            BookingRequest(
                customer_id=student.id,
                session_id=request.session_id,
                payment_option=request.payment_option,
                special_requests=special_requests,
                company_name=company_name,
                po_number=po_number,
                billing_address=billing_address,
            ),
        )
        paid = 0
        if request.paid_now:
            # Through the same steps as any payment: the amount due now, then its success confirms the place.
            payment = await open_payment(session, ctx, booking.id, PaymentMethod.BANK_TRANSFER)
            outcome = await payment_succeeded(
                session, ctx, payment.id, amount=payment.amount, currency=payment.currency
            )
            booking = outcome.booking
            paid = payment.amount
            audit.record(session, ctx, "payment.received_by_staff", "payment", payment.id, amount=paid)
    return PhoneBooked(booking, student, paid)
