"""The booking wizard through NiceGUI's User harness: each branch, errors at the field, a date filling up."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from nicegui.testing import User
from sqlalchemy import select

from models import Booking, BookingStatus, Course, CourseSession, Customer, PaymentOption, Tenant, WaitingListEntry
from tests import factories
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, SLOW
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import money
from trainhub_ui.services.accounts import sign_up_customer
from trainhub_ui.services.bookings import BookingRequest, create_booking


async def _course(db: Database, spots: int = 5) -> tuple[Course, CourseSession]:
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        course = Course(tenant_id=tenant.id, slug="ccn1", title="Gas Safety Core", price=49500, category="Gas")
        session.add(course)
        await session.flush()
        course_session = await factories.course_session(
            session, course, spots=spots, start=date.today() + timedelta(days=40)
        )
    return course, course_session


async def _fill(db: Database, course_session: CourseSession, count: int) -> None:
    async with db.transaction() as session:
        tenant = await session.get(Tenant, course_session.tenant_id)
        assert tenant is not None
        for n in range(count):
            person = await factories.customer(session, tenant, f"other{n}@example.com")
            await create_booking(
                session,
                TenantContext(tenant=tenant),
                BookingRequest(customer_id=person.id, session_id=course_session.id),
            )


async def _open(user: User, course: Course, course_session: CourseSession) -> None:
    await user.open(f"/{CENTRE_A}/courses/{course.id}/book?session={course_session.id}")
    await user.should_see(marker="session-choice")
    user.find(marker="next-session").click()


def _guest(user: User, email: str = "sam.guest@example.com") -> None:
    user.find(marker="first-name").type("Sam")
    user.find(marker="last-name").type("Guest")
    user.find(marker="email").type(email)


async def _choose_payment(user: User, option: PaymentOption) -> None:
    user.find(marker="next-details").click()
    await user.should_see(marker="payment-choice")
    user.find(marker="payment-choice").elements.pop().value = option.value
    user.find(marker="next-payment").click()


async def _bookings_of(db: Database, email: str) -> list[Booking]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(Booking).join(Customer, Customer.id == Booking.customer_id).where(Customer.email == email)
            )
        )


async def test_guest_pays_in_full_and_lands_on_the_pay_page(user: User, centres: Database) -> None:
    course, course_session = await _course(centres)
    await _open(user, course, course_session)
    _guest(user)
    await _choose_payment(user, PaymentOption.FULL)
    await user.should_see("For: Sam Guest (sam.guest@example.com)")
    await user.should_see(marker="book-now")
    user.find(marker="book-now").click()
    await user.should_see(marker="pay-test", retries=SLOW)
    [booking] = await _bookings_of(centres, "sam.guest@example.com")
    assert booking.status is BookingStatus.PENDING and booking.payment_option is PaymentOption.FULL
    user.find(marker="pay-test").click()
    await user.should_see(marker="status-confirmed", retries=SLOW)


async def test_guest_deposit_shows_the_balance_date(user: User, centres: Database) -> None:
    course, course_session = await _course(centres)
    await _open(user, course, course_session)
    _guest(user)
    user.find(marker="next-details").click()
    balance_by = (course_session.start_date - timedelta(days=14)).strftime("%-d %B %Y")
    await user.should_see(f"The balance of £346.50 is due by {balance_by}.")
    await _choose_payment(user, PaymentOption.DEPOSIT)
    await user.should_see(marker="book-now")
    user.find(marker="book-now").click()
    await user.should_see("Deposit to pay now", retries=SLOW)
    [booking] = await _bookings_of(centres, "sam.guest@example.com")
    assert booking.payment_option is PaymentOption.DEPOSIT and booking.deposit_amount == 14850


async def test_a_guests_company_invoice_waits_for_the_billing_email(user: User, centres: Database) -> None:
    """A guest's word alone confirms no invoice: the place is held, and whoever pays is emailed a link."""
    course, course_session = await _course(centres)
    await _open(user, course, course_session)
    _guest(user, "buyer@severn.example")
    user.find(marker="for-company").click()
    user.find(marker="company-name").type("Severn Heating Ltd")
    user.find(marker="billing-email").type("accounts@severn.example")
    # Paying on invoice without a billing address: sent back to the details, the message at the field.
    await _choose_payment(user, PaymentOption.INVOICE)
    address = user.find(marker="billing-address").elements.pop()
    assert "billing address" in address.props.get("error-message", "")
    await user.should_not_see("Company: Severn Heating Ltd")
    address.value = "Severn Heating Ltd\n4 Quay Street\nGloucester GL1 2AB"
    await _choose_payment(user, PaymentOption.INVOICE)
    await user.should_see("Company: Severn Heating Ltd")
    await user.should_see("Billing address: Severn Heating Ltd, 4 Quay Street, Gloucester GL1 2AB")
    await user.should_see(f"Company invoice: {money(course.price, 'GBP', 'en_GB')}, nothing to pay now")
    await user.should_see("We email whoever pays the invoice a link to confirm it")
    await user.should_see(marker="book-now")
    user.find(marker="book-now").click()
    await user.should_see(marker="status-awaiting-invoice", retries=SLOW)
    await user.should_see("Severn Heating Ltd (accounts@severn.example)")
    await user.should_not_see(marker="invoice-link")
    [booking] = await _bookings_of(centres, "buyer@severn.example")
    assert booking.status is BookingStatus.PENDING and booking.company_name == "Severn Heating Ltd"
    assert booking.billing_address == "Severn Heating Ltd\n4 Quay Street\nGloucester GL1 2AB"


