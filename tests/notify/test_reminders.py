"""Reminders driven by a clock moved day by day, and the jobs run twice at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Achievement, OutboxEmail, PaymentOption
from tests.notify.conftest import Centre, SmtpServer, at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from trainhub_ui.config import reload_settings
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.jobs import run_jobs_once
from trainhub_ui.notify.reminders import queue_due_reminders
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services.checkout import pay_in_test_mode

BOOKED = date(2026, 11, 24)
START = date(2026, 12, 24)  # the balance is due 14 days before: 10 December


def _ctx(centre: Centre, day: date, hour: int = 10) -> TenantContext:
    moment = at(day, hour)
    return TenantContext(tenant=centre.tenant, actor="tests", clock=lambda: moment)


async def _keys(db: Database) -> set[str]:
    async with db.read() as session:
        return {key for key in await session.scalars(select(OutboxEmail.dedupe_key)) if key}


async def test_reminders_follow_the_clock_day_by_day_once_each(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    gareth = await book(db, _ctx(centre, BOOKED), centre, student=0, option=PaymentOption.DEPOSIT)
    megan = await book(db, _ctx(centre, BOOKED), centre, student=1, option=PaymentOption.FULL)
    late: dict[str, str] = {}
    before = await _keys(db)
    by_day: dict[date, set[str]] = {}
    day = BOOKED
    while day <= START:
        if day == date(2026, 12, 20):  # Rhys books four days before the start
            late["rhys"] = (await book(db, _ctx(centre, day), centre, student=2)).id
            before = await _keys(db)
        for hour in (10, 16):  # twice a day: the second run finds nothing new
            await queue_due_reminders(db, at(day, hour))
        after = await _keys(db)
        if after - before:
            by_day[day] = after - before
        before = after
        day += timedelta(days=1)
    g, m, r = gareth.id, megan.id, late["rhys"]
    assert by_day == {
        # Booked on 24 November, inside no window yet: all three balance reminders, in their windows.
        date(2026, 11, 26): {f"balance-14d:{g}"},
        date(2026, 12, 3): {f"balance-7d:{g}"},
        date(2026, 12, 7): {f"balance-3d:{g}"},
        date(2026, 12, 17): {f"reminder-7d:{g}", f"reminder-7d:{m}"},
        # Rhys booked inside the 7-day window: the confirmation said it all; he gets tomorrow's reminder.
        date(2026, 12, 23): {f"reminder-1d:{g}", f"reminder-1d:{m}", f"reminder-1d:{r}"},
    }


async def test_paying_the_balance_stops_its_reminders(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    gareth = await book(db, _ctx(centre, BOOKED), centre, option=PaymentOption.DEPOSIT)
    await queue_due_reminders(db, at(date(2026, 11, 26)))
    await pay_in_test_mode(db, _ctx(centre, date(2026, 11, 30)), OfflineProvider(), gareth.reference, succeed=True)
    for day in (date(2026, 12, 3), date(2026, 12, 7)):
        await queue_due_reminders(db, at(day))
    assert {key for key in await _keys(db) if key.startswith("balance")} == {f"balance-14d:{gareth.id}"}


async def test_a_hold_about_to_run_out_is_warned_once(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    booked_at = at(BOOKED)
    held = await book(db, _ctx(centre, BOOKED), centre, pay=False)  # the centre's 15-minute hold
    await queue_due_reminders(db, booked_at + timedelta(minutes=9))
    assert not any(key.startswith("hold-expiring") for key in await _keys(db))
    await queue_due_reminders(db, booked_at + timedelta(minutes=10, seconds=30))
    await queue_due_reminders(db, booked_at + timedelta(minutes=12))
    async with db.read() as session:
        [warning] = await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "hold_expiring"))
    assert warning.dedupe_key == f"hold-expiring:{held.id}" and "10:15" in warning.subject
    assert f"/pay/{held.reference}?t={held.access_token}\n" in warning.body_text


async def test_certificate_renewals_at_90_and_30_days_name_the_next_dates(db: Database) -> None:
    centre = await centre_with_sessions(db, [date(2027, 1, 11), date(2027, 2, 8)])
    expires = date(2027, 3, 1)
    async with db.transaction() as session:
        achievement = Achievement(
            tenant_id=centre.tenant.id,
            customer_id=centre.students[0].id,
            course_id=centre.course.id,
            number="BGT-000042",
            issued_on=date(2022, 3, 1),
            expires_on=expires,
            verification_code="verify-42",
        )
        session.add(achievement)
    day = expires - timedelta(days=120)
    while day <= expires:
        await queue_due_reminders(db, at(day))
        day += timedelta(days=1)
    async with db.read() as session:
        renewals = list(
            await session.scalars(
                select(OutboxEmail).where(OutboxEmail.kind == "certificate_renewal").order_by(OutboxEmail.created_at)
            )
        )
    assert [r.dedupe_key for r in renewals] == [f"renewal-90d:{achievement.id}", f"renewal-30d:{achievement.id}"]
    assert [r.created_at.date() for r in renewals] == [expires - timedelta(days=90), expires - timedelta(days=30)]
    first = renewals[0].body_text
    assert "BGT-000042" in first and "Mon 11 Jan – Tue 12 Jan 2027" in first and "12 places left" in first


@pytest.fixture
def smtp_settings(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    monkeypatch.setenv("TRAINHUB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRAINHUB_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("TRAINHUB_SMTP_STARTTLS", "false")
    reload_settings()
    yield smtp
    monkeypatch.undo()
    reload_settings()


async def test_two_job_runners_at_once_send_each_reminder_once(db: Database, smtp_settings: SmtpServer) -> None:
    centre = await centre_with_sessions(db, [START, START + timedelta(days=1)])
    for student in range(3):
        await book(db, _ctx(centre, BOOKED), centre, student=student, session=student % 2)
    other = Database(db.url)  # another server process on the same database
    try:
        for day in (date(2026, 12, 17), date(2026, 12, 18), date(2026, 12, 23), date(2026, 12, 24)):
            await asyncio.gather(run_jobs_once(db, at(day)), run_jobs_once(other, at(day)))
    finally:
        await other.dispose()
    reminders = Counter(
        (str(m["To"]), str(m["Subject"]).split(":")[0])
        for m in smtp_settings.mailbox.messages
        if "ACS CCN1" in str(m["Subject"]) and not str(m["Subject"]).startswith(("Booking", "Receipt", "New"))
    )
    expected = {
        (f"{name}@example.com", when): 1 for name in ("gareth", "megan", "rhys") for when in ("In 7 days", "Tomorrow")
    }
    assert reminders == expected
    ids = [str(m["Message-ID"]) for m in smtp_settings.mailbox.messages]
    assert len(ids) == len(set(ids))
