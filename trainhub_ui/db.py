"""The database: one async engine per process, one session per action.

SQLite runs in WAL mode with foreign keys on and a busy timeout. Its transactions are begun by us,
not by the driver, so that a write that must not race (taking a place on a session) can begin with
`BEGIN IMMEDIATE` and hold the write lock from its first read.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from trainhub_ui.services.signals import DomainEvent, take_pending

IMMEDIATE = "trainhub_immediate"

Publisher = Callable[[list[DomainEvent]], None]
_publisher: Publisher | None = None


def set_publisher(publisher: Publisher | None) -> None:
    """Where committed domain events go (the live UI registers itself here)."""
    global _publisher
    _publisher = publisher


def publish(events: list[DomainEvent]) -> None:
    if events and _publisher is not None:
        _publisher(events)


def _prepare_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in {"", ":memory:"}:
            kwargs["poolclass"] = StaticPool  # one shared connection, or each would see its own empty db
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
    else:
        # Sized for a busy centre's concurrent requests, so connections are reused, not reopened.
        kwargs.update(pool_size=32, max_overflow=32, pool_recycle=1800)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite(engine)
    return engine


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.key = uuid.uuid4().hex  # tells caches of two databases with the same URL apart
        self.engine = create_engine(url, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time anyway. Queueing writers here, first come first served,
        # hands the lock over at once; left to SQLite's busy handler, waiters sleep and retry in
        # steps of up to 100 ms while the lock sits free. PostgreSQL writers run side by side.
        self._writers: asyncio.Lock | contextlib.nullcontext = (
            asyncio.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work that may write: commits when the block ends, rolls back if it raises.

        On SQLite it takes the write lock at its start. A deferred transaction that reads and then
        writes fails at once ("database is locked") if another writer committed in between; taking the
        lock first makes it wait its turn instead, and two writers never both act on the same read.
        """
        async with self._writers, self.sessionmaker() as session:
            async with session.begin():
                # The first connection's options are seen by the "begin" listener above.
                await session.connection(execution_options={IMMEDIATE: True})
                yield session
            # Committed: only now may anyone hear of the change.
            publish(take_pending(session))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work: a consistent snapshot that never waits for writers."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


_current: Database | None = None


def set_database(database: Database | None) -> None:
    global _current
    _current = database


def database() -> Database:
    """The process's database, opened at start-up."""
    if _current is None:
        raise RuntimeError("the database is not open; the app opens it at start-up")
    return _current
