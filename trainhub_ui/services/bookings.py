"""The booking engine: taking, holding, releasing and moving places on a session.

`booked_spots` is changed in the same transaction as the booking rows it counts:

    booked_spots = PENDING + CONFIRMED bookings + OFFERED waiting-list entries

and two requests never both take the last place. A new booking reads what it needs without locking,
then takes its place with one conditional `UPDATE ... SET booked_spots = booked_spots + 1 WHERE
booked_spots < available_spots` followed only by its own two rows and the commit: on PostgreSQL the
session row is locked for those last steps alone, so a popular session serves one booking after
another instead of queueing on its row for the whole request (and this process sends those updates
in the order the requests came, see `Database.turn_at_row`); on SQLite the write transaction holds
the database's write lock from its start anyway (`BEGIN IMMEDIATE`, see db.py). Every other decision
about a place (cancelling, moving, offers, releases) locks the session row first: `SELECT ... FOR NO
KEY UPDATE` on PostgreSQL.

A PENDING hold past `hold_expires_at` (or an offer past `offer_expires_at`) still counts until it is
released; a capacity decision that finds the session full releases the session's lapsed ones first,
so nobody waits for the job that sweeps them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, bindparam, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models import (
    LIVE_BOOKING_STATUSES,
    AuditEntry,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    PaymentOption,
    WaitingListEntry,
    WaitingListStatus,
    new_id,
)
from models.base import UTCDateTime
from trainhub_ui.booking import rules
from trainhub_ui.booking.rules import Refused, ensure_bookable
from trainhub_ui.db import turn_at_row
from trainhub_ui.notify import emails
from trainhub_ui.payments import shortest_hold

from . import audit, signals
from .context import TenantContext
from .errors import InvalidInput, NotFound
from .invoices import issue_invoice
from .references import centre_prefix, new_booking_reference, random_reference


@dataclass(frozen=True)
class BookingRequest:
    customer_id: str
    session_id: str
    payment_option: PaymentOption | None = None
    deposit_percentage: float | None = None
    special_requests: str = ""
    company_name: str | None = None
    billing_email: str | None = None
    po_number: str | None = None


@dataclass(frozen=True)
class Amounts:
    total: int
    deposit: int

    @property
    def balance_after_deposit(self) -> int:
        return self.total - self.deposit


@dataclass
class BookingFilters:
    status: BookingStatus | None = None
    session_id: str | None = None
    customer_id: str | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    outstanding: bool = False  # confirmed with a balance still to pay (deposits, invoices)
    limit: int = 50
    offset: int = 0


# --- amounts -------------------------------------------------------------------------------------


def deposit_for(total: int, percent: int) -> int:
    """The deposit, rounded up to the penny, so deposit + balance is the total exactly."""
    return min(total, math.ceil(total * percent / 100))


def payment_option_for(ctx: TenantContext, request: BookingRequest) -> PaymentOption:
    """FULL by default; DEPOSIT when a deposit percentage is given (which must be the centre's)."""
    tenant = ctx.tenant
    option = request.payment_option
    if request.deposit_percentage is not None:
        if option not in (None, PaymentOption.DEPOSIT):
            raise InvalidInput("depositPercentage", "A deposit percentage only goes with a DEPOSIT booking.")
        if not math.isclose(request.deposit_percentage * 100, tenant.deposit_percent, abs_tol=1e-6):
            raise InvalidInput(
                "depositPercentage",
                f"This centre takes a {tenant.deposit_percent} % deposit ({tenant.deposit_percent / 100:g}).",
            )
        option = PaymentOption.DEPOSIT
    option = option or PaymentOption.FULL
    offered = {
        PaymentOption.FULL: tenant.offers_full_payment,
        PaymentOption.DEPOSIT: tenant.offers_deposit,
        PaymentOption.INVOICE: tenant.offers_invoice,
    }
    if not offered[option]:
        raise InvalidInput("paymentOption", f"{tenant.name} does not offer {option.value} payment.")
    return option


def _ensure_deposit_allowed(
    ctx: TenantContext, request: BookingRequest, option: PaymentOption, course_session: CourseSession
) -> None:
    if option is not PaymentOption.DEPOSIT:
        return
    why_not = rules.deposit_refusal(ctx.tenant, course_session.start_date, ctx.today())
    if why_not is not None:
        field = "depositPercentage" if request.deposit_percentage is not None else "paymentOption"
        raise Refused("deposit_unavailable", why_not, field=field)


def amounts_for(ctx: TenantContext, course: Course, option: PaymentOption) -> Amounts:
    deposit = deposit_for(course.price, ctx.tenant.deposit_percent) if option is PaymentOption.DEPOSIT else 0
    return Amounts(total=course.price, deposit=deposit)


# --- loading, scoped to the centre ---------------------------------------------------------------


async def lock_session(session: AsyncSession, ctx: TenantContext, session_id: str) -> CourseSession:
    """The session row, locked for the rest of the transaction; another centre's id is not found."""
    course_session, _course = await lock_session_with_course(session, ctx, session_id)
    return course_session


async def find_customer_of(session: AsyncSession, ctx: TenantContext, customer_id: str) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == ctx.tenant_id, Customer.id == customer_id)
    )
    if customer is None:
        raise NotFound("Customer")
    return customer


