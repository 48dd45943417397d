"""A guest's company invoice on the pages: the page the billing contact's email leads to (confirm, "Not ours",
a wrong link), the pay page while it waits (the link sent again), and staff confirming it instead."""

from __future__ import annotations

import re
from datetime import date, timedelta

from nicegui.testing import User
from sqlalchemy import func, select

from models import Booking, BookingStatus, Invoice, OutboxEmail, PaymentOption, StaffRole, Tenant
from tests import factories
from tests.ui.conftest import CENTRE_A, SLOW
from tests.ui.test_admin_bookings import signed_in
from trainhub_ui.db import Database
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.online_booking import Guest, OnlineBooking, book_online


async def _guest_invoice(db: Database) -> Booking:
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        course = await factories.course(session, tenant, price=49500)
        course_session = await factories.course_session(session, course, start=date.today() + timedelta(days=30))
    return await book_online(
        db,
        TenantContext(tenant=tenant),
        OnlineBooking(
            session_id=course_session.id,
            payment_option=PaymentOption.INVOICE,
            guest=Guest("Sam", "Guest", "sam@example.com"),
            for_company=True,
            company_name="Severn Heating Ltd",
            billing_email="accounts@severn.example",
            po_number="PO-7781",
            billing_address="Severn Heating Ltd\n4 Quay Street\nGloucester GL1 2AB",
        ),
    )


async def _link(db: Database, booking: Booking, nth: int = 0) -> str:
    async with db.read() as session:
        bodies = list(
            await session.scalars(
                select(OutboxEmail.body_text)
                .where(OutboxEmail.booking_id == booking.id, OutboxEmail.kind == "invoice_confirmation")
                .order_by(OutboxEmail.created_at)
            )
        )
    found = re.search(r"https?://[^/\s]+(/\S+/invoice-confirmation/\S+)", bodies[nth])
    assert found is not None
    return found.group(1)


async def _state(db: Database, booking: Booking) -> tuple[BookingStatus, int]:
    async with db.read() as session:
        found = await session.get(Booking, booking.id)
        invoices = await session.scalar(select(func.count(Invoice.id)).where(Invoice.booking_id == booking.id))
        assert found is not None
        return found.status, invoices or 0


async def test_the_billing_contact_confirms_the_invoice(user: User, centres: Database) -> None:
    booking = await _guest_invoice(centres)
    await user.open(await _link(centres, booking))
    await user.should_see("Please confirm the invoice")
    await user.should_see("Sam Guest has booked a place at Alpha Gas School")
    await user.should_see("PO-7781")
    await user.should_see(marker="invoice-held")
    assert await _state(centres, booking) == (BookingStatus.PENDING, 0)  # opening the link changes nothing
    user.find(marker="confirm-invoice").click()
    await user.should_see(marker="invoice-confirmed")
    await user.should_not_see(marker="confirm-invoice")
    assert await _state(centres, booking) == (BookingStatus.CONFIRMED, 1)
    # The same link later shows the booking as it is now.
    await user.open(await _link(centres, booking))
    await user.should_see(marker="invoice-confirmed")


async def test_not_ours_cancels_the_booking(user: User, centres: Database) -> None:
    booking = await _guest_invoice(centres)
    await user.open(await _link(centres, booking))
    user.find(marker="decline-invoice").click()
    await user.should_see(marker="invoice-closed")
    assert await _state(centres, booking) == (BookingStatus.CANCELLED, 0)


async def test_a_wrong_link_shows_nothing_of_the_booking(user: User, centres: Database) -> None:
    booking = await _guest_invoice(centres)
    for wrong in ("", "?c=wrong", f"?c={booking.access_token}"):
        response = await user.http_client.get(f"/{CENTRE_A}/invoice-confirmation/{booking.reference}{wrong}")
        assert response.status_code == 404
        assert "This confirmation link is not valid" in response.text and "Severn" not in response.text
    assert await _state(centres, booking) == (BookingStatus.PENDING, 0)


async def test_the_pay_page_waits_and_sends_the_link_again_once(user: User, centres: Database) -> None:
    booking = await _guest_invoice(centres)
    await user.open(pay_path(CENTRE_A, booking))
    await user.should_see(marker="status-awaiting-invoice")
    await user.should_not_see(marker="pay-test")
    user.find(marker="send-link-again").click()
    # Sent at booking a moment ago: too soon for another.
    await user.should_see("The link was sent less than 5 minutes ago")


async def test_staff_confirm_the_invoice_instead(user: User, centres: Database) -> None:
    booking = await _guest_invoice(centres)
    await signed_in(user, StaffRole.STAFF)
    await user.open(f"/{CENTRE_A}/admin/bookings/{booking.id}")
    await user.should_see(marker="invoice-awaiting")
    user.find(marker="approve-invoice").click()
    await user.should_see(marker="confirm-approve-invoice")
    user.find(marker="confirm-approve-invoice").click()
    await user.should_see("Invoice issued; the place is confirmed.", retries=SLOW)
    assert await _state(centres, booking) == (BookingStatus.CONFIRMED, 1)
    await user.should_not_see(marker="approve-invoice")
