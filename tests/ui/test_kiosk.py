"""The reception kiosk through NiceGUI's User harness: unlocking and locking, every way of checking in
and every problem it explains, the name search, live figures on two kiosks, and the return to start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from nicegui.testing import User
from sqlalchemy import select, update

from models import AttendanceStatus, Booking, PaymentMethod, PaymentOption, StaffRole, StaffUser, Tenant
from pages.kiosk import check_in as kiosk_page
from pages.kiosk.unlock import ONLY_STAFF
from tests.factories import PASSWORD, customer
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.accounts import WRONG_CREDENTIALS
from trainhub_ui.services.attendance import record_attendance
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking
from trainhub_ui.services.course_sessions import NewSession, create_session
from trainhub_ui.services.courses import NewCourse, create_course
from trainhub_ui.services.payments import open_payment, payment_succeeded
from trainhub_ui.services.sign_in_throttle import FREE_FAILURES_PER_ADDRESS


@dataclass
class Today:
    tenant: Tenant
    session_id: str  # today's session of "Gas Safety Core", in Room 2
    tomorrow_id: str  # the same course tomorrow
    bookings: dict[str, Booking]  # by the student's first name


async def _tenant(db: Database, slug: str) -> Tenant:
    async with db.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert tenant is not None
    return tenant


async def today_at(db: Database, slug: str = CENTRE_A, title: str = "Gas Safety Core") -> Today:
    """A course running today (and once more tomorrow) with bookings made two months ago: Gareth Jones paid,
    Priya Shah paid, Dee Deposit with her balance unpaid, Pat Pending not paid, Carl Cancel cancelled,
    and Tom Morrow paid for tomorrow's session."""
    tenant = await _tenant(db, slug)
    today = TenantContext(tenant=tenant).today()
    earlier = datetime.now(UTC) - timedelta(days=60)
    ctx = TenantContext(tenant=tenant, actor="tests", role=StaffRole.ADMIN, clock=lambda: earlier)
    async with db.transaction() as session:
        course = await create_course(session, ctx, NewCourse(title=title, price=49500, location="Bristol"))

        async def on(day: date, **more: object) -> str:
            details = NewSession(start_date=day, end_date=day, start_time=time(9), end_time=time(16, 30), **more)  # type: ignore[arg-type]
            return (await create_session(session, ctx, course.id, details)).id

        session_id = await on(today, venue="Room 2")
        tomorrow_id = await on(today + timedelta(days=1))
    bookings: dict[str, Booking] = {}
    people = [
        ("Gareth", "Jones", session_id, PaymentOption.FULL, True),
        ("Priya", "Shah", session_id, PaymentOption.FULL, True),
        ("Dee", "Deposit", session_id, PaymentOption.DEPOSIT, True),
        ("Pat", "Pending", session_id, PaymentOption.FULL, False),
        ("Carl", "Cancel", session_id, PaymentOption.FULL, True),
        ("Tom", "Morrow", tomorrow_id, PaymentOption.FULL, True),
    ]
    for first, last, where, option, paid in people:
        async with db.transaction() as session:
            student = await customer(session, tenant, f"{first}.{last}.{slug}@example.com".lower())
            student.first_name, student.last_name = first, last
            booking = await create_booking(
                session, ctx, BookingRequest(customer_id=student.id, session_id=where, payment_option=option)
            )
            if paid:
                payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
                await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)
        bookings[first] = booking
    async with db.transaction() as session:
        await cancel_booking(session, ctx, bookings["Carl"].id, "cannot come")
    return Today(tenant, session_id, tomorrow_id, bookings)


async def unlock(user: User, slug: str = CENTRE_A, role: StaffRole = StaffRole.STAFF, *, retries: int = SLOW) -> None:
    await user.open(f"/{slug}/kiosk")
    await user.should_see("Unlock the check-in kiosk")
    user.find(marker="unlock-email").type(staff_email(role, slug))
    user.find(marker="unlock-password").type(PASSWORD)
    user.find(marker="unlock").click()
    await user.should_see("Welcome! Check in for today's course", retries=retries)


