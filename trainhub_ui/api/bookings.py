"""API: bookings and waiting lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, PaymentOption, WaitingListEntry, WaitingListStatus
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.booking_links import pay_url
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.inputs import Id, Text
from trainhub_ui.payments import provider
from trainhub_ui.rate_limits import Door
from trainhub_ui.services import booking_lists, waiting_list, workflows
from trainhub_ui.services import bookings as engine
from trainhub_ui.services.booking_lists import BookingFilters
from trainhub_ui.services.bookings import BookingRequest
from trainhub_ui.services.waiting_list import OfferAcceptance

from .access import MayBook, Reader
from .common import ERROR_RESPONSES, RATE_LIMITED, ApiModel, Page, Paging, limited

router = APIRouter(prefix="/tenant/{slug}", tags=["bookings"], responses=ERROR_RESPONSES)

Email = Annotated[str, Field(max_length=320)]


class BookingChange(ApiModel):
    """Cancel (status CANCELLED, with a reason), move (sessionId) or set notes; cancel and move exclude
    each other."""

    status: BookingStatus | None = None
    cancellation_reason: Text | None = None
    refund: Literal["POLICY", "FULL", "NONE"] = Field(
        default="POLICY",
        description="On cancelling: refund by the centre's policy (default), in full (the centre cancels), or not",
    )
    session_id: Id | None = None
    staff_notes: Text | None = None
    special_requests: Text | None = None

    @model_validator(mode="after")
    def _one_change_of_place(self) -> BookingChange:
        if self.status is not None and self.status is not BookingStatus.CANCELLED:
            raise ValueError("status can only be set to CANCELLED")
        if self.status is BookingStatus.CANCELLED and self.session_id is not None:
            raise ValueError("cancel or move a booking, not both at once")
        return self


class BookingOut(ApiModel):
    id: str
    reference: str
    session_id: str
    course_id: str
    customer_id: str
    status: BookingStatus
    payment_option: PaymentOption
    total_amount: int
    deposit_amount: int
    amount_paid: int
    balance_due: int
    currency: str
    hold_expires_at: datetime | None
    payment_url: str | None
    booking_url: str = Field(
        description="The booking's own page, with its access token: what the student opens to see the booking, "
        "pay what is due, and download its invoice or calendar file. Give it to the student only."
    )
    special_requests: str
    staff_notes: str
    cancellation_reason: str
    company_name: str
    billing_email: str
    po_number: str
    billing_address: str
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    terms_version: int | None = Field(
        description="The version of the centre's terms the student accepted (at /{slug}/terms?version=N); null when "
        "none was accepted: booked by staff, or before the centre published terms"
    )


class WaitingListIn(ApiModel):
    session_id: Id
    customer_id: Id


class WaitingListEntryOut(ApiModel):
    id: str
    session_id: str
    customer_id: str
    status: WaitingListStatus
    offer_expires_at: datetime | None
    booking_id: str | None
    created_at: datetime


def payment_url(ctx: TenantContext, booking: Booking) -> str | None:
    """Where the student pays: only a PENDING card booking has something to pay now. The link carries the
    booking's access token, so whoever is given it can pay without an account."""
    if booking.status is not BookingStatus.PENDING or booking.payment_option is PaymentOption.INVOICE:
        return None
    return pay_url(get_settings().base_url, ctx.tenant.slug, booking)


def booking_out(ctx: TenantContext, booking: Booking, course_id: str) -> BookingOut:
    return BookingOut.model_validate(
        {
            **{name: getattr(booking, name) for name in BookingOut.model_fields if hasattr(booking, name)},
            "course_id": course_id,
            "payment_url": payment_url(ctx, booking),
            "booking_url": pay_url(get_settings().base_url, ctx.tenant.slug, booking),
        }
    )


async def bookings_out(session: AsyncSession, ctx: TenantContext, bookings: list[Booking]) -> list[BookingOut]:
    courses = await booking_lists.course_ids_of(session, ctx, bookings)
    return [booking_out(ctx, booking, courses[booking.id]) for booking in bookings]


async def one_booking_out(session: AsyncSession, ctx: TenantContext, booking: Booking) -> BookingOut:
    return (await bookings_out(session, ctx, [booking]))[0]


class BookingQuery:
    def __init__(
        self,
        status: BookingStatus | None = None,
        session_id: Annotated[str | None, Query(alias="sessionId", max_length=64)] = None,
        customer_id: Annotated[str | None, Query(alias="customerId", max_length=64)] = None,
        starts_from: Annotated[date | None, Query(alias="from", description="sessions starting on or after")] = None,
        starts_to: Annotated[date | None, Query(alias="to", description="sessions starting on or before")] = None,
        outstanding: Annotated[bool, Query(description="only confirmed bookings with a balance to pay")] = False,
    ) -> None:
        self.status, self.session_id, self.customer_id = status, session_id, customer_id
        self.starts_from, self.starts_to, self.outstanding = starts_from, starts_to, outstanding


