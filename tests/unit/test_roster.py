"""A session's roster, its CSV, who may see it, the sessions an instructor leads, moving a booking and
booking for a customer on the phone (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Booking,
    BookingStatus,
    Customer,
    Payment,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    StaffRole,
    StaffUser,
    Tenant,
)
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.services import course_sessions, courses, roster
from trainhub_ui.services.bookings import BookingRequest, Refused, cancel_booking, create_booking
from trainhub_ui.services.course_sessions import NewSession
from trainhub_ui.services.courses import NewCourse
from trainhub_ui.services.roster import PhoneBooking, RosterEntry, payment_status
from trainhub_ui.services.students import CustomerExists, NewStudent

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PRICE = 49500


def ctx_of(tenant: Tenant, role: StaffRole = StaffRole.ADMIN, user_id: str | None = None) -> TenantContext:
    return TenantContext(tenant=tenant, actor="tests", role=role, user_id=user_id, clock=lambda: NOW)


async def centre(db: Database, slug: str = "test-centre") -> Tenant:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug)
        tenant.offers_invoice = True
        return tenant


async def course_with_sessions(
    db: Database, tenant: Tenant, days_ahead: list[int], *, spots: int = 10, instructor_id: str | None = None
) -> tuple[str, list[str]]:
    ctx = ctx_of(tenant)
    async with db.transaction() as session:
        course = await courses.create_course(session, ctx, NewCourse(title="Domestic Heat Pumps", price=PRICE))
        ids = []
        for days in days_ahead:
            item = await course_sessions.create_session(
                session,
                ctx,
                course.id,
                NewSession(
                    start_date=date(2026, 6, 1) + timedelta(days=days),
                    start_time=time(9),
                    end_time=time(17),
                    available_spots=spots,
                    instructor_id=instructor_id,
                ),
            )
            ids.append(item.id)
    return course.id, ids


async def student(db: Database, tenant: Tenant, first: str, last: str, **fields: str) -> Customer:
    async with db.transaction() as session:
        customer = Customer(
            tenant_id=tenant.id,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.com",
            **fields,
        )
        session.add(customer)
        await session.flush()
        return customer


async def book(
    db: Database, tenant: Tenant, session_id: str, customer: Customer, option: PaymentOption = PaymentOption.FULL
) -> Booking:
    async with db.transaction() as session:
        return await create_booking(
            session,
            ctx_of(tenant),
            BookingRequest(customer_id=customer.id, session_id=session_id, payment_option=option),
        )


async def instructor(db: Database, tenant: Tenant, email: str) -> StaffUser:
    async with db.transaction() as session:
        await factories.staff(session, tenant, StaffRole.INSTRUCTOR, email=email)
        user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    return user


# --- the roster -----------------------------------------------------------------------------------


async def test_roster_lists_live_bookings_by_surname_a_page_at_a_time(db: Database) -> None:
    tenant = await centre(db)
    _course_id, [session_id, other_id] = await course_with_sessions(db, tenant, [10, 20])
    people = [
        await student(db, tenant, "Zoe", "Adams"),
        await student(db, tenant, "Ann", "Carter"),
        await student(db, tenant, "Bob", "baker", phone="07700 900123"),
        await student(db, tenant, "Cat", "Doyle"),
    ]
    for person in people:
        await book(db, tenant, session_id, person)
    gone = await book(db, tenant, other_id, people[0])
    early_leaver = await student(db, tenant, "Al", "Aaron")
    async with db.transaction() as session:
        cancelled = await create_booking(
            session, ctx_of(tenant), BookingRequest(customer_id=early_leaver.id, session_id=session_id)
        )
        await cancel_booking(session, ctx_of(tenant), cancelled.id, "Could not come")
        await cancel_booking(session, ctx_of(tenant), gone.id, "Not this one")
    ctx = ctx_of(tenant)
    async with db.read() as session:
        first_page, total = await roster.session_roster(session, ctx, session_id, limit=2)
        second_page, _ = await roster.session_roster(session, ctx, session_id, limit=2, offset=2)
        with_cancelled, all_total = await roster.session_roster(session, ctx, session_id, include_cancelled=True)
        totals = await roster.roster_totals(session, ctx, session_id)
    assert total == 4 and all_total == 5
    assert [e.student for e in first_page + second_page] == ["Zoe Adams", "Bob baker", "Ann Carter", "Cat Doyle"]
    assert second_page[0].phone == "" and first_page[1].phone == "07700 900123"
    # Cancelled bookings come after the live ones, whatever their name.
    assert [e.student for e in with_cancelled][-1] == "Al Aaron"
    assert with_cancelled[-1].status is BookingStatus.CANCELLED
    assert totals == roster.RosterTotals(confirmed=0, awaiting_payment=4, paid=0, balance_due=0)


async def test_roster_of_another_centres_session_is_empty(db: Database) -> None:
    ours = await centre(db)
    theirs = await centre(db, "other-centre")
    _course_id, [their_session] = await course_with_sessions(db, theirs, [10])
    await book(db, theirs, their_session, await student(db, theirs, "Tess", "Other"))
    async with db.read() as session:
        assert await roster.session_roster(session, ctx_of(ours), their_session) == ([], 0)
        assert (
            await roster.roster_csv(session, ctx_of(ours), their_session, include_cancelled=True)
            == ("\ufeff" + ",".join(roster.CSV_COLUMNS) + "\r\n").encode()
        )


def _entry(**fields: object) -> RosterEntry:
    base = RosterEntry(
        booking_id="b",
        reference="TST-1",
        status=BookingStatus.CONFIRMED,
        payment_option=PaymentOption.FULL,
        customer_id="c",
        student="Sam Student",
        email="sam@example.com",
        phone="",
        company_name="",
        total=PRICE,
        paid=PRICE,
        refunded=0,
        balance_due=0,
        currency="GBP",
        hold_expires_at=None,
        special_requests="",
        booked_at=NOW,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "Paid in full"),
        ({"total": 0, "paid": 0}, "Nothing to pay"),
        (
            {"status": BookingStatus.PENDING, "paid": 0, "hold_expires_at": NOW + timedelta(minutes=5)},
            "Awaiting payment",
        ),
        ({"status": BookingStatus.PENDING, "paid": 0, "hold_expires_at": NOW}, "Hold lapsed, unpaid"),
        ({"payment_option": PaymentOption.DEPOSIT, "paid": 14850, "balance_due": 34650}, "Deposit paid"),
        ({"payment_option": PaymentOption.INVOICE, "paid": 0, "balance_due": PRICE}, "Invoice unpaid"),
        ({"payment_option": PaymentOption.INVOICE, "paid": 100, "balance_due": PRICE - 100}, "Part paid"),
        ({"status": BookingStatus.CANCELLED, "paid": 0}, "Nothing paid"),
        ({"status": BookingStatus.CANCELLED, "refunded": PRICE}, "Refunded"),
        ({"status": BookingStatus.CANCELLED, "refunded": 100}, "Part refunded"),
        ({"status": BookingStatus.EXPIRED}, "Paid, not refunded"),
    ],
)
def test_payment_status_in_receptions_words(fields: dict[str, object], expected: str) -> None:
    assert payment_status(_entry(**fields), NOW) == expected


async def test_roster_csv_has_every_booking_and_no_formulas(db: Database) -> None:
    tenant = await centre(db)
    _course_id, [session_id] = await course_with_sessions(db, tenant, [10])
    sneaky = await student(db, tenant, "=HYPERLINK(1)", "Ødegård", company_name="+Acme")
    plain = await student(db, tenant, "Ann", "Carter")
    await book(db, tenant, session_id, sneaky, PaymentOption.INVOICE)
    await book(db, tenant, session_id, plain)
    async with db.read() as session:
        data = await roster.roster_csv(session, ctx_of(tenant), session_id, include_cancelled=False)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == roster.CSV_COLUMNS
    assert [row[1] for row in rows[1:]] == ["Ann Carter", "'=HYPERLINK(1) Ødegård"]
    company = rows[2]
    assert (company[4], company[5], company[6], company[7], company[8], company[11]) == (
        "'+Acme",
        "CONFIRMED",
        "INVOICE",
        "Invoice unpaid",
        "495.00",
        "495.00",
    )


async def test_an_instructors_csv_has_no_sums_of_money(db: Database) -> None:
    tenant = await centre(db)
    tom = await instructor(db, tenant, "tom@test-centre.example")
    _course_id, [session_id] = await course_with_sessions(db, tenant, [10], instructor_id=tom.id)
    await book(db, tenant, session_id, await student(db, tenant, "Ann", "Carter"), PaymentOption.INVOICE)
    async with db.read() as session:
        data = await roster.roster_csv(
            session, ctx_of(tenant, StaffRole.INSTRUCTOR, tom.id), session_id, include_cancelled=False
        )
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == [name for name in roster.CSV_COLUMNS if name not in roster.MONEY_COLUMNS]
    assert row[1:3] == ["Ann Carter", "ann.carter@example.com"] and row[7] == "Invoice unpaid"
    assert "495.00" not in row


# --- who sees which session -----------------------------------------------------------------------


async def test_an_instructor_sees_only_the_sessions_they_lead(db: Database) -> None:
    tenant = await centre(db)
    other = await centre(db, "other-centre")
    tom = await instructor(db, tenant, "tom@test-centre.example")
    kim = await instructor(db, tenant, "kim@test-centre.example")
    course_id, [toms, toms_later] = await course_with_sessions(db, tenant, [5, 40], instructor_id=tom.id)
    _, [kims] = await course_with_sessions(db, tenant, [6], instructor_id=kim.id)
    kims_course = await _course_of(db, kims)
    their_course, [theirs] = await course_with_sessions(db, other, [5])
    as_tom = ctx_of(tenant, StaffRole.INSTRUCTOR, tom.id)
    async with db.read() as session:
        view = await roster.session_for_roster(session, as_tom, course_id, toms)
        assert view.course.id == course_id and view.course_session.instructor is not None
        with pytest.raises(roster.NotYourSession):
            await roster.session_for_roster(session, as_tom, kims_course, kims)
        with pytest.raises(NotFound):
            await roster.session_for_roster(session, as_tom, their_course, theirs)
        staff_view = await roster.session_for_roster(session, ctx_of(tenant, StaffRole.STAFF), kims_course, kims)
        assert staff_view.course_session.id == kims
        led, total = await roster.sessions_led_by(session, as_tom, tom.id)
        past, past_total = await roster.sessions_led_by(session, as_tom, tom.id, past=True)
        first_only, _ = await roster.sessions_led_by(session, as_tom, tom.id, limit=1)
    assert total == 2 and [t.course_session.id for t in led] == [toms, toms_later]
    assert led[0].course_title == "Domestic Heat Pumps"
    assert (past, past_total) == ([], 0)
    assert [t.course_session.id for t in first_only] == [toms]


async def _course_of(db: Database, session_id: str) -> str:
    from models import CourseSession

    async with db.read() as session:
        item = await session.get(CourseSession, session_id)
    assert item is not None
    return item.course_id


# --- moving ---------------------------------------------------------------------------------------


async def test_a_booking_moves_only_to_open_sessions_of_its_course_with_room(db: Database) -> None:
    tenant = await centre(db)
    course_id, [current, open_one, full_one, closed_one, cancelled_one] = await course_with_sessions(
        db, tenant, [10, 20, 30, 40, 50], spots=1
    )
    _other_course, [elsewhere] = await course_with_sessions(db, tenant, [15])
    booking = await book(db, tenant, current, await student(db, tenant, "Moe", "Ving"))
    await book(db, tenant, full_one, await student(db, tenant, "Fay", "Full"))
    ctx = ctx_of(tenant)
    third = await centre(db, "third-centre")
    async with db.transaction() as session:
        await course_sessions.set_session_active(session, ctx, course_id, closed_one, False)
    async with db.transaction() as session:
        from models import CourseSession

        item = await session.get(CourseSession, cancelled_one)
        assert item is not None
        item.cancelled_at = NOW
    async with db.read() as session:
        targets = await roster.move_targets(session, ctx, booking.id)
        with pytest.raises(NotFound):
            await roster.move_targets(session, ctx_of(third), booking.id)
    assert [t.id for t in targets] == [open_one]
    assert elsewhere not in [t.id for t in targets]


# --- phone bookings -------------------------------------------------------------------------------


async def test_a_phone_booking_for_a_known_student_is_held_for_the_pay_link(db: Database) -> None:
    tenant = await centre(db)
    _course_id, [session_id] = await course_with_sessions(db, tenant, [10])
    known = await student(db, tenant, "Pat", "Phone")
    booked = await roster.book_for_customer(
        db,
        ctx_of(tenant),
        PhoneBooking(session_id=session_id, payment_option=PaymentOption.FULL, customer_id=known.id),
    )
    assert booked.booking.status is BookingStatus.PENDING and booked.paid_now == 0
    assert booked.booking.hold_expires_at is not None and booked.student.id == known.id


async def test_a_new_student_paying_at_the_desk_is_confirmed_at_once(db: Database) -> None:
    tenant = await centre(db)
    # Six weeks ahead: a deposit is taken only while its balance date is far enough away.
    _course_id, [session_id] = await course_with_sessions(db, tenant, [40])
    booked = await roster.book_for_customer(
        db,
        ctx_of(tenant),
        PhoneBooking(
            session_id=session_id,
            payment_option=PaymentOption.DEPOSIT,
            new_student=NewStudent(first_name=" Dee ", last_name="Desk", email="Dee@Example.com"),
            paid_now=True,
            special_requests="Wheelchair access",
        ),
    )
    booking = booked.booking
    assert booking.status is BookingStatus.CONFIRMED and booking.special_requests == "Wheelchair access"
    assert (booked.paid_now, booking.amount_paid, booking.balance_due) == (14850, 14850, PRICE - 14850)
    assert booked.student.email == "dee@example.com" and booked.student.first_name == "Dee"
    async with db.read() as session:
        [payment] = list(await session.scalars(select(Payment).where(Payment.booking_id == booking.id)))
    assert (payment.status, payment.payment_method, payment.amount) == (
        PaymentStatus.PAID,
        PaymentMethod.BANK_TRANSFER,
        14850,
    )


async def test_a_company_invoice_takes_the_company_named(db: Database) -> None:
    tenant = await centre(db)
    _course_id, [session_id] = await course_with_sessions(db, tenant, [10])
    known = await student(db, tenant, "Cy", "Company", company_name="Own Ltd")
    booked = await roster.book_for_customer(
        db,
        ctx_of(tenant),
        PhoneBooking(
            session_id=session_id,
            payment_option=PaymentOption.INVOICE,
            customer_id=known.id,
            company_name="Boilers & Co",
            po_number="PO-77",
            billing_address="  Boilers & Co\n12 Mill Lane\nBath BA1 1AA ",
        ),
    )
    assert booked.booking.status is BookingStatus.CONFIRMED
    assert (booked.booking.company_name, booked.booking.po_number) == ("Boilers & Co", "PO-77")
    assert booked.booking.billing_address == "Boilers & Co\n12 Mill Lane\nBath BA1 1AA"


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({}, "customerId"),
        ({"new_student": dict(first_name="", last_name="X", email="x@example.com")}, "firstName"),
        ({"new_student": dict(first_name="A", last_name="B", email="not-an-email")}, "email"),
        (
            {
                "new_student": dict(first_name="A", last_name="B", email="a@example.com"),
                "special_requests": "x" * 2001,
            },
            "specialRequests",
        ),
        (
            {
                "new_student": dict(first_name="A", last_name="B", email="a@example.com"),
                "payment_option": PaymentOption.INVOICE,
            },
            "companyName",
        ),
        (
            {
                "new_student": dict(first_name="A", last_name="B", email="a@example.com"),
                "payment_option": PaymentOption.INVOICE,
                "company_name": "Acme",
                "paid_now": True,
            },
            "paidNow",
        ),
        (
            {
                "new_student": dict(first_name="A", last_name="B", email="a@example.com"),
                "payment_option": PaymentOption.INVOICE,
                "company_name": "Acme",
                "billing_address": "   ",
            },
            "billingAddress",
        ),
    ],
)
async def test_bad_phone_bookings_are_refused_at_the_field_and_leave_nothing(
    db: Database, request_fields: dict[str, object], field: str
) -> None:
    tenant = await centre(db)
    _course_id, [session_id] = await course_with_sessions(db, tenant, [10])
    request = PhoneBooking(session_id=session_id, payment_option=PaymentOption.FULL)
    with pytest.raises(InvalidInput) as caught:
        fields = dict(request_fields)
        if isinstance(fields.get("new_student"), dict):  # built here: a bad detail is refused as it is built
            fields["new_student"] = NewStudent(**fields["new_student"])  # type: ignore[arg-type]
        await roster.book_for_customer(db, ctx_of(tenant), replace(request, **fields))  # type: ignore[arg-type]
    assert caught.value.field == field, caught.value.message
    async with db.read() as session:
        assert await session.scalar(select(func.count(Customer.id))) == 0
        assert await session.scalar(select(func.count(Booking.id))) == 0


async def test_a_new_student_with_a_known_email_is_refused_and_a_full_session_too(db: Database) -> None:
    tenant = await centre(db)
    _course_id, [session_id] = await course_with_sessions(db, tenant, [10], spots=1)
    known = await student(db, tenant, "Kay", "Known")
    with pytest.raises(CustomerExists) as exists:
        await roster.book_for_customer(
            db,
            ctx_of(tenant),
            PhoneBooking(
                session_id=session_id,
                payment_option=PaymentOption.FULL,
                new_student=NewStudent(first_name="Kay", last_name="Again", email=known.email),
            ),
        )
    assert exists.value.customer_id == known.id and exists.value.field == "email"
    await book(db, tenant, session_id, known)
    with pytest.raises(Refused) as full:
        await roster.book_for_customer(
            db,
            ctx_of(tenant),
            PhoneBooking(
                session_id=session_id,
                payment_option=PaymentOption.FULL,
                new_student=NewStudent(first_name="Lou", last_name="Late", email="lou@example.com"),
            ),
        )
    assert full.value.code == "session_full"
    async with db.read() as session:
        assert await session.scalar(select(func.count(Customer.id))) == 1  # Lou was not added either
