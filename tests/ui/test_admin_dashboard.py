"""The back office's dashboard through NiceGUI's User harness: figures, charts, lists, live fill bars, and roles."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select

from models import BookingStatus, CourseSession, PaymentOption, StaffRole, StaffUser, Tenant
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, staff_email
from tests.ui.test_sign_in_pages import SLOW, expect_refused, sign_in_staff
from tests.unit.test_reports import ReportBuilder
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.bookings import BookingRequest, create_booking


@dataclass
class Centre:
    tenant: Tenant
    taught: CourseSession  # the instructor's, 3 of 10 booked
    others: CourseSession  # nobody's, 2 of 12 booked
    full: CourseSession  # the instructor's, full
    booking_id: str  # the newest booking
    owing_id: str  # a booking with a balance owed
    customer_id: str


async def _centre(db: Database, slug: str = CENTRE_A) -> Centre:
    """A small centre: an instructor's two upcoming sessions and someone else's, bookings and payments."""
    today = date.today()
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert tenant is not None
        instructor = await session.scalar(
            select(StaffUser).where(StaffUser.email == staff_email(StaffRole.INSTRUCTOR, slug))
        )
        assert instructor is not None
        b = ReportBuilder(session, tenant)
        ccn1 = await b.course("ACS CCN1 Core Gas Safety", 49500)
        g3 = await b.course("Unvented Hot Water G3", 19500)
        taught = await b.session_of(ccn1, today + timedelta(days=10), spots=10, booked=3)
        others = await b.session_of(g3, today + timedelta(days=5), spots=12, booked=2)
        full = await b.session_of(g3, today + timedelta(days=20), at=time(9, 30), spots=6, booked=6)
        taught.instructor_id = full.instructor_id = instructor.id
        now = datetime.now(UTC)
        paid = await b.booking(taught, BookingStatus.CONFIRMED, 49500, paid=49500)
        await b.paid(paid, 49500, now)
        paid.created_at = now - timedelta(hours=2)
        owing = await b.booking(
            others, BookingStatus.CONFIRMED, 19500, option=PaymentOption.DEPOSIT, deposit=5850, paid=5850
        )
        owing.balance_due = 13650
        owing.company_name = "Severn Heating Ltd"
        owing.created_at = now - timedelta(hours=1)
        await b.paid(owing, 5850, now)
        newest = await b.booking(others, BookingStatus.PENDING, 19500, balance=19500)
        newest.created_at = now
        customer = await b.customer()
        await session.flush()
    return Centre(tenant, taught, others, full, newest.id, owing.id, customer.id)


async def _signed_in(user: User, role: StaffRole, slug: str = CENTRE_A) -> None:
    await sign_in_staff(user, staff_email(role, slug), PASSWORD, slug)
    await user.should_see("Welcome back", retries=SLOW)


def _html(user: User, marker: str) -> str:
    element = user.find(marker=marker).elements.pop()
    assert isinstance(element, ui.html)
    return element.content


def _fill(user: User, session_id: str) -> str:
    """The "booked / places" of a session's row on the dashboard."""
    found = re.search(r">(\d+ / \d+)</span>", _html(user, f"session-{session_id}"))
    assert found is not None
    return found.group(1)


def _href(tenant_path: str) -> str:
    return f'href="/{CENTRE_A}/admin/{tenant_path}"'


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_staff_see_the_figures_charts_and_lists(user: User, centres: Database, role: StaffRole) -> None:
    centre = await _centre(centres)
    await _signed_in(user, role)
    # The dashboard endpoint's figures: £495 + £58.50 received; £136.50 + £195 (the held booking) still to pay.
    await user.should_see("£553.50")
    await user.should_see("£331.50")
    await user.should_see("2 confirmed")
    await user.should_see("1 held · 0 cancelled · 3 in all")
    await user.should_see("11 of 28 upcoming places booked")
    for chart in ("revenue-chart", "bookings-chart", "occupancy-chart"):
        assert len(user.find(marker=chart).elements) == 1
    revenue = user.find(marker="revenue-chart").elements.pop()
    assert isinstance(revenue, ui.echart)
    assert revenue.options["series"][0]["data"][-1] == 553.5  # this month
    occupancy = user.find(marker="occupancy-chart").elements.pop()
    assert occupancy.options["baseOption"]["yAxis"]["data"] == ["ACS CCN1 Core Gas Safety", "Unvented Hot Water G3"]
    assert occupancy.options["baseOption"]["series"][0]["data"] == [30.0, 44.4]

    # Upcoming sessions, soonest first, each linking to its session page, with its fill.
    await user.should_see(marker=f"session-{centre.others.id}")
    taught = _html(user, f"session-{centre.taught.id}")
    assert _href(f"courses/{centre.taught.course_id}/sessions/{centre.taught.id}") in taught
    assert (_fill(user, centre.others.id), _fill(user, centre.taught.id), _fill(user, centre.full.id)) == (
        "2 / 12",
        "3 / 10",
        "6 / 6",
    )
    # Recent bookings and balances link to the booking's page.
    recent = _html(user, "recent-bookings")
    assert recent.index(_href(f"bookings/{centre.booking_id}")) < recent.index(_href(f"bookings/{centre.owing_id}"))
    assert "Held" in recent
    assert _href(f"bookings/{centre.owing_id}") in _html(user, "balances")
    await user.should_see("£136.50 owed on 1 confirmed booking")
    await user.should_see("Severn Heating Ltd")


