"""Attendance on SQLite and PostgreSQL: the kiosk's check-in by reference and by name, today's sessions
with their counts, and the register kept by staff and instructors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

import trainhub_ui.db as db_module
from models import (
    AttendanceStatus,
    Booking,
    BookingStatus,
    CourseSession,
    PaymentMethod,
    PaymentOption,
    SessionAttendance,
    StaffRole,
    StaffUser,
    Tenant,
)
from tests import factories
from trainhub_ui.booking.places import lock_session, release_lapsed
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.domain.signals import AttendanceChanged
from trainhub_ui.services import attendance, course_sessions, courses
from trainhub_ui.services.accounts import create_staff_user
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking
from trainhub_ui.services.course_sessions import NewSession
from trainhub_ui.services.courses import NewCourse
from trainhub_ui.services.payments import open_payment, payment_succeeded, record_bank_transfer

DAY = date(2026, 11, 24)  # a Tuesday; London is on UTC in November
BEFORE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # when the sessions were scheduled and booked
PRICE = 49500


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def kiosk(tenant: Tenant, now: datetime) -> TenantContext:
    return TenantContext(tenant=tenant, actor="Kiosk", at_kiosk=True, clock=lambda: now)


def staff_ctx(tenant: Tenant, now: datetime = BEFORE, role: StaffRole = StaffRole.ADMIN, user_id: str | None = None):  # type: ignore[no-untyped-def]
    return TenantContext(
        tenant=tenant, actor=f"{role.value.title()} Person", role=role, user_id=user_id, clock=lambda: now
    )


@dataclass
class Centre:
    tenant: Tenant
    course_id: str
    today: str  # 09:00–16:30 today, in Room 2, taught by `instructor`
    tomorrow: str
    three_days: str  # yesterday to tomorrow
    instructor: StaffUser
    other_instructor: StaffUser
    staff: StaffUser


async def centre(db: Database, slug: str = "bristol-gas", title: str = "ACS CCN1") -> Centre:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug, slug.replace("-", " ").title())
        people = [
            await create_staff_user(
                session,
                tenant,
                email=f"{name}@{slug}.example",
                name=name.title(),
                role=role,
                password=factories.PASSWORD,
            )
            for name, role in (
                ("ian", StaffRole.INSTRUCTOR),
                ("olga", StaffRole.INSTRUCTOR),
                ("stella", StaffRole.STAFF),
            )
        ]
    ctx = staff_ctx(tenant)
    async with db.transaction() as session:
        course = await courses.create_course(
            session, ctx, NewCourse(title=title, price=PRICE, location="Bristol", slug=None)
        )

        async def schedule(first: date, last: date, **more: object) -> str:
            details = NewSession(start_date=first, end_date=last, start_time=time(9), end_time=time(16, 30), **more)  # type: ignore[arg-type]
            return (await course_sessions.create_session(session, ctx, course.id, details)).id

        today = await schedule(DAY, DAY, venue="Room 2", instructor_id=people[0].id)
        tomorrow = await schedule(DAY + timedelta(days=1), DAY + timedelta(days=1))
        three_days = await schedule(DAY - timedelta(days=1), DAY + timedelta(days=1))
    return Centre(tenant, course.id, today, tomorrow, three_days, people[0], people[1], people[2])


async def book(
    db: Database,
    where: Centre,
    session_id: str,
    first: str,
    last: str,
    option: PaymentOption = PaymentOption.FULL,
    *,
    paid: bool = True,
    booked_at: datetime = BEFORE,
) -> Booking:
    """A booking made days before; paid (in full, or the deposit) unless `paid` is False."""
    ctx = staff_ctx(where.tenant, booked_at)
    async with db.transaction() as session:
        student = await factories.customer(session, where.tenant, f"{first}.{last}@example.com".lower())
        student.first_name, student.last_name = first, last
        booking = await create_booking(
            session,
            ctx,
            BookingRequest(
                customer_id=student.id,
                session_id=session_id,
                payment_option=option,
                company_name="Jones Heating Ltd" if option is PaymentOption.INVOICE else None,
                billing_email="accounts@jonesheating.example" if option is PaymentOption.INVOICE else None,
            ),
        )
        if paid and option is not PaymentOption.INVOICE:
            payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
            await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)
    return await booking_of(db, booking.id)


async def booking_of(db: Database, booking_id: str) -> Booking:
    async with db.read() as session:
        found = await session.get(Booking, booking_id)
    assert found is not None
    return found


async def check_in(db: Database, tenant: Tenant, reference: str, now: datetime) -> attendance.CheckIn:
    async with db.transaction() as session:
        return await attendance.check_in(session, kiosk(tenant, now), reference)


async def row_of(db: Database, booking_id: str, day: date = DAY) -> SessionAttendance | None:
    async with db.read() as session:
        return await session.scalar(
            select(SessionAttendance).where(SessionAttendance.booking_id == booking_id, SessionAttendance.day == day)
        )


# --- check-in by reference ---------------------------------------------------------------------------


async def test_a_paid_booking_checks_in_on_time_then_is_already_in(db: Database) -> None:
    where = await centre(db)
    gareth = await book(db, where, where.today, "Gareth", "Jones")
    done = await check_in(db, where.tenant, gareth.reference, at(8, 50))
    assert done.ok and done.code == "checked_in"
    assert done.message == "Welcome, Gareth! You are checked in for ACS CCN1. Room 2."
    assert (done.first_name, done.course, done.reference, done.where) == (
        "Gareth",
        "ACS CCN1",
        gareth.reference,
        "Room 2",
    )
    row = await row_of(db, gareth.id)
    assert row is not None
    assert row.status is AttendanceStatus.PRESENT
    assert row.checked_in_at == at(8, 50)
    assert (row.recorded_by, row.recorded_by_user_id, row.session_id) == ("kiosk", None, where.today)

    again = await check_in(db, where.tenant, gareth.reference, at(9, 30))
    assert again.ok and again.code == "already"
    assert again.message == "You are already checked in (at 08:50). Welcome back, Gareth."
    row = await row_of(db, gareth.id)
    assert row is not None and row.status is AttendanceStatus.PRESENT and row.checked_in_at == at(8, 50)


async def test_the_reference_is_read_in_any_case_with_spaces_and_without_its_hyphen(db: Database) -> None:
    where = await centre(db)
    people = [await book(db, where, where.today, "Amy", f"Student{n}") for n in range(3)]
    typed = [
        f"  {people[0].reference.lower()}  ",
        people[1].reference.replace("-", " ").lower(),
        people[2].reference.replace("-", ""),
    ]
    for person, text in zip(people, typed, strict=True):
        done = await check_in(db, where.tenant, text, at(8, 55))
        assert done.code == "checked_in", text
        assert done.reference == person.reference
    assert attendance.normalised_reference(" bgt 7k3qx\t") == "BGT-7K3QX"
    assert attendance.normalised_reference("bgt7k3qx") == "BGT-7K3QX"
    assert attendance.normalised_reference("BGT-7K3QX") == "BGT-7K3QX"


async def test_a_check_in_well_after_the_start_is_late(db: Database) -> None:
    where = await centre(db)
    on_time = await book(db, where, where.today, "Priya", "Shah")
    late = await book(db, where, where.today, "Tom", "Hughes")
    assert (await check_in(db, where.tenant, on_time.reference, at(9, 15))).code == "checked_in"
    done = await check_in(db, where.tenant, late.reference, at(9, 16))
    assert done.ok and done.code == "checked_in"  # late, but welcome: the register says so, not the screen
    first, second = await row_of(db, on_time.id), await row_of(db, late.id)
    assert first is not None and first.status is AttendanceStatus.PRESENT
    assert second is not None and second.status is AttendanceStatus.LATE


async def test_a_booking_of_another_day_is_not_found_and_not_named(db: Database) -> None:
    """The kiosk is in a public place: a reference of another day, in whatever state, answers exactly as an
    unknown one, with no name, course or dates."""
    where = await centre(db)
    tomorrow = await book(db, where, where.tomorrow, "Gareth", "Jones")
    unpaid = await book(db, where, where.tomorrow, "Pat", "Evans", paid=False)
    cancelled = await book(db, where, where.tomorrow, "Carl", "Price")
    three = await book(db, where, where.three_days, "Amy", "Lee")
    async with db.transaction() as session:
        await cancel_booking(session, staff_ctx(where.tenant), cancelled.id, "cannot come")
    tries = [(booking.reference, at(9)) for booking in (tomorrow, unpaid, cancelled)]
    tries += [
        (tomorrow.reference, at(9, day=DAY + timedelta(days=3))),
        (three.reference, at(9, day=DAY + timedelta(days=5))),
    ]
    for reference, when in [*tries, ("BGT-NOPE2", at(9))]:
        done = await check_in(db, where.tenant, reference, when)
        assert (done.ok, done.code, done.first_name, done.course) == (False, "not_found", "", ""), reference
        assert (
            done.message == f"We could not find booking {reference} for a course today. Please see the reception staff."
        )
    assert await row_of(db, tomorrow.id) is None


async def test_every_day_of_a_longer_session_checks_in_once(db: Database) -> None:
    where = await centre(db)
    amy = await book(db, where, where.three_days, "Amy", "Lee")
    for offset in (-1, 0, 1):
        day = DAY + timedelta(days=offset)
        assert (await check_in(db, where.tenant, amy.reference, at(8, 45, day))).code == "checked_in"
        assert (await check_in(db, where.tenant, amy.reference, at(10, 0, day))).code == "already"
    async with db.read() as session:
        register = await attendance.register(session, staff_ctx(where.tenant), where.three_days)
    assert sorted(register[amy.id]) == [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]


async def test_cancelled_and_lapsed_bookings_are_sent_to_reception(db: Database) -> None:
    where = await centre(db)
    cancelled = await book(db, where, where.today, "Carl", "Cancel")
    async with db.transaction() as session:
        await cancel_booking(session, staff_ctx(where.tenant), cancelled.id, "cannot come")
    done = await check_in(db, where.tenant, cancelled.reference, at(9))
    assert (done.ok, done.code) == (False, "cancelled")
    assert done.message == f"Booking {cancelled.reference} was cancelled. Please see the reception staff."

    lapsed = await book(db, where, where.today, "Liam", "Lapse", paid=False)
    later = staff_ctx(where.tenant, BEFORE + timedelta(hours=2))
    async with db.transaction() as session:
        await release_lapsed(session, later, await lock_session(session, later, where.today), later.now())
    assert (await booking_of(db, lapsed.id)).status is BookingStatus.EXPIRED
    done = await check_in(db, where.tenant, lapsed.reference, at(9))
    assert (done.ok, done.code) == (False, "expired")
    assert done.message == f"Booking {lapsed.reference} lapsed before it was paid. Please see the reception staff."
    assert await row_of(db, cancelled.id) is None and await row_of(db, lapsed.id) is None


async def test_an_unpaid_hold_is_not_confirmed(db: Database) -> None:
    where = await centre(db)
    pending = await book(db, where, where.today, "Pat", "Pending", paid=False)
    assert pending.status is BookingStatus.PENDING
    done = await check_in(db, where.tenant, pending.reference, at(8, 59))
    assert (done.ok, done.code) == (False, "not_confirmed")
    assert "not paid and confirmed yet" in done.message and done.message.endswith("Please see the reception staff.")
    assert await row_of(db, pending.id) is None


async def test_a_deposit_with_its_balance_unpaid_is_sent_to_reception_until_paid(db: Database) -> None:
    where = await centre(db)
    # Booked two months ahead: a deposit is taken only while its balance date is far enough away.
    deposit = await book(
        db, where, where.today, "Dee", "Deposit", PaymentOption.DEPOSIT, booked_at=BEFORE - timedelta(days=60)
    )
    assert deposit.status is BookingStatus.CONFIRMED and deposit.balance_due == 34650
    done = await check_in(db, where.tenant, deposit.reference, at(8, 40))
    assert (done.ok, done.code) == (False, "balance_unpaid")
    assert done.message == (
        f"There is a balance of £346.50 still to pay on booking {deposit.reference}. Please see the reception staff."
    )
    assert await row_of(db, deposit.id) is None
    # Reception takes the balance; the student checks in.
    async with db.transaction() as session:
        await record_bank_transfer(session, staff_ctx(where.tenant, at(8, 45)), deposit.id, 34650)
    assert (await check_in(db, where.tenant, deposit.reference, at(8, 46))).code == "checked_in"


async def test_an_invoice_booking_with_its_balance_outstanding_checks_in(db: Database) -> None:
    where = await centre(db)
    invoiced = await book(db, where, where.today, "Ivy", "Invoice", PaymentOption.INVOICE)
    assert invoiced.status is BookingStatus.CONFIRMED and invoiced.balance_due == PRICE
    done = await check_in(db, where.tenant, invoiced.reference, at(8, 30))
    assert done.ok and done.code == "checked_in"


async def test_a_cancelled_session_is_sent_to_reception(db: Database) -> None:
    where = await centre(db)
    booking = await book(db, where, where.today, "Sid", "Session")
    # The booking is still confirmed (as it is for a moment while a cancellation refunds everyone).
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == where.today).values(cancelled_at=BEFORE))
    done = await check_in(db, where.tenant, booking.reference, at(9))
    assert (done.ok, done.code) == (False, "session_cancelled")
    assert done.message == "This session of ACS CCN1 was cancelled. Please see the reception staff."


async def test_unknown_empty_and_another_centres_references(db: Database) -> None:
    where = await centre(db)
    elsewhere = await centre(db, "leeds-heat", "Heat Pumps")
    theirs = await book(db, elsewhere, elsewhere.today, "Gareth", "Jones")
    for reference in (theirs.reference, "BGT-ZZZZZ"):
        done = await check_in(db, where.tenant, reference, at(9))
        assert (done.ok, done.code) == (False, "not_found")
        assert done.message.endswith("Please see the reception staff.")
        assert done.first_name == ""
    assert (await check_in(db, where.tenant, "   ", at(9))).code == "empty"
    long = await check_in(db, where.tenant, "X" * 200 + "%_'\";", at(9))
    assert (long.code, long.message) == (
        "not_found",
        "That is not a booking reference we know. Please see the reception staff.",
    )
    async with db.transaction() as session:
        done = await attendance.check_in_booking(session, kiosk(where.tenant, at(9)), theirs.id)
    assert done.code == "not_found"
    assert await row_of(db, theirs.id) is None


async def test_a_student_marked_absent_who_then_arrives_checks_in(db: Database) -> None:
    where = await centre(db)
    booking = await book(db, where, where.today, "Abe", "Absent")
    async with db.transaction() as session:
        await attendance.record_attendance(
            session, staff_ctx(where.tenant, at(9, 5), StaffRole.STAFF), booking.id, DAY, AttendanceStatus.ABSENT
        )
    done = await check_in(db, where.tenant, booking.reference, at(9, 40))
    assert done.code == "checked_in"
    row = await row_of(db, booking.id)
    assert row is not None and row.status is AttendanceStatus.LATE and row.checked_in_at == at(9, 40)
    assert row.recorded_by == "kiosk"


async def test_the_same_booking_checked_in_at_two_kiosks_at_once(db: Database) -> None:
    where = await centre(db)
    booking = await book(db, where, where.today, "Dan", "Double")
    results = await asyncio.gather(*(check_in(db, where.tenant, booking.reference, at(8, 58)) for _ in range(3)))
    assert sorted(result.code for result in results) == ["already", "already", "checked_in"]
    async with db.read() as session:
        rows = (
            await session.scalars(select(SessionAttendance).where(SessionAttendance.booking_id == booking.id))
        ).all()
    assert len(rows) == 1


async def test_a_check_in_is_published_after_it_commits(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    where = await centre(db)
    booking = await book(db, where, where.today, "Eve", "Event")
    heard: list[object] = []
    monkeypatch.setattr(db_module, "_publisher", heard.extend)
    await check_in(db, where.tenant, booking.reference, at(9))
    assert heard == [AttendanceChanged(where.tenant.id, where.today, booking.id, DAY.isoformat(), "PRESENT")]
    heard.clear()
    await check_in(db, where.tenant, booking.reference, at(9, 1))  # already in: nothing changed
    await check_in(db, where.tenant, "BGT-ZZZZZ", at(9, 1))
    assert heard == []


# --- the name search -------------------------------------------------------------------------------


async def test_the_name_search_finds_todays_bookings_of_this_centre_with_the_surname_initial(db: Database) -> None:
    where = await centre(db)
    elsewhere = await centre(db, "leeds-heat", "Heat Pumps")
    jones = await book(db, where, where.today, "Gareth", "Jones")
    held = await book(db, where, where.three_days, "Gareth", "Evans", paid=False)
    await book(db, where, where.tomorrow, "Gareth", "Smith")
    await book(db, elsewhere, elsewhere.today, "Gareth", "Brown")
    cancelled = await book(db, where, where.today, "Gareth", "Cole")
    async with db.transaction() as session:
        await cancel_booking(session, staff_ctx(where.tenant), cancelled.id, "cannot come")

    async def search(text: str) -> list[attendance.NameMatch]:
        async with db.read() as session:
            return await attendance.find_by_name(session, kiosk(where.tenant, at(8, 30)), text)

    found = await search("gar")
    assert [(m.booking_id, m.name, m.course, m.starts) for m in found] == [
        (held.id, "Gareth E.", "ACS CCN1", "09:00"),
        (jones.id, "Gareth J.", "ACS CCN1", "09:00"),
    ]
    assert [m.name for m in await search("  JONES ")] == ["Gareth J."]
    assert [m.name for m in await search("gareth   jo")] == ["Gareth J."]
    for nothing in ("g", " ", "", "Smith", "Brown", "Cole", "%", "_a"):
        assert await search(nothing) == [], nothing
    for match in found:
        assert "Jones" not in repr(match) and "Evans" not in repr(match)
    # The held booking shows (the student is there), and the check-in says what is wrong.
    async with db.transaction() as session:
        done = await attendance.check_in_booking(session, kiosk(where.tenant, at(8, 31)), held.id)
    assert done.code == "not_confirmed"
    async with db.transaction() as session:
        done = await attendance.check_in_booking(session, kiosk(where.tenant, at(8, 31)), jones.id)
    assert done.code == "checked_in" and done.first_name == "Gareth"


async def test_the_name_search_shows_a_few_matches_at_most(db: Database) -> None:
    where = await centre(db)
    for n in range(attendance.NAME_MATCHES_SHOWN + 2):
        await book(db, where, where.today, "Sam", f"Student{n:02d}")
    async with db.read() as session:
        found = await attendance.find_by_name(session, kiosk(where.tenant, at(8)), "sam")
    assert len(found) == attendance.NAME_MATCHES_SHOWN


# --- today's sessions -------------------------------------------------------------------------------


async def test_todays_sessions_count_booked_checked_in_and_expected(db: Database) -> None:
    where = await centre(db)
    elsewhere = await centre(db, "leeds-heat", "Heat Pumps")
    people = [await book(db, where, where.today, "Sam", f"Student{n}") for n in range(4)]
    await book(db, where, where.today, "Pat", "Pending", paid=False)  # held, not yet booked
    await book(db, where, where.three_days, "Amy", "Lee")
    await book(db, where, where.tomorrow, "Tom", "Morrow")
    await book(db, elsewhere, elsewhere.today, "Gareth", "Brown")
    for person in people[:3]:
        await check_in(db, where.tenant, person.reference, at(8, 50))
    async with db.transaction() as session:
        await attendance.record_attendance(
            session, staff_ctx(where.tenant, at(9, 30)), people[2].id, DAY, AttendanceStatus.ABSENT
        )

    async def today(**only: str) -> list[attendance.TodaysSession]:
        async with db.read() as session:
            return await attendance.todays_sessions(session, kiosk(where.tenant, at(9, 45)), **only)

    found = {s.id: s for s in await today()}
    assert {key: (s.booked, s.checked_in, s.expected) for key, s in found.items()} == {
        where.today: (4, 2, 2),
        where.three_days: (1, 0, 1),
    }
    first = found[where.today]
    assert (first.course_id, first.course, first.venue, first.starts, first.day_number, first.days) == (
        where.course_id,
        "ACS CCN1",
        "Room 2",
        "09:00–16:30",
        1,
        1,
    )
    longer = found[where.three_days]
    assert (longer.venue, longer.day_number, longer.days) == ("Bristol", 2, 3)
    assert [s.id for s in await today(session_id=where.today)] == [where.today]
    assert await today(session_id=elsewhere.today) == []

    # Cancelled and inactive sessions are not running today.
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == where.today).values(is_active=False))
        await session.execute(
            update(CourseSession).where(CourseSession.id == where.three_days).values(cancelled_at=BEFORE)
        )
    assert await today() == []
    async with db.read() as session:
        assert await attendance.todays_sessions(session, kiosk(elsewhere.tenant, at(9))) != []
        assert await attendance.todays_sessions(session, kiosk(where.tenant, at(9, day=DAY + timedelta(days=10)))) == []


# --- the register ---------------------------------------------------------------------------------


async def test_staff_keep_the_register(db: Database) -> None:
    where = await centre(db)
    booking = await book(db, where, where.three_days, "Amy", "Lee")
    ctx = staff_ctx(where.tenant, at(17), StaffRole.STAFF, where.staff.id)
    async with db.transaction() as session:
        row = await attendance.record_attendance(
            session, ctx, booking.id, DAY - timedelta(days=1), AttendanceStatus.PRESENT, notes="  left at 3  "
        )
    assert (row.status, row.recorded_by, row.recorded_by_user_id, row.notes) == (
        AttendanceStatus.PRESENT,
        "Staff Person",
        where.staff.id,
        "left at 3",
    )
    assert row.checked_in_at == at(17)
    async with db.transaction() as session:
        row = await attendance.record_attendance(
            session, ctx, booking.id, DAY - timedelta(days=1), AttendanceStatus.ABSENT
        )
    assert row.status is AttendanceStatus.ABSENT and row.checked_in_at is None and row.notes == "left at 3"


async def test_the_sessions_own_instructor_keeps_its_register_and_no_other(db: Database) -> None:
    where = await centre(db)
    booking = await book(db, where, where.today, "Gareth", "Jones")
    own = staff_ctx(where.tenant, at(9), StaffRole.INSTRUCTOR, where.instructor.id)
    async with db.transaction() as session:
        row = await attendance.record_attendance(session, own, booking.id, DAY, AttendanceStatus.LATE)
    assert row.status is AttendanceStatus.LATE and row.recorded_by_user_id == where.instructor.id
    other = staff_ctx(where.tenant, at(9), StaffRole.INSTRUCTOR, where.other_instructor.id)
    with pytest.raises(DomainError) as refused:
        async with db.transaction() as session:
            await attendance.record_attendance(session, other, booking.id, DAY, AttendanceStatus.ABSENT)
    assert refused.value.code == "not_your_session"
    student = TenantContext(tenant=where.tenant, actor="Student", clock=lambda: at(9))  # role-less, not the kiosk
    with pytest.raises(DomainError) as not_a_kiosk:
        async with db.transaction() as session:
            await attendance.record_attendance(session, student, booking.id, DAY, AttendanceStatus.ABSENT)
    assert not_a_kiosk.value.code == "not_your_session"
    row = await row_of(db, booking.id)
    assert row is not None and row.status is AttendanceStatus.LATE


async def test_the_register_refuses_bad_days_notes_and_bookings(db: Database) -> None:
    where = await centre(db)
    elsewhere = await centre(db, "leeds-heat", "Heat Pumps")
    booking = await book(db, where, where.today, "Gareth", "Jones")
    pending = await book(db, where, where.today, "Pat", "Pending", paid=False)
    theirs = await book(db, elsewhere, elsewhere.today, "Gareth", "Brown")
    ctx = staff_ctx(where.tenant, at(9), StaffRole.STAFF, where.staff.id)
    for day in (DAY - timedelta(days=1), DAY + timedelta(days=1)):
        with pytest.raises(InvalidInput) as bad:
            async with db.transaction() as session:
                await attendance.record_attendance(session, ctx, booking.id, day, AttendanceStatus.PRESENT)
        assert bad.value.field == "day"
    with pytest.raises(InvalidInput) as bad:
        async with db.transaction() as session:
            await attendance.record_attendance(
                session, ctx, booking.id, DAY, AttendanceStatus.PRESENT, notes="x" * 2001
            )
    assert bad.value.field == "notes"
    with pytest.raises(DomainError) as refused:
        async with db.transaction() as session:
            await attendance.record_attendance(session, ctx, pending.id, DAY, AttendanceStatus.PRESENT)
    assert refused.value.code == "booking_not_confirmed"
    for missing in (theirs.id, "no-such-booking"):
        with pytest.raises(NotFound):
            async with db.transaction() as session:
                await attendance.record_attendance(session, ctx, missing, DAY, AttendanceStatus.PRESENT)
    assert await row_of(db, booking.id) is None and await row_of(db, theirs.id) is None
