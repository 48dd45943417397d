"""A guest's company invoice waits for whoever receives the invoice to confirm it by the link emailed to them;
meanwhile the place is held like a card hold. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Booking, BookingStatus, Invoice, OutboxEmail, PaymentOption, Tenant
from tests import factories
from tests.factories import Clock
from trainhub_ui.booking.rules import Refused
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.services import invoice_confirmation
from trainhub_ui.services.accounts import sign_up_customer
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.online_booking import Guest, OnlineBooking, book_online

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
BILLING = "accounts@severn.example"


async def _centre(db: Database, spots: int = 3) -> tuple[TenantContext, str]:
    async with db.transaction() as session:
        tenant = await factories.centre(session, "severn-gas", "Severn Gas Training")
        course = await factories.course(session, tenant, price=60000)
        course_session = await factories.course_session(session, course, spots=spots, start=date(2027, 3, 1))
    return TenantContext(tenant=tenant, clock=Clock(NOW)), course_session.id


def _request(session_id: str, email: str = "sam@example.com", billing_email: str = BILLING) -> OnlineBooking:
    return OnlineBooking(
        session_id=session_id,
        payment_option=PaymentOption.INVOICE,
        guest=Guest("Sam", "Guest", email),
        for_company=True,
        company_name="Severn Heating Ltd",
        billing_email=billing_email,
        po_number="PO-7781",
        billing_address="Severn Heating Ltd\n4 Quay Street\nGloucester GL1 2AB",
    )


async def _emails(db: Database, ctx: TenantContext, kind: str) -> list[OutboxEmail]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(OutboxEmail)
                .where(OutboxEmail.tenant_id == ctx.tenant_id, OutboxEmail.kind == kind)
                .order_by(OutboxEmail.created_at)
            )
        )


async def _invoice_count(db: Database, ctx: TenantContext) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(Invoice.id)).where(Invoice.tenant_id == ctx.tenant_id)) or 0


async def _reload(db: Database, booking: Booking) -> Booking:
    async with db.read() as session:
        found = await session.get(Booking, booking.id)
        assert found is not None
        return found


def _code_in(email: OutboxEmail, booking: Booking) -> str:
    found = re.search(rf"/invoice-confirmation/{booking.reference}\?c=([A-Za-z0-9_-]+)", email.body_text)
    assert found is not None, email.body_text
    return found.group(1)


async def test_a_guests_invoice_is_held_until_the_billing_email_confirms_it(db: Database) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id))
    # Nothing is confirmed and nothing invoiced on the guest's word alone; the place is held like a card hold.
    assert booking.status is BookingStatus.PENDING and booking.confirmed_at is None
    assert booking.hold_expires_at == NOW + timedelta(minutes=ctx.tenant.hold_minutes)
    assert await _invoice_count(db, ctx) == 0
    assert await _emails(db, ctx, "booking_confirmed") == []
    [asked] = await _emails(db, ctx, "invoice_confirmation")
    assert asked.to_address == BILLING and asked.booking_id == booking.id
    code = _code_in(asked, booking)
    assert len(code) >= 22  # at least 128 bits
    # The guest's own link (the access token) is not the confirmation code.
    assert code != booking.access_token and code not in (await _reload(db, booking)).invoice_confirmation_hash

    shown = await invoice_confirmation.invoice_to_confirm(db, ctx, booking.reference, code)
    assert shown.booking.id == booking.id and shown.company_name == "Severn Heating Ltd"

    confirmed = await invoice_confirmation.confirm_invoice(db, ctx, booking.reference, code)
    assert confirmed.status is BookingStatus.CONFIRMED and confirmed.hold_expires_at is None
    assert await _invoice_count(db, ctx) == 1
    assert len(await _emails(db, ctx, "booking_confirmed")) == 1
    assert [e.to_address for e in await _emails(db, ctx, "invoice_issued")] == [BILLING]
    # The link again: still confirmed, nothing issued twice.
    again = await invoice_confirmation.confirm_invoice(db, ctx, booking.reference, code)
    assert again.status is BookingStatus.CONFIRMED and await _invoice_count(db, ctx) == 1


async def test_without_a_billing_email_the_guest_confirms_at_their_own(db: Database) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id, billing_email=""))
    [asked] = await _emails(db, ctx, "invoice_confirmation")
    assert asked.to_address == "sam@example.com" and booking.status is BookingStatus.PENDING


@pytest.mark.parametrize("code", ["", "wrong", "A" * 43])
async def test_a_wrong_code_opens_and_confirms_nothing(db: Database, code: str) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id))
    with pytest.raises(NotFound):
        await invoice_confirmation.invoice_to_confirm(db, ctx, booking.reference, code)
    with pytest.raises(NotFound):
        await invoice_confirmation.confirm_invoice(db, ctx, booking.reference, code)
    # Nor does the guest's own access token confirm it.
    with pytest.raises(NotFound):
        await invoice_confirmation.confirm_invoice(db, ctx, booking.reference, booking.access_token)
    assert (await _reload(db, booking)).status is BookingStatus.PENDING and await _invoice_count(db, ctx) == 0


async def test_another_centre_cannot_confirm_it(db: Database) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id))
    code = _code_in((await _emails(db, ctx, "invoice_confirmation"))[0], booking)
    async with db.transaction() as session:
        other = await factories.centre(session, "other-centre", "Other Centre")
    with pytest.raises(NotFound):
        await invoice_confirmation.confirm_invoice(db, TenantContext(tenant=other), booking.reference, code)


async def test_confirmed_after_the_hold_lapsed_takes_a_free_place_again(db: Database) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id))
    code = _code_in((await _emails(db, ctx, "invoice_confirmation"))[0], booking)
    later = TenantContext(tenant=ctx.tenant, clock=Clock(NOW + timedelta(hours=3)))
    confirmed = await invoice_confirmation.confirm_invoice(db, later, booking.reference, code)
    assert confirmed.status is BookingStatus.CONFIRMED and await _invoice_count(db, ctx) == 1


async def test_confirmed_after_the_session_filled_stays_lapsed(db: Database) -> None:
    ctx, session_id = await _centre(db, spots=1)
    booking = await book_online(db, ctx, _request(session_id))
    code = _code_in((await _emails(db, ctx, "invoice_confirmation"))[0], booking)
    later = TenantContext(tenant=ctx.tenant, clock=Clock(NOW + timedelta(hours=3)))
    async with db.transaction() as session:
        tenant = await session.get(Tenant, ctx.tenant_id)
        assert tenant is not None
        other = await factories.customer(session, tenant, "quick@example.com")
        await create_booking(session, later, BookingRequest(customer_id=other.id, session_id=session_id))
    answered = await invoice_confirmation.confirm_invoice(db, later, booking.reference, code)
    assert answered.status is BookingStatus.EXPIRED
    assert (await _reload(db, booking)).status is BookingStatus.EXPIRED and await _invoice_count(db, ctx) == 0


async def test_declining_releases_the_place(db: Database) -> None:
    ctx, session_id = await _centre(db, spots=1)
    booking = await book_online(db, ctx, _request(session_id))
    code = _code_in((await _emails(db, ctx, "invoice_confirmation"))[0], booking)
    declined = await invoice_confirmation.decline_invoice(db, ctx, booking.reference, code)
    assert declined.status is BookingStatus.CANCELLED and await _invoice_count(db, ctx) == 0
    with pytest.raises(Refused):
        await invoice_confirmation.confirm_invoice(db, ctx, booking.reference, code)


async def test_sending_the_link_again_replaces_the_old_one(db: Database) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id))
    first = _code_in((await _emails(db, ctx, "invoice_confirmation"))[0], booking)
    # Too soon after the first: refused, the first link still works.
    with pytest.raises(Refused):
        await invoice_confirmation.send_again(db, ctx, booking.reference, booking.access_token)
    later = TenantContext(tenant=ctx.tenant, clock=Clock(NOW + timedelta(minutes=6)))
    await invoice_confirmation.send_again(db, later, booking.reference, booking.access_token)
    second = _code_in((await _emails(db, ctx, "invoice_confirmation"))[1], booking)
    assert second != first
    with pytest.raises(NotFound):
        await invoice_confirmation.confirm_invoice(db, later, booking.reference, first)
    assert (await invoice_confirmation.confirm_invoice(db, later, booking.reference, second)).status is (
        BookingStatus.CONFIRMED
    )


async def test_staff_may_approve_it_instead(db: Database) -> None:
    ctx, session_id = await _centre(db)
    booking = await book_online(db, ctx, _request(session_id))
    approved = await invoice_confirmation.approve_invoice(db, ctx, booking.id)
    assert approved.status is BookingStatus.CONFIRMED and await _invoice_count(db, ctx) == 1
    with pytest.raises(Refused):
        await invoice_confirmation.approve_invoice(db, ctx, booking.id)


async def test_a_signed_in_student_is_confirmed_at_once(db: Database) -> None:
    """A student signed in has shown the email is theirs; the invoice is issued as it always was."""
    ctx, session_id = await _centre(db)
    async with db.transaction() as session:
        tenant = await session.get(Tenant, ctx.tenant_id)
        assert tenant is not None
        student = await sign_up_customer(
            session, tenant, first_name="Jo", last_name="Bloggs", email="jo@example.com", password="a-long-password-1"
        )
    request = _request(session_id)
    signed_in = OnlineBooking(**{**request.__dict__, "guest": None, "customer_id": student.id})
    booking = await book_online(db, ctx, signed_in)
    assert booking.status is BookingStatus.CONFIRMED and await _invoice_count(db, ctx) == 1
    assert await _emails(db, ctx, "invoice_confirmation") == []
