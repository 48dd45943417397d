"""Every kind of email, each made by the change that causes it, rendered in the centre's branding; and the
staff's own sends. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from models import Achievement, Booking, Customer, Invoice, OutboxEmail, PaymentMethod, PaymentOption, StaffRole
from tests.notify.conftest import at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify import certificate_emails, emails, session_emails, staff_emails
from trainhub_ui.notify.render import kinds
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import workflows
from trainhub_ui.services.bookings import cancel_booking
from trainhub_ui.services.checkout import decline_payment, pay_in_test_mode
from trainhub_ui.services.payments import open_payment
from trainhub_ui.services.refunds import refund_by_policy
from trainhub_ui.services.waiting_list import join_waiting_list

TODAY = date(2026, 11, 24)
START = date(2027, 1, 11)


async def _emails(db: Database, kind: str) -> list[OutboxEmail]:
    async with db.read() as session:
        return list(
            await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.created_at))
        )


async def test_every_kind_of_email_comes_from_its_change(db: Database) -> None:
    centre = await centre_with_sessions(db, [START], spots=2)
    ctx = TenantContext(tenant=centre.tenant, actor="Priya Shah", clock=lambda: at(TODAY))
    provider = OfflineProvider()
    async with db.transaction() as session:
        customer = await session.get(Customer, centre.students[0].id)
        assert customer is not None
        customer.first_name = "<b>Gareth</b>"  # typed by a student: text in the email, never markup

    gareth = await book(db, ctx, centre, student=0, option=PaymentOption.DEPOSIT, pay=False)
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, gareth.id, PaymentMethod.OFFLINE)
    await decline_payment(db, ctx, payment.id, "Your card was declined.")
    await pay_in_test_mode(db, ctx, provider, gareth.reference, succeed=True)
    await book(db, ctx, centre, student=1)  # Megan: the session is full now
    async with db.transaction() as session:
        await join_waiting_list(session, ctx, centre.sessions[0].id, centre.students[2].id)
    async with db.transaction() as session:
        await cancel_booking(session, ctx, gareth.id, "Cannot make the date")  # Rhys is offered the place
    await refund_by_policy(db, ctx, provider, gareth.id)

    async with db.transaction() as session:
        course_session = centre.sessions[0]
        await emails.session_changed(
            session,
            ctx,
            course_session,
            [emails.Change("Venue", "Avonmouth centre", "Filton training hall")],
        )
        megan = await session.scalar(select(Booking).where(Booking.customer_id == centre.students[1].id))
        assert megan is not None
        assert (
            await session_emails.message_everyone_booked(
                session, ctx, course_session.id, "Parking", "Park at the back."
            )
            == 1
        )
        assert await session_emails.send_reminder_now(session, ctx, course_session.id) == 1
        await emails.booking_confirmed(session, ctx, megan, again=True)
        await emails.session_cancelled(session, ctx, megan, "The instructor is ill")
        await certificate_emails.feedback_request(session, ctx, megan, "http://test/bristol-gas/feedback/x/token")
        achievement = Achievement(
            tenant_id=ctx.tenant_id,
            customer_id=megan.customer_id,
            course_id=centre.course.id,
            booking_id=megan.id,
            number="BGT-000007",
            issued_on=TODAY,
            expires_on=TODAY + timedelta(days=5 * 365),
            verification_code="code-7",
        )
        session.add(achievement)
        await session.flush()
        await certificate_emails.certificate_issued(session, ctx, achievement, b"%PDF-1.4 certificate")
        await certificate_emails.certificate_renewal(session, ctx, achievement, 90, [course_session])
        await staff_emails.staff_invite(
            session,
            ctx,
            to="new.instructor@example.com",
            name="Alex Instructor",
            role=StaffRole.INSTRUCTOR,
            invited_by="Priya Shah",
            link="http://test/bristol-gas/admin/set-password/abc",
            valid_until=at(TODAY + timedelta(days=7)),
        )
    async with db.read() as session:
        made = {email.kind: email for email in await session.scalars(select(OutboxEmail))}

    # The three timed ones are in test_reminders; invoices and credit notes in test_invoice_emails; a move below.
    elsewhere = {
        "hold_expiring",
        "balance_due",
        "session_reminder",
        "invoice_issued",
        "credit_note_issued",
        "booking_moved",
        "booking_link",  # asked for on the page an old link leads to: tests/ui/test_booking_links.py
        "invoice_confirmation",  # a guest's company invoice: tests/unit/test_invoice_confirmation.py
    }
    missing = set(kinds()) - set(made) - elsewhere
    assert missing == set(), f"no email of kind {missing} was made"
    for kind, email in made.items():
        assert email.subject and ("Hello" in email.body_text or kind == "new_booking"), kind
        assert "Bristol Gas Training" in email.body_text and "#b45309" in email.body_html, kind
        assert "<b>Gareth</b>" not in email.body_html, kind  # escaped in HTML
    assert "&lt;b&gt;Gareth&lt;/b&gt;" in made["payment_failed"].body_html
    assert "Hello <b>Gareth</b>," in made["payment_failed"].body_text
    assert "Your card was declined." in made["payment_failed"].body_text
    offer = made["waiting_list_offer"]
    assert offer.to_address == "rhys@example.com" and "book?session=" in offer.body_text
    refund = made["refund_made"]
    assert refund.to_address == "gareth@example.com" and "£268.50" in refund.subject  # the deposit, in full
    assert "Filton training hall" in made["session_changed"].body_text
    assert made["session_changed"].attachments[0]["filename"].endswith(".ics")
    assert made["staff_message"].subject == "Parking" and "Park at the back." in made["staff_message"].body_text
    assert made["certificate_issued"].attachments[0]["contentType"] == "application/pdf"
    assert "/bristol-gas/verify/code-7" in made["certificate_issued"].body_text
    assert "set-password/abc" in made["staff_invite"].body_text
    confirmations = await _emails(db, "booking_confirmed")
    # Gareth's and Megan's, and the one staff sent Megan again (all at the test's one moment: order aside).
    assert sorted(e.to_address for e in confirmations) == [
        "gareth@example.com",
        "megan@example.com",
        "megan@example.com",
    ]
    assert sum(e.dedupe_key is None for e in confirmations) == 1  # the resend is not the first one again


async def test_a_moved_booking_is_told_its_new_dates_and_keeps_its_invoice(db: Database) -> None:
    later = START + timedelta(days=14)
    centre = await centre_with_sessions(db, [START, later])
    ctx = TenantContext(tenant=centre.tenant, actor="Priya Shah", clock=lambda: at(TODAY))
    paid = await book(db, ctx, centre, student=0)
    held = await book(db, ctx, centre, student=1, pay=False)
    invoiced = await book(db, ctx, centre, student=2, option=PaymentOption.INVOICE, pay=False)
    for booking in (paid, held, invoiced):
        await workflows.move_to_session(db, ctx, booking.id, centre.sessions[1].id)

    moved = await _emails(db, "booking_moved")
    # The held place is not yet the student's: its payment page shows the new dates instead.
    assert sorted(email.booking_id for email in moved) == sorted([paid.id, invoiced.id])
    email = next(e for e in moved if e.booking_id == paid.id)
    assert email.subject.startswith("Moved: your place on") and f"{later.day} " in email.subject
    assert "it was Mon 11 Jan – Tue 12 Jan 2027" in email.body_text and "now Mon 25 Jan" in email.body_text
    [calendar] = email.attachments
    assert calendar["filename"].endswith(".ics")
    async with db.read() as session:
        invoice = await session.scalar(select(Invoice).where(Invoice.booking_id == invoiced.id))
    assert invoice is not None and f"starting {START.day} " in invoice.description  # as issued, never edited
