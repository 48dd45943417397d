"""My account through NiceGUI's User harness: the student's bookings, paying, cancelling by the policy."""

from __future__ import annotations

from datetime import date, timedelta

from nicegui.testing import User
from sqlalchemy import select

from models import Booking, BookingStatus, Customer, Payment, PaymentMethod, PaymentOption, PaymentStatus, Tenant
from tests import factories
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_B
from trainhub_ui.db import Database
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import checkout
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.context import TenantContext

SLOW = 40


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


async def test_my_account_needs_a_sign_in(user: User) -> None:
    response = await user.http_client.get(f"/{CENTRE_B}/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/login?next=/centre-b/account")
