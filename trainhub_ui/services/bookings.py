"""Bookings: taking a place for a customer, cancelling, moving, ending a hold.

The places themselves (`booked_spots`, holds, offers, the fast conditional update) are
`trainhub_ui.booking.places`; whether a session takes bookings is `trainhub_ui.booking.rules`; every status
change is a move of `trainhub_ui.booking.states`; what a booking costs is `trainhub_ui.booking.amounts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import Select, bindparam, literal, select
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
from trainhub_ui.booking import places
from trainhub_ui.booking.amounts import amounts_for, ensure_deposit_allowed, payment_option_for
from trainhub_ui.booking.places import (
    booking_changed,
    capacity_changed,
    lock_session,
    lock_session_with_course,
    release_lapsed,
)
from trainhub_ui.booking.rules import Refused, ensure_bookable
from trainhub_ui.booking.states import BOOKING, WAITING_LIST
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.domain.inputs import EmailText, Fraction, Id, ServiceInput, ShortText, Text
from trainhub_ui.notify import emails
from trainhub_ui.payments import shortest_hold

from . import credit_notes
from .invoice_requests import ask_to_confirm_invoice
from .invoices import issue_invoice
from .references import centre_prefix, new_booking_reference, random_reference

BILLING_ADDRESS_MAX = 500


class BookingRequest(ServiceInput):
    """A place asked for a customer on a session; the API's body of POST /bookings is this model."""

    customer_id: Id
    session_id: Id
    special_requests: Text = ""
    deposit_percentage: Fraction | None = None
    payment_option: PaymentOption | None = None
    company_name: ShortText | None = None
    billing_email: EmailText | None = None
    po_number: Annotated[str, Field(max_length=100)] | None = None
    billing_address: Annotated[str, StringConstraints(max_length=BILLING_ADDRESS_MAX, strip_whitespace=True)] | None = (
        None
    )
    # The version of the centre's terms the student accepted, checked by `centre_terms.accepted_version`.
    accepted_terms_version: (
        Annotated[int, Field(ge=1, description="The version of the centre's terms the student accepted, if any")] | None
    ) = None


def billing_address_problem(option: PaymentOption, address: str | None) -> str | None:
    """Why a booking cannot be taken with this billing address, or None. A VAT invoice is addressed to the
    company: paying on invoice needs its billing address."""
    if option is PaymentOption.INVOICE and not (address or "").strip():
        return "Enter the company's billing address: the invoice is addressed there."
    if address and len(address.strip()) > BILLING_ADDRESS_MAX:
        return f"Use at most {BILLING_ADDRESS_MAX} characters for the billing address."
    return None


def ensure_billing_address(option: PaymentOption, address: str | None) -> None:
    """Asked by every way a person books (the API, the wizard, the phone dialog): InvalidInput at
    `billingAddress` when an invoice booking lacks its billing address."""
    if (problem := billing_address_problem(option, address)) is not None:
        raise InvalidInput("billingAddress", problem)


# --- loading, scoped to the centre ---------------------------------------------------------------


async def find_customer_of(session: AsyncSession, ctx: TenantContext, customer_id: str) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == ctx.tenant_id, Customer.id == customer_id)
    )
    if customer is None or customer.erased_at is not None:  # an erased student is booked no more
        raise NotFound("Customer")
    return customer


async def get_booking(session: AsyncSession, ctx: TenantContext, booking_id: str) -> Booking:
    booking = await session.scalar(select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id))
    if booking is None:
        raise NotFound("Booking")
    return booking


