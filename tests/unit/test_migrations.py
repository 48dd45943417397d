"""The migrations build exactly the schema the models describe, and undo cleanly, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from models import Base
from tests.conftest import in_thread
from trainhub_ui.db import Database
from trainhub_ui.migrate import downgrade, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


async def _differences(url: str) -> list:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await db.dispose()


async def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.read() as session:
            if db.dialect == "sqlite":
                rows = await session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
            else:
                rows = await session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            return {name for (name,) in rows}
    finally:
        await db.dispose()


def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    assert in_thread(asyncio.run, _differences(migrated_url)) == []


def test_downgrade_then_upgrade(migrated_url: str) -> None:
    in_thread(downgrade, migrated_url, "base")
    assert in_thread(asyncio.run, _tables(migrated_url)) <= {"alembic_version"}
    in_thread(upgrade, migrated_url)
    assert set(Base.metadata.tables) <= in_thread(asyncio.run, _tables(migrated_url))


async def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        async with db.read() as session:
            assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
    finally:
        await db.dispose()