async def get_booking(session: AsyncSession, ctx: TenantContext, booking_id: str) -> Booking:
    booking = await session.scalar(select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id))
    if booking is None:
        raise NotFound("Booking")
    return booking


# --- releasing lapsed holds and offers, offering freed places ----------------------------------


def capacity_changed(session: AsyncSession, ctx: TenantContext, course_session: CourseSession) -> None:
    signals.queue(
        session,
        signals.CapacityChanged(
            tenant_id=ctx.tenant_id,
            course_id=course_session.course_id,
            session_id=course_session.id,
            booked_spots=course_session.booked_spots,
            available_spots=course_session.available_spots,
        ),
    )


def booking_changed(session: AsyncSession, booking: Booking) -> None:
    signals.queue(
        session,
        signals.BookingChanged(
            tenant_id=booking.tenant_id, booking_id=booking.id, session_id=booking.session_id, status=booking.status
        ),
    )


async def release_lapsed(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, now: datetime
) -> int:
    """Expire this (locked) session's lapsed holds and offers, and offer the freed places on.

    Answers how many places were released.
    """
    expired_holds = list(
        await session.scalars(
            update(Booking)
            .where(
                Booking.session_id == course_session.id,
                Booking.status == BookingStatus.PENDING,
                Booking.hold_expires_at <= now,
            )
            .values(status=BookingStatus.EXPIRED, balance_due=0, updated_at=now)
            .returning(Booking.id)
        )
    )
    lapsed_offers = list(
        await session.scalars(
            update(WaitingListEntry)
            .where(
                WaitingListEntry.session_id == course_session.id,
                WaitingListEntry.status == WaitingListStatus.OFFERED,
                WaitingListEntry.offer_expires_at <= now,
            )
            .values(status=WaitingListStatus.EXPIRED, updated_at=now)
            .returning(WaitingListEntry.id)
        )
    )
    released = len(expired_holds) + len(lapsed_offers)
    if not released:
        return 0
    course_session.booked_spots -= released
    for booking_id in expired_holds:
        audit.record(session, ctx, "booking.expired", "booking", booking_id)
        signals.queue(
            session,
            signals.BookingChanged(ctx.tenant_id, booking_id, course_session.id, BookingStatus.EXPIRED.value),
        )
    for entry_id in lapsed_offers:
        audit.record(session, ctx, "waiting_list.offer_expired", "waiting_list_entry", entry_id)
    await offer_places(session, ctx, course_session, now)
    capacity_changed(session, ctx, course_session)
    return released


def offer_deadline(ctx: TenantContext, course_session: CourseSession, now: datetime) -> datetime:
    """How long an offer holds its place: the centre's window, shorter when the start is near.

    Within two windows of the start, half the time that is left (at least 15 minutes), and never
    past the start itself.
    """
    window = timedelta(hours=ctx.tenant.offer_window_hours)
    until_start = course_session.starts_at - now
    if until_start < 2 * window:
        window = max(until_start / 2, timedelta(minutes=15))
    return min(now + window, course_session.starts_at)


