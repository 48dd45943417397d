"""The public pages a student walks through, in Chromium at desktop and phone widths: each renders what it
should, and its screenshot is saved (README's pictures come from here)."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import screenshot_path
from trainhub_ui.demo.specs import DEMO_PASSWORD

SLUG = "bristol-gas-training"
STUDENT = "student@bristolgas.example"


def _course_with_room(base: str) -> tuple[str, str, str]:
    """(course id, title, session id) of a demo course with a session that has room for two more, far
    enough ahead for a deposit to be offered."""
    api = f"{base}/api/tenant/{SLUG}"
    far_enough = (date.today() + timedelta(days=30)).isoformat()
    for course in httpx.get(f"{api}/courses", timeout=10).json()["items"]:
        for item in httpx.get(f"{api}/courses/{course['id']}/sessions", timeout=10).json()["items"]:
            if item["availableSpots"] - item["bookedSpots"] >= 2 and item["startDate"] >= far_enough:
                return course["id"], course["title"], item["id"]
    raise AssertionError("the demo data has no session with two places free")


async def _shot(page: Page, name: str, width: int) -> None:
    # On a phone nothing may stick out sideways.
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} at {width} px scrolls sideways by {overflow} px"
    # A whole-page shot of a scrolled page draws the fixed header at the scroll offset, over the content.
    await page.evaluate("window.scrollTo(0, 0)")
    await page.wait_for_timeout(400)  # let Quasar's transitions (a radio being chosen) finish
    await page.screenshot(path=screenshot_path(f"{name}-{width}"), full_page=True)


@pytest.mark.parametrize("width", [1280, 375])
async def test_a_student_walks_the_public_site(live_server: str, browser: Browser, width: int) -> None:
    course_id, title, session_id = _course_with_room(live_server)
    context = await browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 800})
    page = await context.new_page()

    await page.goto(f"{live_server}/{SLUG}")
    await expect(page.get_by_text("Bristol Gas Training Centre").first).to_be_visible()
    await expect(page.get_by_text("Upcoming sessions").first).to_be_visible()
    await _shot(page, "home", width)

    await page.goto(f"{live_server}/{SLUG}/courses?places=1")
    await expect(page.get_by_text(title).first).to_be_visible()
    await _shot(page, "catalog", width)

    await page.goto(f"{live_server}/{SLUG}/courses/{course_id}")
    await expect(page.locator(f'[data-session-places="{session_id}"]')).to_be_visible()
    await _shot(page, "course", width)

    await page.goto(f"{live_server}/{SLUG}/courses/{course_id}/book?session={session_id}")
    await expect(page.get_by_text("Choose a date")).to_be_visible()
    await _shot(page, "wizard-1", width)
    await page.get_by_role("button", name="Next").first.click()
    await page.get_by_label("First name").fill("Morgan")
    await page.get_by_label("Last name").fill("Price")
    await page.get_by_label("Email", exact=True).fill(f"morgan.price.{width}@example.com")
    await _shot(page, "wizard-2", width)
    await page.get_by_role("button", name="Next").first.click()
    await page.get_by_text("Deposit").first.click()
    await expect(page.get_by_text("now").first).to_be_visible()
    await _shot(page, "wizard-3", width)
    await page.get_by_role("button", name="Next").first.click()
    await expect(page.get_by_text("For: Morgan Price")).to_be_visible()
    await page.get_by_role("checkbox", name="I accept the terms").click()
    await _shot(page, "wizard-4", width)
    await page.get_by_role("button", name="Book now").click()
    await page.wait_for_url(f"{live_server}/{SLUG}/pay/*")
    await expect(page.get_by_text("your place is held")).to_be_visible()
    await expect(page.get_by_text("more").first).to_be_visible()  # the hold's countdown
    await _shot(page, "wizard-5", width)
    await page.get_by_role("button", name="Pay £").click()
    await expect(page.get_by_text("Add to calendar")).to_be_visible()
    await expect(page.get_by_text("balance", exact=False).first).to_be_visible()
    # The "Payment received" notice fades by itself; the picture is of the page it leaves.
    await expect(page.locator(".q-notification")).to_have_count(0, timeout=15_000)
    await _shot(page, "confirmation", width)

    await page.goto(f"{live_server}/{SLUG}/login?next=/{SLUG}/account")
    await page.get_by_label("Email").fill(STUDENT)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).last.click()
    await expect(page.get_by_text("Your upcoming bookings")).to_be_visible()
    await expect(page.get_by_text("Your details")).to_be_visible()
    await _shot(page, "account", width)
    await context.close()
