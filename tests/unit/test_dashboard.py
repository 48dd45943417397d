"""The dashboard figures, exactly, on SQLite and PostgreSQL: a known centre, a noisy neighbour, an empty one."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Tenant,
    WaitingListEntry,
    WaitingListStatus,
)
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.dashboard import (
    BookingFigures,
    CourseFigures,
    DashboardFigures,
    SessionFigures,
    UpcomingSession,
    WaitingListFigures,
    dashboard_figures,
)
from trainhub_ui.services.payments import course_paid_for

# 10:00 in London (GMT in early March), so the centre's "today" is 2026-03-10.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
# Booking references are unique across centres, and a centre may be built up by several builders.
_references = itertools.count(1)
_customers = itertools.count(1)


class CentreBuilder:
    """Writes a centre's rows straight through the models, parents flushed before children."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant

    async def _add(self, row: object) -> None:
        self.session.add(row)
        await self.session.flush()

    async def course(self, title: str, price: int, *, active: bool = True) -> Course:
        course = Course(
            tenant_id=self.tenant.id,
            slug=title.lower().replace(" ", "-"),
            title=title,
            price=price,
            is_active=active,
        )
        await self._add(course)
        return course

    async def session_of(
        self,
        course: Course,
        start: date,
        *,
        days: int = 1,
        at: time = time(9, 0),
        spots: int = 10,
        booked: int = 0,
        active: bool = True,
        completed: bool = False,
        cancelled: bool = False,
    ) -> CourseSession:
        zone = ZoneInfo(self.tenant.timezone)
        item = CourseSession(
            tenant_id=self.tenant.id,
            course_id=course.id,
            start_date=start,
            end_date=start + timedelta(days=days - 1),
            start_time=at,
            end_time=time(16, 30),
            starts_at=datetime.combine(start, at, tzinfo=zone).astimezone(UTC),
            available_spots=spots,
            booked_spots=booked,
            is_active=active,
            is_completed=completed,
            cancelled_at=NOW - timedelta(days=1) if cancelled else None,
        )
        await self._add(item)
        return item

    async def customer(self) -> Customer:
        number = next(_customers)
        customer = Customer(
            tenant_id=self.tenant.id, first_name="Student", last_name=str(number), email=f"s{number}@example.com"
        )
        await self._add(customer)
        return customer

    async def booking(
        self,
        item: CourseSession,
        status: BookingStatus,
        total: int,
        *,
        option: PaymentOption = PaymentOption.FULL,
        deposit: int = 0,
        paid: int = 0,
        balance: int = 0,
    ) -> Booking:
        booking = Booking(
            tenant_id=self.tenant.id,
            reference=f"TST-{next(_references):05d}",
            session_id=item.id,
            customer_id=(await self.customer()).id,
            status=status,
            payment_option=option,
            currency=self.tenant.currency,
            total_amount=total,
            deposit_amount=deposit,
            amount_paid=paid,
            balance_due=balance,
        )
        await self._add(booking)
        return booking

    async def payment(
        self,
        booking: Booking,
        status: PaymentStatus,
        amount: int,
        *,
        refunded: int = 0,
        at: datetime = NOW,
        method: PaymentMethod = PaymentMethod.CARD,
    ) -> Payment:
        """A full payment of the booking, its course decided as the payments service decides it."""
        payment = Payment(
            tenant_id=self.tenant.id,
            booking_id=booking.id,
            course_id=await course_paid_for(self.session, TenantContext(tenant=self.tenant), booking),
            kind=PaymentKind.FULL,
            status=status,
            payment_method=method,
            currency=self.tenant.currency,
            amount=amount,
            amount_refunded=refunded,
            paid_at=at if status in (PaymentStatus.PAID, PaymentStatus.REFUNDED) else None,
        )
        await self._add(payment)
        return payment

    async def waiting(self, item: CourseSession, status: WaitingListStatus) -> None:
        await self._add(
            WaitingListEntry(
                tenant_id=self.tenant.id, session_id=item.id, customer_id=(await self.customer()).id, status=status
            )
        )


def _ctx(tenant: Tenant, now: datetime = NOW) -> TenantContext:
    return TenantContext(tenant=tenant, actor="tests", clock=lambda: now)


