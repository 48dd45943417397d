"""Delivering a session from its admin page: the register (live with the kiosk), completion and its
certificates, revoking one, and the emails staff send to everyone booked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from nicegui.testing import User
from sqlalchemy import select

from models import (
    Achievement,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    OutboxEmail,
    PaymentOption,
    SessionAttendance,
    StaffRole,
    StaffUser,
    Tenant,
)
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, staff_email
from tests.ui.test_sign_in_pages import SLOW, sign_in_staff
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.attendance import record_attendance


async def _running_session(db: Database) -> tuple[Tenant, Course, CourseSession, list[Booking]]:
    """A two-day session that started yesterday, with two confirmed, paid bookings."""
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        course = Course(
            tenant_id=tenant.id, slug="g3", title="Unvented Hot Water (G3)", price=19500, certificate_validity_months=60
        )
        session.add(course)
        await session.flush()
        today = datetime.now(UTC).date()
        item = CourseSession(
            tenant_id=tenant.id,
            course_id=course.id,
            start_date=today - timedelta(days=1),
            end_date=today,
            start_time=time(0, 0),
            end_time=time(23, 0),
            starts_at=datetime.combine(today - timedelta(days=1), time(0, 0), tzinfo=UTC),
            available_spots=8,
            booked_spots=2,
        )
        session.add(item)
        await session.flush()
        bookings = []
        for n, first in enumerate(("Gareth", "Megan")):
            customer = Customer(tenant_id=tenant.id, first_name=first, last_name="Jones", email=f"{first}@example.com")
            session.add(customer)
            await session.flush()
            booking = Booking(
                tenant_id=tenant.id,
                reference=f"AGS-DLV{n}",
                session_id=item.id,
                customer_id=customer.id,
                status=BookingStatus.CONFIRMED,
                payment_option=PaymentOption.FULL,
                currency="GBP",
                total_amount=19500,
                amount_paid=19500,
                balance_due=0,
            )
            session.add(booking)
            bookings.append(booking)
        await session.flush()
    return tenant, course, item, bookings


def _page(course: Course, item: CourseSession) -> str:
    return f"/{CENTRE_A}/admin/courses/{course.id}/sessions/{item.id}"


async def test_the_register_saves_and_follows_the_kiosk_live(user: User, centres: Database) -> None:
    tenant, course, item, (gareth, megan) = await _running_session(centres)
    await sign_in_staff(user, staff_email(StaffRole.STAFF), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(_page(course, item))
    await user.should_see(marker="register")
    yesterday, today = item.start_date, item.end_date
    user.find(marker=f"mark-{gareth.id}-{yesterday.isoformat()}").elements.pop().value = "PRESENT"
    row = await _saved(centres)
    await user.should_see("1 of 2 in", retries=SLOW)
    assert (row.booking_id, row.day, row.status, row.recorded_by) == (
        gareth.id,
        yesterday,
        AttendanceStatus.PRESENT,
        "Staff Person",
    )
    # Megan checks in at the kiosk: the register here shows it without a reload.
    async with centres.transaction() as session:
        await record_attendance(
            session, TenantContext(tenant=tenant, actor="Kiosk", at_kiosk=True), megan.id, today, AttendanceStatus.LATE
        )
    toggle = user.find(marker=f"mark-{megan.id}-{today.isoformat()}").elements.pop()
    for _ in range(SLOW):
        if toggle.value == "LATE":
            break
        await user.should_see(marker="register")
    assert toggle.value == "LATE"
    async with centres.read() as session:
        assert len(list(await session.scalars(select(SessionAttendance)))) == 2  # not saved a second time


async def test_completing_warns_of_what_is_missing_then_issues_certificates(user: User, centres: Database) -> None:
    tenant, course, item, (gareth, _megan) = await _running_session(centres)
    staff = TenantContext(tenant=tenant, actor="Staff Person", role=StaffRole.STAFF)
    async with centres.transaction() as session:
        for day in (item.start_date, item.end_date):
            await record_attendance(session, staff, gareth.id, day, AttendanceStatus.PRESENT)
    await sign_in_staff(user, staff_email(StaffRole.STAFF), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(_page(course, item))
    user.find(marker="complete-session").click()
    await user.should_see(marker="missing-warning", retries=SLOW)
    await user.should_see("Megan Jones: no certificate: attended 0 of 2 days; 2 needed")
    user.find(marker="confirm-complete").click()
    await user.should_see(marker="completed", retries=SLOW)
    async with centres.read() as session:
        [certificate] = await session.scalars(select(Achievement))
        kinds = set(await session.scalars(select(OutboxEmail.kind)))
    assert certificate.booking_id == gareth.id
    assert {"certificate_issued", "feedback_request"} <= kinds
    await user.should_see(marker=f"certificate-state-{certificate.number}")
    user.find(marker=f"revoke-{certificate.number}").click()
    await user.should_see(marker="revoke-reason", retries=SLOW)
    user.find(marker="confirm-revoke").click()
    await user.should_see("Say why the certificate is revoked.", retries=SLOW)
    user.find(marker="revoke-reason").type("Issued in error")
    user.find(marker="confirm-revoke").click()
    await user.should_see("Revoked", retries=SLOW)
    async with centres.read() as session:
        revoked = await session.get(Achievement, certificate.id)
    assert revoked is not None and revoked.revocation_reason == "Issued in error"


async def test_staff_message_everyone_booked_with_errors_at_the_field(user: User, centres: Database) -> None:
    _tenant, course, item, _bookings = await _running_session(centres)
    await sign_in_staff(user, staff_email(StaffRole.STAFF), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(_page(course, item))
    user.find(marker="message-everyone").click()
    await user.should_see(marker="message-subject", retries=SLOW)
    user.find(marker="send-message").click()
    await user.should_see("Give the email a subject.", retries=SLOW)
    user.find(marker="message-subject").type("Parking today")
    user.find(marker="send-message").click()
    await user.should_see("Write the message.", retries=SLOW)
    user.find(marker="message-body").type("Park behind the workshop.")
    user.find(marker="send-message").click()
    await user.should_see("Sent to 2 students.", retries=SLOW)
    user.find(marker="remind-now").click()
    await user.should_see("Reminder sent to 2 students.", retries=SLOW)
    async with centres.read() as session:
        rows = list(await session.scalars(select(OutboxEmail.kind)))
    assert rows.count("staff_message") == 2 and rows.count("session_reminder") == 2


async def test_an_instructor_keeps_the_register_of_their_own_session_only(user: User, centres: Database) -> None:
    _tenant, course, item, (gareth, _megan) = await _running_session(centres)
    await sign_in_staff(user, staff_email(StaffRole.INSTRUCTOR), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    response = await user.http_client.get(_page(course, item))
    assert response.status_code == 403  # not theirs
    async with centres.transaction() as session:
        instructor = await session.scalar(select(StaffUser).where(StaffUser.email == staff_email(StaffRole.INSTRUCTOR)))
        own = await session.get(CourseSession, item.id)
        assert instructor is not None and own is not None
        own.instructor_id = instructor.id
    await user.open(_page(course, item))
    user.find(marker=f"mark-{gareth.id}-{item.start_date.isoformat()}").elements.pop().value = "ABSENT"
    await user.should_not_see(marker="message-everyone")  # emails to students are staff's
    row = await _saved(centres)
    assert row.status is AttendanceStatus.ABSENT and row.recorded_by_user_id == instructor.id
    user.find(marker="instructor-notes-input").clear().type("Gareth off sick on day one; catch-up booked.")
    user.find(marker="save-instructor-notes").click()
    await user.should_see("Notes saved.", retries=SLOW)
    async with centres.read() as session:
        noted = await session.get(CourseSession, item.id)
    assert noted is not None and noted.instructor_notes == "Gareth off sick on day one; catch-up booked."


async def _saved(db: Database) -> SessionAttendance:
    """The one attendance row, once the page's save has gone through."""
    for _ in range(SLOW):
        async with db.read() as session:
            rows = list(await session.scalars(select(SessionAttendance)))
        if rows:
            return rows[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the register did not save")


async def test_a_session_whose_last_day_has_not_started_says_when_it_can_be_completed(
    user: User, centres: Database
) -> None:
    _tenant, course, item, (gareth, _megan) = await _running_session(centres)
    async with centres.transaction() as session:
        running = await session.get(CourseSession, item.id)
        assert running is not None
        running.end_date = item.end_date + timedelta(days=1)  # its last day is tomorrow
    await sign_in_staff(user, staff_email(StaffRole.STAFF), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(_page(course, item))
    await user.should_see(marker="completable-from", retries=SLOW)
    await user.should_see("The session can be completed once its last day has started")
    await user.should_not_see(marker="complete-session")
    # Tomorrow's register cannot be kept yet; today's can.
    tomorrow = item.end_date + timedelta(days=1)
    assert not user.find(marker=f"mark-{gareth.id}-{tomorrow.isoformat()}").elements.pop().enabled
    assert user.find(marker=f"mark-{gareth.id}-{item.end_date.isoformat()}").elements.pop().enabled
