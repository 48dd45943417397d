"""The pay page in the offline test mode: what is due, Pay (test), Decline (test), and other centres' links."""

from __future__ import annotations

import icalendar
import pytest
from nicegui.testing import User
from sqlalchemy import select

from models import (
    Booking,
    BookingStatus,
    CourseSession,
    Payment,
    PaymentOption,
    PaymentStatus,
    Tenant,
    WaitingListEntry,
)
from tests import factories
from tests.pdf_text import pdf_text
from tests.ui.conftest import CENTRE_A, CENTRE_B
from trainhub_ui.db import Database
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.bookings import BookingRequest, create_booking


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
            BookingRequest(
                customer_id=student.id,
                session_id=course_session.id,
                payment_option=option,
                billing_address="1 Dock Road, Bristol BS1 4AA" if option is PaymentOption.INVOICE else None,
            ),
        )


async def _status(db: Database, booking_id: str) -> tuple[BookingStatus, int, list[PaymentStatus]]:
    async with db.read() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        payments = await session.scalars(select(Payment.status).where(Payment.booking_id == booking_id))
        return booking.status, booking.amount_paid, list(payments)


async def test_pay_in_test_mode_confirms(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await user.open(pay_path(CENTRE_A, booking))
    await user.should_see("Test mode: no real payments are taken.")
    await user.should_see("ACS CCN1")
    await user.should_see(marker="status-held")
    await user.should_see("£495.00")
    user.find(marker="pay-test").click()
    await user.should_see(marker="status-confirmed", retries=20)
    assert await _status(centres, booking.id) == (BookingStatus.CONFIRMED, 49500, [PaymentStatus.PAID])


async def test_deposit_then_balance_in_test_mode(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.DEPOSIT)
    await user.open(pay_path(CENTRE_A, booking))
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
    await user.open(pay_path(CENTRE_A, booking))
    user.find(marker="decline-test").click()
    await user.should_see("The card was declined (test)", retries=20)
    await user.should_see(marker="status-held")
    assert await _status(centres, booking.id) == (BookingStatus.PENDING, 0, [PaymentStatus.FAILED])


async def test_invoice_booking_shows_no_card_payment(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.INVOICE)
    await user.open(pay_path(CENTRE_A, booking))
    await user.should_see(marker="status-invoice")
    await user.should_not_see(marker="pay-test")
    await user.should_see(marker="invoice-link")
    pdf = await user.http_client.get(pay_path(CENTRE_A, booking, "/invoice.pdf"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Invoice number INV-00001" in text and booking.reference in text
    elsewhere = await user.http_client.get(pay_path(CENTRE_B, booking, "/invoice.pdf"))
    assert elsewhere.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/{a}/pay/BGT-NOPE0?t={token}", "/{b}/pay/{reference}?t={token}", "/no-such-centre/pay/{reference}?t={token}"],
)
async def test_unknown_or_another_centres_booking_is_not_found(user: User, centres: Database, path: str) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    response = await user.http_client.get(
        path.format(a=CENTRE_A, b=CENTRE_B, reference=booking.reference, token=booking.access_token)
    )
    assert response.status_code == 404
    assert "ACS CCN1" not in response.text and "payer@example.com" not in response.text


async def _lapse(db: Database, booking_id: str) -> None:
    """The hold runs out and is released (as the next capacity decision or the job would)."""
    async with db.transaction() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        booking.status = BookingStatus.EXPIRED
        course_session = await session.get(CourseSession, booking.session_id)
        assert course_session is not None
        course_session.booked_spots -= 1


async def test_try_again_after_the_hold_lapsed_books_a_free_place(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await _lapse(centres, booking.id)
    await user.open(pay_path(CENTRE_A, booking))
    await user.should_see(marker="status-expired")
    user.find(marker="try-again").click()
    await user.should_see(marker="status-held", retries=20)
    async with centres.read() as session:
        held = await session.scalar(
            select(Booking).where(Booking.customer_id == booking.customer_id, Booking.status == BookingStatus.PENDING)
        )
    assert held is not None and held.reference != booking.reference


async def test_try_again_when_full_joins_the_waiting_list(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await _lapse(centres, booking.id)
    async with centres.transaction() as session:
        course_session = await session.get(CourseSession, booking.session_id)
        assert course_session is not None
        course_session.available_spots = course_session.booked_spots = 1  # someone else took the place
    await user.open(pay_path(CENTRE_A, booking))
    user.find(marker="try-again").click()
    await user.should_see(marker="status-waiting", retries=20)
    async with centres.read() as session:
        entry = await session.scalar(select(WaitingListEntry).where(WaitingListEntry.session_id == booking.session_id))
    assert entry is not None and entry.customer_id == booking.customer_id


async def test_confirmation_shows_the_reference_qr_and_calendar(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await user.open(pay_path(CENTRE_A, booking))
    await user.should_see(marker="countdown")
    assert user.find(marker="countdown").elements.pop().text.startswith("Held for 1")  # 15 minutes: 14:59 or so
    user.find(marker="pay-test").click()
    await user.should_see(marker="reference-qr", retries=20)
    await user.should_see(marker="calendar-link")
    await user.should_not_see(marker="countdown")
    ics = await user.http_client.get(pay_path(CENTRE_A, booking, "/calendar.ics"))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.text)
    events = calendar.walk("VEVENT")
    assert len(events) == 3  # the factory's sessions last three days: one event a day
    assert [str(event["uid"]) for event in events] == [f"{booking.id}-{day}@trainhub" for day in (1, 2, 3)]
    assert str(events[0]["summary"]).startswith("ACS CCN1") and booking.reference in str(events[0]["description"])
    assert calendar.walk("VTIMEZONE")  # the centre's zone travels with the file
    elsewhere = await user.http_client.get(pay_path(CENTRE_B, booking, "/calendar.ics"))
    assert elsewhere.status_code == 404
