"""A session moved or cancelled by the centre tells everyone booked, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, time, timedelta

import icalendar
from sqlalchemy import select

from models import OutboxEmail, PaymentOption, StaffRole
from tests.notify.conftest import at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify.outbox import Attachment
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services.course_sessions import SessionChanges, update_session
from trainhub_ui.services.session_cancellation import cancel_session

START = date(2027, 3, 8)


async def _kinds(db: Database) -> list[tuple[str, str]]:
    async with db.read() as session:
        rows = await session.scalars(select(OutboxEmail).order_by(OutboxEmail.created_at, OutboxEmail.to_address))
        return [(row.kind, row.to_address) for row in rows]


async def test_a_moved_session_tells_everyone_booked_with_a_new_calendar(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    ctx = TenantContext(tenant=centre.tenant, actor="Priya", role=StaffRole.ADMIN, clock=lambda: at(date(2027, 1, 4)))
    await book(db, ctx, centre, student=0)
    await book(db, ctx, centre, student=1, option=PaymentOption.DEPOSIT, pay=False)  # held: told too
    before = len(await _kinds(db))
    async with db.transaction() as session:
        await update_session(
            session, ctx, centre.course.id, centre.sessions[0].id, SessionChanges(instructor_notes="Bring rigs")
        )
    assert len(await _kinds(db)) == before  # notes are not the students' business
    moved = START + timedelta(days=7)
    async with db.transaction() as session:
        await update_session(
            session,
            ctx,
            centre.course.id,
            centre.sessions[0].id,
            SessionChanges(start_date=moved, end_date=moved + timedelta(days=1), start_time=time(8, 30)),
        )
    async with db.read() as session:
        told = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "session_changed")))
    assert sorted(e.to_address for e in told) == ["gareth@example.com", "megan@example.com"]
    text = told[0].body_text
    assert "Dates: was Mon 8 Mar – Tue 9 Mar 2027, now Mon 15 Mar – Tue 16 Mar 2027" in text
    assert "Times: was 09:00–16:30, now 08:30–16:30" in text and "Venue: was" not in text  # unchanged
    [ics] = [Attachment.from_json(a) for a in told[0].attachments]
    first = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0].decoded("dtstart")
    assert (first.date(), first.hour, first.minute) == (moved, 8, 30)


async def test_a_cancelled_session_sends_one_email_each_and_the_refunds(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    ctx = TenantContext(tenant=centre.tenant, actor="Priya", role=StaffRole.ADMIN, clock=lambda: at(date(2027, 1, 4)))
    await book(db, ctx, centre, student=0)
    await book(db, ctx, centre, student=1, pay=False)
    before = set(await _kinds(db))
    await cancel_session(db, ctx, OfflineProvider(), centre.course.id, centre.sessions[0].id, "The instructor is ill")
    after = set(await _kinds(db)) - before
    assert after == {
        ("session_cancelled", "gareth@example.com"),
        ("session_cancelled", "megan@example.com"),
        ("refund_made", "gareth@example.com"),  # Megan had paid nothing
    }
    async with db.read() as session:
        [notice] = await session.scalars(
            select(OutboxEmail).where(OutboxEmail.kind == "session_cancelled", OutboxEmail.to_address.like("gareth%"))
        )
    assert "The instructor is ill" in notice.body_text and "refunded in full" in notice.body_text