async def test_an_empty_centre_says_so(user: User) -> None:
    await _signed_in(user, StaffRole.ADMIN)
    await user.should_see("No sessions are coming up.")
    await user.should_see("No bookings yet.")
    await user.should_see("£0.00 owed on 0 confirmed bookings")


async def test_fill_bars_move_live_on_this_page_only_for_their_session(user: User, centres: Database) -> None:
    centre = await _centre(centres)
    await _signed_in(user, StaffRole.ADMIN)
    await user.should_see(marker=f"session-{centre.taught.id}")
    async with centres.transaction() as session:
        ctx = TenantContext(tenant=centre.tenant, actor="phone booking")
        await create_booking(session, ctx, BookingRequest(customer_id=centre.customer_id, session_id=centre.taught.id))
    for _ in range(SLOW):
        if _fill(user, centre.taught.id) == "4 / 10":
            break
        await asyncio.sleep(0.1)
    assert _fill(user, centre.taught.id) == "4 / 10"
    assert 'aria-valuenow="4"' in _html(user, f"session-{centre.taught.id}")
    assert 'style="width: 40%"' in _html(user, f"session-{centre.taught.id}")
    assert _fill(user, centre.others.id) == "2 / 12"


async def test_an_instructor_sees_only_their_own_sessions_and_no_money(user: User, centres: Database) -> None:
    centre = await _centre(centres)
    await _signed_in(user, StaffRole.INSTRUCTOR)
    await user.should_see("Your upcoming sessions")
    await user.should_see("9 of 16")
    taught = _html(user, f"session-{centre.taught.id}")
    assert _href(f"courses/{centre.taught.course_id}/sessions/{centre.taught.id}") in taught
    assert _fill(user, centre.full.id) == "6 / 6"
    await user.should_not_see(marker=f"session-{centre.others.id}")
    for hidden in ("£", "Revenue", "Recent bookings", "Outstanding balances", "Severn Heating"):
        await user.should_not_see(hidden)
    await user.should_not_see(marker="revenue-chart")


async def test_an_instructor_with_nothing_coming_up(user: User) -> None:
    await _signed_in(user, StaffRole.INSTRUCTOR)
    await user.should_see("No sessions of yours are coming up.")


async def test_signing_in_is_needed_and_another_centres_staff_see_nothing(user: User, centres: Database) -> None:
    await _centre(centres)
    await user.open(f"/{CENTRE_A}/admin")
    await user.should_see("Staff sign-in")
    await user.should_not_see("ACS CCN1")
    await _signed_in(user, StaffRole.OWNER, CENTRE_B)
    await user.should_not_see("ACS CCN1")  # centre B's own dashboard: none of centre A's courses
    await user.open(f"/{CENTRE_A}/admin")
    await user.should_see("Staff sign-in")
    await user.should_not_see("ACS CCN1")
    response = await user.http_client.get(f"/{CENTRE_A}/admin")
    assert response.status_code == 303


async def test_the_dashboard_is_refused_to_nobody_with_a_role(user: User) -> None:
    """Every role reaches the dashboard; the pages above a role answer 403 with nothing of theirs."""
    await _signed_in(user, StaffRole.INSTRUCTOR)
    await expect_refused(user, f"/{CENTRE_A}/admin/reports")
