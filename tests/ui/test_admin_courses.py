"""The course table in the back office: create, edit, archive in dialogs with errors at the field; who may
see it."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select

from models import Course, StaffRole, Tenant
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from tests.ui.test_sign_in_pages import sign_out
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services import course_sessions, courses
from trainhub_ui.services.courses import NewCourse
from trainhub_ui.services.tenants import find_tenant

COURSES = f"/{CENTRE_A}/admin/courses"


async def sign_in(user: User, role: StaffRole, slug: str = CENTRE_A) -> None:
    await user.open(f"/{slug}/admin/login")
    user.find(marker="email").type(staff_email(role, slug))
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Welcome back", retries=SLOW)


async def centre(db: Database, slug: str = CENTRE_A) -> Tenant:
    async with db.read() as session:
        tenant = await find_tenant(session, slug)
    assert tenant is not None
    return tenant


async def add_course(db: Database, title: str, slug: str = CENTRE_A, **fields: object) -> Course:
    tenant = await centre(db, slug)
    async with db.transaction() as session:
        return await courses.create_course(
            session,
            TenantContext(tenant=tenant, actor="tests"),
            NewCourse(title=title, price=fields.pop("price", 49500), **fields),  # type: ignore[arg-type]
        )


async def stored_course(db: Database, title: str) -> Course | None:
    async with db.read() as session:
        return await session.scalar(select(Course).where(Course.title == title))


async def test_admin_creates_a_course_in_a_dialog(user: User, centres: Database) -> None:
    await sign_in(user, StaffRole.ADMIN)
    await user.open(COURSES)
    await user.should_see("No course is on sale: add one with New course")
    user.find(marker="new-course").click()
    await user.should_see(marker="course-title")
    user.find(marker="course-title").type("Domestic Gas Safety (CCN1)")
    user.find(marker="course-price").type("495")
    user.find(marker="course-capacity").clear().type("10")
    user.find(marker="save-course").click()
    await user.should_see("“Domestic Gas Safety (CCN1)” is saved.")
    await user.should_see(marker="course-domestic-gas-safety-ccn1")
    await user.should_see("£495.00")
    course = await stored_course(centres, "Domestic Gas Safety (CCN1)")
    assert course is not None and (course.price, course.default_capacity, course.is_active) == (49500, 10, True)
    # The way on from the course, as the reference flow walks it.
    user.find(marker="manage-sessions-domestic-gas-safety-ccn1").click()
    await user.should_see(marker="create-session")


async def test_bad_course_input_is_shown_at_its_field_and_nothing_is_saved(user: User, centres: Database) -> None:
    await add_course(centres, "Unvented Hot Water", slug=CENTRE_A)
    await sign_in(user, StaffRole.STAFF)
    await user.open(COURSES)
    user.find(marker="new-course").click()
    await user.should_see(marker="save-course")
    user.find(marker="course-price").type("cheap")
    user.find(marker="save-course").click()
    await user.should_see("Give an amount like 495.00.")
    user.find(marker="course-price").clear().type("120.505")
    user.find(marker="save-course").click()
    await user.should_see("Give at most two decimals (pence).")
    user.find(marker="course-price").clear().type("120")
    user.find(marker="save-course").click()
    await user.should_see("Give the course a title.")
    user.find(marker="course-title").type("Another course")
    user.find(kind=type(user.find(marker="course-title").elements.pop()), content="Web address").type(
        "unvented-hot-water"
    )
    user.find(marker="save-course").click()
    await user.should_see("Another course of this centre already uses “unvented-hot-water”.")
    assert await stored_course(centres, "Another course") is None


async def test_a_course_is_edited_and_archived_then_restored(user: User, centres: Database) -> None:
    course = await add_course(centres, "Heat Pump Installer")
    await sign_in(user, StaffRole.ADMIN)
    await user.open(COURSES)
    user.find(marker=f"edit-{course.slug}").click()
    await user.should_see(marker="course-title")
    user.find(marker="course-title").clear().type("Heat Pump Installer (Level 3)")
    user.find(marker="save-course").click()
    await user.should_see("“Heat Pump Installer (Level 3)” is saved.")
    await user.should_see("Heat Pump Installer (Level 3)")

    user.find(marker=f"archive-{course.slug}").click()
    await user.should_see("It leaves the public site and the booking wizard")
    user.find(marker="confirm-archive").click()
    await user.should_see("“Heat Pump Installer (Level 3)” is archived.")
    await user.should_see(marker="no-courses")  # the table shows courses on sale by default
    stored = await stored_course(centres, "Heat Pump Installer (Level 3)")
    assert stored is not None and stored.is_active is False

    user.find(marker="course-filter").elements.pop().value = "archived"
    await user.should_see(marker=f"restore-{course.slug}")
    user.find(marker=f"restore-{course.slug}").click()
    await user.should_see("“Heat Pump Installer (Level 3)” is back on sale.")
    stored = await stored_course(centres, "Heat Pump Installer (Level 3)")
    assert stored is not None and stored.is_active is True


async def test_archiving_says_what_stays_on_the_timetable(user: User, centres: Database) -> None:
    from datetime import date, time, timedelta

    from trainhub_ui.services.course_sessions import NewSession

    course = await add_course(centres, "First Aid at Work")
    tenant = await centre(centres)
    async with centres.transaction() as session:
        await course_sessions.create_session(
            session,
            TenantContext(tenant=tenant, actor="tests"),
            course.id,
            NewSession(start_date=date.today() + timedelta(days=20), start_time=time(9), end_time=time(17)),
        )
    await sign_in(user, StaffRole.ADMIN)
    await user.open(COURSES)
    await user.should_see("1 session · 0 booked")
    user.find(marker=f"archive-{course.slug}").click()
    await user.should_see(marker="archive-warning")
    await user.should_see("Its 1 session ahead (0 places booked) stay as they are")
    user.find("Keep it on sale").click()
    await user.should_see(marker=f"archive-{course.slug}")
    stored = await stored_course(centres, "First Aid at Work")
    assert stored is not None and stored.is_active


async def test_the_table_is_searched_and_paged_in_the_database(user: User, centres: Database) -> None:
    for number in range(1, 28):
        await add_course(centres, f"Course {number:02d}")
    await add_course(centres, "Boiler Fault Finding")
    await sign_in(user, StaffRole.STAFF)
    await user.open(COURSES)
    await user.should_see("1–25 of 28 courses")
    await user.should_see("Boiler Fault Finding")
    await user.should_not_see("Course 25")  # "Boiler..." first, then Course 01..24 fill the page
    user.find(marker="next-page").click()
    await user.should_see("26–28 of 28 courses")
    await user.should_see("Course 27")
    user.find(marker="course-search").type("boiler")
    await user.should_see("1 course")
    await user.should_not_see("Course 27")


async def test_lower_roles_and_other_centres_do_not_see_the_courses(user: User, centres: Database) -> None:
    await add_course(centres, "Secret Syllabus")
    response = await user.http_client.get(COURSES)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]
    await sign_in(user, StaffRole.INSTRUCTOR)
    refused = await user.http_client.get(COURSES)
    assert refused.status_code == 403 and "Not available to your role" in refused.text
    assert "Secret Syllabus" not in refused.text
    await sign_out(user, f"/{CENTRE_A}/admin/logout")
    # Staff of another centre are not signed in here: they meet this centre's sign-in.
    await sign_in(user, StaffRole.OWNER, CENTRE_B)
    await user.open(COURSES)
    await user.should_see("Staff sign-in")
    await user.should_not_see("Secret Syllabus")
    # Their own centre's table does not list this centre's courses.
    await user.open(f"/{CENTRE_B}/admin/courses")
    await user.should_see(marker="no-courses")
    await user.should_not_see("Secret Syllabus")


async def test_numbers_out_of_range_are_refused_at_their_field_not_changed(user: User, centres: Database) -> None:
    await sign_in(user, StaffRole.ADMIN)
    await user.open(COURSES)
    user.find(marker="new-course").click()
    await user.should_see(marker="save-course")
    user.find(marker="course-title").type("Capacity check")
    user.find(marker="course-price").type("495")
    capacity = user.find(marker="course-capacity")
    for typed in ("0", "-1"):
        capacity.clear().type(typed).trigger("blur")
        assert next(iter(capacity.elements)).value == float(typed)  # what was typed stays: nothing silently made 1
        user.find(marker="save-course").click()
        await user.should_see("Give the capacity from 1 to 500.")
    capacity.clear().type("12")
    days = user.find(kind=ui.number, content="Days")
    days.clear().type("0").trigger("blur")
    user.find(marker="save-course").click()
    await user.should_see("Give the number of days from 1 to 365.")
    assert next(iter(days.elements)).value == 0
    assert await stored_course(centres, "Capacity check") is None
    assert "From 1 to 500" in next(iter(capacity.elements)).props["hint"]  # the range is said at the field