async def unlock_beside_another(user: User) -> None:
    """`unlock` in a test with two simulated users. NiceGUI's simulation hands `ui.navigate` to whichever
    user the test touched last, so the unlock's reload can land on the other one; the unlock itself is
    in this user's storage, so opening the page again shows the kiosk."""
    try:
        await unlock(user, retries=50)
    except AssertionError:
        await user.open(f"/{CENTRE_A}/kiosk")
        await user.should_see("Welcome! Check in for today's course", retries=SLOW)


def text_of(user: User, marker: str) -> str:
    (element,) = user.find(marker=marker).elements
    return element.text  # type: ignore[attr-defined]


async def eventually(check: Callable[[], bool], retries: int = SLOW) -> None:
    for _ in range(retries):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("never came true")


async def figures(user: User, session_id: str, booked: str, checked_in: str, expected: str) -> None:
    def shown() -> tuple[str, str, str]:
        return tuple(text_of(user, f"{name}-{session_id}") for name in ("booked", "checked-in", "expected"))  # type: ignore[return-value]

    try:
        await eventually(lambda: shown() == (booked, checked_in, expected))
    except AssertionError:
        raise AssertionError(f"figures are {shown()}, not {(booked, checked_in, expected)}") from None


async def scan(user: User, reference: str) -> None:
    """A scanner types the reference into the field and presses Enter (and the kiosk takes it)."""
    field = user.find(marker="kiosk-reference")
    field.type(reference).trigger("keydown.enter")
    await eventually(lambda: next(iter(field.elements)).value == "")  # type: ignore[attr-defined]


async def result(user: User, heading: str, body: str = "") -> None:
    await user.should_see(heading, retries=SLOW)
    if body:
        await user.should_see(body)


# --- locked and unlocked ----------------------------------------------------------------------------


async def test_an_unknown_centre_answers_not_found(user: User) -> None:
    response = await user.http_client.get("/nowhere/kiosk")
    assert response.status_code == 404
    assert "Page not found" in response.text


async def test_a_locked_kiosk_shows_only_the_unlock_form(user: User, centres: Database) -> None:
    await today_at(centres)
    await user.open(f"/{CENTRE_A}/kiosk")
    await user.should_see("Unlock the check-in kiosk")
    await user.should_see("Alpha Gas School")
    await user.should_not_see("Gas Safety Core")
    await user.should_not_see(marker="kiosk-reference")


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_staff_unlock_the_kiosk_once_and_it_stays_a_kiosk(user: User, centres: Database, role: StaffRole) -> None:
    today = await today_at(centres)
    await unlock(user, role=role)
    await user.should_see("Gas Safety Core")
    await figures(user, today.session_id, "3", "0", "3")
    await user.open(f"/{CENTRE_A}/kiosk")  # reloaded: still a kiosk
    await user.should_see("Welcome! Check in for today's course")
    # Not signed in to the back office, and nothing on the kiosk leads there.
    response = await user.http_client.get(f"/{CENTRE_A}/admin")
    assert response.status_code in (303, 307)
    assert response.headers["location"].startswith(f"/{CENTRE_A}/admin/login")
    kiosk_html = (await user.http_client.get(f"/{CENTRE_A}/kiosk")).text
    assert "/admin" not in kiosk_html


async def test_unlocking_signs_the_browser_out_of_the_back_office(user: User) -> None:
    await user.open(f"/{CENTRE_A}/admin/login")
    user.find(marker="email").type(staff_email(StaffRole.ADMIN))
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Welcome back", retries=SLOW)
    await unlock(user)
    response = await user.http_client.get(f"/{CENTRE_A}/admin")
    assert response.status_code in (303, 307)


