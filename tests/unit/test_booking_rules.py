"""The outcomes the booking rules decide, on SQLite and PostgreSQL: an archived course takes no booking, a
deposit is offered only while its balance date is far enough away, a session is completed only once its
last day has started, a register day is kept only from that day on, certificates only for a completed
session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from models import AttendanceStatus, Booking, Course, CourseSession, PaymentOption
from tests import factories
from tests.factories import Clock
from tests.notify.conftest import Centre, centre_with_sessions
from trainhub_ui.booking import rules
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.services.attendance import record_attendance
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.certificates import issue_certificate
from trainhub_ui.services.completion import complete_session
from trainhub_ui.services.online_booking import payment_choices

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


async def _centre(db: Database, start: date, *, spots: int = 5):
    async with db.transaction() as session:
        tenant = await factories.centre(session, "bristol-gas-training", "Bristol Gas Training Centre")
        course = await factories.course(session, tenant, price=75000)
        course_session = await factories.course_session(session, course, spots=spots, start=start)
        student = await factories.customer(session, tenant)
    return TenantContext(tenant=tenant, actor="test", clock=Clock(NOW)), course, course_session, student


async def _book(db: Database, ctx: TenantContext, session_id: str, customer_id: str, **options: object) -> Booking:
    async with db.transaction() as session:
        return await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=customer_id, session_id=session_id, **options),  # type: ignore[arg-type]
        )


async def test_a_session_of_an_archived_course_takes_no_booking(db: Database) -> None:
    ctx, course, course_session, student = await _centre(db, NOW.date() + timedelta(days=30))
    async with db.transaction() as session:
        (await session.get(Course, course.id)).is_active = False  # type: ignore[union-attr]
    with pytest.raises(DomainError) as refused:
        await _book(db, ctx, course_session.id, student.id)
    assert refused.value.code == "course_inactive"
    async with db.read() as session:
        assert (await session.get(CourseSession, course_session.id)).booked_spots == 0  # type: ignore[union-attr]
        assert await session.scalar(select(Booking.id)) is None


async def test_a_full_session_of_an_archived_course_says_archived_not_full(db: Database) -> None:
    ctx, course, course_session, student = await _centre(db, NOW.date() + timedelta(days=30), spots=1)
    async with db.transaction() as session:
        other = await factories.customer(session, ctx.tenant, "other@example.com")
    await _book(db, ctx, course_session.id, other.id)
    async with db.transaction() as session:
        (await session.get(Course, course.id)).is_active = False  # type: ignore[union-attr]
    with pytest.raises(DomainError) as refused:
        await _book(db, ctx, course_session.id, student.id)
    assert refused.value.code == "course_inactive"


@pytest.mark.parametrize(
    ("days_ahead", "deposit_offered"),
    [
        (60, True),  # balance due in 46 days
        (21, True),  # balance due in 7 days: exactly the minimum notice
        (20, False),  # balance due in 6 days
        (10, False),  # balance date passed already
        (0, False),  # a session today
    ],
)
async def test_a_deposit_is_offered_only_while_the_balance_date_is_far_enough_away(
    db: Database, days_ahead: int, deposit_offered: bool
) -> None:
    starts_on = NOW.date() + timedelta(days=days_ahead)
    ctx, course, _session, _student = await _centre(db, starts_on)
    assert (ctx.tenant.balance_due_days, ctx.tenant.balance_notice_days) == (14, 7)
    choices = payment_choices(ctx, course, starts_on, for_company=False)
    assert (PaymentOption.DEPOSIT in [c.option for c in choices]) is deposit_offered
    if not deposit_offered:
        assert "in full" in choices[0].note


async def test_a_deposit_booking_too_close_to_the_start_is_refused_by_the_engine(db: Database) -> None:
    ctx, _course, course_session, student = await _centre(db, NOW.date() + timedelta(days=12))
    with pytest.raises(DomainError) as refused:
        await _book(db, ctx, course_session.id, student.id, deposit_percentage=0.3)
    assert (refused.value.code, refused.value.field) == ("deposit_unavailable", "depositPercentage")
    booking = await _book(db, ctx, course_session.id, student.id)  # paying in full still works
    assert booking.payment_option is PaymentOption.FULL


async def test_a_session_is_completed_only_once_its_last_day_has_started(db: Database) -> None:
    today = date(2026, 12, 3)
    centre = await centre_with_sessions(db, [today, today + timedelta(days=7)])
    async with db.transaction() as session:
        one_day = await session.get(CourseSession, centre.sessions[0].id)
        assert one_day is not None
        one_day.end_date = today  # 09:00 to 16:30 today, London time (= UTC in December)

    def staff_at(moment: datetime) -> TenantContext:
        return TenantContext(tenant=centre.tenant, actor="Priya", role=_staff(), clock=lambda: moment)

    before_start = staff_at(datetime.combine(today, time(8, 9), tzinfo=UTC))
    for session_id in (centre.sessions[0].id, centre.sessions[1].id):
        with pytest.raises(DomainError) as refused:
            async with db.transaction() as session:
                await complete_session(session, before_start, session_id, despite_missing=True)
        assert refused.value.code == "session_not_over"
    async with db.transaction() as session:
        done = await complete_session(
            session, staff_at(datetime.combine(today, time(9, 5), tzinfo=UTC)), centre.sessions[0].id
        )
    assert done.certificates == []


async def test_a_register_day_is_kept_only_from_that_day_on(db: Database) -> None:
    today = date(2026, 12, 3)
    centre = await centre_with_sessions(db, [today])  # today and tomorrow
    booking = await _confirmed_booking(db, centre, today)
    ctx = TenantContext(tenant=centre.tenant, actor="Priya", role=_staff(), clock=lambda: _at(today, 10))
    with pytest.raises(DomainError) as refused:
        async with db.transaction() as session:
            await record_attendance(session, ctx, booking.id, today + timedelta(days=1), AttendanceStatus.PRESENT)
    assert (refused.value.code, refused.value.field) == ("day_not_come", "day")
    async with db.transaction() as session:
        row = await record_attendance(session, ctx, booking.id, today, AttendanceStatus.PRESENT)
    assert row.status is AttendanceStatus.PRESENT


async def test_a_certificate_is_issued_only_for_a_completed_session(db: Database) -> None:
    today = date(2026, 12, 3)
    centre = await centre_with_sessions(db, [today])
    booking = await _confirmed_booking(db, centre, today)
    ctx = TenantContext(tenant=centre.tenant, actor="Priya", role=_staff(), clock=lambda: _at(today, 10))
    with pytest.raises(DomainError) as refused:
        async with db.transaction() as session:
            await issue_certificate(session, ctx, booking, centre.course, today)
    assert refused.value.code == "session_not_completed"


def _staff():
    from models import StaffRole

    return StaffRole.STAFF


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


async def _confirmed_booking(db: Database, centre: Centre, today: date) -> Booking:
    """A booking made a month earlier and paid on invoice: confirmed."""
    earlier = TenantContext(tenant=centre.tenant, actor="test", clock=lambda: _at(today - timedelta(days=30), 10))
    async with db.transaction() as session:
        return await create_booking(
            session,
            earlier,
            BookingRequest(
                customer_id=centre.students[0].id,
                session_id=centre.sessions[0].id,
                payment_option=PaymentOption.INVOICE,
                company_name="Severn Heating Ltd",
            ),
        )


async def test_the_fast_paths_sql_and_the_careful_path_say_the_same(db: Database) -> None:
    """`rules.bookable_where` (the conditional UPDATE's conditions) and `rules.refusal` (the decision on
    loaded rows), over every combination of what makes a session bookable or not."""
    ctx, course, _session, _student = await _centre(db, NOW.date() + timedelta(days=30))
    starts = {
        "started": NOW - timedelta(hours=1),
        "within the cut-off": NOW + timedelta(hours=2),
        "after the cut-off": NOW + timedelta(days=3),
    }
    cases: dict[str, tuple[bool, bool, bool, bool, str]] = {}
    async with db.transaction() as session:
        tenant = await session.get(type(ctx.tenant), ctx.tenant.id)
        assert tenant is not None
        tenant.booking_cutoff_hours = 6
        archived = await factories.course(session, tenant, slug="archived")
        archived.is_active = False
        for course_active in (True, False):
            for active in (True, False):
                for cancelled in (False, True):
                    for completed in (False, True):
                        for when, moment in starts.items():
                            item = await factories.course_session(
                                session, course if course_active else archived, start=moment.date()
                            )
                            item.starts_at = moment
                            item.is_active = active
                            item.cancelled_at = NOW if cancelled else None
                            item.is_completed = completed
                            cases[item.id] = (course_active, active, cancelled, completed, when)
    async with db.read() as session:
        tenant = await session.get(type(ctx.tenant), ctx.tenant.id)
        assert tenant is not None
        by_sql = set(
            await session.scalars(
                select(CourseSession.id).where(CourseSession.id.in_(cases), *rules.bookable_where()),
                {"closes_after": rules.closes_after(tenant, NOW)},
            )
        )
        rows = (
            await session.execute(select(CourseSession, Course).join(Course).where(CourseSession.id.in_(cases)))
        ).all()
        by_python = {item.id for item, its_course in rows if rules.refusal(item, its_course, tenant, NOW) is None}
    assert len(rows) == len(cases) == 48
    assert by_sql == by_python
    assert [cases[i] for i in by_python] == [(True, True, False, False, "after the cut-off")]


async def test_bookings_close_at_the_centres_cut_off(db: Database) -> None:
    ctx, _course, course_session, student = await _centre(db, NOW.date() + timedelta(days=30))
    async with db.transaction() as session:
        item = await session.get(CourseSession, course_session.id)
        tenant = await session.get(type(ctx.tenant), ctx.tenant.id)
        assert item is not None and tenant is not None
        item.starts_at = NOW + timedelta(hours=20)
        tenant.booking_cutoff_hours = 24
    ctx = TenantContext(tenant=tenant, actor="test", clock=Clock(NOW))
    with pytest.raises(DomainError) as refused:
        await _book(db, ctx, course_session.id, student.id)
    assert refused.value.code == "booking_closed"
    assert refused.value.message == "Bookings for this session closed 24 hours before it starts."
    ctx.tenant.booking_cutoff_hours = 12  # a shorter cut-off: the session is open again
    assert (await _book(db, ctx, course_session.id, student.id)).session_id == course_session.id
