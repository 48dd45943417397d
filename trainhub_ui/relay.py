"""Domain events between server processes: over Redis pub/sub when `redis_url` is set (on SQLite as on
PostgreSQL), otherwise on PostgreSQL over LISTEN/NOTIFY. A single process on SQLite needs neither.

With PostgreSQL's LISTEN/NOTIFY, every process holds one connection of its own. On it, it listens, and
passes the other processes' events on to its own pages (its own it has published already, straight
after their commit). On it, it also sends its own committed events, with `pg_notify`, in batches from a
queue: only after the commit, so nothing is told of a change that rolled back. (Sent inside the booking's transaction
instead, the notification held the session row's lock a round trip longer, and PostgreSQL queues
every committing notifier behind one lock: a rush for one session's places lost a quarter of its
speed.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import redis.asyncio as redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from trainhub_ui.domain.signals import DomainEvent, from_wire, to_wire

log = logging.getLogger(__name__)

CHANNEL = "trainhub_events"
ORIGIN = uuid.uuid4().hex  # this process
PAYLOAD_MAX = 7000  # PostgreSQL takes up to 8000 bytes a notification
SEND_BATCH = 50


def payloads(events: list[DomainEvent]) -> list[str]:
    """The events as notification payloads, each under PostgreSQL's size limit."""
    chunks: list[list[dict[str, object]]] = [[]]
    size = 0
    for event in events:
        item = to_wire(event)
        length = len(json.dumps(item))
        if chunks[-1] and size + length > PAYLOAD_MAX:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += length
    return [json.dumps({"origin": ORIGIN, "events": chunk}) for chunk in chunks if chunk]


def events_of(payload: str) -> list[DomainEvent]:
    """Another process's events from a notification (none from this process, none from garbage)."""
    try:
        message = json.loads(payload)
    except ValueError:
        return []
    if not isinstance(message, dict) or message.get("origin") == ORIGIN or not isinstance(message.get("events"), list):
        return []
    return [event for item in message["events"] if (event := from_wire(item)) is not None]


class _Sender:
    """What both relays share: committed events queued as payloads, sent in batches in the background."""

    def __init__(self) -> None:
        self.outbox: asyncio.Queue[str] = asyncio.Queue()

    def send(self, events: list[DomainEvent]) -> None:
        """Tell the other processes of committed events (queued; sent in the background)."""
        for payload in payloads(events):
            self.outbox.put_nowait(payload)

    async def _next_batch(self) -> list[str]:
        """Waits for one payload, then takes what else is queued, up to SEND_BATCH."""
        batch = [await self.outbox.get()]
        while not self.outbox.empty() and len(batch) < SEND_BATCH:
            batch.append(self.outbox.get_nowait())
        return batch


class Relay(_Sender):
    """One LISTEN connection of this process, handing other processes' events to `deliver`."""

    def __init__(self, database_url: str, deliver: Callable[[list[DomainEvent]], None]) -> None:
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.deliver = deliver
        super().__init__()
        self.connection: asyncpg.Connection | None = None
        self.sender: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.connection = await asyncpg.connect(self.dsn)
        await self.connection.add_listener(CHANNEL, self._heard)
        self.sender = asyncio.create_task(self._send_forever())

    async def _send_forever(self) -> None:
        while True:
            batch = await self._next_batch()
            notifies = ", ".join(f"pg_notify($1, ${n + 2})" for n in range(len(batch)))
            try:
                assert self.connection is not None
                await self.connection.execute(f"SELECT {notifies}", CHANNEL, *batch)
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                # The pages of other processes miss these changes until they reload; never the booking.
                log.exception("sending %d events to the other server processes", len(batch))

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        events = events_of(payload)
        if events:
            self.deliver(events)

    async def stop(self) -> None:
        if self.sender is not None:
            self.sender.cancel()
            self.sender = None
        if self.connection is not None:
            try:
                await self.connection.close(timeout=5)
            except Exception:  # the process is stopping; a dead connection is no reason to fail that
                log.exception("closing the event relay's connection")
            self.connection = None


class RedisRelay(_Sender):
    """The same, over Redis pub/sub: one connection subscribed to the channel, one to publish on it.

    Several `serve` processes on one SQLite file have no LISTEN/NOTIFY; Redis, which the rate limits share
    already, carries their events. Sent after the commit, in batches from a queue, as above.
    """

    def __init__(self, redis_url: str, deliver: Callable[[list[DomainEvent]], None]) -> None:
        super().__init__()
        self.url = redis_url
        self.deliver = deliver
        self.client: redis.Redis | None = None
        self.pubsub: Any = None
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.client = redis.Redis.from_url(self.url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        await self.pubsub.subscribe(CHANNEL)
        self.tasks = [asyncio.create_task(self._listen_forever()), asyncio.create_task(self._send_forever())]

    async def _send_forever(self) -> None:
        while True:
            batch = await self._next_batch()
            try:
                assert self.client is not None
                async with self.client.pipeline(transaction=False) as pipe:
                    for payload in batch:
                        pipe.publish(CHANNEL, payload)
                    await pipe.execute()
            except (RedisError, OSError):
                log.exception("sending %d events to the other server processes", len(batch))

    async def _listen_forever(self) -> None:
        while True:
            try:
                async for message in self.pubsub.listen():
                    data = message.get("data")
                    events = events_of(data.decode() if isinstance(data, bytes) else str(data))
                    if events:
                        self.deliver(events)
            except (RedisError, OSError):
                # Heard again once Redis answers; meanwhile the pages miss other processes' changes.
                log.exception("listening for the other server processes' events")
                await asyncio.sleep(1)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []
        try:
            if self.pubsub is not None:
                await self.pubsub.aclose()
            if self.client is not None:
                await self.client.aclose()
        except (RedisError, OSError):  # the process is stopping; a dead connection is no reason to fail that
            log.exception("closing the event relay's connections")
        self.pubsub = self.client = None
