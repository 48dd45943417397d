"""Reports and the dashboard's charts, exactly, on SQLite and PostgreSQL: a known centre, a noisy neighbour,
month edges in the centre's own timezone (summer time included), bad periods, and queries that do not grow."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Invoice,
    Payment,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
    RefundStatus,
    StaffRole,
    StaffUser,
    Tenant,
)
from tests.unit.test_dashboard import NOW, CentreBuilder, _build_leeds, _centre, _counting_statements, _ctx
from trainhub_ui.db import Database
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.services import dashboard, reports
from trainhub_ui.services.report_csv import csv_bytes, decimal_amount
from trainhub_ui.services.report_figures import CourseDelivery, RevenueLine
from trainhub_ui.services.report_periods import ReportPeriod, month_buckets

# NOW is 10:00 UTC on Tuesday 10 March 2026: the centre's "today" in London is 2026-03-10.
QUARTER = ReportPeriod(date(2026, 1, 1), date(2026, 3, 31))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class ReportBuilder(CentreBuilder):
    """The dashboard tests' builder, plus payments on a given day, refunds, invoices and attendance."""

    async def paid(
        self,
        booking: Booking,
        amount: int,
        at: datetime,
        *,
        refunded: int = 0,
        status: PaymentStatus = PaymentStatus.PAID,
        method: PaymentMethod = PaymentMethod.CARD,
    ) -> Payment:
        return await self.payment(booking, status, amount, refunded=refunded, at=at, method=method)

    async def refund(self, payment: Payment, amount: int, at: datetime, status: RefundStatus, reason: str) -> None:
        await self._add(
            Refund(
                tenant_id=self.tenant.id,
                payment_id=payment.id,
                amount=amount,
                currency=self.tenant.currency,
                reason=reason,
                created_by="Ann Admin",
                status=status,
                created_at=at,
                updated_at=at,
            )
        )

    async def invoice(self, booking: Booking, number: int, due: date, *, paid: bool = False) -> None:
        await self._add(
            Invoice(
                tenant_id=self.tenant.id,
                booking_id=booking.id,
                number=number,
                issued_on=due - timedelta(days=30),
                due_on=due,
                company_name="Acme Heating Ltd",
                currency=self.tenant.currency,
                net_amount=booking.total_amount,
                total_amount=booking.total_amount,
                paid_at=NOW if paid else None,
            )
        )

    async def certificate(self, booking: Booking, course: Course, *, revoked: bool = False) -> None:
        """What completing a session issues to a student who met the course's rule."""
        number = f"C-{booking.reference}"
        await self._add(
            Achievement(
                tenant_id=self.tenant.id,
                customer_id=booking.customer_id,
                course_id=course.id,
                session_id=booking.session_id,
                booking_id=booking.id,
                number=number,
                issued_on=date(2026, 1, 15),
                verification_code=number,
                revoked_at=NOW if revoked else None,
            )
        )


