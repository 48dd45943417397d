"""An admin signs in to the demo centre in a real Chromium against a real server."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import screenshot_path
from trainhub_ui.demo.specs import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

SLUG = "bristol-gas-training"


@pytest.mark.parametrize("width", [1280, 375])
async def test_admin_signs_in_in_chromium(live_server: str, browser: Browser, width: int) -> None:
    page = await browser.new_page(viewport={"width": width, "height": 800})
    await page.goto(f"{live_server}/{SLUG}/admin")
    await expect(page.get_by_text("Staff sign-in")).to_be_visible()
    await page.screenshot(path=screenshot_path(f"admin-sign-in-{width}"))

    await page.get_by_label("Email").fill("admin@bristolgas.example")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_text("Welcome back")).to_be_visible(timeout=10_000)
    await expect(page).to_have_url(f"{live_server}/{SLUG}/admin")
    await expect(page.get_by_text("Bristol Gas Training Centre").first).to_be_visible()
    await page.screenshot(path=screenshot_path(f"admin-dashboard-{width}"), full_page=True)


async def test_wrong_password_is_refused_in_chromium(live_server: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{live_server}/{SLUG}/admin/login")
    await page.get_by_label("Email").fill("admin@bristolgas.example")
    await page.get_by_label("Password").fill("not-the-password")
    await page.get_by_label("Password").press("Enter")
    await expect(page.get_by_role("alert")).to_have_text("That email and password do not match an account.")
    await expect(page).to_have_url(f"{live_server}/{SLUG}/admin/login")


async def test_public_home_of_each_demo_centre(live_server: str, browser: Browser) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    for slug, name in ((SLUG, "Bristol Gas Training Centre"), ("leeds-heat-academy", "Leeds Heat Academy")):
        response = await page.goto(f"{live_server}/{slug}")
        assert response is not None and response.status == 200
        await expect(page.get_by_text(f"Welcome to {name}")).to_be_visible()
        await page.screenshot(path=screenshot_path(f"centre-home-{slug}-1280"), full_page=True)


async def test_sign_in_gives_a_new_cookie_and_sign_out_posts_in_chromium(live_server: str, browser: Browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_server}/{SLUG}/admin/login")
    [planted] = [cookie["value"] for cookie in await context.cookies() if cookie["name"] == "session"]
    await page.get_by_label("Email").fill("admin@bristolgas.example")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("Welcome back")).to_be_visible(timeout=10_000)
    [signed_in] = [cookie for cookie in await context.cookies() if cookie["name"] == "session"]
    assert signed_in["value"] != planted and signed_in["httpOnly"] and signed_in["sameSite"] == "Lax"

    # A visit to the sign-out address only asks; the menu's Sign out posts and signs out.
    await page.goto(f"{live_server}/{SLUG}/admin/logout")
    await expect(page.get_by_text("Sign out of Bristol Gas Training Centre's back office?")).to_be_visible()
    await page.goto(f"{live_server}/{SLUG}/admin")
    await expect(page.get_by_text("Welcome back")).to_be_visible()
    await page.get_by_role("button", name="User menu").click()
    await page.get_by_text("Sign out", exact=True).click()
    await expect(page.get_by_text("Staff sign-in")).to_be_visible(timeout=10_000)
    await page.goto(f"{live_server}/{SLUG}/admin")
    await expect(page.get_by_text("Staff sign-in")).to_be_visible()
    await context.close()
