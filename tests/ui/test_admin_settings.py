"""Settings in the back office: who may open them, the centre's settings saved with errors at the field, the
logo, Stripe's status, staff invites with a set-password link, roles and deactivation, and API tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User
from sqlalchemy import select

from models import ApiToken, StaffRole, StaffUser, Tenant
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, staff_email
from tests.ui.test_sign_in_pages import SLOW, expect_refused, sign_in_staff
from trainhub_ui.config import reload_settings
from trainhub_ui.db import Database
from trainhub_ui.services.tokens import find_token

SETTINGS = f"/{CENTRE_A}/admin/settings"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def signed_in(user: User, role: StaffRole, slug: str = CENTRE_A) -> None:
    await sign_in_staff(user, staff_email(role, slug), PASSWORD, slug)
    await user.should_see("Welcome back", retries=SLOW)


async def open_settings(user: User, role: StaffRole = StaffRole.ADMIN, tab: str = "centre") -> None:
    await signed_in(user, role)
    await user.open(f"{SETTINGS}?tab={tab}")
    await user.should_see("Settings")


def element(user: User, marker: str) -> Any:
    found = user.find(marker=marker).elements
    assert len(found) == 1, f"{len(found)} elements marked {marker}"
    return next(iter(found))


async def eventually(check: Callable[[], bool]) -> None:
    for _ in range(SLOW):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the page did not get there")


async def tenant_row(db: Database, slug: str = CENTRE_A) -> Tenant:
    async with db.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert tenant is not None
    return tenant


# --- who may open it ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.ADMIN, StaffRole.OWNER])
async def test_admins_and_owners_see_every_section(user: User, role: StaffRole) -> None:
    await open_settings(user, role)
    for tab in ("Centre", "Payments", "Staff", "API tokens"):
        await user.should_see(tab)
    await user.should_see("Profile")
    await user.should_see("Alpha Gas School")
    await user.should_see(marker=f"staff-{staff_email(StaffRole.INSTRUCTOR)}")
    await user.should_not_see(marker=f"staff-{staff_email(StaffRole.INSTRUCTOR, CENTRE_B)}")


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.INSTRUCTOR])
async def test_staff_and_instructors_get_the_refusal(user: User, role: StaffRole) -> None:
    await signed_in(user, role)
    await expect_refused(user, SETTINGS)
    response = await user.http_client.get(SETTINGS)
    assert "Profile" not in response.text and "API tokens" not in response.text


async def test_another_centres_admin_meets_the_sign_in_page(user: User) -> None:
    await signed_in(user, StaffRole.OWNER, CENTRE_B)
    response = await user.http_client.get(SETTINGS, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/{CENTRE_A}/admin/login")


async def test_signed_out_visitors_are_sent_to_sign_in_and_unknown_centres_are_not_found(user: User) -> None:
    response = await user.http_client.get(SETTINGS, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/{CENTRE_A}/admin/login?next=/{CENTRE_A}/admin/settings"
    assert (await user.http_client.get("/no-such-centre/admin/settings")).status_code == 404


# --- the centre's settings ------------------------------------------------------------------------------


async def test_centre_details_save_and_bad_ones_are_marked_at_the_field(user: User, centres: Database) -> None:
    await open_settings(user)
    element(user, "setting-name").value = ""
    element(user, "setting-brandColour").value = "#ffff00"
    element(user, "setting-emailSender").value = "bookings at alpha"
    element(user, "setting-legalName").value = "x" * 201
    user.find(marker="save-centre").click()
    await eventually(lambda: element(user, "setting-name").error == "Give the centre a name.")
    assert element(user, "setting-brandColour").props["error"] is True
    assert "darker" in element(user, "setting-brandColour").props["error-message"]
    assert element(user, "setting-emailSender").error
    assert element(user, "setting-legalName").error == "Use at most 200 characters."
    assert (await tenant_row(centres)).name == "Alpha Gas School"

    element(user, "setting-name").value = "  Alpha Gas Academy "
    element(user, "setting-brandColour").value = "#0F766E"
    element(user, "setting-emailSender").value = "Alpha <Bookings@Alpha.example>"
    element(user, "setting-timezone").value = "Europe/Dublin"
    element(user, "setting-legalName").value = "Alpha Gas Academy Ltd"
    user.find(marker="save-centre").click()
    await user.should_see("Saved.")
    await eventually(lambda: element(user, "setting-name").value == "Alpha Gas Academy")
    assert element(user, "setting-name").error is None
    assert element(user, "setting-brandColour").props["error"] is False
    tenant = await tenant_row(centres)
    assert (tenant.name, tenant.brand_colour, tenant.timezone) == ("Alpha Gas Academy", "#0f766e", "Europe/Dublin")
    assert tenant.email_sender == "Alpha <bookings@alpha.example>"
    assert tenant.legal_name == "Alpha Gas Academy Ltd"
    # The branding is read afresh on the next page.
    await user.open(SETTINGS)
    await user.should_see("Alpha Gas Academy")


async def test_the_retention_period_is_saved_and_a_bad_one_marked_at_its_field(user: User, centres: Database) -> None:
    await open_settings(user)
    assert element(user, "setting-retentionMonths").value == 0  # kept until asked
    element(user, "setting-retentionMonths").value = 241
    user.find(marker="save-centre").click()
    await eventually(lambda: element(user, "setting-retentionMonths").error is not None)
    assert element(user, "setting-retentionMonths").error == "Enter a whole number of months from 0 to 240."
    assert (await tenant_row(centres)).retention_months is None
    element(user, "setting-retentionMonths").value = 72
    user.find(marker="save-centre").click()
    await user.should_see("Saved.")
    assert element(user, "setting-retentionMonths").error is None
    assert (await tenant_row(centres)).retention_months == 72


async def test_a_vat_rate_without_a_vat_number_is_refused_at_the_number(user: User, centres: Database) -> None:
    await open_settings(user, tab="payments")
    element(user, "setting-vatRate").value = "20"
    element(user, "setting-vatNumber").value = ""
    user.find(marker="save-payments").click()
    await eventually(lambda: element(user, "setting-vatNumber").error is not None)
    assert "VAT registration number" in element(user, "setting-vatNumber").error
    assert (await tenant_row(centres)).vat_rate_basis_points is None


async def test_payment_settings_save_and_bad_ones_are_marked_at_the_field(user: User, centres: Database) -> None:
    await open_settings(user, tab="payments")
    element(user, "setting-holdMinutes").value = 0
    element(user, "setting-depositPercent").value = None
    element(user, "setting-vatRate").value = "twenty"
    element(user, "setting-vatNumber").value = "GB12"
    user.find(marker="save-payments").click()
    await eventually(lambda: element(user, "setting-holdMinutes").error is not None)
    assert "from 5 to 1440" in element(user, "setting-holdMinutes").error
    assert element(user, "setting-depositPercent").error
    assert element(user, "setting-vatRate").error
    assert "GB123456789" in element(user, "setting-vatNumber").error

    element(user, "setting-holdMinutes").value = 20
    element(user, "setting-depositPercent").value = 25
    element(user, "setting-vatRate").value = "17.5"
    element(user, "setting-vatNumber").value = "gb 123 4567 89"
    element(user, "setting-offersFullPayment").value = False
    element(user, "setting-offersDeposit").value = False
    user.find(marker="save-payments").click()
    await user.should_see("a company invoice suits company bookings only")
    assert (await tenant_row(centres)).hold_minutes == 15

    element(user, "setting-offersDeposit").value = True
    user.find(marker="save-payments").click()
    await user.should_see("Saved.")
    tenant = await tenant_row(centres)
    assert (tenant.hold_minutes, tenant.deposit_percent, tenant.vat_rate_basis_points) == (20, 25, 1750)
    assert (tenant.offers_full_payment, tenant.offers_deposit) == (False, True)
    assert tenant.vat_number == "GB123456789"
    await user.should_not_see(marker="payments-problem")


async def test_stripe_status_says_what_is_set_and_never_shows_a_key(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_settings(user, tab="payments")
    await user.should_see("Not connected: test mode")
    monkeypatch.setenv("TRAINHUB_STRIPE_SECRET_KEY", "sk_live_do-not-show-me")
    monkeypatch.setenv("TRAINHUB_BASE_URL", "https://book.alpha.example")
    reload_settings()
    try:
        await user.open(f"{SETTINGS}?tab=payments")
        await user.should_see("Connected: secret key set (live mode).")
        await user.should_see("Webhook signing secret not set")
        assert element(user, "webhook-url").value == "https://book.alpha.example/api/payments/stripe/webhook"
        response = await user.http_client.get(f"{SETTINGS}?tab=payments")
        assert "do-not-show-me" not in response.text
    finally:
        monkeypatch.delenv("TRAINHUB_STRIPE_SECRET_KEY")
        monkeypatch.delenv("TRAINHUB_BASE_URL")
        reload_settings()


# --- the logo -------------------------------------------------------------------------------------------


async def test_logo_upload_is_served_safely_then_removed(user: User, centres: Database) -> None:
    await open_settings(user)
    await user.should_see(marker="no-logo")
    upload = element(user, "logo-upload")
    await upload.handle_uploads([SmallFileUpload("logo.svg", "image/svg+xml", b"<svg><script>x</script></svg>")])
    await user.should_see("SVG is not accepted")
    await upload.handle_uploads([SmallFileUpload("logo.png", "image/png", PNG)])
    await user.should_see(marker="logo-preview")
    await user.should_not_see(marker="logo-problem")
    tenant = await tenant_row(centres)
    assert tenant.logo_path and tenant.logo_path.endswith(".png")
    response = await user.http_client.get(f"/_media/logos/{tenant.logo_path}")
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await user.http_client.get("/_media/logos/..%2Ftrainhub.db")).status_code == 404

    user.find(marker="remove-logo").click()
    await user.should_see(marker="no-logo")
    assert (await tenant_row(centres)).logo_path is None
    assert (await user.http_client.get(f"/_media/logos/{tenant.logo_path}")).status_code == 404


async def test_a_logo_over_one_megabyte_is_refused_with_a_message(user: User) -> None:
    await open_settings(user)
    big = PNG + b"\x00" * (1024 * 1024)
    await element(user, "logo-upload").handle_uploads([SmallFileUpload("big.png", "image/png", big)])
    await user.should_see("use an image of at most 1 MB")
    await user.should_see(marker="no-logo")


# --- staff ----------------------------------------------------------------------------------------------


async def invite(user: User, name: str, email: str, role: str | None = None) -> None:
    user.find(marker="invite-staff").click()
    await user.should_see(marker="invite-dialog")
    user.find(marker="invite-name").clear().type(name)
    user.find(marker="invite-email").clear().type(email)
    if role is not None:
        element(user, "invite-role").value = role
    user.find(marker="invite-send").click()


async def test_invite_shows_a_link_once_and_the_invited_person_sets_a_password(user: User) -> None:
    await open_settings(user, tab="staff")
    await invite(user, "Nia Newcomer", "not-an-email")
    await eventually(lambda: bool(element(user, "invite-email").error))
    await invite(user, "Nia Newcomer", "nia@centre-a.example")
    await user.should_see(marker="link-dialog")
    link = element(user, "set-password-link").value
    assert "/centre-a/admin/set-password/thi_" in link
    user.find(marker="link-done").click()
    await user.should_see("Invited: no password yet")

    path = link[link.index("/centre-a/") :]
    await user.open(path)
    await user.should_see("Welcome, Nia")
    user.find(marker="password").type("short")
    user.find(marker="repeat-password").type("short")
    user.find(marker="set-password").click()
    await eventually(lambda: element(user, "password").error == "Use at least 8 characters.")
    user.find(marker="password").clear().type("nias-own-password")
    user.find(marker="repeat-password").clear().type("nias-own-password")
    user.find(marker="set-password").click()
    await user.should_see(marker="password-set", retries=SLOW)

    used = await user.http_client.get(path)
    assert used.status_code == 404 and "This link has expired or has already been used." in used.text
    await sign_in_staff(user, "nia@centre-a.example", "nias-own-password")
    await user.should_see("Welcome back, Nia.", retries=SLOW)
    await expect_refused(user, SETTINGS)  # invited as STAFF, the default


async def test_an_admin_cannot_make_an_owner_nor_touch_one_nor_themselves(user: User) -> None:
    await open_settings(user, tab="staff")
    await user.should_see(marker=f"change-role-{staff_email(StaffRole.STAFF)}")
    for marker in ("change-role", "deactivate", "new-link"):
        await user.should_not_see(marker=f"{marker}-{staff_email(StaffRole.OWNER)}")
        await user.should_not_see(marker=f"{marker}-{staff_email(StaffRole.ADMIN)}")
    user.find(marker="invite-staff").click()
    await user.should_see(marker="invite-dialog")
    assert StaffRole.OWNER.value not in element(user, "invite-role").options


async def test_owner_changes_a_role(user: User, centres: Database) -> None:
    await open_settings(user, StaffRole.OWNER, tab="staff")
    user.find(marker=f"change-role-{staff_email(StaffRole.STAFF)}").click()
    await user.should_see(marker="role-dialog")
    assert StaffRole.OWNER.value in element(user, "role-choice").options
    element(user, "role-choice").value = StaffRole.ADMIN.value
    user.find(marker="role-save").click()
    await user.should_see("is now Admin.")
    async with centres.read() as session:
        role = await session.scalar(select(StaffUser.role).where(StaffUser.email == staff_email(StaffRole.STAFF)))
    assert role is StaffRole.ADMIN


async def test_deactivated_staff_lose_their_open_session_and_can_be_reactivated(
    create_user: Callable[[], User],
) -> None:
    owner, admin = create_user(), create_user()
    await signed_in(admin, StaffRole.ADMIN)
    await open_settings(owner, StaffRole.OWNER, tab="staff")
    email = staff_email(StaffRole.ADMIN)
    owner.find(marker=f"deactivate-{email}").click()
    await owner.should_see(marker="deactivate-dialog")
    owner.find(marker="confirm-deactivate").click()
    await owner.should_see(marker=f"reactivate-{email}")
    assert "Deactivated" in element(owner, f"status-{email}").text

    response = await admin.http_client.get(SETTINGS, follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]

    owner.find(marker=f"reactivate-{email}").click()
    await owner.should_see(marker=f"deactivate-{email}")
    await signed_in(admin, StaffRole.ADMIN)


# --- API tokens -----------------------------------------------------------------------------------------


async def test_a_token_is_shown_once_works_and_is_revoked_after_confirming(user: User, centres: Database) -> None:
    await open_settings(user, tab="tokens")
    await user.should_see(marker="no-tokens")
    user.find(marker="create-token").click()
    await user.should_see(marker="token-dialog")
    user.find(marker="token-create").click()
    await eventually(lambda: element(user, "token-name").error == "Give the token a name of 1 to 200 characters.")
    user.find(marker="token-name").type("Website")
    user.find(marker="token-create").click()
    await user.should_see(marker="new-token")
    secret = element(user, "new-token").value
    async with centres.read() as session:
        token = await find_token(session, secret)
        stored = await session.scalar(select(ApiToken.token_hash))
    assert token is not None and token.name == "Website" and stored != secret
    user.find(marker="token-done").click()
    await user.should_see(marker="token-Website")

    await user.open(f"{SETTINGS}?tab=tokens")
    await user.should_see(marker="token-Website")
    assert secret not in (await user.http_client.get(f"{SETTINGS}?tab=tokens")).text
    user.find(marker="revoke-Website").click()
    await user.should_see(marker="revoke-dialog")
    user.find(marker="confirm-revoke").click()
    await user.should_see("is revoked.")
    assert element(user, "token-status-Website").text == "Revoked"
    async with centres.read() as session:
        assert await find_token(session, secret) is None


async def test_a_token_cannot_have_more_power_than_its_maker(user: User) -> None:
    await open_settings(user, tab="tokens")
    user.find(marker="create-token").click()
    await user.should_see(marker="token-dialog")
    assert StaffRole.OWNER.value not in element(user, "token-role").options
    assert isinstance(element(user, "token-role"), ui.select)