async def offer_places(session: AsyncSession, ctx: TenantContext, course_session: CourseSession, now: datetime) -> int:
    """Offer every free place of this (locked) session to the waiting list, first come first served."""
    if course_session.starts_at <= now or not course_session.is_active or course_session.is_completed:
        return 0
    free = course_session.available_spots - course_session.booked_spots
    if free <= 0:
        return 0
    waiting = list(
        await session.scalars(
            select(WaitingListEntry)
            .where(
                WaitingListEntry.session_id == course_session.id,
                WaitingListEntry.status == WaitingListStatus.WAITING,
            )
            .order_by(WaitingListEntry.created_at, WaitingListEntry.id)
            .limit(free)
        )
    )
    deadline = offer_deadline(ctx, course_session, now)
    for entry in waiting:
        entry.status = WaitingListStatus.OFFERED
        entry.offer_expires_at = deadline
        entry.updated_at = now
        course_session.booked_spots += 1
        audit.record(session, ctx, "waiting_list.offered", "waiting_list_entry", entry.id, until=deadline.isoformat())
        await emails.waiting_list_offer(session, ctx, entry, course_session)
    return len(waiting)


# --- taking a place ------------------------------------------------------------------------------


async def live_booking_of(session: AsyncSession, session_id: str, customer_id: str) -> Booking | None:
    return await session.scalar(
        select(Booking).where(
            Booking.session_id == session_id,
            Booking.customer_id == customer_id,
            Booking.status.in_(LIVE_BOOKING_STATUSES),
        )
    )


