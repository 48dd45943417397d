"""The centre's retention period, on SQLite and PostgreSQL: the setting's range and message, and the job that
anonymises past students with nothing outstanding, centre by centre, once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from models import Customer, ErasedBy, Erasure, PaymentOption, StaffRole, Tenant
from tests.notify.conftest import Centre, at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.jobs import JOBS, run_jobs_once
from trainhub_ui.services.centre_settings import InvalidSettings, SettingsChanges, centre_settings
from trainhub_ui.services.retention import apply_retention, past_students, quiet_since
from trainhub_ui.services.tenants import create_tenant, update_centre_settings

BOOKED = date(2026, 11, 2)
START = date(2026, 11, 23)  # ends 24 November 2026
NOW = at(date(2029, 11, 25), 3)  # three years and a day after the session's last day


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (-1, "Enter a whole number of months from 0 to 240."),
        (241, "Enter a whole number of months from 0 to 240."),
        ("a year", "Enter a whole number of months from 0 to 240."),
        (12.5, "Enter a whole number of months from 0 to 240."),
        (None, "Enter a whole number of months from 0 to 240."),
    ],
)
def test_the_retention_period_is_refused_at_its_field(given: object, message: str) -> None:
    with pytest.raises(InvalidSettings) as refused:
        SettingsChanges.read({"retentionMonths": given})
    assert refused.value.problems == {"retentionMonths": message}


async def test_the_retention_period_is_set_and_zero_keeps_data_until_asked(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await create_tenant(session, "bristol-gas", "Bristol Gas Training")
    ctx = TenantContext(tenant=tenant, actor="Owner", role=StaffRole.OWNER)
    assert centre_settings(tenant)["retentionMonths"] == 0
    for typed, stored in (("36", 36), (0, None), (240, 240)):
        async with db.transaction() as session:
            changed = await update_centre_settings(session, ctx, SettingsChanges.read({"retentionMonths": typed}))
        assert changed.retention_months == stored
        assert centre_settings(changed)["retentionMonths"] == (stored or 0)


async def _past(db: Database) -> Centre:
    """Bristol Gas with a session in November 2026: Gareth attended and paid, Megan was booked on invoice
    and still owes it, Rhys never booked; each record last changed in 2026."""
    centre = await centre_with_sessions(db, [START])
    ctx = TenantContext(tenant=centre.tenant, actor="tests", clock=lambda: at(BOOKED))
    await book(db, ctx, centre, student=0)
    await book(db, ctx, centre, student=1, option=PaymentOption.INVOICE, pay=False)
    async with db.transaction() as session:
        await session.execute(update(Customer).values(created_at=at(BOOKED), updated_at=at(BOOKED)))
        await session.execute(update(Tenant).where(Tenant.id == centre.tenant.id).values(retention_months=36))
    return centre


async def test_the_job_erases_past_students_with_nothing_outstanding_once(db: Database) -> None:
    centre = await _past(db)
    gareth, megan, rhys = (student.id for student in centre.students)
    async with db.transaction() as session:
        other = await create_tenant(session, "leeds-heat", "Leeds Heat")  # keeps data until asked
        session.add(Customer(tenant_id=other.id, first_name="Old", last_name="Student", email="old@example.com"))
        await session.flush()
        await session.execute(update(Customer).where(Customer.tenant_id == other.id).values(updated_at=at(BOOKED)))
    # Rhys, who never booked, has been quiet since 2 November 2026; Gareth's session ended on 24 November.
    assert await apply_retention(db, at(date(2029, 11, 24), 3)) == 1
    assert await apply_retention(db, NOW) == 1  # Gareth; Megan still owes her invoice
    async with db.read() as session:
        erasures = {e.customer_id: e for e in await session.scalars(select(Erasure))}
        names = {c.id: c.full_name for c in await session.scalars(select(Customer))}
    assert set(erasures) == {gareth, rhys}
    assert all(e.requested_by is ErasedBy.RETENTION and e.tenant_id == centre.tenant.id for e in erasures.values())
    assert erasures[gareth].reason == "No activity for 36 months: the centre's retention period"
    assert erasures[gareth].created_at == NOW
    assert names[megan] == "Megan Jones" and "Old Student" in names.values()

    assert await apply_retention(db, NOW) == 0  # again: no one twice
    async with db.read() as session:
        assert len(list(await session.scalars(select(Erasure)))) == 2


async def test_recent_activity_keeps_a_student(db: Database) -> None:
    centre = await _past(db)
    gareth, _megan, rhys = (student.id for student in centre.students)
    async with db.transaction() as session:
        # Gareth signed in last year; Rhys changed his details in September.
        await session.execute(
            update(Customer).where(Customer.id == gareth).values(last_signed_in_at=at(date(2028, 12, 1)))
        )
        await session.execute(update(Customer).where(Customer.id == rhys).values(updated_at=at(date(2029, 9, 1))))
    ctx = TenantContext(tenant=centre.tenant, clock=lambda: NOW)
    async with db.read() as session:
        assert await past_students(session, ctx, quiet_since(ctx, 36)) == []
        # Under a shorter period both are past, with Megan still left out for what she owes.
        assert set(await past_students(session, ctx, quiet_since(ctx, 2))) == {gareth, rhys}


async def test_the_retention_job_runs_with_the_others(db: Database) -> None:
    assert "erase past students after the retention period" in [job.name for job in JOBS]
    await _past(db)
    ran = await run_jobs_once(db, NOW)
    assert ran["erase past students after the retention period"] == 2
