"""Two reception kiosks of the demo centre in two browser contexts: a check-in on one shows on the other
without a reload.

`todays_session` and `book_for_today` make, through the JSON API, a session running today and a paid
booking on it (the demo's own sessions start days ahead); other browser tests can use them to open a
session page and watch the same check-in arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import api_token, screenshot_path, start_server, stop
from tests.e2e.test_admin_sees_booking_live import sign_in_as_admin
from trainhub_ui.demo.specs import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = pytest.mark.e2e

SLUG = "bristol-gas-training"
CENTRE_ZONE = ZoneInfo("Europe/London")  # the demo centre's timezone
STAFF_EMAIL = next(login.email for login in DEMO_LOGINS if login.centre_slug == SLUG and login.role == "STAFF")


@dataclass(frozen=True)
class TodaysSession:
    course_id: str
    session_id: str
    title: str


@dataclass(frozen=True)
class TodaysBooking:
    course_id: str
    session_id: str
    booking_id: str
    reference: str
    first_name: str


def _api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/api/tenant/{SLUG}", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def todays_session(base: str, token: str) -> TodaysSession:
    """A new session of the demo's first course, today, starting a few minutes from now (a session can
    only be scheduled in the future) and ending at midnight."""
    now = datetime.now(CENTRE_ZONE)
    starts = (now + timedelta(minutes=3)).replace(second=0, microsecond=0)
    if starts.date() != now.date() or (starts.hour == 23 and starts.minute > 57):
        pytest.skip("too close to midnight at the centre to schedule a session for today")
    with _api(base, token) as api:
        course = api.get("/courses").raise_for_status().json()["items"][0]
        created = api.post(
            f"/courses/{course['id']}/sessions",
            json={
                "startDate": now.date().isoformat(),
                "endDate": now.date().isoformat(),
                "startTime": f"{starts:%H:%M}",
                "endTime": "23:59",
                "availableSpots": 12,
                "venue": "Training room 3",
            },
        )
        assert created.status_code == 201, created.text
    return TodaysSession(course["id"], created.json()["id"], course["title"])


def book_for_today(base: str, token: str, session: TodaysSession, first_name: str, last_name: str) -> TodaysBooking:
    """A new student booked on `session` on a company invoice, then paid in full by bank transfer."""
    with _api(base, token) as api:
        email = f"{first_name}.{last_name}.{datetime.now().timestamp():.0f}@example.com".lower()
        student = api.post("/students", json={"firstName": first_name, "lastName": last_name, "email": email})
        assert student.status_code == 201, student.text
        booking = api.post(
            "/bookings",
            json={
                "customerId": student.json()["id"],
                "sessionId": session.session_id,
                "paymentOption": "INVOICE",
                "companyName": f"{last_name} Heating Ltd",
                "billingEmail": email,
                "billingAddress": "1 Dock Road, Bristol BS1 4AA",
            },
        )
        assert booking.status_code == 201, booking.text
        booked = booking.json()
        paid = api.post(f"/bookings/{booked['id']}/payments", json={"amount": booked["totalAmount"]})
        assert paid.status_code == 201, paid.text
    return TodaysBooking(session.course_id, session.session_id, booked["id"], booked["reference"], first_name)


async def open_kiosk(context: BrowserContext, base: str, size: dict[str, int] | None = None) -> Page:
    """The kiosk in a fresh browser context, unlocked by the demo's staff member."""
    page = await context.new_page()
    if size:
        await page.set_viewport_size(size)
    await page.goto(f"{base}/{SLUG}/kiosk")
    await expect(page.get_by_text("Unlock the check-in kiosk")).to_be_visible()
    await page.get_by_label("Staff email").fill(STAFF_EMAIL)
    await page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Unlock kiosk").click()
    await expect(page.get_by_text("Welcome! Check in for today's course")).to_be_visible(timeout=15_000)
    return page


