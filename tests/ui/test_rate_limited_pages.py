"""Rate limits as the pages meet them: a plain request past its limit is 429 with Retry-After and says
so; a form past it shows the same words; another client address or another centre is not affected."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from nicegui import app
from nicegui.testing import User
from sqlalchemy import select

from models import PaymentOption, StaffRole, StaffUser, Tenant
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from tests.ui.test_booking_wizard import _choose_payment, _course, _guest, _open
from tests.ui.test_kiosk import scan, unlock
from tests.ui.test_sign_in_pages import fill_sign_up, password_cleared
from trainhub_ui.config import reload_settings
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.accounts import WRONG_CREDENTIALS
from trainhub_ui.services.staff import invite_staff

LIMIT = 2
TOO_MANY = "Too many requests from your network. Please wait"


@pytest.fixture(autouse=True)
def low_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Set before the `user` fixture builds the app, which reads the settings then."""
    for door in ("sign_in", "sign_up", "password_reset", "booking", "pay_page", "kiosk_lookup"):
        monkeypatch.setenv(f"TRAINHUB_RATE_LIMIT_{door.upper()}", f"{LIMIT}/minute")
    yield
    monkeypatch.undo()
    reload_settings()


def _from(address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app, client=(address, 50000)), base_url="http://test")


async def test_the_pay_page_and_its_downloads_share_one_limit(user: User) -> None:
    pay = f"/{CENTRE_A}/pay/BGT-NOPE1"
    assert (await user.http_client.get(pay)).status_code != 429
    assert (await user.http_client.get(f"{pay}/calendar.ics")).status_code != 429
    for path in (pay, f"{pay}/invoice.pdf", f"{pay}/credit-notes/x.pdf", f"{pay}/calendar.ics", f"{pay}/done"):
        refused = await user.http_client.get(path)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert TOO_MANY in refused.text
    assert (await user.http_client.get(f"/{CENTRE_B}/pay/BGT-NOPE1")).status_code != 429
    async with _from("198.51.100.77") as other:
        assert (await other.get(pay)).status_code != 429


async def _try_staff_sign_in(user: User, password: str) -> None:
    user.find(marker="email").clear().type(staff_email(StaffRole.ADMIN))
    user.find(marker="password").clear().type(password)
    user.find(marker="sign-in").click()
    await password_cleared(user)


async def test_staff_sign_in_past_the_limit_says_so_on_the_form(user: User) -> None:
    await user.open(f"/{CENTRE_A}/admin/login")
    for _ in range(LIMIT):
        await _try_staff_sign_in(user, "not-the-password")
        await user.should_see(WRONG_CREDENTIALS)
    user.find(marker="password").clear().type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(TOO_MANY, retries=SLOW)
    await user.should_not_see("Welcome back")
    # Another centre's sign-in is counted on its own.
    await user.open(f"/{CENTRE_B}/admin/login")
    user.find(marker="email").type(staff_email(StaffRole.ADMIN, CENTRE_B))
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Welcome back", retries=SLOW)


async def test_student_sign_in_past_the_limit_says_so(user: User) -> None:
    await user.open(f"/{CENTRE_B}/login")
    for _ in range(LIMIT):
        user.find(marker="email").clear().type("jamie@example.com")
        user.find(marker="password").clear().type("not-the-password")
        user.find(marker="sign-in").click()
        await password_cleared(user)
    user.find(marker="password").clear().type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(TOO_MANY, retries=SLOW)


async def test_sign_up_past_the_limit_says_so_at_the_email(user: User) -> None:
    await fill_sign_up(user, "not-an-email", "analytical-engine")
    for _ in range(LIMIT):
        user.find(marker="create-account").click()
        await user.should_see("Enter an email address like name@example.com.", retries=SLOW)
    user.find(marker="email").clear().type("ada@example.com")
    user.find(marker="create-account").click()
    await user.should_see(TOO_MANY, retries=SLOW)
    await user.should_not_see("Hello, Ada")


async def test_choosing_a_password_past_the_limit_says_so(user: User, centres: Database) -> None:
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        owner = await session.scalar(select(StaffUser).where(StaffUser.email == staff_email(StaffRole.OWNER)))
        assert tenant is not None and owner is not None
        ctx = TenantContext(tenant=tenant, actor=owner.email, role=owner.role, user_id=owner.id)
        link = await invite_staff(session, ctx, name="Nia Newcomer", email="nia@example.com", role=StaffRole.STAFF)
    await user.open(link.path(CENTRE_A))
    user.find(marker="password").clear().type("short")
    user.find(marker="repeat-password").clear().type("short")
    for _ in range(LIMIT):
        user.find(marker="set-password").click()
        await user.should_see("Use at least 8 characters.", retries=SLOW)
    user.find(marker="set-password").click()
    await user.should_see(TOO_MANY, retries=SLOW)


async def test_booking_in_the_wizard_past_the_limit_says_so(user: User, centres: Database) -> None:
    course, course_session = await _course(centres)
    for n in range(LIMIT + 1):
        await _open(user, course, course_session)
        _guest(user, f"guest{n}@example.com")
        await _choose_payment(user, PaymentOption.FULL)
        await user.should_see(marker="book-now")
        user.find(marker="book-now").click()
        if n < LIMIT:
            await user.should_see(marker="pay-test", retries=SLOW)
    await user.should_see(TOO_MANY, retries=SLOW)


async def test_kiosk_lookups_past_the_limit_say_so(user: User) -> None:
    await unlock(user)
    user.find(marker="kiosk-find-name").click()
    for name in ("Sm", "Smi"):
        user.find(marker="kiosk-name").clear().type(name)
        await user.should_see(marker="kiosk-no-match", retries=SLOW)
    user.find(marker="kiosk-name").clear().type("Smit")
    await user.should_see(TOO_MANY, retries=SLOW)
    await user.open(f"/{CENTRE_A}/kiosk")
    await scan(user, "BGT-NOPE1")
    await user.should_see("Please wait a moment", retries=SLOW)
