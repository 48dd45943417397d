"""The email outbox page: staff read each email as the student gets it, and send a failed one again."""

from __future__ import annotations

from nicegui.testing import User
from sqlalchemy import select

from models import OutboxEmail, OutboxStatus, PaymentOption, StaffRole
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, staff_email
from tests.ui.test_pay_page import _booking
from tests.ui.test_sign_in_pages import SLOW, expect_refused, sign_in_staff
from trainhub_ui.db import Database


async def _invoice_booking_emails(db: Database) -> list[OutboxEmail]:
    """A company booking on invoice is confirmed at once, which queues its confirmation, its invoice and a
    staff notice."""
    await _booking(db, CENTRE_A, PaymentOption.INVOICE)
    async with db.read() as session:
        return list(await session.scalars(select(OutboxEmail).order_by(OutboxEmail.kind)))


async def test_staff_read_the_outbox_and_each_email(user: User, centres: Database) -> None:
    queued = await _invoice_booking_emails(centres)
    confirmation = next(e for e in queued if e.kind == "booking_confirmed")
    await sign_in_staff(user, staff_email(StaffRole.STAFF), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(f"/{CENTRE_A}/admin/outbox")
    await user.should_see("No mail server is set up")
    await user.should_see(confirmation.subject)
    await user.should_see(marker=f"email-{confirmation.id}")
    await user.should_see("4 emails")  # the confirmation, the invoice, and the notice to the owner and the admin
    await user.open(f"/{CENTRE_A}/admin/outbox?status=sent")
    await user.should_see("No emails here.")
    await user.open(f"/{CENTRE_A}/admin/outbox/{confirmation.id}")
    await user.should_see("To: payer@example.com")
    frame = user.find(marker="email-html").elements.pop()
    assert frame.props["srcdoc"] == confirmation.body_html and frame.props["sandbox"] == ""
    await user.should_see(marker="email-text")
    await user.should_see(marker=f"attachment-{confirmation.attachments[0]['filename']}")
    await user.should_not_see(marker="send-again")  # it has not failed


async def test_a_failed_email_can_be_sent_again(user: User, centres: Database) -> None:
    queued = await _invoice_booking_emails(centres)
    async with centres.transaction() as session:
        failed = await session.get(OutboxEmail, queued[0].id)
        assert failed is not None
        failed.status = OutboxStatus.FAILED
        failed.attempts = 10
        failed.last_error = "SMTPRecipientsRefused: 550 no such user"
    await sign_in_staff(user, staff_email(StaffRole.ADMIN), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(f"/{CENTRE_A}/admin/outbox?status=failed")
    await user.should_see(queued[0].subject)
    await user.open(f"/{CENTRE_A}/admin/outbox/{queued[0].id}")
    await user.should_see("Last error: SMTPRecipientsRefused: 550 no such user")
    user.find(marker="send-again").click()
    await user.should_see("It will be sent again within a minute.", retries=SLOW)
    async with centres.read() as session:
        again = await session.get(OutboxEmail, queued[0].id)
    assert again is not None and again.status is OutboxStatus.QUEUED and again.attempts == 0


async def test_instructors_are_refused_and_other_centres_see_nothing(user: User, centres: Database) -> None:
    queued = await _invoice_booking_emails(centres)
    await sign_in_staff(user, staff_email(StaffRole.INSTRUCTOR), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await expect_refused(user, f"/{CENTRE_A}/admin/outbox")
    await expect_refused(user, f"/{CENTRE_A}/admin/outbox/{queued[0].id}")
    await sign_in_staff(user, staff_email(StaffRole.ADMIN, CENTRE_B), PASSWORD, slug=CENTRE_B)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(f"/{CENTRE_B}/admin/outbox")
    await user.should_see("0 emails")
    response = await user.http_client.get(f"/{CENTRE_B}/admin/outbox/{queued[0].id}")
    assert response.status_code == 404 and queued[0].subject not in response.text
