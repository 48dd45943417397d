"""A student pays by card end to end: Chromium, the real server with Stripe keys, and localstripe.

The pay page sends the browser to the Checkout Session's URL (the harness's stand-in for Stripe's
hosted page), the card pays, Stripe's redirect brings the student back to /done, which looks the
checkout up itself and confirms the booking; the webhook that follows over HTTP finds it done.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import api_token, browser, screenshot_path, start_server, stop
from tests.payments.conftest import TEST_API_KEY, signed_event_headers, stripe_event_payload

__all__ = ["browser"]  # the e2e browser fixture, used here too

WEBHOOK_SECRET = "whsec_trainhub_browser_test"
SLUG = "bristol-gas-training"


@pytest.fixture(scope="module")
def stripe_server(localstripe: str) -> Iterator[tuple[str, dict[str, str]]]:
    settings = {
        "TRAINHUB_STRIPE_SECRET_KEY": TEST_API_KEY,
        "TRAINHUB_STRIPE_API_BASE": localstripe,
        "TRAINHUB_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    base, process, env = start_server(Path(tempfile.mkdtemp(prefix="trainhub-stripe-e2e-")), settings)
    try:
        yield base, env
    finally:
        stop(process)


def _course_with_room(base: str) -> tuple[str, str]:
    """(course id, session id) of a demo session with a place free."""
    api = f"{base}/api/tenant/{SLUG}"
    for course in httpx.get(f"{api}/courses", timeout=10).json()["items"]:
        for item in httpx.get(f"{api}/courses/{course['id']}/sessions", timeout=10).json()["items"]:
            if item["bookedSpots"] < item["availableSpots"]:
                return course["id"], item["id"]
    raise AssertionError("the demo data has no session with a place free")


async def test_student_books_in_the_wizard_and_pays_by_card_through_checkout(
    stripe_server: tuple[str, dict[str, str]], browser: Browser, localstripe: str
) -> None:
    base, env = stripe_server
    token = api_token(env, SLUG)
    course_id, session_id = _course_with_room(base)

    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{base}/{SLUG}/courses/{course_id}/book?session={session_id}")
    await expect(page.get_by_text("Test mode: no real payments are taken.")).to_be_visible()  # a Stripe test key
    await page.get_by_role("button", name="Next").first.click()
    await page.get_by_label("First name").fill("Card")
    await page.get_by_label("Last name").fill("Payer")
    await page.get_by_label("Email", exact=True).fill("card.payer@example.com")
    await page.get_by_role("button", name="Next").first.click()
    await page.get_by_role("button", name="Next").first.click()
    await page.get_by_role("checkbox", name="I accept the terms").click()
    await page.get_by_role("button", name="Book now").click()
    await page.wait_for_url(f"{base}/{SLUG}/pay/*")
    reference, access = page.url.rsplit("/", 1)[1].split("?t=")
    assert len(access) >= 32
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{base}/api/tenant/{SLUG}", headers=headers, timeout=10) as api:
        found = await api.get("/bookings", params={"sessionId": session_id})
    [booking] = [b for b in found.json()["items"] if b["reference"] == reference]
    assert booking["status"] == "PENDING" and booking["paymentUrl"] == f"{base}/{SLUG}/pay/{reference}?t={access}"
    # Stripe's Checkout needs 30 minutes at least, so a card hold is never shorter.
    held = datetime.fromisoformat(booking["holdExpiresAt"]) - datetime.now(UTC)
    assert held >= timedelta(minutes=29), held

    await page.get_by_role("button", name="by card").click()
    await page.wait_for_url(f"{localstripe}/checkout/cs_test_*")
    await page.get_by_role("button", name="Pay").click()
    await page.wait_for_url(f"{base}/{SLUG}/pay/{reference}/done?t={access}&session_id=cs_test_*")
    await expect(page.get_by_text("your place is confirmed and paid")).to_be_visible()
    await page.screenshot(path=screenshot_path("pay-by-card-confirmed-1280"), full_page=True)

    session_id = page.url.rsplit("session_id=", 1)[1]
    async with httpx.AsyncClient(timeout=10) as client:
        checkout = (
            await client.get(
                f"{localstripe}/v1/checkout/sessions/{session_id}", headers={"Authorization": f"Bearer {TEST_API_KEY}"}
            )
        ).json()
        assert checkout["metadata"]["bookingId"] == booking["id"] and checkout["payment_status"] == "paid"
        # Stripe's webhook, late, over HTTP: already done, nothing changes.
        payload = stripe_event_payload("checkout.session.completed", checkout)
        hook = await client.post(
            f"{base}/api/payments/stripe/webhook",
            content=payload,
            headers=signed_event_headers(payload, WEBHOOK_SECRET),
        )
        assert hook.status_code == 200 and hook.json()["outcome"] == "already paid", hook.text
        bad = await client.post(
            f"{base}/api/payments/stripe/webhook", content=payload, headers={"Stripe-Signature": "t=1,v1=forged"}
        )
        assert bad.status_code == 400
        answer = await client.get(
            f"{base}/api/tenant/{SLUG}/bookings/{booking['id']}/payments", headers={"Authorization": f"Bearer {token}"}
        )
    [payment] = answer.json()
    assert payment["status"] == "PAID" and payment["amount"] == booking["totalAmount"]
    assert payment["stripePaymentIntentId"] == checkout["payment_intent"]
    # The secret key is in the server's environment only, never in what it writes.
    server_log = Path(env["TRAINHUB_DATABASE_URL"].split("///", 1)[1]).parent / "server.log"
    assert TEST_API_KEY not in server_log.read_text()
