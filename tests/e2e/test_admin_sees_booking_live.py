"""An admin creates a course and a session in the back office; a student books it in another browser; the
admin's session page shows the booking, and then its payment, without a reload."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import screenshot_path
from trainhub_ui.demo.specs import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

SLUG = "bristol-gas-training"


async def sign_in_as_admin(page: Page, base: str) -> None:
    await page.goto(f"{base}/{SLUG}/admin/login")
    await page.get_by_label("Email").fill("admin@bristolgas.example")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("Welcome back")).to_be_visible(timeout=10_000)


async def test_admin_creates_a_course_and_session_and_sees_a_booking_arrive(live_server: str, browser: Browser) -> None:
    title = f"Flue Gas Analysis {uuid.uuid4().hex[:6].upper()}"
    start = date.today() + timedelta(days=40)

    admin = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await sign_in_as_admin(admin, live_server)
    await admin.goto(f"{live_server}/{SLUG}/admin/courses")
    await admin.get_by_role("button", name="New course").click()
    await admin.get_by_label("Title", exact=True).fill(title)
    await admin.get_by_label("Price (£)").fill("240")
    await admin.get_by_label("Places per session").fill("12")
    await admin.get_by_role("button", name="Save course").click()
    await expect(admin.get_by_text(f"“{title}” is saved.")).to_be_visible()

    # The reference flow: "Manage Sessions" on the course, "Create Session", dates, times, capacity, notes, save.
    row = admin.locator("div.grid", has_text=title)
    await row.get_by_role("button", name="Manage Sessions").click()
    await expect(admin.get_by_role("button", name="Create Session")).to_be_visible()
    await admin.get_by_role("button", name="Create Session").click()
    await admin.get_by_label("Start date").fill(start.isoformat())
    await admin.get_by_label("End date").fill(start.isoformat())
    await admin.get_by_label("Start time").fill("09:00")
    await admin.get_by_label("End time").fill("17:00")
    await admin.get_by_label("Capacity (places)").fill("12")
    await admin.get_by_label("Instructor notes (internal)").fill("Bring safety equipment")
    await admin.get_by_role("button", name="Save session").click()
    await expect(admin.get_by_text("Session saved:")).to_be_visible()
    await admin.get_by_role("link", name=re.compile(f"{start:%a %-d %b %Y}")).click()
    await admin.wait_for_url(re.compile(r".*/sessions/[0-9a-f-]{36}$"))
    course_id, session_id = re.findall(r"/courses/([0-9a-f-]{36})/sessions/([0-9a-f-]{36})$", admin.url)[0]
    booked = admin.locator(f'[data-session-booked="{session_id}"]')
    await expect(booked).to_have_text("0 / 12")
    await expect(admin.get_by_text("Nobody is booked on this session yet.")).to_be_visible()
    await expect(admin.get_by_text("Bring safety equipment")).to_be_visible()
    # A reload would lose this mark: the booking has to arrive over the open page's connection.
    await admin.evaluate("window.__stillTheSamePage = true")

    student = await (await browser.new_context(viewport={"width": 375, "height": 800})).new_page()
    await student.goto(f"{live_server}/{SLUG}/courses/{course_id}/book?session={session_id}")
    await student.get_by_role("button", name="Next").first.click()
    await student.get_by_label("First name").fill("Harper")
    await student.get_by_label("Last name").fill("Live")
    await student.get_by_label("Email", exact=True).fill(f"harper.{uuid.uuid4().hex[:6]}@example.com")
    await student.get_by_role("button", name="Next").first.click()
    await student.get_by_role("button", name="Next").first.click()
    await student.get_by_role("checkbox", name="I accept the terms").click()
    await student.get_by_role("button", name="Book now").click()
    await student.wait_for_url(f"{live_server}/{SLUG}/pay/*")
    reference = student.url.rsplit("/", 1)[-1].split("?")[0]  # the pay link: the reference, then its token

    await expect(booked).to_have_text("1 / 12", timeout=5000)
    await expect(admin.get_by_text("Harper Live")).to_be_visible(timeout=5000)
    await expect(admin.get_by_text(reference)).to_be_visible()
    await expect(admin.get_by_text("Awaiting payment", exact=True)).to_be_visible()

    await student.get_by_role("button", name="(test)").first.click()
    await expect(student.get_by_text("your place is confirmed and paid")).to_be_visible()
    await expect(admin.get_by_text("Paid in full", exact=True)).to_be_visible(timeout=5000)
    assert await admin.evaluate("window.__stillTheSamePage === true")
    await admin.screenshot(path=screenshot_path("admin-session-detail-live-1280"), full_page=True)


def _busiest_session(base: str) -> tuple[str, str]:
    """(course id, session id) of the demo's session with most places booked, for a roster worth showing."""
    api = f"{base}/api/tenant/{SLUG}"
    found = [
        (item["bookedSpots"], course["id"], item["id"])
        for course in httpx.get(f"{api}/courses", timeout=10).json()["items"]
        for item in httpx.get(f"{api}/courses/{course['id']}/sessions", timeout=10).json()["items"]
    ]
    _booked, course_id, session_id = max(found)
    return course_id, session_id


@pytest.mark.parametrize("width", [1280, 375])
async def test_course_pages_of_the_back_office_at_both_widths(live_server: str, browser: Browser, width: int) -> None:
    course_id, session_id = _busiest_session(live_server)
    page = await (await browser.new_context(viewport={"width": width, "height": 900})).new_page()
    await sign_in_as_admin(page, live_server)
    await page.goto(f"{live_server}/{SLUG}/admin/courses")
    await expect(page.get_by_role("button", name="Manage Sessions").first).to_be_visible()
    await page.screenshot(path=screenshot_path(f"admin-courses-{width}"), full_page=True)
    await page.goto(f"{live_server}/{SLUG}/admin/courses/{course_id}/sessions")
    await expect(page.locator(f'[data-session-booked="{session_id}"]')).to_be_visible()
    await page.screenshot(path=screenshot_path(f"admin-sessions-{width}"), full_page=True)
    await page.goto(f"{live_server}/{SLUG}/admin/courses/{course_id}/sessions/{session_id}")
    await expect(page.get_by_text("Register").first).to_be_visible()
    await page.screenshot(path=screenshot_path(f"admin-session-detail-{width}"), full_page=True)