async def test_instructors_wrong_passwords_and_other_centres_staff_cannot_unlock(user: User) -> None:
    await user.open(f"/{CENTRE_A}/kiosk")
    user.find(marker="unlock").click()
    await user.should_see("Enter your staff email address.")
    await user.should_see("Enter your password.")
    for email, password, message in (
        (staff_email(StaffRole.INSTRUCTOR), PASSWORD, ONLY_STAFF),
        (staff_email(StaffRole.STAFF), "not-the-password", WRONG_CREDENTIALS),
        (staff_email(StaffRole.STAFF, CENTRE_B), PASSWORD, WRONG_CREDENTIALS),
    ):
        user.find(marker="unlock-email").clear().type(email)
        user.find(marker="unlock-password").clear().type(password)
        user.find(marker="unlock").click()
        await user.should_see(message, retries=SLOW)
        await eventually(lambda: user.find(marker="unlock-password").elements.pop().value == "")  # type: ignore[attr-defined]
        await user.should_not_see("Welcome! Check in")


async def test_failed_unlocks_count_towards_the_sign_in_throttle(user: User) -> None:
    await user.open(f"/{CENTRE_A}/kiosk")
    for _ in range(FREE_FAILURES_PER_ADDRESS):
        user.find(marker="unlock-email").clear().type(staff_email(StaffRole.STAFF))
        user.find(marker="unlock-password").clear().type("guessing")
        user.find(marker="unlock").click()
        await eventually(lambda: user.find(marker="unlock-password").elements.pop().value == "")  # type: ignore[attr-defined]
    user.find(marker="unlock-password").clear().type(PASSWORD)
    user.find(marker="unlock").click()
    await user.should_see("Too many failed sign-ins", retries=SLOW)
    await user.should_not_see("Welcome! Check in")


async def test_a_kiosk_of_one_centre_is_not_unlocked_for_another(user: User, centres: Database) -> None:
    await today_at(centres, CENTRE_B, "Heat Pumps")
    await unlock(user, CENTRE_A)
    await user.open(f"/{CENTRE_B}/kiosk")
    await user.should_see("Unlock the check-in kiosk")
    await user.should_not_see("Heat Pumps")


async def test_a_kiosk_unlocked_by_someone_no_longer_staff_locks_itself(user: User, centres: Database) -> None:
    await unlock(user)
    async with centres.transaction() as session:
        await session.execute(
            update(StaffUser).where(StaffUser.email == staff_email(StaffRole.STAFF)).values(is_active=False)
        )
    await user.open(f"/{CENTRE_A}/kiosk")
    await user.should_see("Unlock the check-in kiosk")


async def test_staff_lock_the_kiosk_with_their_password(user: User) -> None:
    await unlock(user)
    user.find(marker="kiosk-lock").click()
    await user.should_see("Lock the kiosk")
    user.find(marker="lock-email").type(staff_email(StaffRole.INSTRUCTOR))
    user.find(marker="lock-password").type(PASSWORD)
    user.find(marker="lock-confirm").click()
    await user.should_see(ONLY_STAFF, retries=SLOW)
    user.find(marker="lock-cancel").click()
    await user.open(f"/{CENTRE_A}/kiosk")
    await user.should_see("Welcome! Check in for today's course")  # still a kiosk

    user.find(marker="kiosk-lock").click()
    user.find(marker="lock-email").type(staff_email(StaffRole.ADMIN))
    user.find(marker="lock-password").type(PASSWORD)
    user.find(marker="lock-confirm").click()
    await user.should_see("Unlock the check-in kiosk", retries=SLOW)
    await user.open(f"/{CENTRE_A}/kiosk")
    await user.should_see("Unlock the check-in kiosk")


# --- checking in ----------------------------------------------------------------------------------


async def test_a_scanned_reference_checks_in_and_the_figures_move(user: User, centres: Database) -> None:
    today = await today_at(centres)
    await unlock(user)
    await figures(user, today.session_id, "3", "0", "3")
    await scan(user, f"  {today.bookings['Gareth'].reference.lower()} ")
    await result(user, "Welcome, Gareth!", "You are checked in for Gas Safety Core. Please go to Room 2.")
    assert user.find(marker="kiosk-reference").elements.pop().value == ""  # type: ignore[attr-defined]
    await figures(user, today.session_id, "3", "1", "2")
    # The scanner reads the same QR code twice: the welcome stays.
    await scan(user, today.bookings["Gareth"].reference)
    await user.should_see("Welcome, Gareth!")
    await user.should_not_see("Welcome back, Gareth!")
    # The same QR code again, after someone else.
    await scan(user, today.bookings["Priya"].reference)
    await result(user, "Welcome, Priya!")
    await scan(user, today.bookings["Gareth"].reference)
    await result(user, "Welcome back, Gareth!", "You are already checked in for Gas Safety Core.")
    await figures(user, today.session_id, "3", "2", "1")


