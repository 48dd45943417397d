"""Course-page watchers for bench/rush.py, in processes of their own: the pages' CPU is then measured apart from
the bench's, and the bench's booking clients do not queue behind a thousand sockets' events.

Run as a script, this is one such process. It speaks JSON lines: one on stdin to start,

    {"bases": ["http://127.0.0.1:PORT", ...], "path": "/slug/courses/ID", "session_id": ID,
     "count": N, "first": I, "concurrency": C}

opens `count` tabs of the page (tab i of the whole bench, i counted from `first`, on bases[i % len(bases)]: each
tab stays with its server, as a sticky session would keep a browser) and answers

    {"opened": N, "failed": F, "first_error": "..."}

then, for `{"final": TEXT, "until": T}`, waits until every connected tab's places label shows TEXT or the
clock (time.monotonic) reaches T, and answers each tab's figures:

    {"shown_at": [t or null, ...], "changes": [...], "events": [...], "disconnected": D, "stale": S,
     "texts": {TEXT: n, ...}}

`shown_at` is when the event that made the label show TEXT arrived (time.monotonic, the same clock in every
process on the machine); `stale` counts the tabs still connected that show something else. `{"close": true}`
(or the end of stdin) closes the tabs and ends the process.

Imported, it is the bench's side of that conversation (`WatcherProcess`, `open_crowd`, `wait_for_final`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import PageTab, browser_connector, close_all, open_all, shown_places

CLOSE_WAIT = 30.0
IDLE_SECONDS = 2.0


# --- in a watcher process ------------------------------------------------------------------------


class Watcher(PageTab):
    """A tab that keeps what the watched session's places label shows, and since when."""

    def __init__(self, connector: aiohttp.BaseConnector, session_id: str, changed: asyncio.Event) -> None:
        super().__init__(connector, session_id)
        self.changed = changed
        self.shown_since: float | None = None  # when the label last changed to what it shows
        self.changes = 0  # how many times the label's text changed
        self.events = 0
        self.disconnected = False

    def received(self, event: str, payload: Any, now: float) -> None:
        self.events += 1
        text = shown_places(event, payload, self.session_id, self.label_id)
        if text is not None and text != self.label_text:
            self.label_text, self.shown_since = text, now
            self.changes += 1
            self.changed.set()

    def lost(self, *_reason: Any) -> None:
        self.disconnected = True
        self.changed.set()

    @property
    def watching(self) -> bool:
        return self.sio is not None and self.sio.connected and not self.disconnected


async def wait_until_shown(watchers: list[Watcher], changed: asyncio.Event, final: str, until: float) -> None:
    while True:
        changed.clear()  # cleared before looking: a change after the look sets it again
        if all(w.label_text == final for w in watchers if w.watching):
            return
        remaining = until - time.monotonic()
        if remaining <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)


async def serve_watchers() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    def answer(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    start = json.loads(await stdin.readline())
    bases: list[str] = start["bases"]
    connector = browser_connector()
    changed = asyncio.Event()
    watchers = [Watcher(connector, start["session_id"], changed) for _ in range(start["count"])]
    try:
        tabs = [(watcher, bases[(start["first"] + i) % len(bases)]) for i, watcher in enumerate(watchers)]
        failed = await open_all(tabs, start["path"], start["concurrency"])
        for watcher in watchers:
            if watcher.sio is not None:
                watcher.sio.on("disconnect", watcher.lost)
        first_error = repr(failed[0]) if failed else ""
        answer({"opened": len(watchers) - len(failed), "failed": len(failed), "first_error": first_error})
        while line := await stdin.readline():
            command = json.loads(line)
            if command.get("close"):
                break
            final = command["final"]
            await wait_until_shown(watchers, changed, final, command["until"])
            answer(
                {
                    "shown_at": [w.shown_since if w.label_text == final else None for w in watchers],
                    "changes": [w.changes for w in watchers],
                    "events": [w.events for w in watchers],
                    "disconnected": sum(1 for w in watchers if w.disconnected),
                    "stale": sum(1 for w in watchers if w.watching and w.label_text != final),
                    "texts": Counter(w.label_text for w in watchers),
                }
            )
    finally:
        await close_all(watchers)
        await connector.close()


# --- in the bench --------------------------------------------------------------------------------


@dataclass
class Watching:
    """What the open pages saw and cost; empty with no watchers."""

    opened: int = 0
    failed_to_open: int = 0
    disconnected: int = 0
    stale: int = 0  # connected to the end, never showing the final count: a page left showing a wrong count
    # per watcher: seconds from the last booking's answer until its label showed the final count (None: never)
    lags: list[float | None] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)  # how often each watcher's label changed
    memory_per_watcher: float | None = None  # bytes of server RSS
    idle_share: float | None = None  # of a core, all servers, with the pages open and nothing booked
    cpu: float = 0.0  # the watcher processes' own, during the rush
    final_texts: Counter[str] = field(default_factory=Counter)  # what the labels showed at the end


