"""Alembic environment: runs the migrations on the URL that `trainhub_ui.migrate` passes in."""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import event
from sqlalchemy.engine import Connection

from models import Base
from trainhub_ui.db import create_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _without_foreign_keys(dbapi_connection: Any, _record: object) -> None:
    # SQLite changes a table by copying it and dropping the old one, which its foreign keys forbid while
    # other tables point at it; the pragma only counts outside a transaction, so it is set on connecting
    # (after the application's own handler turned them on).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = OFF")
    cursor.close()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _without_foreign_keys)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from trainhub_ui.config import get_settings

    asyncio.run(_run_async(config.get_main_option("sqlalchemy.url") or get_settings().database_url))


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `trainhub db upgrade`")
run_migrations_online()
