"""Attendance, completion, certificates, verification and feedback, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models import (
    AttendanceStatus,
    Course,
    CourseResult,
    CourseSession,
    OutboxEmail,
    PaymentOption,
    StaffRole,
    Tenant,
)
from tests.notify.conftest import Centre, at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.notify.outbox import Attachment
from trainhub_ui.services.attendance import record_attendance
from trainhub_ui.services.certificates import add_months, certificates_of, revoke_certificate, verify
from trainhub_ui.services.completion import complete_session, completion_preview, set_result
from trainhub_ui.services.feedback import feedback_by_course, feedback_summary, feedback_token, give_feedback

BOOKED = date(2026, 11, 2)
START = date(2026, 11, 23)  # a two-day session: 23 and 24 November
LAST_DAY = START + timedelta(days=1)


def _ctx(
    centre: Centre, day: date, *, role: StaffRole | None = StaffRole.STAFF, user: str | None = None
) -> TenantContext:
    moment = at(day, 17)
    return TenantContext(tenant=centre.tenant, actor="Priya Shah", role=role, user_id=user, clock=lambda: moment)


async def _course_rule(db: Database, centre: Centre, *, percent: int = 100, result: bool = False) -> None:
    async with db.transaction() as session:
        course = await session.get(Course, centre.course.id)
        assert course is not None
        course.min_attendance_percent = percent
        course.requires_result = result
        course.certificate_validity_months = 60


async def _three_booked(db: Database) -> tuple[Centre, list[str]]:
    centre = await centre_with_sessions(db, [START])
    ctx = _ctx(centre, BOOKED)
    ids = [(await book(db, ctx, centre, student=n)).id for n in range(3)]
    return centre, ids


async def _mark(db: Database, ctx: TenantContext, booking_id: str, *days: tuple[date, AttendanceStatus]) -> None:
    async with db.transaction() as session:
        for day, status in days:
            await record_attendance(session, ctx, booking_id, day, status)


async def test_completion_issues_certificates_to_those_who_met_the_rule(db: Database) -> None:
    centre, (gareth, megan, _rhys) = await _three_booked(db)
    await _course_rule(db, centre)
    ctx = _ctx(centre, LAST_DAY)
    await _mark(db, ctx, gareth, (START, AttendanceStatus.PRESENT), (LAST_DAY, AttendanceStatus.LATE))
    await _mark(db, ctx, megan, (START, AttendanceStatus.PRESENT), (LAST_DAY, AttendanceStatus.ABSENT))
    async with db.read() as session:
        preview = await completion_preview(session, ctx, centre.sessions[0].id)
    assert preview.missing == 2  # Rhys: both days
    with pytest.raises(DomainError) as early:
        async with db.transaction() as session:
            await complete_session(session, _ctx(centre, START), centre.sessions[0].id)
    assert early.value.code == "session_not_over"
    with pytest.raises(DomainError) as warned:
        async with db.transaction() as session:
            await complete_session(session, ctx, centre.sessions[0].id)
    assert warned.value.code == "attendance_missing" and "2 attendance records" in warned.value.message
    async with db.transaction() as session:
        done = await complete_session(session, ctx, centre.sessions[0].id, despite_missing=True)
    [certificate] = done.certificates
    assert certificate.booking_id == gareth and certificate.number == "BGX-C000001"
    assert certificate.issued_on == LAST_DAY and certificate.expires_on == date(2031, 11, 24)
    assert {o.name: o.why_not for o in done.not_completed} == {
        "Megan Jones": "attended 1 of 2 days; 2 needed",
        "Rhys Jones": "attended 0 of 2 days; 2 needed",
    }
    with pytest.raises(DomainError) as twice:
        async with db.transaction() as session:
            await complete_session(session, ctx, centre.sessions[0].id)
    assert twice.value.code == "session_completed"

    async with db.read() as session:
        sent = {e.kind + ":" + e.to_address: e for e in await session.scalars(select(OutboxEmail))}
    issued = sent["certificate_issued:gareth@example.com"]
    [pdf] = [Attachment.from_json(a) for a in issued.attachments]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Gareth Jones" in text and "ACS CCN1 Core Gas Safety" in text and "BGX-C000001" in text
    assert "24 November 2031" in text and certificate.verification_code in text
    # Everyone who came is asked for feedback; Rhys, who never came, is not.
    assert {k for k in sent if k.startswith("feedback_request")} == {
        "feedback_request:gareth@example.com",
        "feedback_request:megan@example.com",
    }


async def test_a_share_of_days_and_a_passed_assessment(db: Database) -> None:
    centre, (gareth, megan, rhys) = await _three_booked(db)
    await _course_rule(db, centre, percent=50, result=True)
    ctx = _ctx(centre, LAST_DAY)
    for booking in (gareth, megan, rhys):
        await _mark(db, ctx, booking, (START, AttendanceStatus.PRESENT), (LAST_DAY, AttendanceStatus.ABSENT))
    async with db.transaction() as session:
        await set_result(session, ctx, gareth, CourseResult.PASSED)
        await set_result(session, ctx, megan, CourseResult.FAILED)
    async with db.read() as session:
        assert (await completion_preview(session, ctx, centre.sessions[0].id)).missing == 1  # Rhys's result
    async with db.transaction() as session:
        done = await complete_session(session, ctx, centre.sessions[0].id, despite_missing=True)
    assert [c.booking_id for c in done.certificates] == [gareth]
    assert {o.name: o.why_not for o in done.not_completed} == {
        "Megan Jones": "did not pass the assessment",
        "Rhys Jones": "no result entered",
    }
    with pytest.raises(DomainError):
        async with db.transaction() as session:
            await set_result(session, ctx, rhys, CourseResult.PASSED)  # final once completed


async def test_only_the_sessions_instructor_keeps_its_register(db: Database) -> None:
    centre, (gareth, _, _) = await _three_booked(db)
    async with db.transaction() as session:
        course_session = await session.get(CourseSession, centre.sessions[0].id)
        assert course_session is not None
        course_session.instructor_id = None  # nobody's: an instructor may not touch it
    stranger = _ctx(centre, LAST_DAY, role=StaffRole.INSTRUCTOR, user="someone-else")
    with pytest.raises(DomainError) as refused:
        await _mark(db, stranger, gareth, (START, AttendanceStatus.PRESENT))
    assert refused.value.code == "not_your_session"
    with pytest.raises(InvalidInput) as wrong_day:
        await _mark(db, _ctx(centre, LAST_DAY), gareth, (START - timedelta(days=1), AttendanceStatus.PRESENT))
    assert wrong_day.value.field == "day"


async def test_verification_says_valid_expired_or_revoked_and_no_more(db: Database) -> None:
    centre, (gareth, _, _) = await _three_booked(db)
    await _course_rule(db, centre)
    ctx = _ctx(centre, LAST_DAY)
    await _mark(db, ctx, gareth, (START, AttendanceStatus.PRESENT), (LAST_DAY, AttendanceStatus.PRESENT))
    async with db.transaction() as session:
        [certificate] = (await complete_session(session, ctx, centre.sessions[0].id, despite_missing=True)).certificates
    async with db.read() as session:
        tenant = await session.get(Tenant, centre.tenant.id)
        assert tenant is not None
        found = await verify(session, tenant, certificate.verification_code)
        assert await verify(session, tenant, "not-a-code") is None
        other = Tenant(slug="elsewhere", name="Elsewhere")
        other.id = "another-centre"
        assert await verify(session, other, certificate.verification_code) is None
        mine = await certificates_of(session, ctx, certificate.customer_id)
    assert found is not None and found.student == "Gareth Jones" and found.course == "ACS CCN1 Core Gas Safety"
    assert found.state(LAST_DAY) == "valid" and found.state(date(2031, 11, 25)) == "expired"
    assert [m.achievement.id for m in mine] == [certificate.id]
    with pytest.raises(InvalidInput):
        async with db.transaction() as session:
            await revoke_certificate(session, ctx, certificate.id, "  ")
    async with db.transaction() as session:
        await revoke_certificate(session, ctx, certificate.id, "Issued in error")
    async with db.read() as session:
        again = await verify(session, tenant, certificate.verification_code)
    assert again is not None and again.state(LAST_DAY) == "revoked"


async def test_feedback_once_per_booking_through_its_own_link(db: Database) -> None:
    centre, (gareth, megan, _) = await _three_booked(db)
    ctx = _ctx(centre, LAST_DAY, role=None)
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await give_feedback(session, ctx, gareth, feedback_token(megan), rating=5, went_well="", to_improve="")
    with pytest.raises(InvalidInput) as bad:
        async with db.transaction() as session:
            await give_feedback(session, ctx, gareth, feedback_token(gareth), rating=6, went_well="", to_improve="")
    assert bad.value.field == "rating"
    async with db.transaction() as session:
        await give_feedback(
            session, ctx, gareth, feedback_token(gareth), rating=5, went_well="Hands-on rigs", to_improve=""
        )
        await give_feedback(session, ctx, megan, feedback_token(megan), rating=4, went_well="", to_improve="")
    with pytest.raises(DomainError) as twice:
        async with db.transaction() as session:
            await give_feedback(session, ctx, gareth, feedback_token(gareth), rating=1, went_well="", to_improve="")
    assert twice.value.code == "feedback_given"
    async with db.read() as session:
        by_session = await feedback_summary(session, ctx, session_id=centre.sessions[0].id)
        by_course = await feedback_summary(session, ctx, course_id=centre.course.id)
    assert by_session.answers == 2 and by_session.average == 4.5 and by_session.by_rating[5] == 1
    assert [c.went_well for c in by_session.comments] == ["Hands-on rigs"]
    assert by_course.answers == 2
    async with db.read() as session:
        [line] = await feedback_by_course(session, ctx, START, START)
        assert await feedback_by_course(session, ctx, LAST_DAY, LAST_DAY + timedelta(days=30)) == []
    assert (line.course_title, line.answers, line.average) == ("ACS CCN1 Core Gas Safety", 2, 4.5)


def test_months_are_added_on_the_calendar() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 60) == date(2029, 2, 28)
    assert add_months(date(2026, 11, 24), 14) == date(2028, 1, 24)


async def test_a_deposit_booking_must_be_confirmed_to_attend(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    held = await book(db, _ctx(centre, BOOKED), centre, option=PaymentOption.FULL, pay=False)
    with pytest.raises(DomainError) as refused:
        await _mark(db, _ctx(centre, START), held.id, (START, AttendanceStatus.PRESENT))
    assert refused.value.code == "booking_not_confirmed"