class WatcherProcess:
    """One watcher process holding its share of the open course pages (ours: stopped by its pid)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, log: Path, start: dict[str, Any]) -> WatcherProcess:
        with log.open("wb") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                limit=2**24,  # an answer lists every watcher of the process
            )
        watchers = cls(process)
        await watchers.say(start)
        return watchers

    async def say(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        await self.process.stdin.drain()

    async def hear(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"watcher process {self.process.pid} ended ({await self.process.wait()})")
        return dict(json.loads(line))

    async def stop(self) -> None:
        if self.process.returncode is None:
            try:
                await self.say({"close": True})
                await asyncio.wait_for(self.process.wait(), CLOSE_WAIT)
            except (OSError, TimeoutError):
                self.process.kill()
                await self.process.wait()


def shares(total: int, parts: int) -> list[tuple[int, int]]:
    """(first, count) of each part when `total` is split as evenly as can be."""
    counts = [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
    return [(sum(counts[:i]), count) for i, count in enumerate(counts) if count]


async def open_crowd(
    watching: Watching, watchers: int, servers: list[int], start: dict[str, Any], args: argparse.Namespace, logs: Path
) -> list[WatcherProcess]:
    """Opens the pages from `--client-processes` processes (each given `start` and its share), then notes the
    servers' memory per open page and their CPU while the pages sit idle. `servers`: their process group leaders."""
    from _procs import cpu_used, group_cpu, group_rss  # here: the watcher processes need none of the app's modules

    rss_before = group_rss(servers)
    started = time.monotonic()
    concurrency = max(1, args.connect_concurrency // args.client_processes)
    crowd = []
    for i, (first, count) in enumerate(shares(watchers, args.client_processes)):
        share = start | {"count": count, "first": first, "concurrency": concurrency}
        crowd.append(await WatcherProcess.start(logs / f"watchers-{i + 1}.log", share))
    opened = [await w.hear() for w in crowd]
    watching.opened = sum(o["opened"] for o in opened)
    watching.failed_to_open = sum(o["failed"] for o in opened)
    took = time.monotonic() - started
    print(f"opened {watching.opened} of {watchers} pages in {took:.1f} s from {len(crowd)} processes")
    for o in opened:
        if o["failed"]:
            print(f"  {o['failed']} did not open; the first: {o['first_error']}")
    await asyncio.sleep(args.settle)
    idle_before = group_cpu(servers)
    await asyncio.sleep(IDLE_SECONDS)
    watching.idle_share = cpu_used(idle_before, group_cpu(servers)) / IDLE_SECONDS
    watching.memory_per_watcher = (group_rss(servers) - rss_before) / max(watching.opened, 1)
    return crowd


async def wait_for_final(
    watching: Watching, crowd: list[WatcherProcess], final: str, last_booking: float, wait_seconds: float
) -> None:
    """Asks every watcher process when its pages showed the final text, waiting for the slow ones until
    `wait_seconds` after the last booking's answer."""
    until = max(last_booking + wait_seconds, time.monotonic() + 1.0)
    for w in crowd:
        await w.say({"final": final, "until": until})
    heard = [await w.hear() for w in crowd]
    watching.lags = [None if at is None else at - last_booking for h in heard for at in h["shown_at"]]
    watching.changes = [changes for h in heard for changes in h["changes"]]
    watching.disconnected = sum(h["disconnected"] for h in heard)
    watching.stale = sum(h["stale"] for h in heard)
    watching.final_texts = sum((Counter(h["texts"]) for h in heard), Counter())


if __name__ == "__main__":
    asyncio.run(serve_watchers())
