"""The pages work in Chromium under the Content-Security-Policy, with nothing of the app's own refused, and
markup a person typed into a course or a name never runs."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import api_token, start_server, stop
from tests.e2e.test_admin_sees_booking_live import sign_in_as_admin

pytestmark = pytest.mark.e2e

SLUG = "bristol-gas-training"
SCRIPT = "<script>window.pwned=1</script>"
IMAGE = '<img src="x" onerror="window.pwned=1">'
# Every `securitypolicyviolation` event of a page, passed to the test as it happens (survives navigation).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
  window.reportViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
"""


@dataclass
class Served:
    base: str
    token: str

    def api(self, path: str) -> str:
        return f"{self.base}/api/tenant/{SLUG}{path}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """The app on the demo data, with an API token of the demo centre."""
    base, process, env = start_server(Path(tempfile.mkdtemp(prefix="trainhub-csp-")))
    try:
        yield Served(base, api_token(env, SLUG))
    finally:
        stop(process)


@dataclass
class Watched:
    page: Page
    violations: list[str] = field(default_factory=list)


async def watched_page(browser: Browser) -> Watched:
    """A page whose policy violations, reported as events or on the console, are collected."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            watched.violations.append(message.text)

    def on_violation(report: str) -> None:
        watched.violations.append(report)

    page.on("console", on_console)
    await page.expose_function("reportViolation", on_violation)
    await page.add_init_script(REPORT_VIOLATIONS)
    return watched


def roomy_session(served: Served) -> tuple[str, str]:
    for course in httpx.get(served.api("/courses"), timeout=10).json()["items"]:
        for item in httpx.get(served.api(f"/courses/{course['id']}/sessions"), timeout=10).json()["items"]:
            if item["availableSpots"] - item["bookedSpots"] >= 3:
                return course["id"], item["id"]
    raise AssertionError("the demo data has no session with three places free")


async def test_pages_work_under_the_policy_and_none_of_their_scripts_is_refused(
    served: Served, browser: Browser
) -> None:
    course_id, session_id = roomy_session(served)
    watched = await watched_page(browser)
    page = watched.page

    answer = await page.goto(f"{served.base}/{SLUG}/courses/{course_id}")
    assert (
        answer is not None
        and "'unsafe-inline'" not in answer.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    )
    await expect(page.locator(f'[data-session-places="{session_id}"]')).to_be_visible()

    await page.goto(f"{served.base}/{SLUG}/courses/{course_id}/book?session={session_id}")
    await page.get_by_role("button", name="Next").first.click()  # answered over the websocket
    await expect(page.get_by_label("First name")).to_be_visible()

    await sign_in_as_admin(page, served.base)
    await page.goto(f"{served.base}/{SLUG}/admin/courses")
    await page.get_by_role("button", name="New course").click()
    await expect(page.get_by_role("button", name="Save course")).to_be_visible()

    await page.goto(f"{served.base}/api/docs")  # Swagger UI from the app's own files
    await expect(page.get_by_text("/api/health").first).to_be_visible(timeout=15_000)

    assert watched.violations == []


def markup_in_a_course_and_a_name(served: Served) -> tuple[str, str]:
    """A course whose title and description, and a student whose name, hold markup; the student booked on it.
    Answers (course id, booking reference)."""
    course = httpx.post(
        served.api("/courses"),
        json={"title": f"Gas {SCRIPT}", "description": f"Bring boots {IMAGE}", "price": 10000, "durationDays": 1},
        headers=served.headers,
        timeout=10,
    )
    assert course.status_code == 201, course.text
    course_id = course.json()["id"]
    day = (date.today() + timedelta(days=60)).isoformat()
    session = httpx.post(
        served.api(f"/courses/{course_id}/sessions"),
        json={"startDate": day, "endDate": day, "startTime": "09:00", "endTime": "17:00"},
        headers=served.headers,
        timeout=10,
    )
    assert session.status_code == 201, session.text
    student = httpx.post(
        served.api("/students"),
        json={"firstName": IMAGE, "lastName": SCRIPT, "email": "pwned@example.com"},
        headers=served.headers,
        timeout=10,
    )
    assert student.status_code == 201, student.text
    booking = httpx.post(
        served.api("/bookings"),
        json={"customerId": student.json()["id"], "sessionId": session.json()["id"]},
        headers=served.headers,
        timeout=10,
    )
    assert booking.status_code == 201, booking.text
    return course_id, booking.json()["reference"]


async def test_markup_typed_into_a_course_or_a_name_does_not_run(served: Served, browser: Browser) -> None:
    course_id, reference = markup_in_a_course_and_a_name(served)
    watched = await watched_page(browser)
    page = watched.page
    await page.goto(f"{served.base}/{SLUG}/courses/{course_id}")
    await expect(page.get_by_text(SCRIPT).first).to_be_visible()  # shown as text
    await sign_in_as_admin(page, served.base)
    await page.goto(f"{served.base}/{SLUG}/admin/bookings")
    await expect(page.get_by_text(reference).first).to_be_visible()
    assert await page.evaluate("typeof window.pwned") == "undefined"

    # Markup that reaches the document anyway (past every escape) is refused by the policy.
    watched.violations.clear()
    await page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.pwned=1">');
          const script = document.createElement("script");
          script.textContent = "window.pwned = 1";
          document.body.append(script);
        }"""
    )
    refused = ("script-src-attr", "script-src-elem")  # the event handler, the script element
    for _ in range(100):  # the reports come back over Playwright's channel
        if all(any(report.startswith(kind) for report in watched.violations) for kind in refused):
            break
        await page.wait_for_timeout(100)
    assert all(any(report.startswith(kind) for report in watched.violations) for kind in refused), watched.violations
    assert await page.evaluate("typeof window.pwned") == "undefined"