async def test_a_typed_reference_checks_in_with_the_button(user: User, centres: Database) -> None:
    today = await today_at(centres)
    await unlock(user)
    user.find(marker="kiosk-reference").type(today.bookings["Priya"].reference.replace("-", ""))
    user.find(marker="kiosk-check-in").click()
    await result(user, "Welcome, Priya!")
    await figures(user, today.session_id, "3", "1", "2")
    user.find(marker="kiosk-check-in").click()  # nothing typed: nothing happens
    await user.should_see("Welcome, Priya!")


@pytest.mark.parametrize(
    ("who", "heading", "body"),
    [
        ("Carl", "Carl, this booking was cancelled", "was cancelled. Please see the reception staff."),
        ("Pat", "Pat, this booking is not confirmed yet", "is not paid and confirmed yet. Please see the reception"),
        ("Dee", "Dee, there is a balance to pay", "There is a balance of £346.50 still to pay on booking"),
    ],
)
async def test_problems_send_the_student_to_reception(
    user: User, centres: Database, who: str, heading: str, body: str
) -> None:
    today = await today_at(centres)
    await unlock(user)
    await scan(user, today.bookings[who].reference)
    await result(user, heading, body)
    await user.should_see("Please see the reception staff.")
    await figures(user, today.session_id, "3", "0", "3")


async def test_an_unknown_reference_and_another_centres_are_not_found(user: User, centres: Database) -> None:
    elsewhere = await today_at(centres, CENTRE_B, "Heat Pumps")
    await unlock(user)
    for reference in ("CA-NOPE1", elsewhere.bookings["Gareth"].reference):
        await scan(user, reference)
        await result(user, "Booking not found", "Please see the reception staff.")
        await user.should_not_see("Welcome,")
        user.find(marker="kiosk-reference").clear()


async def test_a_booking_of_another_day_shows_no_name_and_no_dates(user: User, centres: Database) -> None:
    today = await today_at(centres)
    await unlock(user)
    reference = today.bookings["Tom"].reference  # booked and paid for tomorrow
    await scan(user, reference)
    await result(user, "Booking not found", f"We could not find booking {reference} for a course today.")
    await user.should_not_see("Tom")
    await user.should_not_see("Gas Safety Core is on")
    await figures(user, today.session_id, "3", "0", "3")


