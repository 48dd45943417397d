"""A course's sessions and one session's roster in the back office: the reference flow's "Manage Sessions",
"Create Session" walk-through, repeats, errors at the field, places booked kept live, activate and
deactivate, cancelling with refunds, the roster (phone bookings, moves, payments received, CSV), and who
may see which session."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

from nicegui.testing import User
from sqlalchemy import select

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    PaymentMethod,
    PaymentOption,
    StaffRole,
    StaffUser,
    Tenant,
)
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services import course_sessions, courses, session_cancellation, session_schedule
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.course_sessions import NewSession
from trainhub_ui.services.courses import NewCourse
from trainhub_ui.services.payments import open_payment, payment_succeeded
from trainhub_ui.services.students import NewStudent, add_student
from trainhub_ui.services.tenants import find_tenant

SOON = date.today() + timedelta(days=21)


async def sign_in(user: User, role: StaffRole, slug: str = CENTRE_A) -> None:
    await user.open(f"/{slug}/admin/login")
    user.find(marker="email").type(staff_email(role, slug))
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Welcome back", retries=SLOW)


async def centre(db: Database, slug: str = CENTRE_A) -> Tenant:
    async with db.read() as session:
        tenant = await find_tenant(session, slug)
    assert tenant is not None
    return tenant


def ctx_of(tenant: Tenant) -> TenantContext:
    return TenantContext(tenant=tenant, actor="tests", role=StaffRole.ADMIN)


async def staff_id(db: Database, role: StaffRole, slug: str = CENTRE_A) -> str:
    async with db.read() as session:
        found = await session.scalar(select(StaffUser.id).where(StaffUser.email == staff_email(role, slug)))
    assert found is not None
    return found


async def a_course(db: Database, slug: str = CENTRE_A, title: str = "ACS CCN1 Core Gas Safety") -> Course:
    tenant = await centre(db, slug)
    async with db.transaction() as session:
        return await courses.create_course(
            session, ctx_of(tenant), NewCourse(title=title, price=49500, default_capacity=12, location="Bristol")
        )


async def a_session(
    db: Database, course: Course, *, start: date = SOON, spots: int = 12, instructor_id: str | None = None
) -> CourseSession:
    async with db.read() as session:
        tenant = await session.get(Tenant, course.tenant_id)
    assert tenant is not None
    async with db.transaction() as session:
        return await course_sessions.create_session(
            session,
            ctx_of(tenant),
            course.id,
            NewSession(
                start_date=start,
                start_time=time(9),
                end_time=time(17),
                available_spots=spots,
                instructor_id=instructor_id,
            ),
        )


async def a_booking(
    db: Database,
    item: CourseSession,
    first: str,
    last: str,
    *,
    option: PaymentOption = PaymentOption.FULL,
    paid: bool = False,
    phone: str = "",
) -> Booking:
    async with db.read() as session:
        tenant = await session.get(Tenant, item.tenant_id)
    assert tenant is not None
    ctx = ctx_of(tenant)
    async with db.transaction() as session:
        student = await add_student(
            session,
            ctx,
            NewStudent(first_name=first, last_name=last, email=f"{first}.{last}@example.com".lower(), phone=phone),
        )
        booking = await create_booking(
            session, ctx, BookingRequest(customer_id=student.id, session_id=item.id, payment_option=option)
        )
        if paid:
            payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
            await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)
        return booking


async def sessions_of(db: Database, course: Course) -> list[CourseSession]:
    async with db.read() as session:
        rows = await session.scalars(
            select(CourseSession).where(CourseSession.course_id == course.id).order_by(CourseSession.start_date)
        )
        return list(rows)


async def booking_of(db: Database, booking_id: str) -> Booking:
    async with db.read() as session:
        found = await session.get(Booking, booking_id)
    assert found is not None
    return found


def sessions_page(course: Course) -> str:
    return f"/{CENTRE_A}/admin/courses/{course.id}/sessions"


def detail_page(item: CourseSession) -> str:
    return f"/{CENTRE_A}/admin/courses/{item.course_id}/sessions/{item.id}"


# --- the reference flow's walk-through ------------------------------------------------------------


async def test_manage_sessions_then_create_session_as_the_reference_flow_walks_it(
    user: User, centres: Database
) -> None:
    course = await a_course(centres)
    await sign_in(user, StaffRole.ADMIN)
    await user.open(f"/{CENTRE_A}/admin/courses")
    user.find("Manage Sessions").click()
    await user.should_see(marker="create-session")
    await user.should_see("No sessions ahead. Create Session schedules one.")
    user.find("Create Session").click()
    await user.should_see(marker="save-session")
    user.find(marker="start-date").type(SOON.isoformat())
    user.find(marker="end-date").type((SOON + timedelta(days=2)).isoformat())
    user.find(marker="start-time").clear().type("09:00")
    user.find(marker="end-time").clear().type("17:00")
    user.find(marker="capacity").clear().type("12")
    user.find(marker="instructor-notes").type("Bring safety equipment")
    user.find("Save session").click()
    await user.should_see("Session saved:")
    [item] = await sessions_of(centres, course)
    assert (item.start_date, item.end_date, item.start_time, item.end_time) == (
        SOON,
        SOON + timedelta(days=2),
        time(9),
        time(17),
    )
    assert (item.available_spots, item.booked_spots, item.instructor_notes, item.is_active) == (
        12,
        0,
        "Bring safety equipment",
        True,
    )
    await user.should_see(marker=f"session-{item.id}")
    await user.should_see(marker=f"booked-{item.id}", content="0 / 12")
    await user.should_see("Taking bookings")


async def test_session_input_errors_show_at_their_fields(user: User, centres: Database) -> None:
    course = await a_course(centres)
    await sign_in(user, StaffRole.STAFF)
    await user.open(sessions_page(course))
    user.find("Create Session").click()
    await user.should_see(marker="save-session")
    user.find(marker="save-session").click()
    await user.should_see("Choose a date.")
    user.find(marker="start-date").type((date.today() - timedelta(days=3)).isoformat())
    user.find(marker="save-session").click()
    await user.should_see("A session cannot start in the past.")
    user.find(marker="start-date").clear().type(SOON.isoformat())
    user.find(marker="end-time").clear().type("08:00")
    user.find(marker="save-session").click()
    await user.should_see("The end time must be after the start time.")
    user.find(marker="end-time").clear().type("five pm")
    user.find(marker="save-session").click()
    await user.should_see("Give a time like 09:00.")
    user.find(marker="end-time").clear().type("17:00")
    user.find(marker="capacity").clear().type("501")
    user.find(marker="save-session").click()
    await user.should_see("Give the number of places from 1 to 500.")
    user.find(marker="capacity").clear().type("2.5")
    user.find(marker="save-session").click()
    await user.should_see("Give the number of places as a whole number.")
    assert await sessions_of(centres, course) == []


async def test_every_monday_for_eight_weeks_in_one_go(user: User, centres: Database) -> None:
    course = await a_course(centres)
    instructor = await staff_id(centres, StaffRole.INSTRUCTOR)
    await sign_in(user, StaffRole.ADMIN)
    await user.open(sessions_page(course))
    user.find("Create Session").click()
    await user.should_see(marker="save-session")
    user.find(marker="start-date").type(SOON.isoformat())
    user.find(marker="instructor").elements.pop().value = instructor
    user.find(marker="repeat").click()
    await user.should_see(marker="repeat-count")
    user.find(marker="repeat-weekday").elements.pop().value = 0
    user.find(marker="repeat-count").clear().type("0")
    user.find(marker="save-session").click()
    await user.should_see("Give the number of sessions from 1 to 52.")
    user.find(marker="repeat-count").clear().type("8")
    first_monday = SOON + timedelta(days=(0 - SOON.weekday()) % 7)
    await user.should_see(f"8 sessions: {first_monday:%a %-d %b %Y} to")
    user.find("Save 8 sessions").click()
    await user.should_see("8 sessions saved")
    made = await sessions_of(centres, course)
    assert [item.start_date for item in made] == [first_monday + timedelta(weeks=n) for n in range(8)]
    assert {item.instructor_id for item in made} == {instructor}
    await user.should_see("8 sessions")
    await user.should_see("Instructor Person")


async def test_places_booked_move_live_and_sessions_are_deactivated_and_activated(
    user: User, centres: Database
) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course, spots=5)
    await sign_in(user, StaffRole.ADMIN)
    await user.open(sessions_page(course))
    await user.should_see(marker=f"booked-{item.id}", content="0 / 5")
    await a_booking(centres, item, "Lee", "Live")
    await user.should_see(marker=f"booked-{item.id}", content="1 / 5", retries=20)

    user.find(marker=f"deactivate-{item.id}").click()
    await user.should_see("is no longer taking bookings.")
    await user.should_see(marker=f"state-{item.id}", content="Not taking bookings")
    [stored] = await sessions_of(centres, course)
    assert stored.is_active is False
    user.find(marker=f"activate-{item.id}").click()
    await user.should_see(marker=f"state-{item.id}", content="Taking bookings")


async def test_editing_refuses_a_capacity_below_the_places_taken(user: User, centres: Database) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course, spots=5)
    await a_booking(centres, item, "Ann", "One")
    await a_booking(centres, item, "Bob", "Two")
    await sign_in(user, StaffRole.STAFF)
    await user.open(sessions_page(course))
    user.find(marker=f"edit-{item.id}").click()
    await user.should_see(marker="save-session")
    user.find(marker="capacity").clear().type("1")
    user.find(marker="save-session").click()
    await user.should_see("2 places are already taken; the capacity cannot go below that.")
    user.find(marker="capacity").clear().type("8")
    user.find(marker="venue").clear().type("Avonmouth workshop")
    user.find(marker="save-session").click()
    await user.should_see("The session is saved.")
    await user.should_see("Avonmouth workshop")
    [stored] = await sessions_of(centres, course)
    assert (stored.available_spots, stored.venue) == (8, "Avonmouth workshop")


async def test_cancelling_a_session_says_what_it_will_do_then_cancels_and_refunds(
    user: User, centres: Database
) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    paid = await a_booking(centres, item, "Pat", "Paid", paid=True)
    unpaid = await a_booking(centres, item, "Una", "Unpaid")
    await sign_in(user, StaffRole.ADMIN)
    await user.open(sessions_page(course))
    user.find(marker=f"cancel-{item.id}").click()
    await user.should_see("2 bookings will be cancelled and refunded in full (£495.00 paid back).")
    user.find(marker="confirm-cancel-session").click()
    await user.should_see("Give the reason; it is kept with each booking cancelled.")
    assert (await booking_of(centres, paid.id)).status is BookingStatus.CONFIRMED
    user.find(marker="cancel-reason").type("Instructor ill")
    user.find(marker="confirm-cancel-session").click()
    await user.should_see("Session cancelled: 2 bookings cancelled, £495.00 refunded.", retries=SLOW)
    await user.should_see(marker=f"state-{item.id}", content="Cancelled")
    await user.should_not_see(marker=f"cancel-{item.id}")
    for booking in (paid, unpaid):
        assert (await booking_of(centres, booking.id)).status is BookingStatus.CANCELLED
    async with centres.read() as session:
        [payment] = list(await session.scalars(select(Payment).where(Payment.booking_id == paid.id)))
    assert payment.amount_refunded == 49500


async def test_sessions_page_in_pages_and_past_ones_apart(user: User, centres: Database) -> None:
    course = await a_course(centres)
    tenant = await centre(centres)
    async with centres.transaction() as session:
        await course_sessions.create_repeated_sessions(
            session,
            ctx_of(tenant),
            course.id,
            NewSession(start_date=SOON, start_time=time(9), end_time=time(17)),
            session_schedule.Repetition(count=30),
        )
        gone = date.today() - timedelta(days=14)
        session.add(
            CourseSession(
                tenant_id=tenant.id,
                course_id=course.id,
                start_date=gone,
                end_date=gone,
                start_time=time(9),
                end_time=time(17),
                starts_at=session_schedule.session_starts_at(tenant, gone, time(9)),
                available_spots=10,
                booked_spots=0,
            )
        )
    await sign_in(user, StaffRole.STAFF)
    await user.open(sessions_page(course))
    await user.should_see("1–25 of 30 sessions")
    user.find(marker="next-page").click()
    await user.should_see("26–30 of 30 sessions")
    user.find(marker="session-when").elements.pop().value = "past"
    await user.should_see("1 session")
    await user.should_see("Ended")


# --- one session's page ----------------------------------------------------------------------------


async def test_the_roster_shows_payment_balance_and_attendance_and_new_bookings_live(
    user: User, centres: Database
) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    paid = await a_booking(centres, item, "Pat", "Paid", paid=True, phone="07700 900001")
    invoiced = await a_booking(centres, item, "Ivy", "Invoice", option=PaymentOption.INVOICE)
    await sign_in(user, StaffRole.STAFF)
    await user.open(detail_page(item))
    await user.should_see("Roster")
    await user.should_see(marker=f"booking-{paid.reference}")
    await user.should_see("pat.paid@example.com")
    await user.should_see("07700 900001")
    await user.should_see(marker=f"payment-{paid.reference}", content="Paid in full")
    await user.should_see(marker=f"payment-{invoiced.reference}", content="Invoice unpaid")
    await user.should_see(marker=f"balance-{invoiced.reference}", content="£495.00")
    await user.should_see(marker=f"attended-{paid.reference}", content="Not yet recorded")
    await user.should_see(marker=f"booked-{item.id}", content="2 / 12")
    await user.should_see(marker="roster-totals", content="2 confirmed · 0 awaiting payment · £495.00 received")

    late = await a_booking(centres, item, "Nia", "New")
    await user.should_see(marker=f"booking-{late.reference}", retries=20)
    await user.should_see(marker=f"booked-{item.id}", content="3 / 12")
    await user.should_see(marker=f"payment-{late.reference}", content="Awaiting payment")


async def test_the_roster_downloads_as_csv(user: User, centres: Database) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    booking = await a_booking(centres, item, "Cora", "Csv", paid=True)
    await sign_in(user, StaffRole.ADMIN)
    await user.open(detail_page(item))
    user.find(marker="export-roster").click()
    response = await user.download.next(timeout=5)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Student", "Email"]
    assert rows[1][:3] == [booking.reference, "Cora Csv", "cora.csv@example.com"]
    assert rows[1][7] == "Paid in full"


async def test_a_phone_booking_for_a_student_found_by_search_gets_a_pay_link(user: User, centres: Database) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    tenant = await centre(centres)
    async with centres.transaction() as session:
        await add_student(
            session, ctx_of(tenant), NewStudent(first_name="Rita", last_name="Ringer", email="rita@example.com")
        )
    await sign_in(user, StaffRole.STAFF)
    await user.open(detail_page(item))
    user.find(marker="add-booking").click()
    await user.should_see(marker="student-search")
    user.find(marker="confirm-booking").click()
    await user.should_see("Choose a student, or add a new one.")
    user.find(marker="student-search").type("ring")
    await user.should_see(marker="pick-rita@example.com")
    user.find(marker="pick-rita@example.com").click()
    await user.should_see("Booking for Rita Ringer (rita@example.com)")
    user.find(marker="confirm-booking").click()
    await user.should_see(marker="booked-reference", retries=SLOW)
    async with centres.read() as session:
        booking = await session.scalar(select(Booking).where(Booking.session_id == item.id))
    assert booking is not None and booking.status is BookingStatus.PENDING
    await user.should_see(marker="pay-link")
    link = user.find(marker="pay-link").elements.pop().value
    assert link.endswith(f"/{CENTRE_A}/pay/{booking.reference}?t={booking.access_token}")
    user.find(marker="booking-done").click()
    await user.should_see(marker=f"booking-{booking.reference}")


async def test_a_new_student_paying_at_the_desk_is_confirmed_and_bad_details_show_at_the_field(
    user: User, centres: Database
) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    await a_booking(centres, item, "Kay", "Known")
    await sign_in(user, StaffRole.ADMIN)
    await user.open(detail_page(item))
    user.find(marker="add-booking").click()
    await user.should_see(marker="student-kind")
    user.find(marker="student-kind").elements.pop().value = "new"
    user.find(marker="new-first-name").type("Dee")
    user.find(marker="new-last-name").type("Desk")
    user.find(marker="new-email").type("not an email")
    user.find(marker="paid-how").elements.pop().value = "now"
    user.find(marker="confirm-booking").click()
    await user.should_see("Enter an email address like name@example.com.")
    assert user.find(marker="new-email").elements.pop().error == "Enter an email address like name@example.com."
    user.find(marker="new-email").clear().type("kay.known@example.com")
    user.find(marker="confirm-booking").click()
    await user.should_see("A student with this email already exists at this centre.")
    user.find(marker="new-email").clear().type("dee.desk@example.com")
    user.find(marker="confirm-booking").click()
    await user.should_see(marker="paid-now", retries=SLOW)
    await user.should_see("£495.00 recorded as received; the place is confirmed.")
    async with centres.read() as session:
        dee = await session.scalar(select(Customer).where(Customer.email == "dee.desk@example.com"))
        assert dee is not None
        booking = await session.scalar(select(Booking).where(Booking.customer_id == dee.id))
    assert booking is not None and booking.status is BookingStatus.CONFIRMED and booking.balance_due == 0


async def test_a_booking_moves_to_another_session_and_a_payment_is_recorded(user: User, centres: Database) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    later = await a_session(centres, course, start=SOON + timedelta(days=14), spots=3)
    mover = await a_booking(centres, item, "Moe", "Mover")
    owing = await a_booking(centres, item, "Oona", "Owing", option=PaymentOption.INVOICE)
    await sign_in(user, StaffRole.STAFF)
    await user.open(detail_page(item))

    user.find(marker=f"record-payment-{owing.reference}").click()
    await user.should_see(marker="payment-amount")
    user.find(marker="payment-amount").clear().type("600")
    user.find(marker="confirm-payment").click()
    await user.should_see("At most the balance due, £495.00, can be recorded.")
    user.find(marker="payment-amount").clear().type("200")
    user.find(marker="payment-note").type("BACS 1234")
    user.find(marker="confirm-payment").click()
    await user.should_see(f"£200.00 recorded for {owing.reference}.")
    await user.should_see(marker=f"balance-{owing.reference}", content="£295.00")

    user.find(marker=f"move-{mover.reference}").click()
    await user.should_see(marker="move-target")
    assert user.find(marker="move-target").elements.pop().value == later.id
    user.find(marker="confirm-move").click()
    await user.should_see(f"{mover.reference} moved to")
    await user.should_not_see(marker=f"booking-{mover.reference}", retries=20)
    assert (await booking_of(centres, mover.id)).session_id == later.id
    await user.should_see(marker=f"booked-{item.id}", content="1 / 12")


async def test_a_cancelled_session_shows_why_and_takes_no_phone_bookings(user: User, centres: Database) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    booking = await a_booking(centres, item, "Cal", "Cancelled")
    from trainhub_ui.payments import OfflineProvider

    tenant = await centre(centres)
    await session_cancellation.cancel_session(
        centres, ctx_of(tenant), OfflineProvider(), course.id, item.id, "Venue flooded"
    )
    await sign_in(user, StaffRole.ADMIN)
    await user.open(detail_page(item))
    await user.should_see("Venue flooded")
    await user.should_see(marker="session-state", content="Cancelled")
    await user.should_not_see(marker="add-booking")
    await user.should_see("Nobody is booked on this session yet.")
    user.find(marker="show-cancelled").click()
    await user.should_see(marker=f"booking-{booking.reference}")
    await user.should_see(marker=f"payment-{booking.reference}", content="Nothing paid")
    user.find(marker="refund-owed").click()
    await user.should_see("Nothing more is owed on this session.")


# --- who sees which session ------------------------------------------------------------------------


async def test_an_instructor_sees_their_own_sessions_and_rosters_only(user: User, centres: Database) -> None:
    course = await a_course(centres)
    mine = await a_session(centres, course, instructor_id=await staff_id(centres, StaffRole.INSTRUCTOR))
    theirs = await a_session(
        centres, course, start=SOON + timedelta(days=7), instructor_id=await staff_id(centres, StaffRole.ADMIN)
    )
    booking = await a_booking(centres, mine, "Ivan", "Instructed")
    await sign_in(user, StaffRole.INSTRUCTOR)
    await user.open(f"/{CENTRE_A}/admin/my-sessions")
    await user.should_see(marker=f"my-session-{mine.id}")
    await user.should_not_see(marker=f"my-session-{theirs.id}")
    user.find(marker=f"open-{mine.id}").click()
    await user.should_see(marker=f"booking-{booking.reference}")
    await user.should_see("ivan.instructed@example.com")
    # Read only: no booking, moving or payments, and no way into the course pages.
    await user.should_not_see(marker="add-booking")
    await user.should_not_see(marker=f"move-{booking.reference}")
    await user.should_not_see(marker="back-to-sessions")
    # The payment's standing, but no sums of money.
    await user.should_see(marker=f"payment-{booking.reference}", content="Awaiting payment")
    await user.should_not_see(marker=f"balance-{booking.reference}")
    await user.should_not_see(marker="roster-totals")
    await user.should_not_see("£495.00")
    for path in (detail_page(theirs), sessions_page(course), f"/{CENTRE_A}/admin/courses"):
        refused = await user.http_client.get(path)
        assert refused.status_code == 403, path
        assert "Not available to your role" in refused.text
        assert "Ivan" not in refused.text


async def test_staff_reach_every_session_and_my_sessions_lists_what_they_lead(user: User, centres: Database) -> None:
    course = await a_course(centres)
    led = await a_session(centres, course, instructor_id=await staff_id(centres, StaffRole.STAFF))
    other = await a_session(centres, course, start=SOON + timedelta(days=3))
    await sign_in(user, StaffRole.STAFF)
    await user.open(detail_page(other))
    await user.should_see(marker="add-booking")
    await user.open(f"/{CENTRE_A}/admin/my-sessions")
    await user.should_see(marker=f"my-session-{led.id}")
    await user.should_not_see(marker=f"my-session-{other.id}")


async def test_another_centres_sessions_are_not_found_or_not_reachable(user: User, centres: Database) -> None:
    theirs_course = await a_course(centres, CENTRE_B, title="Leeds Only Course")
    theirs = await a_session(centres, theirs_course)
    ours_course = await a_course(centres)
    await sign_in(user, StaffRole.OWNER)
    for path in (
        f"/{CENTRE_A}/admin/courses/{theirs_course.id}/sessions",
        f"/{CENTRE_A}/admin/courses/{theirs_course.id}/sessions/{theirs.id}",
        f"/{CENTRE_A}/admin/courses/{ours_course.id}/sessions/{theirs.id}",
        f"/{CENTRE_A}/admin/courses/no-such-course/sessions/no-such-session",
    ):
        response = await user.http_client.get(path)
        assert response.status_code == 404, path
        assert "Leeds Only Course" not in response.text
    # Signed in at centre A only: centre B's session page asks for centre B's sign-in.
    await user.open(f"/{CENTRE_B}/admin/courses/{theirs_course.id}/sessions/{theirs.id}")
    await user.should_see("Staff sign-in")
    await user.should_not_see("Leeds Only Course")
    own = await user.http_client.get(f"/{CENTRE_A}/admin/my-sessions")
    assert own.status_code == 200  # their own centre's list is theirs to see


async def test_a_phone_booking_on_invoice_asks_for_the_billing_address_at_its_field(
    user: User, centres: Database
) -> None:
    course = await a_course(centres)
    item = await a_session(centres, course)
    await sign_in(user, StaffRole.STAFF)
    await user.open(detail_page(item))
    user.find(marker="add-booking").click()
    await user.should_see(marker="student-kind")
    user.find(marker="student-kind").elements.pop().value = "new"
    user.find(marker="new-first-name").type("Ivo")
    user.find(marker="new-last-name").type("Invoice")
    user.find(marker="new-email").type("ivo@example.com")
    user.find(marker="payment-option").elements.pop().value = PaymentOption.INVOICE.value
    user.find(marker="company-name").type("Boilers & Co")
    user.find(marker="confirm-booking").click()
    await user.should_see("Enter the company's billing address: the invoice is addressed there.")
    assert "billing address" in (user.find(marker="billing-address").elements.pop().error or "")
    user.find(marker="billing-address").elements.pop().value = "Boilers & Co\n12 Mill Lane\nBath BA1 1AA"
    user.find(marker="confirm-booking").click()
    await user.should_see(marker="booked-reference", retries=SLOW)
    async with centres.read() as session:
        booking = await session.scalar(select(Booking).where(Booking.session_id == item.id))
    assert booking is not None and booking.status is BookingStatus.CONFIRMED
    assert booking.billing_address == "Boilers & Co\n12 Mill Lane\nBath BA1 1AA"