async def _figures(db: Database, tenant: Tenant, now: datetime = NOW) -> DashboardFigures:
    async with db.read() as session:
        return await dashboard_figures(session, _ctx(tenant, now))


async def _centre(db: Database, slug: str, timezone: str = "Europe/London", currency: str = "GBP") -> Tenant:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug)
        tenant.timezone = timezone
        tenant.currency = currency
    return tenant


async def _build_bristol(db: Database, tenant: Tenant) -> dict[str, CourseSession]:
    """The centre whose every figure the tests below know by heart."""
    d = date  # keeps the table of sessions below readable
    async with db.transaction() as session:
        b = CentreBuilder(session, tenant)
        ccn1 = await b.course("ACS CCN1", 50000)
        g3 = await b.course("Unvented G3", 20000)
        await b.course("Retired course", 10000, active=False)

        s: dict[str, CourseSession] = {}
        # Ended (end date before today in London, not cancelled): three, of which one is completed.
        s["past_done"] = await b.session_of(ccn1, d(2026, 2, 2), days=3, spots=10, booked=3, completed=True)
        s["past_open"] = await b.session_of(g3, d(2026, 2, 20), spots=6, booked=2)
        s["yesterday_open"] = await b.session_of(g3, d(2026, 3, 9), spots=6, booked=1)
        s["past_cancelled"] = await b.session_of(g3, d(2026, 2, 25), active=False, cancelled=True)
        # Started, ends today: completed early, but not yet "ended" by the centre's calendar.
        s["ends_today"] = await b.session_of(ccn1, d(2026, 3, 8), days=3, spots=10, booked=5, completed=True)
        # Upcoming: active, not completed, not cancelled, starting after NOW. The first starts later today.
        s["this_afternoon"] = await b.session_of(g3, d(2026, 3, 10), at=time(14, 0), spots=6, booked=1)
        s["march"] = await b.session_of(ccn1, d(2026, 3, 20), days=3, spots=10, booked=4)
        s["april"] = await b.session_of(g3, d(2026, 4, 1), at=time(9, 30), spots=8, booked=8)
        s["may"] = await b.session_of(ccn1, d(2026, 5, 4), days=3, spots=12)
        s["may_late"] = await b.session_of(ccn1, d(2026, 5, 18), days=3, spots=12)
        s["june"] = await b.session_of(ccn1, d(2026, 6, 1), days=3, spots=12)
        # Not upcoming although in the future: switched off, cancelled (still marked active), or already run.
        s["hidden"] = await b.session_of(ccn1, d(2026, 4, 10), spots=20, booked=2, active=False)
        s["cancelled"] = await b.session_of(g3, d(2026, 4, 15), spots=20, booked=3, cancelled=True)
        s["started_this_morning"] = await b.session_of(g3, d(2026, 3, 10), at=time(9, 0), spots=20, booked=9)

        full = await b.booking(s["march"], BookingStatus.CONFIRMED, 50000, paid=50000)
        await b.payment(full, PaymentStatus.PAID, 50000)
        deposit = await b.booking(
            s["march"],
            BookingStatus.CONFIRMED,
            50000,
            option=PaymentOption.DEPOSIT,
            deposit=15000,
            paid=15000,
            balance=35000,
        )
        await b.payment(deposit, PaymentStatus.PAID, 15000)
        await b.booking(s["april"], BookingStatus.CONFIRMED, 20000, option=PaymentOption.INVOICE, balance=20000)
        pending = await b.booking(s["april"], BookingStatus.PENDING, 20000, balance=20000)
        await b.payment(pending, PaymentStatus.PENDING, 20000)
        refunded = await b.booking(s["march"], BookingStatus.CANCELLED, 50000)
        await b.payment(refunded, PaymentStatus.REFUNDED, 50000, refunded=50000)
        partly = await b.booking(s["april"], BookingStatus.CANCELLED, 20000, paid=15000)
        await b.payment(partly, PaymentStatus.PAID, 20000, refunded=5000)
        # An expired hold still carrying a balance: not money anyone owes.
        expired = await b.booking(s["april"], BookingStatus.EXPIRED, 20000, balance=20000)
        await b.payment(expired, PaymentStatus.FAILED, 20000)
        await b.booking(s["april"], BookingStatus.CANCELLED, 20000)
        past = await b.booking(s["past_done"], BookingStatus.CONFIRMED, 50000, paid=50000)
        await b.payment(past, PaymentStatus.PAID, 50000)

        for status in (
            WaitingListStatus.WAITING,
            WaitingListStatus.WAITING,
            WaitingListStatus.OFFERED,
            WaitingListStatus.DECLINED,
            WaitingListStatus.EXPIRED,
            WaitingListStatus.ACCEPTED,
            WaitingListStatus.CANCELLED,
        ):
            await b.waiting(s["april"], status)
    return s