async def test_missing_details_are_named_at_the_field(user: User, centres: Database) -> None:
    course, course_session = await _course(centres)
    await _open(user, course, course_session)
    user.find(marker="for-company").click()
    user.find(marker="next-details").click()
    for marker in ("first-name", "last-name", "email", "company-name"):
        element = user.find(marker=marker).elements.pop()
        assert "error" in element.props, marker
    await user.should_not_see(marker="payment-choice")


async def test_a_bad_email_is_refused_at_booking(user: User, centres: Database) -> None:
    course, course_session = await _course(centres)
    await _open(user, course, course_session)
    _guest(user, "not-an-email")
    await _choose_payment(user, PaymentOption.FULL)
    user.find(marker="book-now").click()
    for _ in range(SLOW):
        email = user.find(marker="email").elements.pop()
        if "error" in email.props:
            break
        await asyncio.sleep(0.1)
    assert email.props.get("error-message") == "Enter an email address like name@example.com."
    assert await _bookings_of(centres, "not-an-email") == []


@pytest.mark.parametrize("option", [PaymentOption.FULL, PaymentOption.INVOICE])
async def test_a_guest_cannot_book_in_an_accounts_name(user: User, centres: Database, option: PaymentOption) -> None:
    """An email with an account here: a guest typing it is asked to sign in, and nothing is booked."""
    course, course_session = await _course(centres)
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        await sign_up_customer(
            session, tenant, first_name="Jamie", last_name="Wilson", email="jamie@example.com", password=PASSWORD
        )
    await _open(user, course, course_session)
    _guest(user, "jamie@example.com")
    if option is PaymentOption.INVOICE:
        user.find(marker="for-company").click()
        user.find(marker="company-name").type("Not Jamie's Company Ltd")
        user.find(marker="billing-address").elements.pop().value = "1 Nowhere Street"
    await _choose_payment(user, option)
    user.find(marker="book-now").click()
    for _ in range(SLOW):
        email = user.find(marker="email").elements.pop()
        if "error" in email.props:
            break
        await asyncio.sleep(0.1)
    assert email.props.get("error-message") == "There is an account with this email: sign in to book with it."
    assert await _bookings_of(centres, "jamie@example.com") == []


async def test_signed_in_student_books_as_themselves(user: User, centres: Database) -> None:
    course, course_session = await _course(centres)
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        await sign_up_customer(
            session, tenant, first_name="Jamie", last_name="Wilson", email="jamie@example.com", password=PASSWORD
        )
    await user.open(f"/{CENTRE_A}/login")
    user.find(marker="email").type("jamie@example.com")
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Hello, Jamie", retries=SLOW)
    await _open(user, course, course_session)
    await user.should_see(marker="booking-as")
    await _choose_payment(user, PaymentOption.FULL)
    await user.should_see("For: Jamie Wilson")
    user.find(marker="book-now").click()
    await user.should_see(marker="pay-test", retries=SLOW)
    assert len(await _bookings_of(centres, "jamie@example.com")) == 1


async def test_the_date_filling_up_mid_wizard_offers_the_waiting_list(user: User, centres: Database) -> None:
    course, course_session = await _course(centres, spots=2)
    await _open(user, course, course_session)
    _guest(user)
    await _fill(centres, course_session, 2)  # someone else takes the last places meanwhile
    await user.should_see("The date you chose has just filled up", retries=SLOW)
    await _choose_payment(user, PaymentOption.FULL)
    await user.should_see(marker="join-waiting-list")
    user.find(marker="join-waiting-list").click()
    await user.should_see(marker="on-waiting-list", retries=SLOW)
    async with centres.read() as session:
        entry = await session.scalar(select(WaitingListEntry).where(WaitingListEntry.session_id == course_session.id))
    assert entry is not None
    assert await _bookings_of(centres, "sam.guest@example.com") == []