def _write_booking(
    session: AsyncSession,
    ctx: TenantContext,
    course_session: CourseSession,
    course: Course,
    customer: Customer,
    request: BookingRequest,
    option: PaymentOption,
    now: datetime,
    reference: str,
) -> tuple[Booking, AuditEntry]:
    """The booking row (and its audit entry) for a place: PENDING with a hold, or CONFIRMED on invoice.

    Nothing is sent yet: the rows go with the session's next flush.
    """
    amounts = amounts_for(ctx, course, option)
    on_invoice = option is PaymentOption.INVOICE
    booking = Booking(
        id=new_id(),
        tenant_id=ctx.tenant_id,
        reference=reference,
        session_id=course_session.id,
        customer_id=customer.id,
        status=BookingStatus.CONFIRMED if on_invoice else BookingStatus.PENDING,
        payment_option=option,
        currency=ctx.tenant.currency,
        total_amount=amounts.total,
        deposit_amount=amounts.deposit,
        amount_paid=0,
        balance_due=amounts.total,
        hold_expires_at=None if on_invoice else now + max(timedelta(minutes=ctx.tenant.hold_minutes), shortest_hold()),
        confirmed_at=now if on_invoice else None,
        special_requests=request.special_requests,
        staff_notes="",
        cancellation_reason="",
        company_name=customer.company_name if request.company_name is None else request.company_name,
        billing_email=customer.billing_email if request.billing_email is None else request.billing_email,
        po_number=customer.po_number if request.po_number is None else request.po_number,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    # The booking knows its session (and so its course) without another query when it is answered.
    set_committed_value(booking, "session", course_session)
    entry = audit.record(
        session,
        ctx,
        "booking.created",
        "booking",
        booking.id,
        reference=booking.reference,
        session=course_session.id,
        customer=customer.id,
        option=option.value,
        total=amounts.total,
    )
    return booking, entry


# The booking path's statements are built once, with bound parameters: building them again for each
# request (and working out their cache keys) cost more CPU than running them.
_SESSION_WITH_COURSE = (
    select(CourseSession, Course)
    .join(Course, Course.id == CourseSession.course_id)
    .where(CourseSession.tenant_id == bindparam("tenant_id"), CourseSession.id == bindparam("session_id"))
    .execution_options(populate_existing=True)
)
# FOR NO KEY UPDATE: excludes every other locker and writer of the row, yet lets bookings that refer to
# it be inserted meanwhile (their foreign key takes only a key-share lock). A plain FOR UPDATE would wait
# on those inserts, and they on it, when a session fills up.
_SESSION_WITH_COURSE_LOCKED = _SESSION_WITH_COURSE.with_for_update(of=CourseSession, key_share=True)


async def lock_session_with_course(
    session: AsyncSession, ctx: TenantContext, session_id: str, *, lock: bool = True
) -> tuple[CourseSession, Course]:
    """lock_session, fetching the course (for its price) in the same round trip.

    `lock=False` only reads them, for a decision that a conditional update makes safe later.
    """
    statement = _SESSION_WITH_COURSE_LOCKED if lock else _SESSION_WITH_COURSE
    row = (await session.execute(statement, {"tenant_id": ctx.tenant_id, "session_id": session_id})).first()
    if row is None:
        raise NotFound("Session")
    return row[0], row[1]


@dataclass(frozen=True)
class Standing:
    """A customer, their live booking on a session (id), the offer they hold there (id), and
    whether a candidate booking reference is taken already: all read in one round trip."""

    customer: Customer
    live_booking_id: str | None
    offer_id: str | None
    reference_taken: bool = False


def _standing_statement(check_reference: bool) -> Select:
    live = (
        select(Booking.id)
        .where(
            Booking.session_id == bindparam("session_id"),
            Booking.customer_id == Customer.id,
            Booking.status.in_(LIVE_BOOKING_STATUSES),
        )
        .limit(1)
        .scalar_subquery()
    )
    offered = (
        select(WaitingListEntry.id)
        .where(
            WaitingListEntry.session_id == bindparam("session_id"),
            WaitingListEntry.customer_id == Customer.id,
            WaitingListEntry.status == WaitingListStatus.OFFERED,
        )
        .limit(1)
        .scalar_subquery()
    )
    taken = (
        select(Booking.id).where(Booking.reference == bindparam("reference")).exists()
        if check_reference
        else literal(False)
    )
    return select(Customer, live, offered, taken).where(
        Customer.tenant_id == bindparam("tenant_id"), Customer.id == bindparam("customer_id")
    )


_STANDING = _standing_statement(check_reference=False)
_STANDING_AND_REFERENCE = _standing_statement(check_reference=True)


async def _customer_standing(
    session: AsyncSession, ctx: TenantContext, customer_id: str, session_id: str, reference: str | None = None
) -> Standing:
    """The customer's standing on a session (and, given a candidate reference, whether it is taken)."""
    params = {"tenant_id": ctx.tenant_id, "customer_id": customer_id, "session_id": session_id}
    if reference is None:
        row = (await session.execute(_STANDING, params)).first()
    else:
        row = (await session.execute(_STANDING_AND_REFERENCE, {**params, "reference": reference})).first()
    if row is None:
        raise NotFound("Customer")
    return Standing(row[0], row[1], row[2], bool(row[3]))


async def create_booking(session: AsyncSession, ctx: TenantContext, request: BookingRequest) -> Booking:
    """Take a place on a session for a customer (rules 1 to 5 of the booking engine).

    The usual case (a free place, no live booking or offer of this customer's there) is read without
    locking, and the place is taken by one conditional update followed only by the booking's rows and
    the commit. Anything else, or an update that finds the place gone meanwhile, is decided with the
    row locked first.
    """
    now = ctx.now()
    option = payment_option_for(ctx, request)
    course_session, course = await lock_session_with_course(session, ctx, request.session_id, lock=False)
    reference = random_reference(centre_prefix(ctx.tenant.slug))
    standing = await _customer_standing(session, ctx, request.customer_id, course_session.id, reference)
    ensure_bookable(course_session, course, ctx.tenant, now)
    _ensure_deposit_allowed(ctx, request, option, course_session)
    straightforward = not (
        standing.live_booking_id is not None
        or standing.offer_id is not None
        or standing.reference_taken
        or course_session.booked_spots >= course_session.available_spots
    )
    if straightforward and await _take_place(session, ctx, course_session, standing.customer.id, now):
        booking, _entry = _write_booking(
            session, ctx, course_session, course, standing.customer, request, option, now, reference
        )
        try:
            await session.flush()
        except IntegrityError as error:
            if _is_live_booking_clash(error):
                raise Refused("already_booked", "This customer already has a place on this session.") from error
            raise NotFound("Customer") from error  # deleted while this request ran
        if option is PaymentOption.INVOICE:
            await _confirmed_on_invoice(session, ctx, booking, course_session)
        booking_changed(session, booking)
        capacity_changed(session, ctx, course_session)
        return booking
    return await _create_booking_locked(session, ctx, request, option, now)


async def _confirmed_on_invoice(
    session: AsyncSession, ctx: TenantContext, booking: Booking, course_session: CourseSession
) -> None:
    """A company booking on invoice is confirmed at once: its invoice, and its confirmation email."""
    await issue_invoice(session, ctx, booking, course_session)
    await emails.booking_confirmed(session, ctx, booking)


_TAKE_PLACE = (
    update(CourseSession)
    .where(
        # Not "tenant_id": an UPDATE keeps its columns' own names for the values it sets.
        CourseSession.tenant_id == bindparam("centre_id"),
        CourseSession.id == bindparam("session_id"),
        CourseSession.booked_spots < CourseSession.available_spots,
        *rules.bookable_where(),
        ~select(WaitingListEntry.id)
        .where(
            WaitingListEntry.session_id == bindparam("session_id"),
            WaitingListEntry.customer_id == bindparam("customer_id"),
            WaitingListEntry.status == WaitingListStatus.OFFERED,
        )
        .exists(),
    )
    .values(booked_spots=CourseSession.booked_spots + 1, updated_at=bindparam("now", type_=UTCDateTime()))
    .returning(CourseSession.booked_spots, CourseSession.available_spots)
    .execution_options(synchronize_session=False)
)


async def _take_place(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, customer_id: str, now: datetime
) -> bool:
    """One more place booked on the session, if it is still open, has one free and no offer to this
    customer appeared meanwhile; False (nothing changed) otherwise."""
    params = {
        "centre_id": course_session.tenant_id,
        "session_id": course_session.id,
        "customer_id": customer_id,
        "now": now,
        "closes_after": rules.closes_after(ctx.tenant, now),
    }
    async with turn_at_row(session, f"course_session:{course_session.id}"):
        row = (await session.execute(_TAKE_PLACE, params)).first()
    if row is None:
        return False
    set_committed_value(course_session, "booked_spots", row[0])
    set_committed_value(course_session, "available_spots", row[1])
    return True


async def _create_booking_locked(
    session: AsyncSession, ctx: TenantContext, request: BookingRequest, option: PaymentOption, now: datetime
) -> Booking:
    """create_booking with the session row locked first: lapsed holds, offers, a full session."""
    course_session, course = await lock_session_with_course(session, ctx, request.session_id)
    standing = await _customer_standing(session, ctx, request.customer_id, course_session.id)
    ensure_bookable(course_session, course, ctx.tenant, now)
    _ensure_deposit_allowed(ctx, request, option, course_session)
    # Lapsed holds and offers only matter when they stand in the way: a full session, or this
    # customer's own lapsed hold. Releasing them is then done before deciding.
    in_the_way = standing.live_booking_id is not None or course_session.booked_spots >= course_session.available_spots
    if in_the_way and await release_lapsed(session, ctx, course_session, now):
        standing = await _customer_standing(session, ctx, request.customer_id, course_session.id)
    if standing.live_booking_id is not None:
        raise Refused("already_booked", "This customer already has a place on this session.")
    offer = await session.get(WaitingListEntry, standing.offer_id) if standing.offer_id else None
    if offer is not None:
        # The place was set aside for them when it was offered; taking it is not a new place.
        offer.status = WaitingListStatus.ACCEPTED
        offer.updated_at = now
    else:
        if course_session.booked_spots >= course_session.available_spots:
            raise Refused("session_full", "This session is full; join the waiting list instead.")
        course_session.booked_spots += 1
    reference = await new_booking_reference(session, ctx.tenant.slug)
    booking, _entry = _write_booking(
        session, ctx, course_session, course, standing.customer, request, option, now, reference
    )
    if offer is not None:
        await session.flush()  # the booking row first: the entry refers to it
        offer.booking_id = booking.id
    if option is PaymentOption.INVOICE:
        await session.flush()
        await _confirmed_on_invoice(session, ctx, booking, course_session)
    booking_changed(session, booking)
    capacity_changed(session, ctx, course_session)
    return booking


def _is_live_booking_clash(error: IntegrityError) -> bool:
    """The one-live-booking index said no: the same customer's booking was made at the same moment.

    PostgreSQL names the index; SQLite names its columns.
    """
    message = str(error.orig)
    return "uq_bookings_live_customer_session" in message or "bookings.session_id, bookings.customer_id" in message


# --- giving a place back, moving it --------------------------------------------------------------


async def _release_lapsed_of(session: AsyncSession, ctx: TenantContext, booking: Booking, now: datetime) -> None:
    """A hold past its time is expired before anything else is decided about it."""
    if booking.status is BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at <= now:
        course_session = await lock_session(session, ctx, booking.session_id)
        await release_lapsed(session, ctx, course_session, now)
        await session.refresh(booking)


async def cancel_booking(
    session: AsyncSession, ctx: TenantContext, booking_id: str, reason: str, *, tell_student: bool = True
) -> Booking:
    """Cancel a live booking: its place is freed and offered to the waiting list (rule 6). The student is
    told by email unless the caller sends its own (a cancelled session says more)."""
    now = ctx.now()
    booking = await get_booking(session, ctx, booking_id)
    await _release_lapsed_of(session, ctx, booking, now)
    if booking.status not in LIVE_BOOKING_STATUSES:
        raise Refused("booking_not_live", f"This booking is {booking.status.value.lower()} already.")
    course_session = await lock_session(session, ctx, booking.session_id)
    booking.cancelled_at = now
    booking.cancellation_reason = reason
    booking.hold_expires_at = None
    await _give_place_back(session, ctx, course_session, booking, BookingStatus.CANCELLED, reason)
    if tell_student:
        await emails.booking_cancelled(session, ctx, booking, reason)
    return booking


async def _give_place_back(
    session: AsyncSession,
    ctx: TenantContext,
    course_session: CourseSession,
    booking: Booking,
    status: BookingStatus,
    reason: str,
) -> None:
    """A live booking ends (cancelled, or its hold ended): the place goes to the waiting list or on sale."""
    now = ctx.now()
    booking.status = status
    booking.balance_due = 0
    booking.updated_at = now
    course_session.booked_spots -= 1
    audit.record(session, ctx, f"booking.{status.value.lower()}", "booking", booking.id, reason=reason)
    await offer_places(session, ctx, course_session, now)
    booking_changed(session, booking)
    capacity_changed(session, ctx, course_session)


async def end_hold(session: AsyncSession, ctx: TenantContext, booking: Booking, reason: str) -> bool:
    """A PENDING booking whose payment can no longer come (its checkout expired): the hold ends now,
    before its time, and the place goes to the waiting list or back on sale. False if it was not held."""
    course_session = await lock_session(session, ctx, booking.session_id)
    await session.refresh(booking)
    if booking.status is not BookingStatus.PENDING:
        return False
    await _give_place_back(session, ctx, course_session, booking, BookingStatus.EXPIRED, reason)
    return True


async def move_booking(session: AsyncSession, ctx: TenantContext, booking_id: str, target_session_id: str) -> Booking:
    """Move a live booking to another session of the same course, atomically.

    The old place is freed only if the new one is taken; otherwise nothing changes.
    """
    now = ctx.now()
    booking = await get_booking(session, ctx, booking_id)
    await _release_lapsed_of(session, ctx, booking, now)
    if booking.status not in LIVE_BOOKING_STATUSES:
        raise Refused("booking_not_live", f"This booking is {booking.status.value.lower()}; it cannot move.")
    if target_session_id == booking.session_id:
        raise Refused("same_session", "The booking is on that session already.", field="sessionId")
    # Locks are always taken in id order, so two moves in opposite directions cannot deadlock.
    first, second = sorted((booking.session_id, target_session_id))
    locked = {
        first: await lock_session_with_course(session, ctx, first),
        second: await lock_session_with_course(session, ctx, second),
    }
    current, (target, course) = locked[booking.session_id][0], locked[target_session_id]
    if target.course_id != current.course_id:
        raise Refused("different_course", "A booking can only move to a session of the same course.", field="sessionId")
    ensure_bookable(target, course, ctx.tenant, now)
    await release_lapsed(session, ctx, target, now)
    standing = await _customer_standing(session, ctx, booking.customer_id, target.id)
    if standing.live_booking_id is not None:
        raise Refused("already_booked", "This customer already has a place on that session.", field="sessionId")
    offer = await session.get(WaitingListEntry, standing.offer_id) if standing.offer_id else None
    if offer is not None:
        # A place on the target was already set aside for this customer: the move takes that one.
        offer.status = WaitingListStatus.ACCEPTED
        offer.booking_id = booking.id
        offer.updated_at = now
    elif target.booked_spots >= target.available_spots:
        raise Refused("session_full", "That session is full.", field="sessionId")
    else:
        target.booked_spots += 1
    current.booked_spots -= 1
    booking.session_id = target.id
    booking.updated_at = now
    audit.record(session, ctx, "booking.moved", "booking", booking.id, source=current.id, target=target.id)
    await offer_places(session, ctx, current, now)
    booking_changed(session, booking)
    capacity_changed(session, ctx, current)
    capacity_changed(session, ctx, target)
    return booking


async def set_booking_notes(
    session: AsyncSession,
    ctx: TenantContext,
    booking_id: str,
    *,
    staff_notes: str | None = None,
    special_requests: str | None = None,
) -> Booking:
    booking = await get_booking(session, ctx, booking_id)
    changes = {}
    if staff_notes is not None:
        booking.staff_notes = staff_notes
        changes["staff_notes"] = True
    if special_requests is not None:
        booking.special_requests = special_requests
        changes["special_requests"] = True
    if changes:
        booking.updated_at = ctx.now()
        audit.record(session, ctx, "booking.notes_changed", "booking", booking.id, **changes)
    return booking


# --- lists ---------------------------------------------------------------------------------------


def _filtered(ctx: TenantContext, filters: BookingFilters, statement: Select) -> Select:
    statement = statement.where(Booking.tenant_id == ctx.tenant_id)
    if filters.status is not None:
        statement = statement.where(Booking.status == filters.status)
    if filters.session_id is not None:
        statement = statement.where(Booking.session_id == filters.session_id)
    if filters.customer_id is not None:
        statement = statement.where(Booking.customer_id == filters.customer_id)
    if filters.outstanding:
        statement = statement.where(Booking.status == BookingStatus.CONFIRMED, Booking.balance_due > 0)
    if filters.starts_from is not None or filters.starts_to is not None:
        conditions = [CourseSession.id == Booking.session_id]
        if filters.starts_from is not None:
            conditions.append(CourseSession.start_date >= filters.starts_from)
        if filters.starts_to is not None:
            conditions.append(CourseSession.start_date <= filters.starts_to)
        statement = statement.join(CourseSession, and_(*conditions))
    return statement


async def list_bookings(
    session: AsyncSession, ctx: TenantContext, filters: BookingFilters
) -> tuple[list[Booking], int]:
    """A page of the centre's bookings, newest first, and how many match in all."""
    total = await session.scalar(_filtered(ctx, filters, select(func.count(Booking.id))))
    rows = await session.scalars(
        _filtered(ctx, filters, select(Booking))
        .order_by(Booking.created_at.desc(), Booking.id)
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return list(rows), total or 0


async def course_ids_of(session: AsyncSession, ctx: TenantContext, bookings: list[Booking]) -> dict[str, str]:
    """The course of each booking's session, in one query (none when the sessions are loaded already)."""
    wanted = {b.session_id for b in bookings}
    loaded = [*session.identity_map.values(), *(b.__dict__.get("session") for b in bookings)]
    known = {obj.id: obj.course_id for obj in loaded if isinstance(obj, CourseSession) and obj.id in wanted}
    missing = wanted - known.keys()
    if missing:
        rows = await session.execute(
            select(CourseSession.id, CourseSession.course_id).where(
                CourseSession.tenant_id == ctx.tenant_id, CourseSession.id.in_(missing)
            )
        )
        known.update({session_id: course_id for session_id, course_id in rows})
    return {b.id: known.get(b.session_id, "") for b in bookings}


# --- the sweep the jobs run ----------------------------------------------------------------------


async def sessions_with_lapsed_places(session: AsyncSession, now: datetime) -> list[tuple[str, str]]:
    """(tenant id, session id) of every session holding a lapsed hold or offer, in any centre."""
    holds = select(Booking.tenant_id, Booking.session_id).where(
        Booking.status == BookingStatus.PENDING, Booking.hold_expires_at <= now
    )
    offers = select(WaitingListEntry.tenant_id, WaitingListEntry.session_id).where(
        WaitingListEntry.status == WaitingListStatus.OFFERED, WaitingListEntry.offer_expires_at <= now
    )
    return [(tenant_id, session_id) for tenant_id, session_id in await session.execute(holds.union(offers))]
