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

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from trainhub_ui.domain.signals import DomainEvent, take_pending

IMMEDIATE = "trainhub_immediate"
_DATABASE = "trainhub_database"

Publisher = Callable[[list[DomainEvent]], None]
_publisher: Publisher | None = None


def set_publisher(publisher: Publisher | None) -> None:
    """Where committed domain events go (the live UI registers itself here)."""
    global _publisher
    _publisher = publisher


def publish(events: list[DomainEvent]) -> None:
    if events and _publisher is not None:
        _publisher(events)


def _one_trip_sqlite_cursor() -> None:
    """Run each SQLite statement in one trip to aiosqlite's thread instead of four.

    SQLAlchemy's aiosqlite cursor makes a cursor, executes, fetches and closes, each a round trip
    through aiosqlite's queue and back through the event loop; a booking's eight statements made thirty
    such trips, and on a busy server they cost as much CPU as the statements. This cursor does all four
    in one function on the connection's own thread. It leans on the internals of SQLAlchemy's aiosqlite
    adapter and of aiosqlite itself, so it is installed only where they look as expected; otherwise the
    stock cursor stays.
    """
    import collections

    import aiosqlite
    from sqlalchemy.dialects.sqlite import aiosqlite as adapter
    from sqlalchemy.util.concurrency import await_

    stock = adapter.AsyncAdapt_aiosqlite_connection
    if not hasattr(aiosqlite.Connection, "_execute") or getattr(stock, "_trainhub_one_trip", False):
        return
    base = stock._cursor_cls

    class OneTripCursor(base):  # type: ignore[misc, valid-type]
        __slots__ = ("_description", "_lastrowid", "_rowcount")

        def __init__(self, adapt_connection: Any) -> None:
            # No aiosqlite cursor is made here: it would cost a trip of its own.
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._cursor = None
            self._rows = collections.deque()
            self._soft_closed_memoized = {}
            self._description = None
            self._rowcount = -1
            self._lastrowid = None

        @property
        def description(self) -> Any:
            return self._description

        @property
        def rowcount(self) -> int:
            return self._rowcount

        @property
        def lastrowid(self) -> Any:
            return self._lastrowid

        def _run(self, operation: str, parameters: Any, many: bool) -> None:
            raw = self._connection._conn

            def on_its_thread() -> tuple[Any, list[Any], int, Any]:
                cursor = raw.cursor()
                try:
                    if many:
                        cursor.executemany(operation, parameters)
                    else:
                        cursor.execute(operation, () if parameters is None else parameters)
                    rows = cursor.fetchall() if cursor.description else []
                    return cursor.description, rows, cursor.rowcount, cursor.lastrowid
                finally:
                    cursor.close()

            try:
                self._description, rows, self._rowcount, self._lastrowid = await_(
                    self._connection._execute(on_its_thread)
                )
            except Exception as error:
                self._adapt_connection._handle_exception(error)
            self._rows = collections.deque(rows)

        def execute(self, operation: str, parameters: Any = None) -> None:
            self._run(operation, parameters, many=False)

        def executemany(self, operation: str, seq_of_parameters: Any) -> None:
            self._run(operation, seq_of_parameters, many=True)

        async def _async_soft_close(self) -> None:
            return None

        def close(self) -> None:
            self._rows.clear()

    stock._cursor_cls = OneTripCursor
    stock._trainhub_one_trip = True


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
    if parsed.get_backend_name() == "sqlite":
        _one_trip_sqlite_cursor()
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite(engine)
    return engine


class _RowQueue:
    """The transactions of this process waiting for (or holding) their turn at one row."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


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
        self._row_queues: dict[str, _RowQueue] = {}
        self._writers: asyncio.Lock | contextlib.nullcontext = (
            asyncio.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def turn_at_row(self, key: str) -> AsyncIterator[None]:
        """This process's turn, first come first served, to send a statement that locks a contended row.

        PostgreSQL hands a row lock that many transactions wait for to the next of them in no fair
        order: under a rush for one session's places some bookings waited five times as long as the
        median. Holding a turn until the statement has its answer (and so the row lock) keeps at most
        one of this process's transactions waiting in the database for the row, which then gets it the
        moment the holder commits: the order is the order they came in, and the database is never left
        waiting for Python. On SQLite the write lock is queued the same way already (see `transaction`).
        """
        if self.dialect == "sqlite":
            yield
            return
        queue = self._row_queues.get(key)
        if queue is None:
            queue = self._row_queues[key] = _RowQueue()
        queue.users += 1
        try:
            async with queue.lock:
                yield
        finally:
            queue.users -= 1
            if queue.users == 0:
                del self._row_queues[key]  # nobody holds or waits for it: no lock kept per row ever seen

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work that may write: commits when the block ends, rolls back if it raises.

        On SQLite it takes the write lock at its start. A deferred transaction that reads and then
        writes fails at once ("database is locked") if another writer committed in between; taking the
        lock first makes it wait its turn instead, and two writers never both act on the same read.
        """
        async with self._writers, self.sessionmaker() as session:
            session.info[_DATABASE] = self
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

    async def refresh_statistics(self, *, thorough: bool = False) -> None:
        """Keep the query planner's statistics current. SQLite gathers none by itself and then picks poor
        indexes for the back office's lists; `thorough` (after a migration or a bulk load) analyses
        everything, otherwise SQLite analyses only what changed a lot. PostgreSQL's autovacuum keeps its own
        up to date, so only `thorough` asks it."""
        if self.dialect != "sqlite" and not thorough:
            return
        async with self.transaction() as session:
            await session.execute(text("ANALYZE" if thorough else "PRAGMA optimize"))

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def turn_at_row(session: AsyncSession, key: str) -> AsyncIterator[None]:
    """`Database.turn_at_row` of the database whose transaction `session` is (no queue outside one)."""
    db: Database | None = session.info.get(_DATABASE)
    if db is None:
        yield
        return
    async with db.turn_at_row(key):
        yield


_current: Database | None = None


def set_database(database: Database | None) -> None:
    global _current
    _current = database


def database() -> Database:
    """The process's database, opened at start-up."""
    if _current is None:
        raise RuntimeError("the database is not open; the app opens it at start-up")
    return _current