@router.get("/bookings", response_model=Page[BookingOut], response_model_by_alias=True)
async def list_bookings(
    ctx: MayBook, session: Reader, query: Annotated[BookingQuery, Depends()], paging: Annotated[Paging, Depends()]
) -> Page[BookingOut]:
    """The centre's bookings, newest first. `from`/`to` filter on the session's start date."""
    filters = BookingFilters(
        status=query.status,
        session_id=query.session_id,
        customer_id=query.customer_id,
        starts_from=query.starts_from,
        starts_to=query.starts_to,
        outstanding=query.outstanding,
        limit=paging.limit,
        offset=paging.offset,
    )
    items, total = await booking_lists.list_bookings(session, ctx, filters)
    return Page[BookingOut](items=await bookings_out(session, ctx, items), total=total)


@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingOut,
    response_model_by_alias=True,
    dependencies=[Depends(limited(Door.BOOKING))],
    responses=RATE_LIMITED,
)
async def create_booking(body: BookingRequest, ctx: MayBook) -> BookingOut:
    """Take a place. Card bookings are PENDING with a hold and a `paymentUrl`; INVOICE ones CONFIRMED."""
    booking = await workflows.book(database(), ctx, body)
    return booking_out(ctx, booking, booking.session.course_id)  # the booking comes with its session


@router.get("/bookings/{booking_id}", response_model=BookingOut, response_model_by_alias=True)
async def get_booking(booking_id: str, ctx: MayBook, session: Reader) -> BookingOut:
    return await one_booking_out(session, ctx, await engine.get_booking(session, ctx, booking_id))


@router.patch("/bookings/{booking_id}", response_model=BookingOut, response_model_by_alias=True)
async def change_booking(booking_id: str, body: BookingChange, ctx: MayBook) -> BookingOut:
    """Cancel with a reason (refunding by the centre's policy unless `refund` says otherwise), move to
    another session of the same course, or set notes."""
    changes = workflows.BookingChanges(
        staff_notes=body.staff_notes,
        special_requests=body.special_requests,
        cancel_reason=(body.cancellation_reason or "") if body.status is BookingStatus.CANCELLED else None,
        refund=body.refund,
        move_to_session_id=body.session_id,
    )
    db = database()
    changed = await workflows.change_booking(db, ctx, provider(), booking_id, changes)
    async with db.read() as session:
        return await one_booking_out(session, ctx, changed.booking)


def entry_out(entry: WaitingListEntry) -> WaitingListEntryOut:
    return WaitingListEntryOut.model_validate(entry)


@router.get("/waiting-list", response_model=Page[WaitingListEntryOut], response_model_by_alias=True)
async def list_waiting_list(
    ctx: MayBook,
    session: Reader,
    paging: Annotated[Paging, Depends()],
    session_id: Annotated[str | None, Query(alias="sessionId", max_length=64)] = None,
) -> Page[WaitingListEntryOut]:
    """Waiting-list entries, first come first."""
    items, total = await waiting_list.list_entries(session, ctx, session_id, paging.limit, paging.offset)
    return Page[WaitingListEntryOut](items=[entry_out(e) for e in items], total=total)


@router.post("/waiting-list", status_code=201, response_model=WaitingListEntryOut, response_model_by_alias=True)
async def join_waiting_list(body: WaitingListIn, ctx: MayBook) -> WaitingListEntryOut:
    """Join a full session's waiting list; a freed place is offered to the first in line."""
    return entry_out(await workflows.join_waiting_list(database(), ctx, body.session_id, body.customer_id))


@router.post(
    "/waiting-list/{entry_id}/accept", status_code=201, response_model=BookingOut, response_model_by_alias=True
)
async def accept_offer(entry_id: str, body: OfferAcceptance, ctx: MayBook) -> BookingOut:
    """Take the place on offer: answers the new booking."""
    booking = await workflows.accept_offer(database(), ctx, entry_id, body)
    return booking_out(ctx, booking, booking.session.course_id)


@router.post("/waiting-list/{entry_id}/decline", response_model=WaitingListEntryOut, response_model_by_alias=True)
async def decline_offer(entry_id: str, ctx: MayBook) -> WaitingListEntryOut:
    return entry_out(await workflows.decline_offer(database(), ctx, entry_id))


@router.delete("/waiting-list/{entry_id}", response_model=WaitingListEntryOut, response_model_by_alias=True)
async def leave_waiting_list(entry_id: str, ctx: MayBook) -> WaitingListEntryOut:
    return entry_out(await workflows.leave_waiting_list(database(), ctx, entry_id))