# --- releasing lapsed holds and offers, offering freed places ----------------------------------


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
    invoice_to_confirm: bool,
) -> tuple[Booking, AuditEntry]:
    """The booking row (and its audit entry) for a place: PENDING with a hold (paid by card, or a company
    invoice still to be confirmed by whoever receives it), or CONFIRMED on invoice.

    Nothing is sent yet: the rows go with the session's next flush.
    """
    amounts = amounts_for(ctx, course, option)
    on_invoice = option is PaymentOption.INVOICE and not invoice_to_confirm
    booking = Booking(
        id=new_id(),
        tenant_id=ctx.tenant_id,
        reference=reference,
        session_id=course_session.id,
        customer_id=customer.id,
        status=BOOKING.start("book_on_invoice" if on_invoice else "hold_for_invoice" if invoice_to_confirm else "hold"),
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
        billing_address=request.billing_address or "",
        terms_version=request.accepted_terms_version,
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


async def customer_standing(
    session: AsyncSession, ctx: TenantContext, customer_id: str, session_id: str, reference: str | None = None
) -> Standing:
    """The customer's standing on a session (and, given a candidate reference, whether it is taken)."""
    params = {"tenant_id": ctx.tenant_id, "customer_id": customer_id, "session_id": session_id}
    if reference is None:
        row = (await session.execute(_STANDING, params)).first()
    else:
        row = (await session.execute(_STANDING_AND_REFERENCE, {**params, "reference": reference})).first()
    if row is None or row[0].erased_at is not None:  # an erased student is booked no more
        raise NotFound("Customer")
    return Standing(row[0], row[1], row[2], bool(row[3]))


async def create_booking(
    session: AsyncSession, ctx: TenantContext, request: BookingRequest, *, invoice_to_confirm: bool = False
) -> Booking:
    """Take a place on a session for a customer (rules 1 to 5 of the booking engine).

    With `invoice_to_confirm` (a guest's company invoice), the place is held like a card hold and whoever
    the invoice is billed to is asked to confirm it by email; otherwise an invoice booking is confirmed at once.

    The usual case (a free place, no live booking or offer of this customer's there) is read without
    locking, and the place is taken by one conditional update followed only by the booking's rows and
    the commit. Anything else, or an update that finds the place gone meanwhile, is decided with the
    row locked first.
    """
    now = ctx.now()
    option = payment_option_for(ctx, request)
    course_session, course = await lock_session_with_course(session, ctx, request.session_id, lock=False)
    reference = random_reference(centre_prefix(ctx.tenant.slug))
    standing = await customer_standing(session, ctx, request.customer_id, course_session.id, reference)
    ensure_bookable(course_session, course, ctx.tenant, now)
    ensure_deposit_allowed(ctx, request, option, course_session)
    straightforward = not (
        standing.live_booking_id is not None
        or standing.offer_id is not None
        or standing.reference_taken
        or not places.has_free_place(course_session)
    )
    if straightforward and await places.take_place_if_free(session, ctx, course_session, standing.customer.id, now):
        booking, _entry = _write_booking(
            session, ctx, course_session, course, standing.customer, request, option, now, reference, invoice_to_confirm
        )
        try:
            await session.flush()
        except IntegrityError as error:
            if _is_live_booking_clash(error):
                raise Refused("already_booked", "This customer already has a place on this session.") from error
            raise NotFound("Customer") from error  # deleted while this request ran
        await _on_invoice(session, ctx, booking, course_session, invoice_to_confirm)
        booking_changed(session, booking)
        capacity_changed(session, ctx, course_session)
        return booking
    return await _create_booking_locked(session, ctx, request, option, now, invoice_to_confirm)


async def _on_invoice(
    session: AsyncSession, ctx: TenantContext, booking: Booking, course_session: CourseSession, to_confirm: bool
) -> None:
    """A new booking on invoice: its confirmation asked for, or (confirmed at once) its invoice issued."""
    if booking.payment_option is not PaymentOption.INVOICE:
        return
    if to_confirm:
        await ask_to_confirm_invoice(session, ctx, booking)
    else:
        await confirmed_on_invoice(session, ctx, booking, course_session)


async def confirmed_on_invoice(
    session: AsyncSession, ctx: TenantContext, booking: Booking, course_session: CourseSession
) -> None:
    """A company booking on invoice, once confirmed: its invoice, and its confirmation email."""
    await issue_invoice(session, ctx, booking, course_session)
    await emails.booking_confirmed(session, ctx, booking)


async def _create_booking_locked(
    session: AsyncSession,
    ctx: TenantContext,
    request: BookingRequest,
    option: PaymentOption,
    now: datetime,
    invoice_to_confirm: bool,
) -> Booking:
    """create_booking with the session row locked first: lapsed holds, offers, a full session."""
    course_session, course = await lock_session_with_course(session, ctx, request.session_id)
    standing = await customer_standing(session, ctx, request.customer_id, course_session.id)
    ensure_bookable(course_session, course, ctx.tenant, now)
    ensure_deposit_allowed(ctx, request, option, course_session)
    # Lapsed holds and offers only matter when they stand in the way: a full session, or this
    # customer's own lapsed hold. Releasing them is then done before deciding.
    in_the_way = standing.live_booking_id is not None or not places.has_free_place(course_session)
    if in_the_way and await release_lapsed(session, ctx, course_session, now):
        standing = await customer_standing(session, ctx, request.customer_id, course_session.id)
    if standing.live_booking_id is not None:
        raise Refused("already_booked", "This customer already has a place on this session.")
    offer = await session.get(WaitingListEntry, standing.offer_id) if standing.offer_id else None
    if offer is not None:
        # The place was set aside for them when it was offered; taking it is not a new place.
        WAITING_LIST.move(offer, "accept", now)
    else:
        places.take_place(course_session)
    reference = await new_booking_reference(session, ctx.tenant.slug)
    booking, _entry = _write_booking(
        session, ctx, course_session, course, standing.customer, request, option, now, reference, invoice_to_confirm
    )
    if offer is not None:
        await session.flush()  # the booking row first: the entry refers to it
        offer.booking_id = booking.id
    if option is PaymentOption.INVOICE:
        await session.flush()
        await _on_invoice(session, ctx, booking, course_session, invoice_to_confirm)
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


async def release_lapsed_of(session: AsyncSession, ctx: TenantContext, booking: Booking, now: datetime) -> None:
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
    await release_lapsed_of(session, ctx, booking, now)
    if booking.status not in LIVE_BOOKING_STATUSES:
        raise Refused("booking_not_live", f"This booking is {booking.status.value.lower()} already.")
    course_session = await lock_session(session, ctx, booking.session_id)
    booking.cancelled_at = now
    booking.cancellation_reason = reason
    booking.hold_expires_at = None
    # What the company had not paid of its invoice is owed no longer: credited, since the invoice stays as issued.
    unpaid = booking.balance_due if booking.payment_option is PaymentOption.INVOICE else 0
    await _give_place_back(session, ctx, course_session, booking, "cancel", reason)
    if unpaid:
        await credit_notes.credit_unpaid_on_cancel(session, ctx, booking, unpaid, reason)
    if tell_student:
        await emails.booking_cancelled(session, ctx, booking, reason)
    return booking


async def _give_place_back(
    session: AsyncSession,
    ctx: TenantContext,
    course_session: CourseSession,
    booking: Booking,
    event: str,
    reason: str,
) -> None:
    """A live booking ends by `event` (cancelled, or its hold ended): the place goes to the waiting list or on sale."""
    now = ctx.now()
    status = BOOKING.move(booking, event, now)
    booking.balance_due = 0
    audit.record(session, ctx, f"booking.{status.value.lower()}", "booking", booking.id, reason=reason)
    booking_changed(session, booking)
    await places.give_place_back(session, ctx, course_session, now)


async def end_hold(session: AsyncSession, ctx: TenantContext, booking: Booking, reason: str) -> bool:
    """A PENDING booking whose payment can no longer come (its checkout expired): the hold ends now,
    before its time, and the place goes to the waiting list or back on sale. False if it was not held."""
    course_session = await lock_session(session, ctx, booking.session_id)
    await session.refresh(booking)
    if booking.status is not BookingStatus.PENDING:
        return False
    await _give_place_back(session, ctx, course_session, booking, "expire", reason)
    return True


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
