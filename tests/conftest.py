"""Shared fixtures: a migrated SQLite file per run and a fresh PostgreSQL database per run.

Service and data tests take `db`, which runs each of them on both. PostgreSQL comes from
TRAINHUB_TEST_POSTGRES_URL, or a local server on 127.0.0.1:5432 when one answers (a new database is
created beside it and dropped after the run). Without either, the PostgreSQL half is skipped
locally, and fails in CI, which must run it.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import Base
from trainhub_ui.db import Database
from trainhub_ui.migrate import upgrade
from trainhub_ui.services import passwords

POSTGRES_ENV = "TRAINHUB_TEST_POSTGRES_URL"
LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
T = TypeVar("T")


def in_thread(function: Callable[..., T], *args: object) -> T:
    """Run blocking set-up in its own thread: it may start its own event loop, and pytest's may be running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def sqlite_url() -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="trainhub-test-"))
    url = f"sqlite+aiosqlite:///{directory / 'trainhub.db'}"
    in_thread(upgrade, url)
    yield url


async def _postgres_admin(url: str, statement: str) -> None:
    import asyncpg

    admin = make_url(url).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _local_postgres() -> str | None:
    """The usual local server, if one answers: `make test` then covers PostgreSQL without setup."""
    try:
        in_thread(asyncio.run, asyncio.wait_for(_postgres_admin(LOCAL_POSTGRES, "SELECT 1"), timeout=3))
    except Exception:
        return None
    return LOCAL_POSTGRES


@contextmanager
def fresh_postgres_database(prefix: str = "trainhub_test") -> Iterator[str]:
    """A new, migrated PostgreSQL database on the test server, dropped afterwards (skipped without one,
    except in CI)."""
    server_url = os.environ.get(POSTGRES_ENV) or _local_postgres()
    if not server_url:
        if _in_ci():
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"{POSTGRES_ENV} not set; PostgreSQL tests skipped locally")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    in_thread(asyncio.run, _postgres_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        in_thread(upgrade, url)
        yield url
    finally:
        in_thread(asyncio.run, _postgres_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


async def empty_all_tables(db: Database) -> None:
    """Children before parents. DELETE rather than TRUNCATE: on PostgreSQL a TRUNCATE of every table costs
    about 0.3 s, twenty times the DELETE of the few rows a test leaves."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with db.transaction() as session:
        for table in tables:
            await session.execute(text(f"DELETE FROM {table}"))


def _hash_each_password_once() -> None:
    """Tests sign up and sign in with a handful of passwords: each is hashed once per run, so argon2's
    deliberate slowness (about 0.15 s a hash) is paid per password, not per staff member each test makes.
    Verifying still runs the real argon2 check."""
    hashes: dict[str, str] = {}
    real_hash = passwords._context.hash

    def hash_once(secret: str | bytes, **settings: object) -> str:
        key = secret.decode() if isinstance(secret, bytes) else secret
        if settings:
            return real_hash(secret, **settings)
        if key not in hashes:
            hashes[key] = real_hash(secret)
        return hashes[key]

    passwords._context.hash = hash_once  # type: ignore[method-assign]


_hash_each_password_once()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """An empty, migrated database: once on SQLite, once on PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    database = Database(url)
    await empty_all_tables(database)
    try:
        yield database
    finally:
        await database.dispose()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported so far lives for the whole run: frozen, it is left out of the full collections
    NiceGUI's test harness makes twice a test (a quarter-second each over the whole heap otherwise)."""
    gc.freeze()
