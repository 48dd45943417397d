"""Sign-in for staff and students, the role check of admin pages, and centre isolation."""

from __future__ import annotations

import asyncio

from nicegui.testing import User

from models import StaffRole
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from trainhub_ui.services.accounts import WRONG_CREDENTIALS
from trainhub_ui.services.sign_in_throttle import FREE_FAILURES_PER_ADDRESS

# Sign-in checks an argon2 hash, which takes a moment: allow for it.


async def sign_in_staff(user: User, email: str, password: str, slug: str = CENTRE_A) -> None:
    await user.open(f"/{slug}/admin/login")
    await user.should_see("Staff sign-in")
    user.find(marker="email").type(email)
    user.find(marker="password").type(password)
    user.find(marker="sign-in").click()


async def sign_out(user: User, path: str) -> None:
    """What the menu's Sign out does: a form post from this site's own page."""
    response = await user.http_client.post(path, headers={"Origin": "http://test"})
    assert response.status_code == 303


async def expect_refused(user: User, path: str) -> None:
    """The page answers 403 with the refusal, and none of the page's own content."""
    response = await user.http_client.get(path)
    assert response.status_code == 403
    assert "Not available to your role" in response.text
    assert "coming soon" not in response.text


async def test_admin_signs_in_and_sees_the_back_office(user: User) -> None:
    await sign_in_staff(user, staff_email(StaffRole.ADMIN), PASSWORD)
    await user.should_see("Welcome back, Admin.", retries=SLOW)
    await user.should_see("Alpha Gas School")
    for section in ("Courses", "Bookings", "Students", "Reports", "Settings"):
        await user.should_see(section)


async def test_wrong_password_and_unknown_email_read_the_same(user: User) -> None:
    await sign_in_staff(user, staff_email(StaffRole.ADMIN), "not-the-password")
    await user.should_see(WRONG_CREDENTIALS, retries=SLOW)
    await user.should_not_see("Welcome back")
    await sign_in_staff(user, "stranger@centre-a.example", PASSWORD)
    await user.should_see(WRONG_CREDENTIALS, retries=SLOW)


async def password_cleared(user: User) -> None:
    """A failed try ends by emptying the password field; wait for that before the next try."""
    for _ in range(SLOW):
        if user.find(marker="password").elements.pop().value == "":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the sign-in attempt did not finish")


async def test_a_wait_after_five_failures(user: User) -> None:
    email = staff_email(StaffRole.STAFF)
    await user.open(f"/{CENTRE_A}/admin/login")
    for _ in range(FREE_FAILURES_PER_ADDRESS):
        user.find(marker="email").clear().type(email)
        user.find(marker="password").clear().type("wrong-password")
        user.find(marker="sign-in").click()
        await password_cleared(user)
        await user.should_see(WRONG_CREDENTIALS)
    user.find(marker="password").clear().type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Too many failed sign-ins from your network. Try again in", retries=SLOW)
    await user.should_not_see("Welcome back")


async def test_empty_fields_are_marked_at_the_field(user: User) -> None:
    await user.open(f"/{CENTRE_A}/admin/login")
    user.find(marker="sign-in").click()
    await user.should_see("Enter your email address.")
    await user.should_see("Enter your password.")


async def test_admin_pages_need_sign_in(user: User) -> None:
    await user.open(f"/{CENTRE_A}/admin/bookings")
    await user.should_see("Staff sign-in")
    user.find(marker="email").type(staff_email(StaffRole.STAFF))
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(marker="export-csv", retries=SLOW)  # came back to the bookings list it was going to


async def test_staff_role_is_refused_settings(user: User) -> None:
    await sign_in_staff(user, staff_email(StaffRole.STAFF), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await expect_refused(user, f"/{CENTRE_A}/admin/settings")


async def test_instructor_is_refused_staff_pages_but_sees_the_dashboard(user: User) -> None:
    await sign_in_staff(user, staff_email(StaffRole.INSTRUCTOR), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await expect_refused(user, f"/{CENTRE_A}/admin/courses")


async def test_admin_and_owner_reach_settings(user: User) -> None:
    for role in (StaffRole.ADMIN, StaffRole.OWNER):
        await sign_in_staff(user, staff_email(role), PASSWORD)
        await user.should_see("Welcome back", retries=SLOW)
        await user.open(f"/{CENTRE_A}/admin/settings")
        await user.should_see(marker="tab-staff")
        await sign_out(user, f"/{CENTRE_A}/admin/logout")


async def test_staff_of_one_centre_cannot_open_another_centres_admin(user: User) -> None:
    await sign_in_staff(user, staff_email(StaffRole.OWNER), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(f"/{CENTRE_B}/admin")
    await user.should_see("Staff sign-in")
    await user.should_see("Beta Heat Academy")
    await user.should_not_see("Welcome back")
    # Their own centre's credentials do not open the other centre either.
    user.find(marker="email").type(staff_email(StaffRole.OWNER))
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(WRONG_CREDENTIALS, retries=SLOW)


async def test_sign_out_ends_the_admin_session(user: User) -> None:
    await sign_in_staff(user, staff_email(StaffRole.ADMIN), PASSWORD)
    await user.should_see("Welcome back", retries=SLOW)
    await sign_out(user, f"/{CENTRE_A}/admin/logout")
    await user.open(f"/{CENTRE_A}/admin")
    await user.should_see("Staff sign-in")


async def test_unknown_centre_is_a_404_page(user: User) -> None:
    for path in ("/no-such-centre", "/no-such-centre/admin", "/no-such-centre/login", "/no-such-centre/courses"):
        response = await user.http_client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert "There is no training centre at this address." in response.text


async def fill_sign_up(user: User, email: str, password: str) -> None:
    await user.open(f"/{CENTRE_A}/signup")
    user.find(marker="first-name").type("Ada")
    user.find(marker="last-name").type("Lovelace")
    user.find(marker="email").type(email)
    user.find(marker="password").type(password)
    user.find(marker="repeat-password").type(password)


async def test_student_signs_up_and_reaches_my_account(user: User) -> None:
    await fill_sign_up(user, "ada@example.com", "short")
    user.find(marker="create-account").click()
    await user.should_see("Use at least 8 characters.", retries=SLOW)
    user.find(marker="password").clear().type("analytical-engine")
    user.find(marker="repeat-password").clear().type("analytical-engine")
    user.find(marker="create-account").click()
    await user.should_see("Hello, Ada", retries=SLOW)


async def test_student_signs_in_and_out(user: User) -> None:
    await user.open(f"/{CENTRE_B}/account")
    await user.should_see("Sign in to your account at Beta Heat Academy.")
    user.find(marker="email").type("jamie@example.com")
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Hello, Jamie", retries=SLOW)
    await sign_out(user, f"/{CENTRE_B}/logout")
    await user.open(f"/{CENTRE_B}/account")
    await user.should_see("Sign in to your account")


async def test_centre_home_shows_its_name(user: User) -> None:
    await user.open(f"/{CENTRE_A}")
    await user.should_see("Welcome to Alpha Gas School")
    await user.should_not_see("Beta Heat Academy")
