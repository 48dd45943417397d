"""Every payment keeps the course it was for, its booking's session's course, however the money came: by card,
deposit then balance, by bank transfer, a second charge, money more than the booking owed, and after refunds
and a move to another session of the course. Revenue by course, read from what the payments keep, is the
same as matching each payment to its course through its booking. On SQLite and PostgreSQL."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Booking, CourseSession, Payment, PaymentKind, PaymentMethod, PaymentOption, StaffRole
from tests import factories
from tests.factories import Clock
from tests.payment_courses import payments_off_their_course
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments.offline import OfflineProvider
from trainhub_ui.services import reports, workflows
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.payments import open_payment, payment_succeeded
from trainhub_ui.services.refunds import refund_booking
from trainhub_ui.services.report_periods import ReportPeriod

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PRICES = {"ccn1": 49500, "unvented": 30000}
ROOT = Path(__file__).resolve().parents[2]


class Centre:
    def __init__(self, db: Database, ctx: TenantContext, courses: dict[str, str], sessions: dict[str, str]) -> None:
        self.db = db
        self.ctx = ctx
        self.courses = courses  # slug -> course id
        self.sessions = sessions  # name -> session id
        self.students = 0

    async def book(self, on: str, **options: object) -> Booking:
        async with self.db.transaction() as session:
            self.students += 1
            student = await factories.customer(session, self.ctx.tenant, f"s{self.students}@example.com")
            request = BookingRequest(customer_id=student.id, session_id=self.sessions[on], **options)
            return await create_booking(session, self.ctx, request)

    async def pay(self, booking: Booking, method: PaymentMethod, charge: str | None = None) -> Payment:
        async with self.db.transaction() as session:
            payment = await open_payment(session, self.ctx, booking.id, method)
        return await self.report(payment, charge)

    async def report(self, payment: Payment, charge: str | None) -> Payment:
        async with self.db.transaction() as session:
            outcome = await payment_succeeded(
                session,
                self.ctx,
                payment.id,
                amount=payment.amount,
                currency=payment.currency,
                provider_reference=charge,
            )
        return outcome.payment

    async def payments(self) -> list[Payment]:
        async with self.db.read() as session:
            return list(await session.scalars(select(Payment).order_by(Payment.created_at, Payment.id)))


@pytest.fixture
async def centre(db: Database) -> Centre:
    start = (NOW + timedelta(days=30)).date()
    async with db.transaction() as session:
        tenant = await factories.centre(session, "course-centre", "Course Centre")
        ccn1 = await factories.course(session, tenant, price=PRICES["ccn1"], slug="ccn1")
        unvented = await factories.course(session, tenant, price=PRICES["unvented"], slug="unvented")
        first = await factories.course_session(session, ccn1, start=start)
        second = await factories.course_session(session, ccn1, start=start + timedelta(days=7))
        other = await factories.course_session(session, unvented, start=start)
    ctx = TenantContext(tenant=tenant, actor="Staff", role=StaffRole.ADMIN, clock=Clock(NOW))
    courses = {"ccn1": ccn1.id, "unvented": unvented.id}
    return Centre(db, ctx, courses, {"ccn1 first": first.id, "ccn1 second": second.id, "unvented": other.id})


async def test_every_way_of_paying_keeps_the_course(db: Database, centre: Centre) -> None:
    ccn1, unvented = centre.courses["ccn1"], centre.courses["unvented"]

    # By card, then a second charge for the same payment (an EXCESS payment, refunded at once).
    by_card = await centre.book("ccn1 first")
    paid = await centre.pay(by_card, PaymentMethod.CARD, "pi_first")
    await centre.report(paid, "pi_second")
    # A deposit, a move to the course's other session, then the balance.
    deposit = await centre.book("ccn1 first", deposit_percentage=0.3)
    await centre.pay(deposit, PaymentMethod.CARD, "pi_deposit")
    await workflows.move_to_session(db, centre.ctx, deposit.id, centre.sessions["ccn1 second"])
    await centre.pay(deposit, PaymentMethod.OFFLINE)
    # On invoice, settled by bank transfer in two parts.
    invoiced = await centre.book("unvented", payment_option=PaymentOption.INVOICE, billing_address="1 Dock Road")
    await workflows.record_bank_transfer(db, centre.ctx, invoiced.id, 10000, "first part")
    await workflows.record_bank_transfer(db, centre.ctx, invoiced.id, PRICES["unvented"] - 10000, "the rest")
    # Two checkouts for one booking, both paid: the second is more than the booking owes (EXCESS).
    twice = await centre.book("unvented")
    async with db.transaction() as session:
        by_card_too = await open_payment(session, centre.ctx, twice.id, PaymentMethod.CARD)
        offline_too = await open_payment(session, centre.ctx, twice.id, PaymentMethod.OFFLINE)
    await centre.report(by_card_too, "pi_twice")
    await centre.report(offline_too, None)
    # Refunds change what was kept of a payment, never its course.
    await refund_booking(db, centre.ctx, OfflineProvider(), by_card.id, 20000, "goodwill")
    await refund_booking(db, centre.ctx, OfflineProvider(), deposit.id, PRICES["ccn1"], "cannot attend")

    payments = await centre.payments()
    assert sorted((p.booking_id, p.kind) for p in payments) == sorted(
        [
            (by_card.id, PaymentKind.FULL),
            (by_card.id, PaymentKind.EXCESS),
            (deposit.id, PaymentKind.DEPOSIT),
            (deposit.id, PaymentKind.BALANCE),
            (invoiced.id, PaymentKind.BALANCE),
            (invoiced.id, PaymentKind.BALANCE),
            (twice.id, PaymentKind.FULL),
            (twice.id, PaymentKind.FULL),
            (twice.id, PaymentKind.EXCESS),
        ]
    )
    course_of_booking = {by_card.id: ccn1, deposit.id: ccn1, invoiced.id: unvented, twice.id: unvented}
    assert [p.course_id for p in payments] == [course_of_booking[p.booking_id] for p in payments]
    refunded = {booking_id: 0 for booking_id in course_of_booking}
    for p in payments:
        refunded[p.booking_id] += p.amount_refunded
    # The refunds asked for, and the EXCESS payments' own, reserved as they were received.
    assert refunded == {
        by_card.id: 20000 + PRICES["ccn1"],
        deposit.id: PRICES["ccn1"],
        invoiced.id: 0,
        twice.id: PRICES["unvented"],
    }
    assert {p.payment_method for p in payments} == {
        PaymentMethod.CARD,
        PaymentMethod.OFFLINE,
        PaymentMethod.BANK_TRANSFER,
    }
    async with db.read() as session:
        assert await payments_off_their_course(session) == []
        moved = await session.get(Booking, deposit.id)
    assert moved is not None and moved.session_id == centre.sessions["ccn1 second"]


async def test_revenue_by_course_agrees_with_each_payments_booking(db: Database, centre: Centre) -> None:
    for on in ("ccn1 first", "ccn1 second", "unvented", "unvented"):
        await centre.pay(await centre.book(on), PaymentMethod.CARD, f"pi_{centre.students}")
    part = await centre.book("ccn1 first", deposit_percentage=0.3)
    await centre.pay(part, PaymentMethod.CARD, "pi_part")
    await refund_booking(db, centre.ctx, OfflineProvider(), part.id, 5000, "goodwill")

    period = ReportPeriod(date(2026, 1, 1), date(2026, 12, 31))
    async with db.read() as session:
        lines = await reports.revenue_by_course(session, centre.ctx, period)
        through_bookings = await session.execute(
            select(CourseSession.course_id, func.count(), func.sum(Payment.amount), func.sum(Payment.amount_refunded))
            .select_from(Payment)
            .join(Booking, Booking.id == Payment.booking_id)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .group_by(CourseSession.course_id)
        )
        expected = {course_id: (count, paid, refunded) for course_id, count, paid, refunded in through_bookings}
    assert {line.key: (line.payments, line.paid, line.refunded) for line in lines} == expected
    assert [line.key for line in lines] == [centre.courses["ccn1"], centre.courses["unvented"]]
    assert expected[centre.courses["ccn1"]] == (3, 2 * PRICES["ccn1"] + 14850, 5000)


def _payments_made_in(path: Path) -> list[str]:
    """The functions of a module that construct a Payment row."""
    tree = ast.parse(path.read_text())
    makers = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Payment":
                    makers.append(function.name)
    return makers


def test_payment_rows_are_made_in_one_place() -> None:
    """The app makes a payment row only through the payments service's `_new_payment` (which asks
    `course_paid_for`); the demo's seeding, which writes its rows directly, has its one maker too."""
    made = {
        str(path.relative_to(ROOT)): makers
        for path in sorted((ROOT / "trainhub_ui").rglob("*.py"))
        if (makers := _payments_made_in(path))
    }
    assert made == {
        "trainhub_ui/demo/bookings.py": ["_payment"],
        "trainhub_ui/services/payments.py": ["_new_payment"],
    }
