"""The owners' audit log on SQLite and PostgreSQL: real changes read back with who, when and before → after,
filtered by area, person and the centre's own days, one centre's never another's, and the CSV of all of it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import AuditEntry, StaffRole, StaffUser, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.services import audit_log
from trainhub_ui.services.audit_log import AuditFilter
from trainhub_ui.services.centre_settings import SettingsChanges
from trainhub_ui.services.staff import change_role
from trainhub_ui.services.tenants import update_centre_settings

# 23:30 on 1 June in London is 22:30 UTC: the centre's 1 June, whatever UTC says.
LATE_EVENING = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)


async def _centre(db: Database, slug: str, clock: factories.Clock) -> tuple[TenantContext, str]:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug, slug.title())
        tenant.timezone = "Europe/London"
        await factories.staff(session, tenant, StaffRole.OWNER, email=f"owner@{slug}.example")
        await factories.staff(session, tenant, StaffRole.STAFF, email=f"desk@{slug}.example")
        desk = await session.scalar(
            select(StaffUser.id).where(StaffUser.tenant_id == tenant.id, StaffUser.role == StaffRole.STAFF)
        )
    assert desk is not None
    ctx = TenantContext(tenant=tenant, actor="Olive Owner", role=StaffRole.OWNER, clock=clock)
    return ctx, desk


async def _changes(db: Database, ctx: TenantContext, desk: str, clock: factories.Clock) -> None:
    clock.now = LATE_EVENING
    async with db.transaction() as session:
        await update_centre_settings(session, ctx, SettingsChanges.read({"holdMinutes": 30, "contactPhone": ""}))
    clock.now = LATE_EVENING + timedelta(hours=2)  # 2 June in London
    async with db.transaction() as session:
        await change_role(session, ctx, desk, StaffRole.ADMIN)


async def _all(db: Database, ctx: TenantContext, wanted: AuditFilter) -> list[AuditEntry]:
    async with db.read() as session:
        return (await audit_log.list_audit(session, ctx, wanted)).entries


async def test_changes_read_back_newest_first_with_before_and_after(db: Database) -> None:
    clock = factories.Clock()
    ctx, desk = await _centre(db, "alpha", clock)
    other, other_desk = await _centre(db, "beta", factories.Clock())
    await _changes(db, ctx, desk, clock)
    await _changes(db, other, other_desk, factories.Clock())

    role, settings = await _all(db, ctx, AuditFilter())
    assert (audit_log.what_happened(role), role.actor) == ("Staff member role changed", "Olive Owner")
    assert audit_log.details_text(role, ctx) == "STAFF → ADMIN"
    assert audit_log.what_happened(settings) == "Centre settings changed"
    assert "holdMinutes: 15 → 30" in audit_log.details_text(settings, ctx)
    assert all(entry.tenant_id == ctx.tenant_id for entry in (role, settings))


@pytest.mark.parametrize(
    ("wanted", "actions"),
    [
        (AuditFilter(area="staff"), ["staff.role_changed"]),
        (AuditFilter(area="settings"), ["centre.settings_changed"]),
        (AuditFilter(area="refunds"), []),
        (AuditFilter(who="olive"), ["staff.role_changed", "centre.settings_changed"]),
        (AuditFilter(who="someone else"), []),
        (AuditFilter(start=date(2026, 6, 1), end=date(2026, 6, 1)), ["centre.settings_changed"]),
        (AuditFilter(start=date(2026, 6, 2)), ["staff.role_changed"]),
    ],
)
async def test_filters_by_area_person_and_the_centres_own_days(
    db: Database, wanted: AuditFilter, actions: list[str]
) -> None:
    clock = factories.Clock()
    ctx, desk = await _centre(db, "alpha", clock)
    await _changes(db, ctx, desk, clock)
    assert [entry.action for entry in await _all(db, ctx, wanted)] == actions


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"area": "everything"}, "area"),
        ({"start": "1st June"}, "from"),
        ({"end": "2026-13-01"}, "to"),
        ({"start": "2026-06-02", "end": "2026-06-01"}, "to"),
        ({"who": "x" * 201}, "who"),
    ],
)
def test_a_bad_filter_names_its_field(given: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        AuditFilter.read(**given)
    assert refused.value.field == field


async def test_the_csv_holds_every_entry_across_batches(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_log, "EXPORT_BATCH", 2)
    clock = factories.Clock()
    ctx, _ = await _centre(db, "alpha", clock)
    for minutes in range(5):
        clock.now = LATE_EVENING + timedelta(minutes=minutes)
        async with db.transaction() as session:
            await update_centre_settings(session, ctx, SettingsChanges.read({"holdMinutes": 20 + minutes}))
    other, other_desk = await _centre(db, "beta", factories.Clock())
    await _changes(db, other, other_desk, factories.Clock())
    async with db.read() as session:
        data = b"".join([chunk async for chunk in audit_log.export_audit(session, ctx, AuditFilter())])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "What", "On", "Id", "Details"]
    details = [row[5] for row in rows[1:]]
    assert details == [f"holdMinutes: {before} → {before + 1}" for before in (23, 22, 21, 20)] + [
        "holdMinutes: 15 → 20"
    ]
    assert {row[1] for row in rows[1:]} == {"Olive Owner"} and rows[1][0].startswith("Mon 1 Jun 2026")


def test_amounts_read_as_money_in_the_centres_currency() -> None:
    ctx = TenantContext(tenant=Tenant(slug="c", name="C", currency="GBP", locale="en_GB"))
    entry = AuditEntry(action="refund.made", details={"amount": 89500, "reference": "BGT-5PKTZ", "kept": None})
    assert audit_log.details_text(entry, ctx) == "amount: £895.00; reference: BGT-5PKTZ; kept: (none)"
    assert audit_log.what_happened(entry) == "Refund made"