async def _build_leeds(db: Database, tenant: Tenant) -> None:
    """A busy neighbour: every kind of row, with figures that would show if they leaked."""
    async with db.transaction() as session:
        b = CentreBuilder(session, tenant)
        heat = await b.course("Heat Pumps", 75000)
        done = await b.session_of(heat, date(2026, 1, 12), days=4, spots=8, booked=8, completed=True)
        soon = await b.session_of(heat, date(2026, 3, 11), at=time(8, 0), spots=8, booked=7)
        for item in (done, soon):
            for status in BookingStatus:
                booking = await b.booking(item, status, 75000, paid=75000, balance=1000)
                await b.payment(booking, PaymentStatus.PAID, 75000, refunded=2500)
                await b.payment(booking, PaymentStatus.REFUNDED, 75000, refunded=75000)
        for status in WaitingListStatus:
            await b.waiting(soon, status)


def _expected_bristol(s: dict[str, CourseSession]) -> DashboardFigures:
    def upcoming(key: str, title: str) -> UpcomingSession:
        item = s[key]
        return UpcomingSession(
            item.id,
            item.course_id,
            title,
            item.start_date,
            item.start_time,
            item.booked_spots,
            item.available_spots,
        )

    return DashboardFigures(
        currency="GBP",
        as_of=NOW,
        courses=CourseFigures(total=3, active=2),
        sessions=SessionFigures(upcoming=6, completed=2, total=14),
        bookings=BookingFigures(by_status={"PENDING": 1, "CONFIRMED": 4, "CANCELLED": 3, "EXPIRED": 1}, total=9),
        waiting_list=WaitingListFigures(waiting=2, offered=1),
        # 50000 + 15000 + 50000 (past) kept in full; 50000 - 50000 refunded; 20000 - 5000 partly refunded.
        revenue_paid=130000,
        # Live bookings only: 35000 deposit balance + 20000 invoice + 20000 pending; not the expired hold.
        amounts_outstanding=75000,
        refunded=55000,
        # Upcoming places: booked 1 + 4 + 8 + 0 + 0 + 0 = 13 of 6 + 10 + 8 + 12 + 12 + 12 = 60.
        occupancy=0.2167,
        booked_places=13,
        available_places=60,
        # Ended and not cancelled: past_done (completed), past_open, yesterday_open.
        completion_rate=0.3333,
        upcoming_sessions=[
            upcoming("this_afternoon", "Unvented G3"),
            upcoming("march", "ACS CCN1"),
            upcoming("april", "Unvented G3"),
            upcoming("may", "ACS CCN1"),
            upcoming("may_late", "ACS CCN1"),
        ],
    )


