"""The outbox: emails written with the change that caused them, delivered over real SMTP with retries,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from models import Booking, Customer, OutboxEmail, OutboxStatus, PaymentMethod, PaymentOption
from tests.notify.conftest import Centre, SmtpServer, at, centre_with_sessions
from trainhub_ui.config import Settings
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify.sender import LEASE, MAX_ATTEMPTS, deliver_due
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.checkout import pay_in_test_mode
from trainhub_ui.services.payments import open_payment, payment_succeeded

NOW = at(date(2027, 6, 1))
SUMMER_START = date(2027, 7, 12)  # British Summer Time: 09:00 in Bristol is 08:00 UTC


def _ctx(centre: Centre, now: datetime = NOW) -> TenantContext:
    return TenantContext(tenant=centre.tenant, actor="tests", clock=lambda: now)


async def book(
    db: Database,
    ctx: TenantContext,
    centre: Centre,
    *,
    student: int = 0,
    session: int = 0,
    option: PaymentOption = PaymentOption.FULL,
    pay: bool = True,
) -> Booking:
    async with db.transaction() as s:
        booking = await create_booking(
            s,
            ctx,
            BookingRequest(
                customer_id=centre.students[student].id,
                session_id=centre.sessions[session].id,
                payment_option=option,
                company_name="Jones Heating Ltd" if option is PaymentOption.INVOICE else None,
            ),
        )
    if pay:
        await pay_in_test_mode(db, ctx, OfflineProvider(), booking.reference, succeed=True)
    return booking


async def outbox(db: Database) -> list[OutboxEmail]:
    async with db.read() as session:
        return list(await session.scalars(select(OutboxEmail).order_by(OutboxEmail.created_at, OutboxEmail.kind)))


async def test_a_held_place_sends_nothing_and_paying_queues_confirmation_receipt_and_notice(db: Database) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    ctx = _ctx(centre)
    booking = await book(db, ctx, centre, pay=False)
    assert await outbox(db) == []
    await pay_in_test_mode(db, ctx, OfflineProvider(), booking.reference, succeed=True)
    emails = {email.kind: email for email in await outbox(db)}
    assert set(emails) == {"booking_confirmed", "payment_receipt", "new_booking"}
    confirmation = emails["booking_confirmed"]
    assert confirmation.to_address == "gareth@example.com" and confirmation.booking_id == booking.id
    assert (
        confirmation.subject == "Booking confirmed: ACS CCN1 Core Gas Safety, Mon 12 Jul – Tue 13 Jul 2027, 09:00–16:30"
    )
    assert booking.reference in confirmation.body_text and "Paid: £895.00" in confirmation.body_text
    assert [a["filename"] for a in confirmation.attachments] == [f"{booking.reference}.ics"]
    assert "#b45309" in confirmation.body_html  # the centre's colour
    assert "£895.00" in emails["payment_receipt"].subject
    assert emails["new_booking"].to_address == "bookings@bristolgas.example"
    assert "Gareth Jones" in emails["new_booking"].subject
    assert all(email.status is OutboxStatus.QUEUED for email in emails.values())


async def test_an_invoice_booking_is_confirmed_by_email_at_once(db: Database) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    booking = await book(db, _ctx(centre), centre, option=PaymentOption.INVOICE, pay=False)
    [confirmation] = [email for email in await outbox(db) if email.kind == "booking_confirmed"]
    assert confirmation.booking_id == booking.id
    assert "invoice" in confirmation.body_text and "Jones Heating Ltd" in confirmation.body_text


async def test_a_change_that_rolls_back_takes_its_emails_with_it(db: Database) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    ctx = _ctx(centre)
    booking = await book(db, ctx, centre, pay=False)
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency="GBP")
            raise RuntimeError("the request failed after the payment was recorded")
    assert await outbox(db) == []


async def test_delivered_over_smtp_with_the_calendar_at_local_time(db: Database, smtp: SmtpServer) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    booking = await book(db, _ctx(centre), centre)
    assert await deliver_due(db, NOW, smtp.settings()) == 3
    assert all(email.status is OutboxStatus.SENT and email.sent_at == NOW for email in await outbox(db))
    [confirmation] = [
        m for m in smtp.mailbox.to("gareth@example.com") if str(m["Subject"]).startswith("Booking confirmed")
    ]
    assert str(confirmation["From"]) == "Bristol Gas Training <no-reply@trainhub.local>"
    assert str(confirmation["Reply-To"]) == "Bristol Gas Training <bookings@bristolgas.example>"
    assert confirmation.get_body(("plain",)).get_content().startswith("Hello Gareth,")
    assert "#b45309" in confirmation.get_body(("html",)).get_content()
    [ics] = [part for part in confirmation.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == f"{booking.reference}.ics"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    days = [event.decoded("dtstart") for event in calendar.walk("VEVENT")]
    london = ZoneInfo("Europe/London")
    assert days == [datetime(2027, 7, 12, 9, 0, tzinfo=london), datetime(2027, 7, 13, 9, 0, tzinfo=london)]
    assert days[0].astimezone(ZoneInfo("UTC")).hour == 8
    assert calendar.walk("VEVENT")[0].decoded("dtend") == datetime(2027, 7, 12, 16, 30, tzinfo=london)
    # Delivered is delivered: running again sends nothing more.
    assert await deliver_due(db, NOW + timedelta(minutes=1), smtp.settings()) == 0
    assert len(smtp.mailbox.messages) == 3


async def test_smtp_down_is_retried_later_and_delivered_once_it_is_back(db: Database, smtp_down: SmtpServer) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    await book(db, _ctx(centre), centre)
    settings = smtp_down.settings()
    assert await deliver_due(db, NOW, settings) == 0
    waiting = await outbox(db)
    assert all(e.status is OutboxStatus.QUEUED and e.attempts == 1 for e in waiting)
    assert all("ConnectionRefusedError" in e.last_error for e in waiting)
    assert all(e.next_attempt_at == NOW + timedelta(minutes=1) for e in waiting)
    assert await deliver_due(db, NOW + timedelta(seconds=30), settings) == 0  # not due again yet
    assert all(e.attempts == 1 for e in await outbox(db))
    assert await deliver_due(db, NOW + timedelta(minutes=1), settings) == 0  # still down: backs off further
    assert all(e.attempts == 2 and e.next_attempt_at == NOW + timedelta(minutes=3) for e in await outbox(db))
    smtp_down.start()
    try:
        assert await deliver_due(db, NOW + timedelta(minutes=3), settings) == 3
        assert await deliver_due(db, NOW + timedelta(minutes=10), settings) == 0
    finally:
        smtp_down.stop()
    assert len(smtp_down.mailbox.messages) == 3
    assert all(e.status is OutboxStatus.SENT and e.last_error == "" for e in await outbox(db))


async def test_a_server_that_never_comes_back_fails_the_email_in_the_end(db: Database, smtp_down: SmtpServer) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    await book(db, _ctx(centre), centre)
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        await deliver_due(db, moment, smtp_down.settings())
        moment += timedelta(hours=7)
    assert all(e.status is OutboxStatus.FAILED and e.attempts == MAX_ATTEMPTS for e in await outbox(db))


async def test_an_email_claimed_by_a_runner_that_died_is_sent_when_its_lease_ends(
    db: Database, smtp: SmtpServer
) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    await book(db, _ctx(centre), centre)
    async with db.transaction() as session:
        for email in await session.scalars(select(OutboxEmail)):
            email.status = OutboxStatus.SENDING  # claimed by a process that stopped mid-send
            email.next_attempt_at = NOW + LEASE
    assert await deliver_due(db, NOW, smtp.settings()) == 0
    assert await deliver_due(db, NOW + LEASE, smtp.settings()) == 3
    assert len(smtp.mailbox.messages) == 3


async def test_without_smtp_settings_emails_wait_in_the_outbox(db: Database) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    await book(db, _ctx(centre), centre)
    assert await deliver_due(db, NOW, Settings(smtp_host="")) == 0
    assert all(e.status is OutboxStatus.QUEUED and e.attempts == 0 for e in await outbox(db))


async def test_a_refused_recipient_fails_at_once_and_the_others_go(db: Database, smtp: SmtpServer) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START])
    async with db.transaction() as session:
        student = await session.get(Customer, centre.students[1].id)
        assert student is not None
        student.email = "nobody@example.com"
    await book(db, _ctx(centre), centre, student=1)
    await deliver_due(db, NOW, smtp.settings())
    refused = [e for e in await outbox(db) if e.to_address == "nobody@example.com"]
    assert refused and all(e.status is OutboxStatus.FAILED and "550" in e.last_error for e in refused)
    assert [str(m["To"]) for m in smtp.mailbox.messages] == ["bookings@bristolgas.example"]


async def test_two_runners_at_once_send_each_email_once(db: Database, smtp: SmtpServer) -> None:
    centre = await centre_with_sessions(db, [SUMMER_START, SUMMER_START + timedelta(days=7)])
    ctx = _ctx(centre)
    for student in range(3):
        await book(db, ctx, centre, student=student, session=student % 2)
    other = Database(db.url)  # a second process's connection pool
    try:
        sent = await asyncio.gather(
            deliver_due(db, NOW, smtp.settings(), batch=2), deliver_due(other, NOW, smtp.settings(), batch=2)
        )
    finally:
        await other.dispose()
    assert sum(sent) == 9
    ids = [str(message["Message-ID"]) for message in smtp.mailbox.messages]
    assert len(ids) == 9 and len(set(ids)) == 9
