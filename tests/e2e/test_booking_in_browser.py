"""A student books and pays in test mode in Chromium while a second browser on the same course page
sees the places drop, without a reload."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.e2e.conftest import screenshot_path

SLUG = "bristol-gas-training"


def _roomy_session(base: str) -> tuple[str, str, int]:
    """(course id, session id, places left) of a session with room to spare."""
    api = f"{base}/api/tenant/{SLUG}"
    for course in httpx.get(f"{api}/courses", timeout=10).json()["items"]:
        for item in httpx.get(f"{api}/courses/{course['id']}/sessions", timeout=10).json()["items"]:
            left = item["availableSpots"] - item["bookedSpots"]
            if left >= 6:
                return course["id"], item["id"], left
    raise AssertionError("the demo data has no session with six places free")


async def test_book_and_pay_while_another_browser_watches(live_server: str, browser: Browser) -> None:
    course_id, session_id, left = _roomy_session(live_server)
    watcher = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await watcher.goto(f"{live_server}/{SLUG}/courses/{course_id}")
    places = watcher.locator(f'[data-session-places="{session_id}"]')
    await expect(places).to_have_text(f"{left} places left")

    student = await (await browser.new_context(viewport={"width": 375, "height": 800})).new_page()
    await student.goto(f"{live_server}/{SLUG}/courses/{course_id}/book?session={session_id}")
    await student.get_by_role("button", name="Next").first.click()
    await student.get_by_label("First name").fill("Robin")
    await student.get_by_label("Last name").fill("Browser")
    await student.get_by_label("Email", exact=True).fill("robin.browser@example.com")
    await student.get_by_role("button", name="Next").first.click()
    await student.get_by_role("button", name="Next").first.click()
    await expect(student.get_by_text("For: Robin Browser")).to_be_visible()
    await student.get_by_role("checkbox", name="I accept the terms").click()
    await student.get_by_role("button", name="Book now").click()
    await student.wait_for_url(f"{live_server}/{SLUG}/pay/*")
    # The place is held now: the other browser sees it go, with no reload.
    await expect(places).to_have_text(f"{left - 1} places left", timeout=5000)
    await student.get_by_role("button", name="(test)").first.click()
    await expect(student.get_by_text("your place is confirmed and paid")).to_be_visible()
    await expect(student.get_by_text("Add to calendar")).to_be_visible()
    await student.screenshot(path=screenshot_path("booked-and-paid-375"), full_page=True)
    await watcher.screenshot(path=screenshot_path("course-page-after-booking-1280"), full_page=True)
