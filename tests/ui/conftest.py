"""Pages through NiceGUI's User harness, against a migrated SQLite file with two centres in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models import StaffRole
from tests import factories
from tests.conftest import empty_all_tables
from trainhub_ui.db import Database
from trainhub_ui.services.accounts import sign_up_customer

CENTRE_A = "centre-a"
CENTRE_B = "centre-b"
# Retries of 0.1 s for what follows a password check: an argon2 hash, which a busy machine stretches to seconds.
SLOW = 150


def staff_email(role: StaffRole, slug: str = CENTRE_A) -> str:
    return f"{role.value.lower()}@{slug}.example"


@pytest.fixture(autouse=True)
async def centres(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    """Runs before the `user` fixture builds the app, so the app opens this database."""
    monkeypatch.setenv("TRAINHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("TRAINHUB_ENV", "test")
    db = Database(sqlite_url)
    await empty_all_tables(db)
    async with db.transaction() as session:
        for slug, name in ((CENTRE_A, "Alpha Gas School"), (CENTRE_B, "Beta Heat Academy")):
            tenant = await factories.centre(session, slug, name)
            for role in StaffRole:
                await factories.staff(session, tenant, role, email=staff_email(role, slug))
        await sign_up_customer(
            session,
            tenant,
            first_name="Jamie",
            last_name="Wilson",
            email="jamie@example.com",
            password=factories.PASSWORD,
        )
    try:
        yield db
    finally:
        await db.dispose()
