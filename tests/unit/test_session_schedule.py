"""Scheduling in the back office: repeated sessions, opening and closing a session for bookings,
archiving a course, and the figures the course table shows (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Course, CourseSession, StaffRole, StaffUser, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.services import course_sessions, courses, session_lists, session_schedule
from trainhub_ui.services.course_sessions import NewSession
from trainhub_ui.services.courses import NewCourse
from trainhub_ui.services.session_schedule import Repetition

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday, 11:00 in London
TODAY = date(2026, 6, 1)
THURSDAY = date(2026, 6, 4)


def staff_ctx(tenant: Tenant) -> TenantContext:
    return TenantContext(tenant=tenant, actor="tests", role=StaffRole.ADMIN, clock=lambda: NOW)


async def centre_and_course(db: Database, slug: str = "test-centre", **fields: object) -> tuple[Tenant, Course]:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug)
    details = {"title": "F-Gas Category 1", "price": 60000, "duration_days": 1, "location": "Bristol"}
    details.update(fields)
    async with db.transaction() as session:
        course = await courses.create_course(session, staff_ctx(tenant), NewCourse(**details))  # type: ignore[arg-type]
    return tenant, course


def weekly(start: date, **fields: object) -> NewSession:
    values: dict[str, object] = {"start_date": start, "start_time": time(9), "end_time": time(16, 30), **fields}
    return NewSession(**values)  # type: ignore[arg-type]


# --- the dates of a repetition --------------------------------------------------------------------


def test_every_monday_for_eight_weeks_from_a_thursday_starts_next_monday() -> None:
    dates = session_schedule.repeat_dates(THURSDAY, Repetition(count=8, weekday=0))
    assert dates[0] == date(2026, 6, 8) and dates[-1] == date(2026, 7, 27)
    assert len(dates) == 8 and all(day.weekday() == 0 for day in dates)
    assert all(later - earlier == timedelta(weeks=1) for earlier, later in pairwise(dates))


def test_without_a_weekday_the_start_date_repeats_and_gaps_are_whole_weeks() -> None:
    assert session_schedule.repeat_dates(THURSDAY, Repetition(count=3, every_weeks=2)) == [
        THURSDAY,
        date(2026, 6, 18),
        date(2026, 7, 2),
    ]
    assert session_schedule.repeat_dates(THURSDAY, Repetition(count=1, weekday=3)) == [THURSDAY]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"count": 0}, "repeatCount"),
        ({"count": session_schedule.MAX_REPEATS + 1}, "repeatCount"),
        ({"count": True}, "repeatCount"),
        ({"count": 2.5}, "repeatCount"),
        ({"count": 4, "every_weeks": 0}, "repeatEveryWeeks"),
        ({"count": 4, "every_weeks": session_schedule.MAX_REPEAT_WEEKS + 1}, "repeatEveryWeeks"),
        ({"count": 4, "weekday": 7}, "repeatWeekday"),
        ({"count": 4, "weekday": -1}, "repeatWeekday"),
    ],
)
def test_a_bad_repetition_is_refused_at_its_field(given: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Repetition(**given)
    assert caught.value.field == field


# --- making the sessions ----------------------------------------------------------------------------


async def test_repeated_sessions_are_made_in_one_go_with_their_instructor(db: Database) -> None:
    tenant, course = await centre_and_course(db, default_capacity=8)
    async with db.transaction() as session:
        await factories.staff(session, tenant, StaffRole.INSTRUCTOR)
        instructor = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == tenant.id))
    assert instructor is not None
    async with db.transaction() as session:
        made = await course_sessions.create_repeated_sessions(
            session,
            staff_ctx(tenant),
            course.id,
            weekly(THURSDAY, instructor_id=instructor.id, instructor_notes="Bring PPE"),
            Repetition(count=8, weekday=0),
        )
    assert [item.start_date for item in made] == session_schedule.repeat_dates(THURSDAY, Repetition(count=8, weekday=0))
    assert all(item.instructor is not None and item.instructor.id == instructor.id for item in made)
    assert {(item.available_spots, item.venue, item.instructor_notes) for item in made} == {(8, "Bristol", "Bring PPE")}
    # 09:00 in London in June is 08:00 UTC.
    assert made[0].starts_at == datetime(2026, 6, 8, 8, 0, tzinfo=UTC)
    async with db.read() as session:
        created = await session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.tenant_id == tenant.id, AuditEntry.action == "session.created"
            )
        )
        series = await session.scalar(select(AuditEntry).where(AuditEntry.action == "session.series_created"))
    assert created == 8
    assert series is not None and series.details["sessions"] == 8 and series.entity_id == course.id


async def test_a_session_of_several_days_keeps_its_length_each_time(db: Database) -> None:
    tenant, course = await centre_and_course(db, duration_days=3)
    async with db.transaction() as session:
        made = await course_sessions.create_repeated_sessions(
            session, staff_ctx(tenant), course.id, weekly(THURSDAY), Repetition(count=3, every_weeks=4)
        )
    assert [(item.start_date, item.end_date) for item in made] == [
        (date(2026, 6, 4), date(2026, 6, 6)),
        (date(2026, 7, 2), date(2026, 7, 4)),
        (date(2026, 7, 30), date(2026, 8, 1)),
    ]
    async with db.transaction() as session:
        given = await course_sessions.create_repeated_sessions(
            session,
            staff_ctx(tenant),
            course.id,
            weekly(THURSDAY, end_date=THURSDAY + timedelta(days=1)),
            Repetition(count=2),
        )
    assert [(item.start_date, item.end_date) for item in given] == [
        (date(2026, 6, 4), date(2026, 6, 5)),
        (date(2026, 6, 11), date(2026, 6, 12)),
    ]


@pytest.mark.parametrize(
    ("details", "repetition", "field"),
    [
        (lambda: weekly(TODAY - timedelta(days=1)), lambda: Repetition(count=3), "startDate"),
        (lambda: weekly(THURSDAY, end_time=time(8)), lambda: Repetition(count=3), "endTime"),
        (lambda: weekly(THURSDAY, available_spots=0), lambda: Repetition(count=3), "availableSpots"),
        (lambda: weekly(THURSDAY, end_date=THURSDAY - timedelta(days=1)), lambda: Repetition(count=3), "endDate"),
        (lambda: weekly(THURSDAY, end_date="tomorrow"), lambda: Repetition(count=3), "endDate"),
        (lambda: weekly(THURSDAY), lambda: Repetition(count=60), "repeatCount"),
        (lambda: weekly(THURSDAY), lambda: Repetition(count=3, weekday=9), "repeatWeekday"),
        (lambda: weekly(TODAY + timedelta(days=366 * 10 - 7)), lambda: Repetition(count=4), "repeatCount"),
        (lambda: weekly(THURSDAY, instructor_id="nobody"), lambda: Repetition(count=3), "instructorId"),
    ],
)
async def test_bad_input_makes_none_of_the_sessions(
    db: Database, details: Callable[[], NewSession], repetition: Callable[[], Repetition], field: str
) -> None:
    """Each input is made inside the check: a bad field of the input model is refused as it is built."""
    tenant, course = await centre_and_course(db)
    with pytest.raises(InvalidInput) as caught:
        async with db.transaction() as session:
            await course_sessions.create_repeated_sessions(
                session, staff_ctx(tenant), course.id, details(), repetition()
            )
    assert caught.value.field == field, caught.value.message
    async with db.read() as session:
        assert await session.scalar(select(func.count(CourseSession.id))) == 0


async def test_another_centres_course_takes_no_sessions(db: Database) -> None:
    tenant, _ours = await centre_and_course(db)
    _other, theirs = await centre_and_course(db, "other-centre")
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await course_sessions.create_repeated_sessions(
                session, staff_ctx(tenant), theirs.id, weekly(THURSDAY), Repetition(count=2)
            )


# --- opening and closing sessions, archiving courses ---------------------------------------------


async def test_a_session_is_closed_and_opened_for_bookings(db: Database) -> None:
    tenant, course = await centre_and_course(db)
    async with db.transaction() as session:
        item = await course_sessions.create_session(session, staff_ctx(tenant), course.id, weekly(THURSDAY))
    async with db.transaction() as session:
        closed = await course_sessions.set_session_active(session, staff_ctx(tenant), course.id, item.id, False)
    assert closed.is_active is False
    async with db.read() as session:
        public, _total = await session_lists.list_sessions(
            session, TenantContext(tenant=tenant), course.id, public=True
        )
    assert public == []
    async with db.transaction() as session:
        opened = await course_sessions.set_session_active(session, staff_ctx(tenant), course.id, item.id, True)
    assert opened.is_active is True


async def test_a_cancelled_session_is_not_opened_or_edited_again(db: Database) -> None:
    tenant, course = await centre_and_course(db)
    async with db.transaction() as session:
        item = await course_sessions.create_session(session, staff_ctx(tenant), course.id, weekly(THURSDAY))
        stored = await session.get(CourseSession, item.id)
        assert stored is not None
        stored.is_active = False
        stored.cancelled_at = NOW
    for change in (
        course_sessions.SessionChanges(is_active=True),
        course_sessions.SessionChanges(available_spots=20),
    ):
        with pytest.raises(DomainError) as refused:
            async with db.transaction() as session:
                await course_sessions.update_session(session, staff_ctx(tenant), course.id, item.id, change)
        assert refused.value.code == "session_cancelled"


async def test_an_archived_course_leaves_the_public_site_and_comes_back(db: Database) -> None:
    tenant, course = await centre_and_course(db)
    async with db.transaction() as session:
        archived = await courses.set_course_archived(session, staff_ctx(tenant), course.id, True)
    assert archived.is_active is False
    async with db.read() as session:
        with pytest.raises(NotFound):
            await courses.get_course(session, TenantContext(tenant=tenant), course.id, public=True)
        staff_view, _ = await courses.list_courses(session, staff_ctx(tenant), public=False, active=False)
    assert [c.id for c in staff_view] == [course.id]
    async with db.transaction() as session:
        restored = await courses.set_course_archived(session, staff_ctx(tenant), course.id, False)
    assert restored.is_active is True


async def test_course_outlooks_count_sessions_ahead_and_places_booked(db: Database) -> None:
    tenant, course = await centre_and_course(db)
    _same, quiet = await centre_and_course(db, "second-centre")
    ctx = staff_ctx(tenant)
    async with db.transaction() as session:
        made = await course_sessions.create_repeated_sessions(
            session, ctx, course.id, weekly(THURSDAY), Repetition(count=3)
        )
        made[0].booked_spots = 4
        made[1].booked_spots = 2
        made[2].cancelled_at = NOW  # a cancelled session is not ahead
        past = CourseSession(
            tenant_id=tenant.id,
            course_id=course.id,
            start_date=TODAY - timedelta(days=10),
            end_date=TODAY - timedelta(days=10),
            start_time=time(9),
            end_time=time(17),
            starts_at=NOW - timedelta(days=10),
            available_spots=10,
            booked_spots=9,
        )
        session.add(past)
    async with db.read() as session:
        outlooks = await courses.course_outlooks(session, ctx, [course.id, quiet.id])
        assert await courses.course_outlooks(session, ctx, []) == {}
    assert outlooks[course.id] == courses.CourseOutlook(upcoming_sessions=2, places_booked=6)
    # Another centre's course id counts nothing here.
    assert outlooks[quiet.id] == courses.CourseOutlook()


async def test_past_sessions_are_listed_latest_first(db: Database) -> None:
    tenant, course = await centre_and_course(db)
    ctx = staff_ctx(tenant)
    async with db.transaction() as session:
        for days_ago in (30, 10, 20):
            day = TODAY - timedelta(days=days_ago)
            session.add(
                CourseSession(
                    tenant_id=tenant.id,
                    course_id=course.id,
                    start_date=day,
                    end_date=day,
                    start_time=time(9),
                    end_time=time(17),
                    starts_at=datetime.combine(day, time(8), tzinfo=UTC),
                    available_spots=10,
                )
            )
        await course_sessions.create_session(session, ctx, course.id, weekly(THURSDAY))
    async with db.read() as session:
        past, total = await session_lists.list_sessions(session, ctx, course.id, public=False, past_only=True, limit=2)
        ahead, ahead_total = await session_lists.list_sessions(session, ctx, course.id, public=False)
    assert total == 3 and [item.start_date for item in past] == [TODAY - timedelta(days=10), TODAY - timedelta(days=20)]
    assert ahead_total == 1 and ahead[0].start_date == THURSDAY


async def test_instructors_are_the_centres_active_staff(db: Database) -> None:
    tenant, _course = await centre_and_course(db)
    other, _theirs = await centre_and_course(db, "other-centre")
    async with db.transaction() as session:
        await factories.staff(session, tenant, StaffRole.INSTRUCTOR)
        await factories.staff(session, tenant, StaffRole.ADMIN)
        await factories.staff(session, other, StaffRole.INSTRUCTOR)
        gone = await session.scalar(
            select(StaffUser).where(StaffUser.tenant_id == tenant.id, StaffUser.role == StaffRole.ADMIN)
        )
        assert gone is not None
        gone.is_active = False
    async with db.read() as session:
        found = await session_lists.instructors(session, staff_ctx(tenant))
    assert [(user.role, user.tenant_id) for user in found] == [(StaffRole.INSTRUCTOR, tenant.id)]