async def _build(db: Database, tenant: Tenant) -> dict[str, object]:
    """The centre whose every report figure the tests below know by heart."""
    async with db.transaction() as session:
        b = ReportBuilder(session, tenant)
        ccn1 = await b.course("ACS CCN1", 50000)
        g3 = await b.course("Unvented G3", 20000)
        await b.course("Retired course", 10000, active=False)

        # Sessions starting in the quarter: two of each course (one of them ended), and one cancelled.
        a_jan = await b.session_of(ccn1, date(2026, 1, 12), days=3, spots=10, booked=8, completed=True)
        a_mar = await b.session_of(ccn1, date(2026, 3, 20), spots=10, booked=4)
        await b.session_of(ccn1, date(2026, 2, 1), spots=10, cancelled=True)
        b_feb = await b.session_of(g3, date(2026, 2, 20), spots=6, booked=6)
        await b.session_of(g3, date(2026, 3, 9), days=2, spots=6, booked=3)  # ends today: not ended yet
        # Outside the quarter.
        b_apr = await b.session_of(g3, date(2026, 4, 1), spots=8, booked=5)
        a_dec = await b.session_of(ccn1, date(2025, 12, 1), spots=10, booked=1, completed=True)

        # Money. January: 50000 in full, and a 15000 deposit at 23:30 on 31 January (GMT: still January).
        full = await b.booking(a_mar, BookingStatus.CONFIRMED, 50000, paid=50000)
        await b.paid(full, 50000, utc(2026, 1, 15, 10, 0))
        deposit = await b.booking(
            a_mar,
            BookingStatus.CONFIRMED,
            50000,
            option=PaymentOption.DEPOSIT,
            deposit=15000,
            paid=15000,
            balance=35000,
        )
        await b.paid(deposit, 15000, utc(2026, 1, 31, 23, 30))
        # February: 20000 kept, and 50000 refunded in full.
        kept = await b.booking(b_apr, BookingStatus.CONFIRMED, 20000, paid=20000)
        kept_payment = await b.paid(kept, 20000, utc(2026, 2, 28, 23, 59))
        cancelled = await b.booking(a_mar, BookingStatus.CANCELLED, 50000, paid=50000)
        refunded = await b.paid(cancelled, 50000, utc(2026, 2, 10, 9, 0), refunded=50000, status=PaymentStatus.REFUNDED)
        await b.refund(refunded, 50000, utc(2026, 2, 12, 9, 0), RefundStatus.SUCCEEDED, "Cancelled by the student")
        # March: 20000 with 5000 on its way back, and 20000 at 23:30 on 31 March, summer time (22:30 UTC).
        partly = await b.booking(b_apr, BookingStatus.CANCELLED, 20000, paid=20000)
        partly_payment = await b.paid(partly, 20000, utc(2026, 3, 1, 0, 30), refunded=5000)
        await b.refund(partly_payment, 5000, utc(2026, 3, 5, 9, 0), RefundStatus.PENDING, "Goodwill")
        await b.refund(kept_payment, 3000, utc(2026, 3, 6, 9, 0), RefundStatus.FAILED, "Card expired")
        late_march = await b.booking(b_apr, BookingStatus.CONFIRMED, 20000, paid=20000)
        await b.paid(late_march, 20000, utc(2026, 3, 31, 22, 30))
        # Not in the quarter: 23:59 UTC on 31 December, and 00:30 on 1 April in summer time (23:30 UTC on 31 March).
        december = await b.booking(a_dec, BookingStatus.CONFIRMED, 50000, paid=50000)
        december_payment = await b.paid(december, 50000, utc(2025, 12, 31, 23, 59), refunded=1000)
        await b.refund(december_payment, 1000, utc(2025, 12, 20, 9, 0), RefundStatus.SUCCEEDED, "Late start")
        april = await b.booking(b_apr, BookingStatus.CONFIRMED, 20000, paid=20000)
        await b.paid(april, 20000, utc(2026, 3, 31, 23, 30))
        # Not money received: a payment still pending, one that failed.
        held = await b.booking(a_mar, BookingStatus.PENDING, 50000, balance=50000)
        await b.paid(held, 50000, utc(2026, 3, 2, 9, 0), status=PaymentStatus.PENDING)
        lapsed = await b.booking(a_mar, BookingStatus.EXPIRED, 50000, balance=50000)
        await b.paid(lapsed, 50000, utc(2026, 3, 2, 9, 0), status=PaymentStatus.FAILED)

        # Invoices: one overdue (unpaid, due 20 February), one paid.
        overdue = await b.booking(b_apr, BookingStatus.CONFIRMED, 20000, option=PaymentOption.INVOICE, balance=20000)
        await b.invoice(overdue, 1, date(2026, 2, 20))
        settled = await b.booking(b_apr, BookingStatus.CONFIRMED, 20000, option=PaymentOption.INVOICE, paid=20000)
        await b.invoice(settled, 2, date(2026, 2, 20), paid=True)
        # A cancelled booking still showing a balance is not owed.
        await b.booking(a_mar, BookingStatus.CANCELLED, 50000, balance=50000)

        # January's session, completed: of its three students one completed the course (a certificate), one's
        # certificate was revoked, one did not; a cancelled booking is not a student of it. February's session
        # has ended but is not marked completed, so its students are not counted; December's is outside.
        completed = await b.booking(a_jan, BookingStatus.CONFIRMED, 50000)
        await b.certificate(completed, ccn1)
        withdrawn = await b.booking(a_jan, BookingStatus.CONFIRMED, 50000)
        await b.certificate(withdrawn, ccn1, revoked=True)
        await b.booking(a_jan, BookingStatus.CONFIRMED, 50000)
        await b.booking(a_jan, BookingStatus.CANCELLED, 50000)
        await b.booking(b_feb, BookingStatus.CONFIRMED, 20000)
        await b.booking(b_feb, BookingStatus.CONFIRMED, 20000)
        await b.certificate(december, ccn1)
    return {"ccn1": ccn1, "g3": g3, "deposit": deposit, "overdue": overdue, "a_mar": a_mar, "b_apr": b_apr}


