"""My account through NiceGUI's User harness: the student's bookings, paying, cancelling by the policy."""

from __future__ import annotations

from datetime import date, timedelta

from nicegui.testing import User
from sqlalchemy import select

from models import (
    Booking,
    BookingStatus,
    Customer,
    Payment,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Tenant,
    utcnow,
)
from tests import factories
from tests.factories import PASSWORD
from tests.pdf_text import pdf_text
from tests.ui.conftest import CENTRE_B, SLOW
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import checkout
from trainhub_ui.services.accounts import sign_in_customer
from trainhub_ui.services.bookings import BookingRequest, create_booking


async def _jamies_bookings(db: Database) -> tuple[TenantContext, dict[str, Booking]]:
    """Jamie (a student of centre B) with a paid booking a month out, one on invoice, one held."""
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_B))
        assert tenant is not None
        jamie = await session.scalar(select(Customer).where(Customer.email == "jamie@example.com"))
        assert jamie is not None
        course = await factories.course(session, tenant, price=49500)
        sessions = [
            await factories.course_session(session, course, start=date.today() + timedelta(days=days))
            for days in (30, 40, 50)
        ]
        ctx = TenantContext(tenant=tenant)
        made = {}
        for name, course_session, option in zip(
            ("paid", "invoice", "held"),
            sessions,
            (PaymentOption.FULL, PaymentOption.INVOICE, PaymentOption.FULL),
            strict=True,
        ):
            made[name] = await create_booking(
                session,
                ctx,
                BookingRequest(
                    customer_id=jamie.id, session_id=course_session.id, payment_option=option, company_name="Jamie Ltd"
                ),
            )
    await checkout.pay_in_test_mode(db, ctx, OfflineProvider(), made["paid"].reference, succeed=True)
    return ctx, made


async def _sign_in(user: User) -> None:
    await user.open(f"/{CENTRE_B}/login")
    user.find(marker="email").type("jamie@example.com")
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Hello, Jamie", retries=SLOW)


async def test_my_bookings_and_cancelling_by_the_policy(user: User, centres: Database) -> None:
    _ctx, made = await _jamies_bookings(centres)
    await _sign_in(user)
    await user.should_see("Your upcoming bookings", retries=SLOW)
    for booking in made.values():
        await user.should_see(marker=f"my-booking-{booking.reference}")
    await user.should_see(marker=f"pay-{made['held'].reference}")
    await user.should_see(marker=f"invoice-{made['invoice'].reference}")
    user.find(marker=f"cancel-{made['paid'].reference}").click()
    await user.should_see("you get £495.00 back")  # a month ahead: everything, by the default policy
    user.find(marker="confirm-cancel").click()
    await user.should_see("Past and cancelled", retries=SLOW)
    async with centres.read() as session:
        cancelled = await session.get(Booking, made["paid"].id)
        payment = await session.scalar(select(Payment).where(Payment.booking_id == made["paid"].id))
    assert cancelled is not None and cancelled.status is BookingStatus.CANCELLED
    assert payment is not None and payment.payment_method is PaymentMethod.OFFLINE
    assert payment.status is PaymentStatus.REFUNDED and payment.amount_refunded == 49500


async def test_a_cancelled_company_booking_offers_its_credit_note(user: User, centres: Database) -> None:
    _ctx, made = await _jamies_bookings(centres)
    await _sign_in(user)
    reference = made["invoice"].reference
    await user.should_not_see(marker=f"credit-note-{reference}-1")
    user.find(marker=f"cancel-{reference}").click()
    await user.should_see(marker="confirm-cancel")
    user.find(marker="confirm-cancel").click()
    await user.should_see(marker=f"credit-note-{reference}-1", retries=SLOW)
    link = user.find(marker=f"credit-note-{reference}-1").elements.pop()
    assert link.text == "Credit note CN-00001 (PDF)"
    pdf = await user.http_client.get(link.props["href"])
    assert pdf.status_code == 200 and "Credits invoice INV-00001" in pdf_text(pdf.content)


async def test_my_account_needs_a_sign_in(user: User) -> None:
    response = await user.http_client.get(f"/{CENTRE_B}/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/login?next=/centre-b/account")


async def test_a_student_changes_their_details_with_errors_at_the_field(user: User, centres: Database) -> None:
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_B))
        assert tenant is not None
        await factories.customer(session, tenant, email="sam@example.com")
    await _sign_in(user)
    await user.should_see(marker="my-details")
    email = user.find(marker="my-email")
    email.clear().type("not an email")
    user.find(marker="save-details").click()
    await user.should_see("Enter an email address", retries=SLOW)
    email.clear().type("Sam@Example.com")
    user.find(marker="save-details").click()
    await user.should_see("Another account here uses this email.", retries=SLOW)
    user.find(marker="my-first-name").clear()
    user.find(marker="save-details").click()
    await user.should_see("Enter a first name.", retries=SLOW)
    user.find(marker="my-first-name").type("Jamie")
    email.clear().type(" Jamie.Wilson@Example.com ")
    user.find(marker="my-company").type("Wilson Heating Ltd")
    user.find(marker="save-details").click()
    await user.should_see("Your details are saved.", retries=SLOW)
    async with centres.read() as session:
        jamie = await session.scalar(select(Customer).where(Customer.first_name == "Jamie"))
    assert jamie is not None
    assert (jamie.email, jamie.company_name) == ("jamie.wilson@example.com", "Wilson Heating Ltd")


async def test_a_student_changes_their_password(user: User, centres: Database) -> None:
    await _sign_in(user)
    await user.should_see(marker="my-password")
    user.find(marker="current-password").type("not my password")
    user.find(marker="new-password").type("a new passphrase")
    user.find(marker="repeat-new-password").type("a different one")
    user.find(marker="change-password").click()
    await user.should_see("The two new passwords differ.", retries=SLOW)
    user.find(marker="repeat-new-password").clear().type("a new passphrase")
    user.find(marker="change-password").click()
    await user.should_see("That is not your current password.", retries=SLOW)
    user.find(marker="current-password").clear().type(PASSWORD)
    user.find(marker="new-password").clear().type("short")
    user.find(marker="repeat-new-password").clear().type("short")
    user.find(marker="change-password").click()
    await user.should_see("Use at least 8 characters.", retries=SLOW)
    user.find(marker="new-password").clear().type("a new passphrase")
    user.find(marker="repeat-new-password").clear().type("a new passphrase")
    user.find(marker="change-password").click()
    await user.should_see("Your password is changed.", retries=SLOW)
    async with centres.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_B))
    assert tenant is not None
    assert (await sign_in_customer(centres, tenant, "jamie@example.com", "a new passphrase", utcnow())).ok
    assert not (await sign_in_customer(centres, tenant, "jamie@example.com", PASSWORD, utcnow())).ok