async def test_every_figure_of_a_known_centre(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    sessions = await _build_bristol(db, bristol)
    figures = await _figures(db, bristol)
    assert figures == _expected_bristol(sessions)
    assert figures.upcoming_sessions[0].start_time == time(14, 0)
    assert figures.upcoming_sessions[2].start_time == time(9, 30)


async def test_another_centres_rows_never_count(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    leeds = await _centre(db, "leeds", currency="EUR")
    sessions = await _build_bristol(db, bristol)
    await _build_leeds(db, leeds)
    assert await _figures(db, bristol) == _expected_bristol(sessions)

    theirs = await _figures(db, leeds)
    assert theirs.currency == "EUR"
    assert (theirs.courses.total, theirs.courses.active) == (1, 1)
    assert (theirs.sessions.upcoming, theirs.sessions.completed, theirs.sessions.total) == (1, 1, 2)
    assert theirs.bookings.by_status == dict.fromkeys(("PENDING", "CONFIRMED", "CANCELLED", "EXPIRED"), 2)
    assert theirs.bookings.total == 8
    assert (theirs.waiting_list.waiting, theirs.waiting_list.offered) == (1, 1)
    assert theirs.revenue_paid == 8 * (75000 - 2500)
    assert theirs.refunded == 8 * (2500 + 75000)
    assert theirs.amounts_outstanding == 4 * 1000
    assert (theirs.occupancy, theirs.booked_places, theirs.available_places) == (0.875, 7, 8)
    assert theirs.completion_rate == 1.0
    assert [item.course_title for item in theirs.upcoming_sessions] == ["Heat Pumps"]


async def test_an_empty_centre_answers_zeros(db: Database) -> None:
    empty = await _centre(db, "empty")
    await _build_bristol(db, await _centre(db, "bristol"))
    figures = await _figures(db, empty)
    assert figures.courses.total == figures.courses.active == 0
    assert (figures.sessions.upcoming, figures.sessions.completed, figures.sessions.total) == (0, 0, 0)
    assert figures.bookings.by_status == {"PENDING": 0, "CONFIRMED": 0, "CANCELLED": 0, "EXPIRED": 0}
    assert figures.bookings.total == 0
    assert (figures.waiting_list.waiting, figures.waiting_list.offered) == (0, 0)
    assert (figures.revenue_paid, figures.amounts_outstanding, figures.refunded) == (0, 0, 0)
    assert (figures.occupancy, figures.booked_places, figures.available_places) == (0.0, 0, 0)
    assert figures.completion_rate == 0.0
    assert figures.upcoming_sessions == []
    assert all(type(value) is int for value in (figures.revenue_paid, figures.refunded, figures.booked_places))


async def test_ended_means_before_today_in_the_centres_own_timezone(db: Database) -> None:
    """20:00 UTC on 10 March is already 09:00 on 11 March in Auckland: a session ending on the 10th has ended there."""
    evening = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    auckland = await _centre(db, "auckland", timezone="Pacific/Auckland")
    london = await _centre(db, "london")
    for tenant in (auckland, london):
        async with db.transaction() as session:
            b = CentreBuilder(session, tenant)
            course = await b.course("First Aid", 9000)
            await b.session_of(course, date(2026, 3, 9), days=2, completed=True)
    assert (await _figures(db, auckland, evening)).completion_rate == 1.0
    assert (await _figures(db, london, evening)).completion_rate == 0.0
    assert (await _figures(db, london, evening + timedelta(hours=4))).completion_rate == 1.0


async def test_upcoming_is_decided_by_the_moment_not_the_date(db: Database) -> None:
    tenant = await _centre(db, "bristol")
    async with db.transaction() as session:
        b = CentreBuilder(session, tenant)
        course = await b.course("CO Awareness", 8500)
        afternoon = await b.session_of(course, date(2026, 3, 10), at=time(14, 0), spots=16, booked=4)
    before = await _figures(db, tenant, datetime(2026, 3, 10, 13, 59, tzinfo=UTC))
    after = await _figures(db, tenant, datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    assert [item.id for item in before.upcoming_sessions] == [afternoon.id]
    assert (before.sessions.upcoming, before.occupancy, before.booked_places, before.available_places) == (
        1,
        0.25,
        4,
        16,
    )
    assert after.upcoming_sessions == []
    assert (after.sessions.upcoming, after.occupancy, after.booked_places, after.available_places) == (0, 0.0, 0, 0)


@contextmanager
def _counting_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def test_figures_take_the_same_few_queries_however_much_data(db: Database) -> None:
    """Aggregates in SQL: the number of queries does not grow with the rows."""
    empty = await _centre(db, "empty")
    bristol = await _centre(db, "bristol")
    await _build_bristol(db, bristol)
    with _counting_statements(db) as on_empty:
        await _figures(db, empty)
    with _counting_statements(db) as on_full:
        await _figures(db, bristol)
    queries = [s for s in on_full if s.lstrip().upper().startswith("SELECT")]
    assert len(on_empty) == len(on_full)
    assert len(queries) <= 7
    assert all("tenant_id" in query for query in queries)
