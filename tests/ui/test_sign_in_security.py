"""The browser id behind a sign-in: a new one at every sign-in and sign-out, a cookie marked Secure behind
https, and sign-out only by a post from this site."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from nicegui import app
from nicegui.testing import User

from models import StaffRole
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from tests.ui.test_sign_in_pages import sign_in_staff, sign_out

COOKIE = "session"
ADMIN = f"/{CENTRE_A}/admin"


async def _signed_in_admin(user: User) -> str:
    await sign_in_staff(user, staff_email(StaffRole.ADMIN), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    return _cookie(user)


def _cookie(user: User) -> str:
    cookie = user.http_client.cookies.get(COOKIE)
    assert cookie
    return cookie


async def _opens(path: str, cookie: str) -> bool:
    """Whether another browser holding this cookie gets the page itself (not the sign-in redirect)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://test", cookies={COOKIE: cookie}
    ) as other:
        response = await other.get(path)
    return response.status_code == 200


async def test_a_cookie_planted_before_sign_in_is_not_signed_in_after(user: User) -> None:
    await user.open(f"{ADMIN}/login")
    planted = _cookie(user)
    assert not await _opens(ADMIN, planted)
    signed_in = await _signed_in_admin(user)
    assert signed_in != planted
    assert await _opens(ADMIN, signed_in)
    assert not await _opens(ADMIN, planted)


async def test_a_student_sign_in_gives_a_new_id_too(user: User) -> None:
    account = f"/{CENTRE_B}/account"
    await user.open(account)
    planted = _cookie(user)
    user.find(marker="email").type("jamie@example.com")
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Hello, Jamie", retries=SLOW)
    assert await _opens(account, _cookie(user))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://test", cookies={COOKIE: planted}
    ) as other:
        response = await other.get(account)
    assert "Hello, Jamie" not in response.text


async def test_a_wrong_or_used_secret_signs_nobody_in(user: User) -> None:
    await user.open(f"{ADMIN}/login")
    for secret in ("not-the-secret", "%C3%A9t%C3%A9", "x" * 500):
        response = await user.http_client.get(f"/{CENTRE_A}/signed-in/{secret}")
        assert response.status_code == 303 and response.headers["location"] == f"/{CENTRE_A}"
    assert not await _opens(ADMIN, _cookie(user))


async def test_sign_out_gives_a_new_id_and_the_old_cookie_stays_signed_out(user: User) -> None:
    signed_in = await _signed_in_admin(user)
    await sign_out(user, f"{ADMIN}/logout")
    assert _cookie(user) != signed_in
    assert not await _opens(ADMIN, signed_in)
    assert not await _opens(ADMIN, _cookie(user))


async def test_a_visit_to_the_sign_out_address_only_asks(user: User) -> None:
    signed_in = await _signed_in_admin(user)
    await user.open(f"{ADMIN}/logout")
    await user.should_see("Sign out of Alpha Gas School's back office?")
    await user.should_see(marker="sign-out")
    assert await _opens(ADMIN, signed_in)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://elsewhere.example"},
        {"Referer": "https://elsewhere.example/page"},
        {"Origin": "null"},
        {},
    ],
    ids=["other-origin", "other-referer", "null-origin", "no-origin"],
)
async def test_a_post_from_another_site_does_not_sign_out(user: User, headers: dict[str, str]) -> None:
    signed_in = await _signed_in_admin(user)
    response = await user.http_client.post(f"{ADMIN}/logout", headers=headers)
    assert response.status_code == 403
    assert await _opens(ADMIN, signed_in)
    student = await user.http_client.post(f"/{CENTRE_B}/logout", headers=headers)
    assert student.status_code == 403


async def test_a_post_with_this_sites_referer_signs_out(user: User) -> None:
    signed_in = await _signed_in_admin(user)
    response = await user.http_client.post(f"{ADMIN}/logout", headers={"Referer": f"http://test{ADMIN}"})
    assert response.status_code == 303
    assert not await _opens(ADMIN, signed_in)


async def test_the_cookie_is_lax_and_not_secure_over_http(user: User) -> None:
    response = await user.http_client.get(f"{ADMIN}/login")
    cookie = response.headers["set-cookie"].lower()
    assert "samesite=lax" in cookie and "httponly" in cookie
    assert "secure" not in cookie


@pytest.fixture
async def https_site(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Runs before the `user` fixture builds the app, so the app reads this base address."""
    monkeypatch.setenv("TRAINHUB_BASE_URL", "https://courses.example")
    yield


async def test_the_cookie_is_secure_when_the_site_is_https(https_site: None, user: User) -> None:
    response = await user.http_client.get(f"{ADMIN}/login")
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie and "samesite=lax" in cookie
