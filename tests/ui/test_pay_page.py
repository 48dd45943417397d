"""The pay page in the offline test mode: what is due, Pay (test), Decline (test), and other centres' links."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from sqlalchemy import select

from models import Booking, BookingStatus, Payment, PaymentOption, PaymentStatus, Tenant
from tests import factories
from tests.ui.conftest import CENTRE_A, CENTRE_B
from trainhub_ui.db import Database
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.context import TenantContext


async def _booking(db: Database, slug: str, option: PaymentOption, email: str = "payer@example.com") -> Booking:
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert tenant is not None
        course = await factories.course(session, tenant, price=49500, slug=f"ccn1-{email.split('@')[0]}")
        course_session = await factories.course_session(session, course)
        student = await factories.customer(session, tenant, email)
        return await create_booking(
            session,
            TenantContext(tenant=tenant),
            BookingRequest(customer_id=student.id, session_id=course_session.id, payment_option=option),
        )


async def _status(db: Database, booking_id: str) -> tuple[BookingStatus, int, list[PaymentStatus]]:
    async with db.read() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        payments = await session.scalars(select(Payment.status).where(Payment.booking_id == booking_id))
        return booking.status, booking.amount_paid, list(payments)


async def test_pay_in_test_mode_confirms(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await user.open(f"/{CENTRE_A}/pay/{booking.reference}")
    await user.should_see("Test mode: no real payments are taken.")
    await user.should_see("ACS CCN1")
    await user.should_see(marker="status-held")
    await user.should_see("£495.00")
    user.find(marker="pay-test").click()
    await user.should_see(marker="status-confirmed", retries=20)
    assert await _status(centres, booking.id) == (BookingStatus.CONFIRMED, 49500, [PaymentStatus.PAID])


async def test_deposit_then_balance_in_test_mode(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.DEPOSIT)
    await user.open(f"/{CENTRE_A}/pay/{booking.reference}")
    await user.should_see("Deposit to pay now")
    user.find(marker="pay-test").click()
    await user.should_see(marker="status-balance", retries=20)
    await user.should_see("Balance to pay")
    user.find(marker="pay-test").click()
    await user.should_see(marker="status-confirmed", retries=20)
    status, paid, payments = await _status(centres, booking.id)
    assert (status, paid, sorted(payments)) == (BookingStatus.CONFIRMED, 49500, [PaymentStatus.PAID] * 2)


async def test_decline_keeps_the_hold(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await user.open(f"/{CENTRE_A}/pay/{booking.reference}")
    user.find(marker="decline-test").click()
    await user.should_see("The card was declined (test)", retries=20)
    await user.should_see(marker="status-held")
    assert await _status(centres, booking.id) == (BookingStatus.PENDING, 0, [PaymentStatus.FAILED])


async def test_invoice_booking_shows_no_card_payment(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.INVOICE)
    await user.open(f"/{CENTRE_A}/pay/{booking.reference}")
    await user.should_see(marker="status-invoice")
    await user.should_not_see(marker="pay-test")
    await user.should_see(marker="invoice-link")
    pdf = await user.http_client.get(f"/{CENTRE_A}/pay/{booking.reference}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert b"Invoice INV-00001" in pdf.content and booking.reference.encode() in pdf.content
    elsewhere = await user.http_client.get(f"/{CENTRE_B}/pay/{booking.reference}/invoice.pdf")
    assert elsewhere.status_code == 404


@pytest.mark.parametrize("path", ["/{a}/pay/BGT-NOPE0", "/{b}/pay/{reference}", "/no-such-centre/pay/{reference}"])
async def test_unknown_or_another_centres_booking_is_not_found(user: User, centres: Database, path: str) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    response = await user.http_client.get(path.format(a=CENTRE_A, b=CENTRE_B, reference=booking.reference))
    assert response.status_code == 404
    assert "ACS CCN1" not in response.text and "payer@example.com" not in response.text
