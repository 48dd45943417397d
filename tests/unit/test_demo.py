"""The demo centres look like centres in use: their past sessions were delivered through the product's
own register, completion, certificates and feedback, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from models import (
    Achievement,
    Booking,
    BookingStatus,
    CourseSession,
    Customer,
    FeedbackAnswer,
    OutboxEmail,
    PaymentOption,
    SessionAttendance,
    StaffRole,
    Tenant,
)
from tests.pdf_text import pdf_text
from trainhub_ui.db import Database
from trainhub_ui.demo.seed import seed_demo
from trainhub_ui.demo.specs import DEMO_STUDENT
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services import reports
from trainhub_ui.services.attendance import session_days
from trainhub_ui.services.certificates import certificates_of, verify
from trainhub_ui.services.invoices import invoice_of, invoice_pdf


async def test_past_sessions_are_delivered_with_registers_certificates_and_feedback(db: Database) -> None:
    async with db.transaction() as session:
        assert await seed_demo(session)

    async with db.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "bristol-gas-training"))
        assert tenant is not None
        past = list(
            await session.scalars(
                select(CourseSession).where(CourseSession.tenant_id == tenant.id, CourseSession.is_completed)
            )
        )
        assert len(past) == 2
        for item in past:
            confirmed = list(
                await session.scalars(
                    select(Booking).where(Booking.session_id == item.id, Booking.status == BookingStatus.CONFIRMED)
                )
            )
            assert confirmed
            marks = Counter(
                await session.scalars(
                    select(SessionAttendance.booking_id).where(SessionAttendance.session_id == item.id)
                )
            )
            # Every booked student has a mark for every day: nothing was left unrecorded.
            assert marks == {b.id: len(session_days(item)) for b in confirmed}
            certificates = await session.scalar(
                select(func.count()).select_from(Achievement).where(Achievement.session_id == item.id)
            )
            assert 0 < certificates <= len(confirmed)
            assert item.completed_at is not None and item.completed_at.date() >= item.end_date

        numbers = sorted(await session.scalars(select(Achievement.number).where(Achievement.tenant_id == tenant.id)))
        assert numbers[0] == "BGT-C000001"
        assert len(set(numbers)) == len(numbers)
        assert tenant.next_certificate_number == len(numbers) + 1
        assert await session.scalar(select(func.count()).select_from(FeedbackAnswer)) > 0
        issued_emails = await session.scalar(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.kind == "certificate_issued")
        )
        assert issued_emails == len(numbers)

        # The demo's student signs in to a certificate in My account, which the public page verifies.
        student = await session.scalar(select(Customer).where(Customer.email == DEMO_STUDENT))
        assert student is not None
        ctx = TenantContext(tenant=tenant)
        mine = await certificates_of(session, ctx, student.id)
        assert len(mine) == 1
        achievement = mine[0].achievement
        checked = await verify(session, tenant, achievement.verification_code)
        assert checked is not None and checked.achievement.number == achievement.number
        assert checked.state(achievement.issued_on) == "valid"


async def test_every_booking_on_invoice_has_its_invoice_and_the_reports_agree_with_the_dashboard(
    db: Database,
) -> None:
    async with db.transaction() as session:
        assert await seed_demo(session)

    async with db.read() as session:
        for tenant in await session.scalars(select(Tenant)):
            ctx = TenantContext(tenant=tenant, actor="test", role=StaffRole.ADMIN)
            invoiced = list(
                await session.scalars(
                    select(Booking).where(
                        Booking.tenant_id == tenant.id, Booking.payment_option == PaymentOption.INVOICE
                    )
                )
            )
            assert invoiced, tenant.slug
            numbers = []
            for booking in invoiced:
                invoice = await invoice_of(session, ctx, booking.id)
                assert invoice.total_amount == booking.total_amount
                assert (invoice.paid_at is None) == (booking.balance_due > 0), booking.reference
                numbers.append(invoice.number)
                name, pdf = await invoice_pdf(session, ctx, booking.id)
                assert pdf.startswith(b"%PDF") and name.endswith(".pdf")
                # A complete VAT invoice: the centre's legal name and VAT number, the company's address.
                assert invoice.supplier_name.endswith(" Ltd") and invoice.supplier_vat_number.startswith("GB")
                assert invoice.company_name and invoice.billing_address and invoice.customer_name
                text = pdf_text(pdf)
                for shown in (invoice.supplier_vat_number, invoice.billing_address.splitlines()[-1], "Tax point"):
                    assert shown in text, (booking.reference, shown)
                assert text.count("Payment reference") == 1 and "quote your booking reference" not in text
            assert sorted(numbers) == list(range(1, len(invoiced) + 1))
            assert tenant.next_invoice_number == len(invoiced) + 1

            # What the dashboard marks as late among invoices is what the reports list as overdue.
            owed = await reports.balances_owed(session, ctx, limit=None)
            on_invoice = {b.id for b in invoiced}
            late = {
                line.reference for line in owed.lines if line.booking_id in on_invoice and line.due_by < ctx.today()
            }
            overdue, total = await reports.overdue_invoices(session, ctx, limit=1000)
            assert {line.reference for line in overdue} == late
            assert total == len(late)
