"""What the public site lists, on SQLite and PostgreSQL: filters, places left, and nothing of another centre."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from models import Course, CourseSession, Tenant
from tests import factories
from tests.factories import Clock
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.services.storefront import (
    CatalogFilters,
    browse,
    categories,
    course_with_sessions,
    locations,
    places_text,
    upcoming,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def _session(course: Course, days: int, spots: int = 10, booked: int = 0, **extra: object) -> CourseSession:
    start = TODAY + timedelta(days=days)
    return CourseSession(
        tenant_id=course.tenant_id,
        course_id=course.id,
        start_date=start,
        end_date=start,
        start_time=time(9),
        end_time=time(17),
        starts_at=datetime.combine(start, time(9), tzinfo=UTC),
        available_spots=spots,
        booked_spots=booked,
        **extra,
    )


async def _catalogue(db: Database) -> tuple[TenantContext, dict[str, Course], Tenant]:
    async with db.transaction() as session:
        tenant = await factories.centre(session, "alpha-gas", "Alpha Gas")
        other = await factories.centre(session, "beta-heat", "Beta Heat")
        courses = {
            "gas": Course(
                tenant_id=tenant.id,
                slug="ccn1",
                title="ACS CCN1 Gas Safety",
                price=49500,
                category="Gas",
                location="Bristol",
                summary="Core domestic gas safety",
            ),
            "pump": Course(
                tenant_id=tenant.id,
                slug="hp",
                title="Heat Pump Install",
                price=60000,
                category="Heat pumps",
                location="Bath",
            ),
            "aid": Course(
                tenant_id=tenant.id,
                slug="fa",
                title="First Aid at Work",
                price=19500,
                category="First aid",
                location="Bristol",
            ),
            "old": Course(
                tenant_id=tenant.id, slug="old", title="Retired Course", price=100, category="Gas", is_active=False
            ),
            "theirs": Course(tenant_id=other.id, slug="ccn1", title="Beta Gas Course", price=100, category="Gas"),
        }
        session.add_all(courses.values())
        await session.flush()
        session.add_all(
            [
                _session(courses["gas"], 10, spots=12, booked=12),  # full
                _session(courses["gas"], 40, spots=12, booked=10, venue="Avonmouth rig hall"),  # two left
                _session(courses["gas"], -3),  # started
                _session(courses["gas"], 20, is_active=False),
                _session(courses["gas"], 25, cancelled_at=NOW),
                _session(courses["pump"], 5),
                _session(courses["old"], 5),
                _session(courses["theirs"], 5),
            ]
        )
    return TenantContext(tenant=tenant, clock=Clock(NOW)), courses, other


def _titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    cards, total = page
    assert total == len(cards)  # every test catalogue fits on one page
    return [card.course.title for card in cards]


async def test_catalogue_and_its_filters(db: Database) -> None:
    ctx, _courses, _ = await _catalogue(db)
    async with db.read() as session:
        everything = await browse(session, ctx, CatalogFilters())
        assert _titles(everything) == ["ACS CCN1 Gas Safety", "First Aid at Work", "Heat Pump Install"]
        gas = everything[0][0]
        assert [s.places_left for s in gas.sessions] == [0, 2]  # started, inactive and cancelled left out
        assert _titles(await browse(session, ctx, CatalogFilters(category="Gas"))) == ["ACS CCN1 Gas Safety"]
        assert _titles(await browse(session, ctx, CatalogFilters(text="gas safety"))) == ["ACS CCN1 Gas Safety"]
        assert _titles(await browse(session, ctx, CatalogFilters(text="CORE DOMESTIC"))) == ["ACS CCN1 Gas Safety"]
        assert _titles(await browse(session, ctx, CatalogFilters(text="100%"))) == []
        bristol = await browse(session, ctx, CatalogFilters(location="Bristol"))
        assert _titles(bristol) == ["ACS CCN1 Gas Safety", "First Aid at Work"]
        rig = await browse(session, ctx, CatalogFilters(location="Avonmouth rig hall"))
        assert _titles(rig) == ["ACS CCN1 Gas Safety"]
        # Only with places: the full session goes, and courses with nothing bookable go too.
        open_ = await browse(session, ctx, CatalogFilters(with_places=True))
        assert _titles(open_) == ["ACS CCN1 Gas Safety", "Heat Pump Install"]
        assert [s.places_left for s in open_[0][0].sessions] == [2]
        soon = await browse(session, ctx, CatalogFilters(starts_to=TODAY + timedelta(days=14)))
        assert _titles(soon) == ["ACS CCN1 Gas Safety", "Heat Pump Install"]
        later = await browse(session, ctx, CatalogFilters(starts_from=TODAY + timedelta(days=30)))
        assert _titles(later) == ["ACS CCN1 Gas Safety"]


async def test_bad_filters_name_the_field(db: Database) -> None:
    ctx, _, _ = await _catalogue(db)
    async with db.read() as session:
        with pytest.raises(InvalidInput) as backwards:
            await browse(session, ctx, CatalogFilters(starts_from=date(2027, 2, 1), starts_to=date(2027, 1, 1)))
        assert backwards.value.field == "to"
        with pytest.raises(InvalidInput) as long:
            await browse(session, ctx, CatalogFilters(text="x" * 201))
        assert long.value.field == "q"


async def test_home_page_lists_and_isolation(db: Database) -> None:
    ctx, courses, other = await _catalogue(db)
    async with db.read() as session:
        soonest = await upcoming(session, ctx, limit=3)
        assert [(c.title, s.start_date) for c, s in soonest] == [
            ("Heat Pump Install", TODAY + timedelta(days=5)),
            ("ACS CCN1 Gas Safety", TODAY + timedelta(days=10)),
            ("ACS CCN1 Gas Safety", TODAY + timedelta(days=40)),
        ]
        assert await categories(session, ctx) == [("First aid", 1), ("Gas", 1), ("Heat pumps", 1)]
        assert await locations(session, ctx) == ["Avonmouth rig hall", "Bath", "Bristol"]
        page = await course_with_sessions(session, ctx, courses["gas"].id)
        assert [s.places_left for s in page.sessions] == [0, 2]
        for hidden in (courses["old"].id, courses["theirs"].id, "not-an-id"):
            with pytest.raises(NotFound):
                await course_with_sessions(session, ctx, hidden)
        theirs = TenantContext(tenant=other, clock=Clock(NOW))
        assert _titles(await browse(session, theirs, CatalogFilters())) == ["Beta Gas Course"]


async def test_the_catalogue_comes_in_pages(db: Database) -> None:
    ctx, _, _ = await _catalogue(db)
    async with db.read() as session:
        first, total = await browse(session, ctx, CatalogFilters(), limit=2)
        second, again = await browse(session, ctx, CatalogFilters(), limit=2, offset=2)
    assert total == again == 3
    assert [c.course.title for c in first] == ["ACS CCN1 Gas Safety", "First Aid at Work"]
    assert [c.course.title for c in second] == ["Heat Pump Install"]


def test_places_text() -> None:
    assert places_text(0) == "Full — join the waiting list"
    assert places_text(-1) == "Full — join the waiting list"
    assert places_text(1) == "Only 1 left"
    assert places_text(3) == "Only 3 left"
    assert places_text(4) == "4 places left"
