"""The catalogue service: courses and sessions, their rules, and the records they leave, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from models import (
    AuditEntry,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    PaymentOption,
    StaffRole,
    StaffUser,
    Tenant,
)
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain import signals
from trainhub_ui.domain.context import TenantContext, local_today
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.services import course_sessions, courses, session_lists, session_schedule
from trainhub_ui.services.course_sessions import NewSession, SessionChanges
from trainhub_ui.services.courses import CourseChanges, NewCourse

# A fixed "now" in British Summer Time: 11:00 on 1 June 2026 at a centre in London.
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


def staff_ctx(tenant: Tenant, now: datetime = NOW) -> TenantContext:
    return TenantContext(tenant=tenant, actor="tests", role=StaffRole.ADMIN, clock=lambda: now)


def public_ctx(tenant: Tenant, now: datetime = NOW) -> TenantContext:
    return TenantContext(tenant=tenant, actor="public", clock=lambda: now)


async def new_centre(db: Database, slug: str = "test-centre") -> Tenant:
    async with db.transaction() as session:
        return await factories.centre(session, slug)


async def new_course(db: Database, tenant: Tenant, **fields: object) -> Course:
    details = {"title": "ACS CCN1 Core Gas Safety", "price": 49500, "duration_days": 3, "location": "Bristol"}
    details.update(fields)
    async with db.transaction() as session:
        return await courses.create_course(session, staff_ctx(tenant), NewCourse(**details))  # type: ignore[arg-type]


async def new_session(db: Database, tenant: Tenant, course: Course, **fields: object) -> CourseSession:
    details = {"start_date": TODAY + timedelta(days=30), "start_time": time(9), "end_time": time(17)}
    details.update(fields)
    async with db.transaction() as session:
        return await course_sessions.create_session(
            session,
            staff_ctx(tenant),
            course.id,
            NewSession(**details),  # type: ignore[arg-type]
        )


async def add_booking(db: Database, tenant: Tenant, item: CourseSession, status: BookingStatus) -> None:
    async with db.transaction() as session:
        student = await factories.customer(session, tenant, f"{status.value.lower()}@example.com")
        session.add(
            Booking(
                tenant_id=tenant.id,
                reference=f"TST-{status.value[:5]}",
                session_id=item.id,
                customer_id=student.id,
                status=status,
                payment_option=PaymentOption.FULL,
                currency="GBP",
                total_amount=49500,
                balance_due=49500,
            )
        )


async def audit_entries(db: Database, entity_id: str, action: str) -> list[AuditEntry]:
    async with db.read() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == entity_id, AuditEntry.action == action)
        )
        return list(rows)


async def expect_invalid(field: str, call: Callable[[], object]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        await call()  # type: ignore[misc]
    assert caught.value.field == field, caught.value.message
    return caught.value


# --- time at the centre ----------------------------------------------------------------------------


def test_session_start_is_read_in_the_centres_timezone() -> None:
    london = Tenant(slug="london", name="London", timezone="Europe/London")
    summer = session_schedule.session_starts_at(london, date(2026, 7, 1), time(9, 0))
    winter = session_schedule.session_starts_at(london, date(2026, 1, 15), time(9, 0))
    assert summer == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert winter == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    auckland = Tenant(slug="auckland", name="Auckland", timezone="Pacific/Auckland")
    assert session_schedule.session_starts_at(auckland, date(2026, 7, 1), time(9, 0)) == datetime(
        2026, 6, 30, 21, tzinfo=UTC
    )


def test_today_is_the_centres_calendar_day() -> None:
    london = Tenant(slug="london", name="London", timezone="Europe/London")
    late_evening_utc = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # already 2 June in London
    assert local_today(london, late_evening_utc) == date(2026, 6, 2)
    new_york = Tenant(slug="ny", name="NY", timezone="America/New_York")
    assert local_today(new_york, late_evening_utc) == date(2026, 6, 1)


def test_slug_from_title() -> None:
    assert courses.slug_from_title("ACS CCN1 (Domestic) — Core Gas Safety") == "acs-ccn1-domestic-core-gas-safety"
    assert courses.slug_from_title("Café Hygiène") == "cafe-hygiene"
    assert courses.slug_from_title("!!!") == "course"
    assert len(courses.slug_from_title("x" * 500)) == courses.SLUG_MAX


# --- courses -------------------------------------------------------------------------------------


async def test_course_slugs_are_made_from_titles_and_unique_per_centre(db: Database) -> None:
    tenant = await new_centre(db)
    other = await new_centre(db, "other-centre")
    first = await new_course(db, tenant)
    second = await new_course(db, tenant)
    third = await new_course(db, tenant)
    elsewhere = await new_course(db, other)
    assert (first.slug, second.slug, third.slug) == (
        "acs-ccn1-core-gas-safety",
        "acs-ccn1-core-gas-safety-2",
        "acs-ccn1-core-gas-safety-3",
    )
    assert elsewhere.slug == "acs-ccn1-core-gas-safety"
    with pytest.raises(DomainError) as caught:
        await new_course(db, tenant, slug="acs-ccn1-core-gas-safety-2")
    assert (caught.value.code, caught.value.field, caught.value.status) == ("course_slug_taken", "slug", 409)


async def test_course_is_created_with_its_fields_and_an_audit_entry(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(
        db,
        tenant,
        slug="ccn1",
        category="Gas",
        summary="Core gas safety",
        certificate_validity_months=60,
        currency="gbp",
        default_capacity=10,
    )
    async with db.read() as session:
        stored = await courses.get_course(session, staff_ctx(tenant), course.id)
    assert (stored.slug, stored.category, stored.price, stored.default_capacity) == ("ccn1", "Gas", 49500, 10)
    assert stored.certificate_validity_months == 60
    [entry] = await audit_entries(db, course.id, "course.created")
    assert entry.details["slug"] == "ccn1"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"price": -1}, "price"),
        ({"price": 100_000_001}, "price"),
        ({"price": 12.5}, "price"),
        ({"price": True}, "price"),
        ({"currency": "EUR"}, "currency"),
        ({"duration_days": 0}, "durationDays"),
        ({"duration_hours": -1}, "durationHours"),
        ({"default_capacity": 501}, "defaultCapacity"),
        ({"certificate_validity_months": 0}, "certificateValidityMonths"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "double--hyphen"}, "slug"),
        ({"category": "x" * 101}, "category"),
        ({"summary": "x" * 501}, "summary"),
        ({"description": "x" * 10_001}, "description"),
        ({"location": "Bristol\x00"}, "location"),
    ],
)
async def test_course_input_is_checked(db: Database, fields: dict[str, object], field: str) -> None:
    tenant = await new_centre(db)
    await expect_invalid(field, lambda: new_course(db, tenant, **fields))
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Course)) == 0


async def test_course_update_changes_given_fields_only_and_keeps_slugs_unique(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant, slug="ccn1")
    await new_course(db, tenant, slug="cpa1")
    async with db.transaction() as session:
        updated = await courses.update_course(
            session, staff_ctx(tenant), course.id, CourseChanges(price=52000, certificate_validity_months=60)
        )
    assert (updated.price, updated.title, updated.certificate_validity_months) == (52000, course.title, 60)
    [entry] = await audit_entries(db, course.id, "course.updated")
    assert entry.details["changes"] == {"price": [49500, 52000], "certificate_validity_months": [None, 60]}
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await courses.update_course(session, staff_ctx(tenant), course.id, CourseChanges(slug="cpa1"))
    assert caught.value.code == "course_slug_taken"
    await expect_invalid("price", lambda: _update_course(db, staff_ctx(tenant), course.id, CourseChanges(price=-5)))


async def _update_course(db: Database, ctx: TenantContext, course_id: str, changes: CourseChanges) -> Course:
    async with db.transaction() as session:
        return await courses.update_course(session, ctx, course_id, changes)


async def test_course_lists_filter_count_and_page_in_the_database(db: Database) -> None:
    tenant = await new_centre(db)
    other = await new_centre(db, "other-centre")
    for number in range(5):
        await new_course(db, tenant, title=f"Gas course {number}", category="Gas")
    await new_course(db, tenant, title="Heat pump basics", category="Heat pumps")
    await new_course(db, tenant, title="Retired gas course", category="Gas", is_active=False)
    await new_course(db, other, title="Gas course elsewhere", category="Gas")
    async with db.read() as session:
        ctx = staff_ctx(tenant)
        everything, total = await courses.list_courses(session, ctx, public=False)
        assert total == 7 and len(everything) == 7
        page, total = await courses.list_courses(session, ctx, public=False, category="Gas", limit=2, offset=4)
        assert total == 6 and [c.title for c in page] == ["Gas course 4", "Retired gas course"]
        found, total = await courses.list_courses(session, ctx, public=False, q="PUMP")
        assert total == 1 and found[0].title == "Heat pump basics"
        inactive, total = await courses.list_courses(session, ctx, public=False, active=False)
        assert total == 1 and inactive[0].title == "Retired gas course"
        public, total = await courses.list_courses(session, public_ctx(tenant), public=True, active=False)
        assert total == 6 and all(c.is_active for c in public)
        wildcard, total = await courses.list_courses(session, ctx, public=False, q="%")
        assert total == 0 and wildcard == []


async def test_courses_of_another_centre_are_not_found(db: Database) -> None:
    tenant = await new_centre(db)
    other = await new_centre(db, "other-centre")
    course = await new_course(db, tenant)
    async with db.transaction() as session:
        with pytest.raises(NotFound):
            await courses.get_course(session, staff_ctx(other), course.id)
        with pytest.raises(NotFound):
            await courses.update_course(session, staff_ctx(other), course.id, CourseChanges(price=1))
        with pytest.raises(NotFound):
            await courses.delete_course(session, staff_ctx(other), course.id)
        with pytest.raises(NotFound):
            await course_sessions.create_session(
                session,
                staff_ctx(other),
                course.id,
                NewSession(start_date=TODAY + timedelta(days=9), start_time=time(9), end_time=time(17)),
            )
        with pytest.raises(NotFound):
            await courses.get_course(session, staff_ctx(tenant), "x" * 5000)


async def test_inactive_course_is_hidden_from_the_public(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant, is_active=False)
    async with db.read() as session:
        with pytest.raises(NotFound):
            await courses.get_course(session, public_ctx(tenant), course.id, public=True)
        with pytest.raises(NotFound):
            await session_lists.list_sessions(session, public_ctx(tenant), course.id, public=True)
        assert (await courses.get_course(session, staff_ctx(tenant), course.id)).id == course.id


async def test_course_without_bookings_is_deleted_with_its_sessions(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    await new_session(db, tenant, course)
    await new_session(db, tenant, course, start_date=TODAY + timedelta(days=60))
    async with db.transaction() as session:
        await courses.delete_course(session, staff_ctx(tenant), course.id)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Course)) == 0
        assert await session.scalar(select(func.count()).select_from(CourseSession)) == 0
    assert len(await audit_entries(db, course.id, "course.deleted")) == 1


async def test_course_with_any_booking_is_not_deleted(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    await add_booking(db, tenant, item, BookingStatus.CANCELLED)
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await courses.delete_course(session, staff_ctx(tenant), course.id)
    assert (caught.value.code, caught.value.status) == ("course_has_bookings", 409)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(CourseSession)) == 1


# --- sessions ------------------------------------------------------------------------------------


async def test_session_fills_gaps_from_its_course(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant, duration_days=3, default_capacity=10, location="Avonmouth")
    item = await new_session(db, tenant, course, start_date=date(2026, 7, 6), start_time=time(9, 30))
    assert item.end_date == date(2026, 7, 8)
    assert (item.available_spots, item.booked_spots, item.venue) == (10, 0, "Avonmouth")
    assert item.starts_at == datetime(2026, 7, 6, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert item.instructor is None
    [entry] = await audit_entries(db, item.id, "session.created")
    assert entry.details["course_id"] == course.id


async def test_session_takes_an_instructor_of_its_own_centre_only(db: Database) -> None:
    tenant = await new_centre(db)
    other = await new_centre(db, "other-centre")
    async with db.transaction() as session:
        await factories.staff(session, tenant, StaffRole.INSTRUCTOR)
        await factories.staff(session, other, StaffRole.INSTRUCTOR)
        ours = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == tenant.id))
        theirs = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == other.id))
    assert ours is not None and theirs is not None
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course, instructor_id=ours.id)
    assert item.instructor is not None and item.instructor.name == ours.name
    await expect_invalid("instructorId", lambda: new_session(db, tenant, course, instructor_id=theirs.id))
    await expect_invalid("instructorId", lambda: new_session(db, tenant, course, instructor_id="no-such-person"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": TODAY - timedelta(days=1)}, "startDate"),
        ({"start_date": TODAY, "start_time": time(10, 59)}, "startDate"),  # 10:59 BST has passed at 11:00 BST
        ({"start_date": date(1, 1, 1)}, "startDate"),
        ({"start_date": date(9999, 12, 31)}, "startDate"),
        ({"end_date": TODAY + timedelta(days=29)}, "endDate"),
        ({"end_date": TODAY + timedelta(days=30 + 365)}, "endDate"),
        ({"end_time": time(9)}, "endTime"),
        ({"end_time": time(8)}, "endTime"),
        ({"available_spots": 0}, "availableSpots"),
        ({"available_spots": 501}, "availableSpots"),
        ({"venue": "x" * 301}, "venue"),
        ({"instructor_notes": "x" * 10_001}, "instructorNotes"),
    ],
)
async def test_session_input_is_checked(db: Database, fields: dict[str, object], field: str) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    await expect_invalid(field, lambda: new_session(db, tenant, course, **fields))


async def test_session_later_today_may_be_scheduled(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant, duration_days=1)
    item = await new_session(db, tenant, course, start_date=TODAY, start_time=time(11, 30))
    assert item.starts_at == datetime(2026, 6, 1, 10, 30, tzinfo=UTC)


async def test_session_lists_page_and_filter_by_date_and_visibility(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant, duration_days=1)
    other_course = await new_course(db, tenant, title="Other")
    starts = [TODAY + timedelta(days=days) for days in (10, 20, 30, 40)]
    made = [await new_session(db, tenant, course, start_date=day) for day in starts]
    await new_session(db, tenant, other_course)
    async with db.transaction() as session:
        # One has ended, one is inactive, one is cancelled.
        await session.execute(
            update(CourseSession)
            .where(CourseSession.id == made[0].id)
            .values(start_date=TODAY - timedelta(days=3), end_date=TODAY - timedelta(days=1))
        )
        await session.execute(update(CourseSession).where(CourseSession.id == made[1].id).values(is_active=False))
        await session.execute(update(CourseSession).where(CourseSession.id == made[2].id).values(cancelled_at=NOW))
    async with db.read() as session:
        ctx = staff_ctx(tenant)
        upcoming, total = await session_lists.list_sessions(session, ctx, course.id, public=False)
        assert total == 3 and [s.id for s in upcoming] == [m.id for m in made[1:]]
        everything, total = await session_lists.list_sessions(session, ctx, course.id, public=False, include_past=True)
        assert total == 4 and everything[0].id == made[0].id
        window, total = await session_lists.list_sessions(
            session, ctx, course.id, public=False, starts_from=starts[1], starts_to=starts[2]
        )
        assert total == 2 and [s.id for s in window] == [made[1].id, made[2].id]
        paged, total = await session_lists.list_sessions(session, ctx, course.id, public=False, limit=1, offset=1)
        assert total == 3 and [s.id for s in paged] == [made[2].id]
        public, total = await session_lists.list_sessions(session, public_ctx(tenant), course.id, public=True)
        assert total == 1 and public[0].id == made[3].id
        with pytest.raises(NotFound):
            await session_lists.get_session(session, public_ctx(tenant), course.id, made[1].id, public=True)
        with pytest.raises(NotFound):
            await session_lists.get_session(session, public_ctx(tenant), course.id, made[2].id, public=True)


async def test_session_under_another_course_or_centre_is_not_found(db: Database) -> None:
    tenant = await new_centre(db)
    other = await new_centre(db, "other-centre")
    course = await new_course(db, tenant)
    second_course = await new_course(db, tenant, title="Second")
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        with pytest.raises(NotFound):
            await session_lists.get_session(session, staff_ctx(tenant), second_course.id, item.id)
        with pytest.raises(NotFound):
            await course_sessions.update_session(
                session, staff_ctx(tenant), second_course.id, item.id, SessionChanges(venue="Elsewhere")
            )
        with pytest.raises(NotFound):
            await course_sessions.delete_session(session, staff_ctx(tenant), second_course.id, item.id)
        with pytest.raises(NotFound):
            await session_lists.get_session(session, staff_ctx(other), course.id, item.id)
        with pytest.raises(NotFound):
            await course_sessions.delete_session(session, staff_ctx(other), course.id, item.id)


async def test_schedule_change_is_recorded_for_the_people_booked(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course, start_date=date(2026, 7, 6), end_date=date(2026, 7, 8))
    async with db.transaction() as session:
        changed = await course_sessions.update_session(
            session,
            staff_ctx(tenant),
            course.id,
            item.id,
            SessionChanges(
                start_date=date(2026, 7, 13),
                end_date=date(2026, 7, 15),
                start_time=time(8, 30),
                venue="Unit 4, Avonmouth",
                instructor_notes="Gas rig in bay 2",
            ),
        )
        assert signals.PENDING_EVENTS not in session.info  # neither capacity nor availability changed
    assert changed.starts_at == datetime(2026, 7, 13, 7, 30, tzinfo=UTC)
    [entry] = await audit_entries(db, item.id, "session.changed")
    assert entry.details["changes"] == {
        "start_date": ["2026-07-06", "2026-07-13"],
        "end_date": ["2026-07-08", "2026-07-15"],
        "start_time": ["09:00", "08:30"],
        "venue": ["Bristol", "Unit 4, Avonmouth"],
    }
    [other] = await audit_entries(db, item.id, "session.updated")
    assert other.details["changes"] == {"instructor_notes": ["", "Gas rig in bay 2"]}


async def test_unchanged_values_record_nothing(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        await course_sessions.update_session(
            session, staff_ctx(tenant), course.id, item.id, SessionChanges(venue=item.venue, available_spots=12)
        )
        assert signals.PENDING_EVENTS not in session.info
    assert await audit_entries(db, item.id, "session.changed") == []


async def test_capacity_change_queues_capacity_changed(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        await course_sessions.update_session(
            session, staff_ctx(tenant), course.id, item.id, SessionChanges(available_spots=16)
        )
        await course_sessions.update_session(
            session, staff_ctx(tenant), course.id, item.id, SessionChanges(is_active=False)
        )
        queued = list(session.info[signals.PENDING_EVENTS])
    assert queued == [
        signals.CapacityChanged(tenant.id, course.id, item.id, booked_spots=0, available_spots=16),
        signals.CapacityChanged(tenant.id, course.id, item.id, booked_spots=0, available_spots=16),
    ]


async def test_capacity_cannot_go_below_the_places_taken(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == item.id).values(booked_spots=8))
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await course_sessions.update_session(
                session, staff_ctx(tenant), course.id, item.id, SessionChanges(available_spots=7)
            )
    assert (caught.value.code, caught.value.field, caught.value.status) == (
        "capacity_below_booked",
        "availableSpots",
        409,
    )
    async with db.transaction() as session:
        exact = await course_sessions.update_session(
            session, staff_ctx(tenant), course.id, item.id, SessionChanges(available_spots=8)
        )
    assert exact.remaining_spots == 0


async def test_session_update_keeps_dates_and_times_consistent(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course, end_date=TODAY + timedelta(days=32))
    ctx = staff_ctx(tenant)

    async def change(**fields: object) -> CourseSession:
        async with db.transaction() as session:
            return await course_sessions.update_session(session, ctx, course.id, item.id, SessionChanges(**fields))  # type: ignore[arg-type]

    await expect_invalid("endDate", lambda: change(start_date=TODAY + timedelta(days=33)))
    await expect_invalid("endDate", lambda: change(end_date=TODAY + timedelta(days=29)))
    await expect_invalid("endTime", lambda: change(end_time=time(8, 59)))
    await expect_invalid("endTime", lambda: change(start_time=time(17, 0)))
    await expect_invalid("startDate", lambda: change(start_date=TODAY - timedelta(days=2)))
    await expect_invalid("availableSpots", lambda: change(available_spots=0))
    await expect_invalid("instructorId", lambda: change(instructor_id="nobody"))
    moved = await change(start_date=TODAY + timedelta(days=31), end_time=time(16, 30))
    assert (moved.start_date, moved.end_date, moved.end_time) == (
        TODAY + timedelta(days=31),
        TODAY + timedelta(days=32),
        time(16, 30),
    )


async def test_started_session_can_still_change_venue_but_not_move_into_the_past(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    later = staff_ctx(tenant, now=item.starts_at + timedelta(hours=2))
    async with db.transaction() as session:
        changed = await course_sessions.update_session(
            session, later, course.id, item.id, SessionChanges(venue="Room 2")
        )
    assert changed.venue == "Room 2"
    with pytest.raises(InvalidInput) as caught:
        async with db.transaction() as session:
            await course_sessions.update_session(session, later, course.id, item.id, SessionChanges(start_time=time(8)))
    assert caught.value.field == "startDate"


async def test_completed_session_is_not_edited(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == item.id).values(is_completed=True))
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await course_sessions.update_session(
                session, staff_ctx(tenant), course.id, item.id, SessionChanges(venue="X")
            )
    assert caught.value.code == "session_completed"


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CANCELLED])
async def test_session_with_bookings_is_not_deleted(db: Database, status: BookingStatus) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    await add_booking(db, tenant, item, status)
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await course_sessions.delete_session(session, staff_ctx(tenant), course.id, item.id)
    assert (caught.value.code, caught.value.status) == ("session_has_bookings", 409)
    assert "deactivate or cancel" in caught.value.message


async def test_session_with_places_taken_is_not_deleted(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == item.id).values(booked_spots=1))
    with pytest.raises(DomainError) as caught:
        async with db.transaction() as session:
            await course_sessions.delete_session(session, staff_ctx(tenant), course.id, item.id)
    assert caught.value.code == "session_has_bookings"


async def test_session_without_bookings_is_deleted(db: Database) -> None:
    tenant = await new_centre(db)
    course = await new_course(db, tenant)
    item = await new_session(db, tenant, course)
    async with db.transaction() as session:
        await course_sessions.delete_session(session, staff_ctx(tenant), course.id, item.id)
    async with db.read() as session:
        assert await session.get(CourseSession, item.id) is None
        with pytest.raises(NotFound):
            await session_lists.get_session(session, staff_ctx(tenant), course.id, item.id)
    assert len(await audit_entries(db, item.id, "session.deleted")) == 1