def checked_in(page: Page, session_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-checked-in="{session_id}"]')


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A server of its own: this test adds a session for today to the demo."""
    base, process, env = start_server(Path(tmp_path_factory.mktemp("kiosk-e2e")))
    try:
        yield base, api_token(env, SLUG)
    finally:
        stop(process)


async def test_a_check_in_on_one_kiosk_shows_on_another_and_on_the_admin_session_page(
    kiosk_server: tuple[str, str], browser: Browser
) -> None:
    base, token = kiosk_server
    session = todays_session(base, token)
    gareth = book_for_today(base, token, session, "Gareth", "Jones")
    priya = book_for_today(base, token, session, "Priya", "Shah")

    first_context, second_context = await browser.new_context(), await browser.new_context()
    admin_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        admin = await admin_context.new_page()
        await sign_in_as_admin(admin, base)
        await admin.goto(f"{base}/{SLUG}/admin/courses/{session.course_id}/sessions/{session.session_id}")
        await expect(admin.get_by_text("0 of 2 in")).to_be_visible()
        first = await open_kiosk(first_context, base)
        second = await open_kiosk(second_context, base)
        for kiosk in (first, second):
            await expect(checked_in(kiosk, session.session_id)).to_have_text("0")
            await expect(kiosk.locator(f'[data-booked="{session.session_id}"]')).to_have_text("2")

        # A scanner types the reference and Enter into the field that has the focus.
        await expect(first.get_by_label("Booking reference")).to_be_focused()
        await first.keyboard.type(gareth.reference.lower(), delay=5)
        await first.keyboard.press("Enter")
        await expect(first.get_by_text("Welcome, Gareth!")).to_be_visible()
        await expect(first.get_by_label("Booking reference")).to_have_value("")
        await expect(first.get_by_label("Booking reference")).to_be_focused()

        await expect(checked_in(second, session.session_id)).to_have_text("1")
        await expect(second.locator(f'[data-expected="{session.session_id}"]')).to_have_text("1")
        await expect(checked_in(first, session.session_id)).to_have_text("1")
        # The admin's open session page shows it too, in the register and the roster, with no reload.
        await expect(admin.get_by_text("1 of 2 in")).to_be_visible()
        await expect(admin.get_by_text("1 of 1 day", exact=True)).to_be_visible()

        # The scanner reads the same QR code twice: the welcome stays, and so do the figures.
        await first.keyboard.type(gareth.reference, delay=5)
        await first.keyboard.press("Enter")
        await expect(first.get_by_label("Booking reference")).to_have_value("")
        await expect(first.get_by_text("Welcome, Gareth!")).to_be_visible()
        await expect(checked_in(second, session.session_id)).to_have_text("1")

        # And the other way round, typed by hand with the Check in button.
        await second.get_by_label("Booking reference").fill(priya.reference)
        await second.get_by_role("button", name="Check in").click()
        await expect(second.get_by_text("Welcome, Priya!")).to_be_visible()
        await expect(checked_in(first, session.session_id)).to_have_text("2")
        await expect(first.locator(f'[data-expected="{session.session_id}"]')).to_have_text("0")
    finally:
        await first_context.close()
        await second_context.close()
        await admin_context.close()


async def test_a_scan_while_the_network_is_down_checks_in_when_it_is_back(
    kiosk_server: tuple[str, str], browser: Browser
) -> None:
    """Longer than NiceGUI's default three seconds to reconnect, after which the page would be thrown
    away and reloaded, losing the scan."""
    base, token = kiosk_server
    session = todays_session(base, token)
    olive = book_for_today(base, token, session, "Olive", "Offline")
    context = await browser.new_context()
    try:
        kiosk = await open_kiosk(context, base)
        await kiosk.evaluate("window.sameKioskPage = true")
        await context.set_offline(True)
        await kiosk.wait_for_timeout(8_000)
        await kiosk.keyboard.type(olive.reference, delay=5)
        await kiosk.keyboard.press("Enter")
        await expect(kiosk.get_by_label("Booking reference")).to_have_value("")
        await kiosk.wait_for_timeout(2_000)
        await context.set_offline(False)
        await expect(kiosk.get_by_text("Welcome, Olive!")).to_be_visible(timeout=30_000)
        await expect(checked_in(kiosk, session.session_id)).to_have_text("1")
        assert await kiosk.evaluate("window.sameKioskPage === true"), "the kiosk page was reloaded"
    finally:
        await context.close()


async def test_the_kiosk_goes_full_screen_and_back_and_keeps_the_focus_for_the_scanner(
    kiosk_server: tuple[str, str], browser: Browser
) -> None:
    base, _token = kiosk_server
    context = await browser.new_context()
    try:
        kiosk = await open_kiosk(context, base)
        await kiosk.get_by_role("button", name="Full screen").click()
        await kiosk.wait_for_function("document.fullscreenElement !== null")
        await kiosk.get_by_role("button", name="Full screen").click()
        await kiosk.wait_for_function("document.fullscreenElement === null")
        # Tapping the control must not leave the reference box without the scanner's keystrokes.
        await kiosk.keyboard.type("BGT-NOPE1", delay=5)
        await kiosk.keyboard.press("Enter")
        await expect(kiosk.get_by_text("Booking not found")).to_be_visible()
    finally:
        await context.close()


async def test_kiosk_screenshots(kiosk_server: tuple[str, str], browser: Browser) -> None:
    """The kiosk's screens at a landscape tablet's 1280 x 800 and a portrait 768 x 1024."""
    base, token = kiosk_server
    session = todays_session(base, token)
    people = [book_for_today(base, token, session, first, last) for first, last in _CLASS]
    for number, (width, height) in enumerate(((1280, 800), (768, 1024))):
        context = await browser.new_context(viewport={"width": width, "height": height})
        try:
            page = await context.new_page()
            await page.goto(f"{base}/{SLUG}/kiosk")
            await expect(page.get_by_text("Unlock the check-in kiosk")).to_be_visible()
            await page.screenshot(path=screenshot_path(f"kiosk-unlock-{width}"))
            await page.get_by_label("Staff email").fill(STAFF_EMAIL)
            await page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            await page.get_by_role("button", name="Unlock kiosk").click()
            await expect(checked_in(page, session.session_id)).to_be_visible(timeout=15_000)
            await expect(page.get_by_label("Booking reference")).to_be_focused()
            await page.screenshot(path=screenshot_path(f"kiosk-start-{width}"))

            visitor = people[number]
            await page.keyboard.type(visitor.reference, delay=5)
            await page.keyboard.press("Enter")
            await expect(page.get_by_text(f"Welcome, {visitor.first_name}!")).to_be_visible()
            await expect(checked_in(page, session.session_id)).to_have_text(str(number + 1))
            await page.screenshot(path=screenshot_path(f"kiosk-success-{width}"))

            await page.keyboard.type("BGT-ZZZZZ", delay=5)
            await page.keyboard.press("Enter")
            await expect(page.get_by_text("Booking not found")).to_be_visible()
            await page.screenshot(path=screenshot_path(f"kiosk-problem-{width}"))

            await page.get_by_role("button", name="Find my name").click()
            await page.get_by_label("Your name").fill("ja")
            await expect(page.get_by_text("Jack M.")).to_be_visible()
            await page.screenshot(path=screenshot_path(f"kiosk-name-search-{width}"))
            await page.get_by_text("Jack M.").click()
            await expect(page.get_by_text("Is this you?")).to_be_visible()
            await page.wait_for_timeout(400)  # the dialog's opening animation
            await page.screenshot(path=screenshot_path(f"kiosk-name-confirm-{width}"))
            await page.get_by_role("button", name="No, go back").click()

            await page.get_by_role("button", name="Lock the kiosk").click()
            await expect(page.get_by_text("Staff only: sign in again to lock.")).to_be_visible()
            await page.wait_for_timeout(400)
            await page.screenshot(path=screenshot_path(f"kiosk-lock-{width}"))
        finally:
            await context.close()


_CLASS = [("Gareth", "Jones"), ("Priya", "Shah"), ("Jack", "Morgan"), ("Jane", "Adams"), ("Tom", "Hughes")]