async def test_a_failing_check_in_says_so_instead_of_breaking(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    today = await today_at(centres)
    await unlock(user)

    async def broken(*_args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(kiosk_page.attendance, "check_in", broken)
    await scan(user, today.bookings["Gareth"].reference)
    await result(user, "Something went wrong", kiosk_page.TRY_AGAIN)
    assert [record.message for record in caplog.records] == ["kiosk: check-in failed"]
    caplog.clear()  # logged on purpose: the harness fails a test on any logged error


# --- finding a name -------------------------------------------------------------------------------


async def test_a_student_finds_their_name_and_confirms(user: User, centres: Database) -> None:
    today = await today_at(centres)
    await today_at(centres, CENTRE_B, "Heat Pumps")  # their Gareth Jones is not ours
    await unlock(user)
    user.find(marker="kiosk-find-name").click()
    await user.should_see("Find your name")
    user.find(marker="kiosk-name").type("g")
    await user.should_not_see(marker="kiosk-match")
    user.find(marker="kiosk-name").type("ar")
    await user.should_see("Gareth J.", retries=SLOW)
    await user.should_not_see("Jones")
    assert len(user.find(marker="kiosk-match").elements) == 1
    user.find(marker="kiosk-match").click()
    await user.should_see("Is this you?")
    assert text_of(user, "kiosk-confirm-name") == "Gareth J."
    user.find(marker="kiosk-not-me").click()
    await figures(user, today.session_id, "3", "0", "3")
    user.find(marker="kiosk-match").click()
    user.find(marker="kiosk-its-me").click()
    await result(user, "Welcome, Gareth!")
    await figures(user, today.session_id, "3", "1", "2")
    await user.should_see("Welcome! Check in for today's course")  # back to the reference
    await user.should_not_see(marker="kiosk-match")


async def test_the_name_search_finds_nobody_of_other_days(user: User, centres: Database) -> None:
    await today_at(centres)
    await unlock(user)
    user.find(marker="kiosk-find-name").click()
    user.find(marker="kiosk-name").type("Morrow")  # booked tomorrow
    await user.should_see(marker="kiosk-no-match", retries=SLOW)
    user.find(marker="kiosk-name").clear().type("Pat")  # held, not paid: found, and told at the check-in
    await user.should_see("Pat P.", retries=SLOW)
    user.find(marker="kiosk-match").click()
    user.find(marker="kiosk-its-me").click()
    await result(user, "Pat, this booking is not confirmed yet")
    user.find(marker="kiosk-find-name").click()
    user.find(marker="kiosk-back").click()
    await user.should_see("Welcome! Check in for today's course")


# --- live, and back to the start ---------------------------------------------------------------------


async def test_a_check_in_shows_at_once_on_every_other_kiosk(
    create_user: Callable[[], User], centres: Database
) -> None:
    today = await today_at(centres)
    first, second = create_user(), create_user()
    for kiosk in (first, second):
        await unlock_beside_another(kiosk)
        await figures(kiosk, today.session_id, "3", "0", "3")
    await scan(first, today.bookings["Gareth"].reference)
    await result(first, "Welcome, Gareth!")
    for kiosk in (first, second):
        await figures(kiosk, today.session_id, "3", "1", "2")

    # The register kept by staff counts as well: marked absent, then late.
    ctx = TenantContext(tenant=today.tenant, actor="Staff Person", role=StaffRole.STAFF)
    day = ctx.today()
    async with centres.transaction() as session:
        await record_attendance(session, ctx, today.bookings["Gareth"].id, day, AttendanceStatus.ABSENT)
    await figures(second, today.session_id, "3", "0", "3")
    async with centres.transaction() as session:
        await record_attendance(session, ctx, today.bookings["Priya"].id, day, AttendanceStatus.LATE)
    await figures(second, today.session_id, "3", "1", "2")
    # A cancelled booking leaves the booked figure.
    async with centres.transaction() as session:
        await cancel_booking(session, ctx, today.bookings["Gareth"].id, "went home")
    await figures(first, today.session_id, "2", "1", "1")
    await figures(second, today.session_id, "2", "1", "1")


async def test_no_courses_today_says_so(user: User) -> None:
    await unlock(user)
    await user.should_see(marker="kiosk-no-sessions", retries=SLOW)


async def test_the_answer_clears_and_half_done_input_goes_when_idle(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kiosk_page, "RESULT_SECONDS", 1.0)
    monkeypatch.setattr(kiosk_page, "IDLE_SECONDS", 2.0)
    today = await today_at(centres)
    await unlock(user)
    await scan(user, today.bookings["Gareth"].reference)
    await result(user, "Welcome, Gareth!")
    await user.should_not_see("Welcome, Gareth!", retries=SLOW)

    user.find(marker="kiosk-reference").type("BGT-7K")
    await eventually(lambda: user.find(marker="kiosk-reference").elements.pop().value == "")  # type: ignore[attr-defined]

    user.find(marker="kiosk-find-name").click()
    user.find(marker="kiosk-name").type("Pri")
    await user.should_see("Priya S.", retries=SLOW)
    user.find(marker="kiosk-match").click()
    await user.should_see("Is this you?")
    await user.should_see("Welcome! Check in for today's course", retries=SLOW)
    await user.should_not_see("Priya S.")
    assert text_of(user, "kiosk-confirm-name") == ""
    await figures(user, today.session_id, "3", "1", "2")  # nobody else was checked in
