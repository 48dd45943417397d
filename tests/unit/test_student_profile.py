"""A student's profile (bookings, payments, certificates), booking counts and the student CSV, on SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from models import Achievement, BookingStatus, Customer, PaymentMethod, PaymentOption, PaymentStatus, Tenant
from tests import factories
from tests.factories import Clock
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.payment_states import PaymentState
from trainhub_ui.services.payments import open_payment, payment_succeeded
from trainhub_ui.services.refunds import refund_booking
from trainhub_ui.services.student_profile import (
    STUDENT_CSV_HEADER,
    booking_counts,
    export_students,
    student_profile,
    students_csv,
)
from trainhub_ui.services.students import NewStudent, add_student

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def _centre(db: Database, slug: str) -> tuple[TenantContext, list[str], str]:
    """A centre with a course and two sessions; answers its context, the session ids and the course id."""
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug, slug.title())
        course = await factories.course(session, tenant, price=30000)
        first = await factories.course_session(session, course, start=(NOW + timedelta(days=20)).date())
        second = await factories.course_session(session, course, start=(NOW + timedelta(days=50)).date())
    return TenantContext(tenant=tenant, actor="Priya Shah", clock=Clock(NOW)), [first.id, second.id], course.id


async def _student(db: Database, ctx: TenantContext, first: str, last: str, email: str, company: str = "") -> str:
    async with db.transaction() as session:
        return (
            await add_student(
                session, ctx, NewStudent(first_name=first, last_name=last, email=email, company_name=company)
            )
        ).id


async def _paid_booking(db: Database, ctx: TenantContext, customer_id: str, session_id: str) -> str:
    async with db.transaction() as session:
        booking = await create_booking(session, ctx, BookingRequest(customer_id=customer_id, session_id=session_id))
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
    async with db.transaction() as session:
        await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)
    return booking.id


async def _certificate(
    db: Database, tenant: Tenant, customer_id: str, course_id: str, number: str, issued: date, expires: date | None
) -> None:
    async with db.transaction() as session:
        session.add(
            Achievement(
                tenant_id=tenant.id,
                customer_id=customer_id,
                course_id=course_id,
                number=number,
                issued_on=issued,
                expires_on=expires,
                verification_code=f"code-{number}-{tenant.slug}",
            )
        )


async def test_a_students_bookings_payments_and_certificates(db: Database) -> None:
    ctx, sessions, course_id = await _centre(db, "alpha-gas")
    jamie = await _student(db, ctx, "Jamie", "Wilson", "jamie@example.com")
    other = await _student(db, ctx, "Sam", "Other", "sam@example.com")
    paid = await _paid_booking(db, ctx, jamie, sessions[0])
    await refund_booking(db, ctx, OfflineProvider(), paid, 10000, "Goodwill")
    async with db.transaction() as session:
        invoiced = await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=jamie, session_id=sessions[1], payment_option=PaymentOption.INVOICE),
        )
    await _paid_booking(db, ctx, other, sessions[0])
    await _certificate(db, ctx.tenant, jamie, course_id, "AGS-0001", date(2025, 1, 10), date(2026, 1, 10))
    await _certificate(db, ctx.tenant, jamie, course_id, "AGS-0002", date(2026, 2, 1), None)

    async with db.read() as session:
        profile = await student_profile(session, ctx, jamie)
    assert profile.student.email == "jamie@example.com"
    assert profile.bookings.total == 2
    assert {line.id for line in profile.bookings.lines} == {paid, invoiced.id}
    states = {line.id: line.payment_state for line in profile.bookings.lines}
    assert states == {paid: PaymentState.PART_REFUNDED, invoiced.id: PaymentState.ON_INVOICE}
    assert all(line.status is BookingStatus.CONFIRMED for line in profile.bookings.lines)
    [payment] = profile.payments  # only Jamie's; the invoice has none yet
    assert (payment.booking_id, payment.amount, payment.refunded) == (paid, 30000, 10000)
    assert payment.status is PaymentStatus.PAID and payment.course_title == "ACS CCN1"
    assert [c.achievement.number for c in profile.certificates] == ["AGS-0002", "AGS-0001"]  # newest first
    today = date(2026, 11, 24)
    assert [c.state(today) for c in profile.certificates] == ["valid", "expired"]


async def test_another_centres_student_is_not_found(db: Database) -> None:
    alpha, _, _ = await _centre(db, "alpha-gas")
    beta, beta_sessions, beta_course = await _centre(db, "beta-heat")
    theirs = await _student(db, beta, "Jamie", "Wilson", "jamie@example.com")
    await _paid_booking(db, beta, theirs, beta_sessions[0])
    await _certificate(db, beta.tenant, theirs, beta_course, "BH-0001", date(2026, 1, 1), None)
    mine = await _student(db, alpha, "Jamie", "Wilson", "jamie@example.com")
    async with db.read() as session:
        with pytest.raises(NotFound):
            await student_profile(session, alpha, theirs)
        profile = await student_profile(session, alpha, mine)
        counts = await booking_counts(session, alpha, [mine, theirs])
    # Same name and email at the other centre: none of its bookings, payments or certificates show here.
    assert (profile.bookings.total, profile.payments, profile.certificates) == (0, [], [])
    assert counts == {mine: 0, theirs: 0}


async def test_booking_counts_for_a_page_of_students(db: Database) -> None:
    ctx, sessions, _ = await _centre(db, "alpha-gas")
    busy = await _student(db, ctx, "Busy", "Bee", "busy@example.com")
    idle = await _student(db, ctx, "Idle", "Ida", "idle@example.com")
    for session_id in sessions:
        await _paid_booking(db, ctx, busy, session_id)
    async with db.read() as session:
        assert await booking_counts(session, ctx, [busy, idle]) == {busy: 2, idle: 0}
        assert await booking_counts(session, ctx, []) == {}


async def test_export_pages_through_every_matching_student(db: Database) -> None:
    ctx, _, _ = await _centre(db, "alpha-gas")
    for n in range(5):
        await _student(db, ctx, f"Gas{n}", f"Fitter{n}", f"fitter{n}@example.com", "Severn Heating")
    await _student(db, ctx, "Anne", "Other", "anne@example.com")
    async with db.read() as session:
        pages = [page async for page in export_students(session, ctx, "severn", page=2)]
        everyone = [s for page in [p async for p in export_students(session, ctx)] for s in page]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(s.email for page in pages for s in page) == [f"fitter{n}@example.com" for n in range(5)]
    assert len(everyone) == 6


def test_students_csv() -> None:
    text = students_csv(
        [
            _customer("=cmd|' /C calc'!A0", "Wilson", "jamie@example.com", "+44 7700 900101"),
            _customer("Zoë", "O'Brien, Jr", "zoe@example.com", ""),
        ],
        header=True,
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(STUDENT_CSV_HEADER)
    assert rows[1][:4] == ["'=cmd|' /C calc'!A0", "Wilson", "jamie@example.com", "'+44 7700 900101"]
    assert rows[2][:2] == ["Zoë", "O'Brien, Jr"]
    assert rows[2][7] == "2026-11-24 10:00"


def _customer(first: str, last: str, email: str, phone: str) -> Customer:
    return Customer(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        company_name="",
        billing_email="",
        po_number="",
        created_at=NOW,
    )
