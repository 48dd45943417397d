"""The audit log page: owners only, filtered in the address, a bad date marked at its field, and its CSV."""

from __future__ import annotations

import csv
import io

from nicegui.testing import User

from models import StaffRole
from tests.ui.conftest import CENTRE_A, CENTRE_B
from tests.ui.test_admin_settings import element, eventually, signed_in
from tests.ui.test_sign_in_pages import expect_refused
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.centre_settings import SettingsChanges
from trainhub_ui.services.tenants import find_tenant, update_centre_settings

AUDIT = f"/{CENTRE_A}/admin/audit"


async def _settings_changed(db: Database, slug: str, who: str) -> None:
    async with db.transaction() as session:
        tenant = await find_tenant(session, slug)
        assert tenant is not None
        ctx = TenantContext(tenant=tenant, actor=who, role=StaffRole.OWNER)
        await update_centre_settings(session, ctx, SettingsChanges.read({"holdMinutes": 45}))


async def test_an_owner_reads_who_changed_what_and_downloads_it(user: User, centres: Database) -> None:
    await _settings_changed(centres, CENTRE_A, "Olive Owner")
    await _settings_changed(centres, CENTRE_B, "Someone At Beta")
    await signed_in(user, StaffRole.OWNER)
    await user.open(AUDIT)
    await user.should_see("Audit log")
    await user.should_see("Centre settings changed")
    await user.should_see("By Olive Owner")
    await user.should_see("holdMinutes: 15 → 45")
    await user.should_not_see("Someone At Beta")

    await user.open(f"{AUDIT}?area=staff")
    await user.should_see("Nothing recorded matches.")

    response = await user.http_client.get(f"/{CENTRE_A}/admin/audit.csv?area=settings")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1:3] for row in rows[1:]] == [["Olive Owner", "Centre settings changed"]]
    bad = await user.http_client.get(f"/{CENTRE_A}/admin/audit.csv?from=yesterday")
    assert bad.status_code == 422 and "from: Give a date as YYYY-MM-DD." in bad.text


async def test_a_bad_date_is_marked_at_its_field(user: User, centres: Database) -> None:
    await signed_in(user, StaffRole.OWNER)
    await user.open(f"{AUDIT}?from=2026-06-02&to=2026-06-01")
    await eventually(lambda: element(user, "audit-to").error is not None)
    assert "before the first" in element(user, "audit-to").error


async def test_only_owners_see_it(user: User, centres: Database) -> None:
    await signed_in(user, StaffRole.ADMIN)
    await expect_refused(user, AUDIT)
    response = await user.http_client.get(f"/{CENTRE_A}/admin/audit.csv")
    assert response.status_code == 403
    await user.open(f"/{CENTRE_A}/admin")
    await user.should_see("Welcome back")
    await user.should_not_see("Audit log")  # not in an admin's menu