async def _read(db: Database, tenant: Tenant, what: Any, *args: Any, now: datetime = NOW, **kwargs: Any) -> Any:
    async with db.read() as session:
        return await what(session, _ctx(tenant, now), *args, **kwargs)


# --- the period ------------------------------------------------------------------------------------


def test_the_period_defaults_to_this_year_and_takes_either_bound() -> None:
    today = date(2026, 3, 10)
    assert reports.parse_period(None, None, today) == ReportPeriod(date(2026, 1, 1), date(2026, 12, 31))
    assert reports.parse_period("", " ", today) == ReportPeriod(date(2026, 1, 1), date(2026, 12, 31))
    assert reports.parse_period("2025-04-06", "2026-04-05", today) == ReportPeriod(date(2025, 4, 6), date(2026, 4, 5))
    assert reports.parse_period("2026-02-01", None, today) == ReportPeriod(date(2026, 2, 1), date(2026, 12, 31))
    assert reports.parse_period("2026-03-10", "2026-03-10", today).days == 1


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        ("31/01/2026", None, "from", "YYYY-MM-DD"),
        ("2026-02-30", None, "from", "YYYY-MM-DD"),
        (None, "tomorrow", "to", "YYYY-MM-DD"),
        ("2026-03-10", "2026-03-09", "to", "on or after"),
        ("2020-01-01", "2025-01-01", "to", "at most 5 years"),
    ],
)
def test_a_bad_period_is_refused_at_its_field(start: str | None, end: str | None, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        reports.parse_period(start, end, date(2026, 3, 10))
    assert refused.value.field == field
    assert words in refused.value.message


def test_the_longest_period_is_just_under_five_years() -> None:
    assert reports.parse_period("2020-01-01", "2024-12-31", date(2026, 3, 10)).days == 1827


def test_months_are_the_centres_own_summer_time_included() -> None:
    ctx = _ctx(Tenant(slug="x", name="X", timezone="Europe/London", currency="GBP"))
    months, buckets = month_buckets(ctx, QUARTER)
    assert months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    # London is on GMT until 29 March, then on BST: the end of 31 March is 23:00 UTC.
    assert buckets.edges == [utc(2026, 1, 1), utc(2026, 2, 1), utc(2026, 3, 1), utc(2026, 3, 31, 23)]


# --- the known centre ------------------------------------------------------------------------------


async def test_revenue_by_month_and_by_course(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    built = await _build(db, bristol)
    assert await _read(db, bristol, reports.revenue_by_month, QUARTER) == [
        RevenueLine("Jan 2026", "2026-01", 2, 65000, 0),
        RevenueLine("Feb 2026", "2026-02", 2, 70000, 50000),
        RevenueLine("Mar 2026", "2026-03", 2, 40000, 5000),
    ]
    by_course = await _read(db, bristol, reports.revenue_by_course, QUARTER)
    assert by_course == [
        RevenueLine("ACS CCN1", built["ccn1"].id, 3, 115000, 50000),
        RevenueLine("Unvented G3", built["g3"].id, 3, 60000, 5000),
    ]
    assert [line.net for line in by_course] == [65000, 55000]


async def test_a_period_cut_mid_month_counts_only_its_own_days(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    await _build(db, bristol)
    mid = ReportPeriod(date(2026, 1, 20), date(2026, 2, 27))
    assert await _read(db, bristol, reports.revenue_by_month, mid) == [
        RevenueLine("Jan 2026", "2026-01", 1, 15000, 0),  # the 31 January deposit; the 15th is before the period
        RevenueLine("Feb 2026", "2026-02", 1, 50000, 50000),  # 28 February is after it
    ]


async def test_balances_owed_and_overdue_invoices(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    built = await _build(db, bristol)
    owed = await _read(db, bristol, reports.balances_owed)
    assert (owed.bookings, owed.amount) == (2, 55000)
    assert [(line.booking_id, line.balance_due, line.session_start, line.due_by) for line in owed.lines] == [
        (built["deposit"].id, 35000, date(2026, 3, 20), date(2026, 3, 6)),
        (built["overdue"].id, 20000, date(2026, 4, 1), date(2026, 2, 20)),  # the invoice's own due date
    ]
    assert owed.lines[0].course_title == "ACS CCN1"
    second_page = await _read(db, bristol, reports.balances_owed, limit=1, offset=1)
    assert [line.booking_id for line in second_page.lines] == [built["overdue"].id]
    assert (second_page.bookings, second_page.amount) == (2, 55000)
    assert await _read(db, bristol, reports.balances_by_course) == [
        (built["ccn1"].id, "ACS CCN1", 1, 35000),
        (built["g3"].id, "Unvented G3", 1, 20000),
    ]
    invoices, total = await _read(db, bristol, reports.overdue_invoices)
    assert total == 1
    assert [(reports.invoice_label(line), line.balance_due, line.invoice.due_on) for line in invoices] == [
        ("INV-00001", 20000, date(2026, 2, 20))
    ]


async def test_refunds_of_the_period(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    await _build(db, bristol)
    totals = await _read(db, bristol, reports.refund_totals, QUARTER)
    assert totals.by_status == {"SUCCEEDED": (1, 50000), "PENDING": (1, 5000), "FAILED": (1, 3000)}
    assert totals.refunded == 55000
    lines = await _read(db, bristol, reports.refunds, QUARTER)
    assert [(line.made_at, line.amount, line.status, line.reason) for line in lines] == [
        (utc(2026, 3, 6, 9), 3000, RefundStatus.FAILED, "Card expired"),
        (utc(2026, 3, 5, 9), 5000, RefundStatus.PENDING, "Goodwill"),
        (utc(2026, 2, 12, 9), 50000, RefundStatus.SUCCEEDED, "Cancelled by the student"),
    ]
    assert [line.course_title for line in lines] == ["Unvented G3", "Unvented G3", "ACS CCN1"]
    assert [line.amount for line in await _read(db, bristol, reports.refunds, QUARTER, limit=1, offset=1)] == [5000]
    assert len(await _read(db, bristol, reports.refunds, QUARTER, limit=None)) == 3


async def test_occupancy_completion_and_attendance(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    built = await _build(db, bristol)
    rows = await _read(db, bristol, reports.delivery_by_course, QUARTER)
    assert rows == [
        # 8 + 4 of 10 + 10 places; January's session ended and was completed; of its 3 confirmed students,
        # 1 completed the course.
        CourseDelivery(built["ccn1"].id, "ACS CCN1", 2, 12, 20, 1, 1, 3, 1),
        # February's session ended but was not marked completed; the one ending today has not ended.
        CourseDelivery(built["g3"].id, "Unvented G3", 2, 9, 12, 1, 0, 0, 0),
    ]
    assert [(row.occupancy, row.completion_rate, row.student_completion_rate) for row in rows] == [
        (0.6, 1.0, 0.3333),
        (0.75, 0.0, 0.0),
    ]


async def test_another_centres_rows_never_count(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    leeds = await _centre(db, "leeds", currency="EUR")
    built = await _build(db, bristol)
    await _build_leeds(db, leeds)
    async with db.transaction() as session:
        b = ReportBuilder(session, leeds)
        course = await b.course("Heat Pumps Plus", 75000)
        item = await b.session_of(course, date(2026, 3, 20), spots=8)
        owing = await b.booking(item, BookingStatus.CONFIRMED, 75000, option=PaymentOption.INVOICE, balance=75000)
        await b.invoice(owing, 1, date(2026, 2, 1))
        payment = await b.paid(owing, 1000, utc(2026, 2, 1))
        await b.refund(payment, 1000, utc(2026, 2, 2), RefundStatus.SUCCEEDED, "Theirs")
    assert [line.paid for line in await _read(db, bristol, reports.revenue_by_month, QUARTER)] == [65000, 70000, 40000]
    assert [line.key for line in await _read(db, bristol, reports.revenue_by_course, QUARTER)] == [
        built["ccn1"].id,
        built["g3"].id,
    ]
    owed = await _read(db, bristol, reports.balances_owed)
    assert (owed.bookings, owed.amount) == (2, 55000)
    assert len(await _read(db, bristol, reports.balances_by_course)) == 2
    assert (await _read(db, bristol, reports.overdue_invoices))[1] == 1
    assert (await _read(db, bristol, reports.refund_totals, QUARTER)).refunded == 55000
    assert len(await _read(db, bristol, reports.refunds, QUARTER)) == 3
    assert [row.course_title for row in await _read(db, bristol, reports.delivery_by_course, QUARTER)] == [
        "ACS CCN1",
        "Unvented G3",
    ]
    theirs = await _read(db, leeds, reports.revenue_by_course, QUARTER)
    assert [(line.label, line.payments) for line in theirs] == [("Heat Pumps", 16), ("Heat Pumps Plus", 1)]


async def test_an_empty_centre_answers_zeros(db: Database) -> None:
    empty = await _centre(db, "empty")
    await _build(db, await _centre(db, "bristol"))
    assert [line.paid for line in await _read(db, empty, reports.revenue_by_month, QUARTER)] == [0, 0, 0]
    assert await _read(db, empty, reports.revenue_by_course, QUARTER) == []
    owed = await _read(db, empty, reports.balances_owed)
    assert (owed.lines, owed.bookings, owed.amount) == ([], 0, 0)
    assert await _read(db, empty, reports.balances_by_course) == []
    assert await _read(db, empty, reports.overdue_invoices) == ([], 0)
    assert (await _read(db, empty, reports.refund_totals, QUARTER)).refunded == 0
    assert await _read(db, empty, reports.refunds, QUARTER) == []
    assert await _read(db, empty, reports.delivery_by_course, QUARTER) == []


async def test_a_centre_far_from_london_has_its_own_months(db: Database) -> None:
    """Midday UTC on 31 January is already 1 February in Auckland."""
    auckland = await _centre(db, "auckland", timezone="Pacific/Auckland", currency="NZD")
    async with db.transaction() as session:
        b = ReportBuilder(session, auckland)
        course = await b.course("First Aid", 9000)
        item = await b.session_of(course, date(2026, 2, 10))
        booking = await b.booking(item, BookingStatus.CONFIRMED, 9000, paid=9000)
        await b.paid(booking, 9000, utc(2026, 1, 31, 12, 0))
    months = await _read(db, auckland, reports.revenue_by_month, QUARTER)
    assert [(line.key, line.paid) for line in months] == [("2026-01", 0), ("2026-02", 9000), ("2026-03", 0)]


async def test_reports_take_the_same_few_queries_however_much_data(db: Database) -> None:
    empty = await _centre(db, "empty")
    bristol = await _centre(db, "bristol")
    await _build(db, bristol)
    await _build_leeds(db, await _centre(db, "leeds"))

    async def everything(tenant: Tenant) -> None:
        async with db.read() as session:
            ctx = _ctx(tenant)
            await reports.revenue_by_month(session, ctx, QUARTER)
            await reports.revenue_by_course(session, ctx, QUARTER)
            await reports.balances_owed(session, ctx)
            await reports.balances_by_course(session, ctx)
            await reports.refund_totals(session, ctx, QUARTER)
            await reports.refunds(session, ctx, QUARTER)
            await reports.delivery_by_course(session, ctx, QUARTER)

    with _counting_statements(db) as on_empty:
        await everything(empty)
    with _counting_statements(db) as on_full:
        await everything(bristol)
    selects = [s for s in on_full if s.lstrip().upper().startswith("SELECT")]
    assert len(on_empty) == len(on_full)
    assert len(selects) == 8
    assert all("tenant_id" in query for query in selects)


def test_csv_is_utf8_for_spreadsheets_and_formulas_stay_text() -> None:
    data = csv_bytes(["Course", "Net (GBP)"], [["=HYPERLINK(1)", decimal_amount(49500)], ["Café", None]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Course", "Net (GBP)"], ["'=HYPERLINK(1)", "495.00"], ["Café", ""]]
    assert [decimal_amount(n) for n in (0, 5, 12345, -250)] == ["0.00", "0.05", "123.45", "-2.50"]


# --- the dashboard's charts and lists --------------------------------------------------------------


async def _instructor(session: AsyncSession, tenant: Tenant) -> StaffUser:
    user = StaffUser(tenant_id=tenant.id, email="tom@example.com", name="Tom Baker", role=StaffRole.INSTRUCTOR)
    session.add(user)
    await session.flush()
    return user


async def test_dashboard_revenue_of_recent_months_ends_with_this_one(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    await _build(db, bristol)
    months = await _read(db, bristol, dashboard.revenue_of_recent_months)
    assert [line.key for line in months] == [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    # Up to today (10 March): the payment of 31 March is not in yet, December's is.
    assert [line.net for line in months[-4:]] == [49000, 65000, 20000, 15000]


async def test_dashboard_bookings_by_week(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    async with db.transaction() as session:
        b = ReportBuilder(session, bristol)
        course = await b.course("ACS CCN1", 50000)
        item = await b.session_of(course, date(2026, 4, 1), spots=20)
        made = {
            # Monday 9 March 00:00 GMT starts this week; Sunday 8 March 23:59 is last week's.
            utc(2026, 3, 9, 0, 0): BookingStatus.CONFIRMED,
            utc(2026, 3, 10, 9, 0): BookingStatus.PENDING,
            utc(2026, 3, 8, 23, 59): BookingStatus.CANCELLED,
            utc(2026, 3, 2, 8, 0): BookingStatus.CONFIRMED,
            utc(2026, 3, 3, 8, 0): BookingStatus.EXPIRED,  # a lapsed hold is not counted
            utc(2025, 12, 21, 23, 0): BookingStatus.CONFIRMED,  # the Sunday before the chart's first week
            utc(2025, 12, 22, 8, 0): BookingStatus.CONFIRMED,  # the chart's first Monday
        }
        for at, status in made.items():
            booking = await b.booking(item, status, 50000)
            booking.created_at = at
        await session.flush()
    weeks = await _read(db, bristol, dashboard.bookings_by_week)
    assert len(weeks) == 12
    assert (weeks[0].week_start, weeks[-1].week_start) == (date(2025, 12, 22), date(2026, 3, 9))
    assert weeks[0].by_status == {"CONFIRMED": 1, "PENDING": 0, "CANCELLED": 0}
    assert weeks[-2].by_status == {"CONFIRMED": 1, "PENDING": 0, "CANCELLED": 1}
    assert weeks[-1].by_status == {"CONFIRMED": 1, "PENDING": 1, "CANCELLED": 0}
    assert sum(sum(week.by_status.values()) for week in weeks) == 5


async def test_dashboard_occupancy_by_course_counts_upcoming_sessions_only(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    built = await _build(db, bristol)
    rows = await _read(db, bristol, dashboard.occupancy_by_course)
    # Upcoming after 10:00 on 10 March: CCN1 on 20 March (4 of 10), G3 on 1 April (5 of 8); the cancelled,
    # the started and the ended sessions are not.
    assert [(r.course_id, r.sessions, r.booked_places, r.available_places, r.occupancy) for r in rows] == [
        (built["ccn1"].id, 1, 4, 10, 0.4),
        (built["g3"].id, 1, 5, 8, 0.625),
    ]
    assert [r.course_id for r in await _read(db, bristol, dashboard.occupancy_by_course, 1)] == [built["ccn1"].id]


async def test_dashboard_recent_bookings_and_an_instructors_own_sessions(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    leeds = await _centre(db, "leeds")
    await _build_leeds(db, leeds)
    async with db.transaction() as session:
        b = ReportBuilder(session, bristol)
        tom = await _instructor(session, bristol)
        course = await b.course("ACS CCN1", 50000)
        his: list[CourseSession] = []
        for start, booked in ((date(2026, 3, 20), 3), (date(2026, 3, 12), 1), (date(2026, 5, 1), 0)):
            item = await b.session_of(course, start, spots=10, booked=booked)
            item.instructor_id = tom.id
            his.append(item)
        await b.session_of(course, date(2026, 3, 11), spots=12, booked=2)  # someone else's
        done = await b.session_of(course, date(2026, 3, 2), spots=10, booked=10)  # his, but over
        done.instructor_id = tom.id
        bookings = []
        for minutes in (5, 1, 3):
            booking = await b.booking(his[0], BookingStatus.CONFIRMED, 50000)
            booking.created_at = NOW - timedelta(minutes=minutes)
            bookings.append(booking)
        await session.flush()
    mine = await _read(db, bristol, dashboard.upcoming_sessions, instructor_id=tom.id)
    assert [item.id for item in mine] == [his[1].id, his[0].id, his[2].id]
    assert (mine[0].course_title, mine[0].start_time) == ("ACS CCN1", time(9, 0))
    figures = await _read(db, bristol, dashboard.instructor_figures, tom.id)
    assert figures == dashboard.InstructorFigures(upcoming_sessions=3, booked_places=4, available_places=30)
    everyone = await _read(db, bristol, dashboard.upcoming_sessions, limit=2)
    assert [item.start_date for item in everyone] == [date(2026, 3, 11), date(2026, 3, 12)]

    recent = await _read(db, bristol, dashboard.recent_bookings, limit=2)
    assert [item.id for item in recent] == [bookings[1].id, bookings[2].id]
    assert (recent[0].course_title, recent[0].status, recent[0].total_amount) == (
        "ACS CCN1",
        BookingStatus.CONFIRMED,
        50000,
    )
    assert recent[0].customer_name.startswith("Student ")
