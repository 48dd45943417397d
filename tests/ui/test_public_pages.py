"""The public site through NiceGUI's User harness: home, catalogue filters, course page, live places."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from nicegui.testing import User
from sqlalchemy import select

from models import Course, CourseSession, Tenant
from tests import factories
from tests.ui.conftest import CENTRE_A, CENTRE_B
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.events import capacity_hub
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking


async def _tenant(db: Database, slug: str) -> Tenant:
    async with db.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert tenant is not None
    return tenant


async def _course(
    db: Database, slug: str, title: str, category: str, spots: int = 4, days: int = 30
) -> tuple[Course, CourseSession]:
    tenant = await _tenant(db, slug)
    async with db.transaction() as session:
        course = Course(
            tenant_id=tenant.id,
            slug=title.lower().replace(" ", "-"),
            title=title,
            price=49500,
            category=category,
            location="Bristol",
            summary=f"All about {title}",
        )
        session.add(course)
        await session.flush()
        course_session = await factories.course_session(
            session, course, spots=spots, start=date.today() + timedelta(days=days)
        )
    return course, course_session


async def _book(db: Database, slug: str, session_id: str, email: str):  # type: ignore[no-untyped-def]
    tenant = await _tenant(db, slug)
    async with db.transaction() as session:
        student = await factories.customer(session, tenant, email)
        return await create_booking(
            session, TenantContext(tenant=tenant), BookingRequest(customer_id=student.id, session_id=session_id)
        )


async def test_home_shows_categories_and_upcoming_sessions(user: User, centres: Database) -> None:
    await _course(centres, CENTRE_A, "Gas Safety Core", "Gas")
    await _course(centres, CENTRE_B, "Beta Only Course", "Heat")
    await user.open(f"/{CENTRE_A}")
    await user.should_see("Welcome to Alpha Gas School")
    await user.should_see("Gas · 1")
    await user.should_see("Gas Safety Core")
    await user.should_see("4 places left")
    await user.should_not_see("Beta Only Course")


async def test_catalogue_filters_live_in_the_address(user: User, centres: Database) -> None:
    await _course(centres, CENTRE_A, "Gas Safety Core", "Gas")
    await _course(centres, CENTRE_A, "Heat Pump Basics", "Heat pumps")
    await user.open(f"/{CENTRE_A}/courses")
    await user.should_see("2 courses")
    await user.open(f"/{CENTRE_A}/courses?category=Heat+pumps")
    await user.should_see("1 course")
    await user.should_see("Heat Pump Basics")
    await user.should_not_see("Gas Safety Core")
    await user.open(f"/{CENTRE_A}/courses?q=gas")
    await user.should_see("Gas Safety Core")
    await user.should_not_see("Heat Pump Basics")
    await user.open(f"/{CENTRE_A}/courses?from=2025-02-30")
    await user.should_see(marker="problem-from")
    await user.open(f"/{CENTRE_A}/courses?from=2030-01-01&to=2029-01-01")
    await user.should_see(marker="problem-to")


async def test_course_page_and_not_found(user: User, centres: Database) -> None:
    course, course_session = await _course(centres, CENTRE_A, "Gas Safety Core", "Gas", spots=2)
    theirs, _ = await _course(centres, CENTRE_B, "Beta Only Course", "Heat")
    await _book(centres, CENTRE_A, course_session.id, "first@example.com")
    await user.open(f"/{CENTRE_A}/courses/{course.id}")
    await user.should_see("Gas Safety Core")
    await user.should_see("Only 1 left")
    await user.should_see(marker=f"book-{course_session.id}")
    for path in (f"/{CENTRE_A}/courses/{theirs.id}", f"/{CENTRE_A}/courses/not-a-course", "/nowhere/courses"):
        response = await user.http_client.get(path)
        assert response.status_code == 404, path
        assert "Beta Only Course" not in response.text


# Changes of one session reach the pages at most every quarter of a second (the capacity hub coalesces them).
LIVE = 20


@pytest.mark.parametrize("page", ["course", "catalogue", "home"])
async def test_places_drop_live_on_two_open_pages(create_user, centres: Database, page: str) -> None:  # type: ignore[no-untyped-def]
    course, course_session = await _course(centres, CENTRE_A, "Gas Safety Core", "Gas", spots=5)
    path = {"course": f"/{CENTRE_A}/courses/{course.id}", "catalogue": f"/{CENTRE_A}/courses", "home": f"/{CENTRE_A}"}
    first, second = create_user(), create_user()
    for someone in (first, second):
        await someone.open(path[page])
        await someone.should_see("5 places left")
    booking = await _book(centres, CENTRE_A, course_session.id, "a@example.com")
    for someone in (first, second):
        await someone.should_see("4 places left", retries=LIVE)
    for email in ("b@example.com", "c@example.com", "d@example.com", "e@example.com"):
        await _book(centres, CENTRE_A, course_session.id, email)
    for someone in (first, second):
        await someone.should_see("Full — join the waiting list", retries=LIVE)
    tenant = await _tenant(centres, CENTRE_A)
    async with centres.transaction() as session:
        await cancel_booking(session, TenantContext(tenant=tenant), booking.id, "cannot come")
    for someone in (first, second):
        await someone.should_see("Only 1 left", retries=LIVE)
        [label] = someone.find(marker=f"places-{course_session.id}").elements
        assert "text-amber-700" in label.classes and "text-red-700" not in label.classes  # the tone followed


async def test_a_big_catalogue_comes_in_pages(user: User, centres: Database) -> None:
    tenant = await _tenant(centres, CENTRE_A)
    async with centres.transaction() as session:
        session.add_all(
            Course(tenant_id=tenant.id, slug=f"c{n:02d}", title=f"Course {n:02d}", price=100, category="Gas")
            for n in range(30)
        )
    await user.open(f"/{CENTRE_A}/courses")
    await user.should_see("30 courses")
    await user.should_see("Page 1 of 2")
    await user.should_see("Course 23")
    await user.should_not_see("Course 24")
    await user.open(f"/{CENTRE_A}/courses?page=2")
    await user.should_see("Page 2 of 2")
    await user.should_see("Course 29")
    await user.should_not_see("Course 00")
    await user.open(f"/{CENTRE_A}/courses?page=abc")
    await user.should_see("Page 1 of 2")


async def test_a_centre_in_the_united_states_reads_in_dollars_and_month_first(user: User, centres: Database) -> None:
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        tenant.currency, tenant.locale = "USD", "en_US"
    course, course_session = await _course(centres, CENTRE_A, "Gas Safety Core", "Gas")
    await user.open(f"/{CENTRE_A}/courses/{course.id}")
    await user.should_see("$495.00")
    await user.should_see(f"{course_session.start_date:%a, %b} {course_session.start_date.day} ")
    # The same course at a British centre: pounds, day first.
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        tenant.currency, tenant.locale = "GBP", "en_GB"
    await user.open(f"/{CENTRE_A}/courses/{course.id}")
    await user.should_see("£495.00")
    await user.should_see(
        f"{course_session.start_date:%a} {course_session.start_date.day} {course_session.start_date:%b}"
    )


async def test_pages_that_close_leave_nothing_behind_in_the_capacity_hub(create_user, centres: Database) -> None:  # type: ignore[no-untyped-def]
    """Every open page registers its labels with the hub; when NiceGUI deletes a page's client, the hub keeps
    nothing of it (nor of the session, once nobody watches it)."""
    course, course_session = await _course(centres, CENTRE_A, "Gas Safety Core", "Gas", spots=5)
    before = capacity_hub.watched()
    users = [create_user() for _ in range(20)]
    for someone in users:
        await someone.open(f"/{CENTRE_A}/courses/{course.id}")
        await someone.should_see("5 places left")
    assert capacity_hub.watched() == before + 20
    for someone in users:
        someone.client.delete()
    assert capacity_hub.watched() == before
    assert (course_session.tenant_id, course_session.id) not in capacity_hub._shown_by
