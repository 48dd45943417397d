"""Live fan-out: how long one booking takes to reach N open course pages, and what each open page costs the server.

It migrates a fresh database (a temporary SQLite file, or a throwaway PostgreSQL database), seeds the demo
centres (`main.py demo seed`), starts `main.py serve` on a free loopback port and opens --clients (500) course
pages of one demo course the way a browser does: an HTTP GET of the page (which makes the NiceGUI client and
answers its id in the HTML), then a Socket.IO connection on NiceGUI's path with the query NiceGUI's own
nicegui.js sends (client_id, next_message_id, implicit_handshake, tab_id, document_id), each client with its
own cookies. It prints:

  memory per connected client   (server RSS with all N pages open and settled - RSS before) / N
  time until updated            from just before `POST /api/tenant/{slug}/bookings` of one place on the
                                watched session, until each client's Socket.IO `update` event carrying the
                                session's places label (`data-session-places`) with its new text arrived:
                                first, median, p95 and the last of all N, and how many got it

Targets: all 500 clients updated within 500 ms, at most 1 MiB per connected client. Timing is printed,
never asserted. The clients run in this process, the server in its own; on a 2-core machine they share the
cores (with whatever else runs there), so beside the times it prints the server's time on a core during the
fan-out, how long its event loop waited for a core, and the clients' own CPU.

    .venv/bin/python bench/live_fanout.py [--clients 500] [--bookings 1] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import PageTab, browser_connector, close_all, shown_places
from _clients import open_all as open_tabs
from _postgres import create_database, drop_database
from _procs import difference, loop_waiting_seconds, rss_bytes, server_cpu_seconds, start_page_server
from booking_throughput import (
    ROOT,
    free_port,
    machine_load,
    migrate,
    percentile,
    server_env,
    stop_server,
    tail,
    wait_until_healthy,
)

SLUG = "bristol-gas-training"
TARGET_ALL_MS = 500.0
TARGET_CLIENTS = 500
TARGET_MIB_PER_CLIENT = 1.0
WARM_UP_CLIENTS = 3
# NiceGUI deletes a page's client this long after its socket goes (its default reconnect_timeout, 3 s), plus slack.
CLIENT_DELETE_WAIT = 5.0


# --- the server and its data ---------------------------------------------------------------------


def trainhub(url: str, *args: str) -> str:
    """A `main.py` command on the benchmark's database, as an operator would run it; answers its output."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        env=server_env(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"main.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class Watched:
    """The course whose page the clients open, and two of its sessions with places free."""

    course_id: str
    course_title: str
    session_id: str  # the one booked in the measurement
    places_left: int
    warm_up_session_id: str  # booked once before the measurement, to warm the server's code paths


class Api:
    """The few JSON API calls the benchmark makes (an ADMIN token of the demo centre)."""

    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=f"{base}/api/tenant/{SLUG}", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    async def get(self, path: str) -> Any:
        answer = await self.http.get(path)
        answer.raise_for_status()
        return answer.json()

    async def choose(self, bookings: int) -> Watched:
        """The first course with two sessions that can take the warm-up booking and `bookings` more."""
        for course in (await self.get("/courses?limit=200"))["items"]:
            sessions = (await self.get(f"/courses/{course['id']}/sessions?limit=200"))["items"]
            free = [s for s in sessions if s["isActive"] and not s["isCompleted"] and s["remainingSpots"] >= 1]
            target = next((s for s in free if s["remainingSpots"] >= bookings), None)
            warm = next((s for s in free if target is not None and s["id"] != target["id"]), None)
            if target is not None and warm is not None:
                return Watched(course["id"], course["title"], target["id"], target["remainingSpots"], warm["id"])
        raise RuntimeError(f"no demo course has two sessions with {bookings} places free")

    async def new_student(self) -> str:
        email = f"fanout-{uuid.uuid4().hex[:12]}@bench.example"
        answer = await self.http.post("/students", json={"firstName": "Fan", "lastName": "Out", "email": email})
        if answer.status_code != 201:
            raise RuntimeError(f"POST /students answered {answer.status_code}: {answer.text}")
        return str(answer.json()["id"])

    async def book(self, customer_id: str, session_id: str) -> float:
        """A card booking (a PENDING hold takes the place at once); answers when it was sent (time.monotonic)."""
        payload = {"customerId": customer_id, "sessionId": session_id, "paymentOption": "FULL"}
        sent = time.monotonic()
        answer = await self.http.post("/bookings", json=payload)
        if answer.status_code != 201:
            raise RuntimeError(f"POST /bookings answered {answer.status_code}: {answer.text}")
        return sent

    async def close(self) -> None:
        await self.http.aclose()


# --- the browsers --------------------------------------------------------------------------------


class Fanout:
    """Counts the clients that have seen the current change, and wakes the waiter when all have."""

    def __init__(self) -> None:
        self.expected = 0
        self.arrived = 0
        self.all_arrived = asyncio.Event()

    def reset(self, expected: int) -> None:
        self.expected, self.arrived = expected, 0
        self.all_arrived.clear()

    def one_arrived(self) -> None:
        self.arrived += 1
        if self.arrived >= self.expected:
            self.all_arrived.set()


class PageClient(PageTab):
    """One browser tab on the course page, timing when the watched session's places label changes."""

    def __init__(self, connector: aiohttp.BaseConnector, fanout: Fanout, session_id: str) -> None:
        super().__init__(connector, session_id)
        self.fanout = fanout
        self.arrived_at: float | None = None  # time.monotonic() when the label's new text arrived
        self.updates = 0  # `update` events in the current round
        self.other_events: Counter[str] = Counter()

    def new_round(self) -> None:
        self.arrived_at = None
        self.updates = 0

    def received(self, event: str, payload: Any, now: float) -> None:
        if event != "update":
            self.other_events[event] += 1
            return
        self.updates += 1
        text = shown_places(event, payload, self.session_id, self.label_id)
        if self.arrived_at is None and text is not None and text != self.label_text:
            self.arrived_at = now
            self.label_text = text
            self.fanout.one_arrived()


def page_clients(count: int, session_id: str, connector: aiohttp.BaseConnector) -> tuple[list[PageClient], Fanout]:
    fanout = Fanout()
    return [PageClient(connector, fanout, session_id) for _ in range(count)], fanout


async def open_all(clients: list[PageClient], base: str, path: str, concurrency: int) -> None:
    failed = await open_tabs([(client, base) for client in clients], path, concurrency)
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(clients)} pages did not open; the first: {failed[0]!r}")


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Round:
    number: int
    clients: int
    sent: float
    answered: float
    arrivals: list[float]  # seconds from `sent`, of the clients that got the update
    texts: Counter[str]
    updates_per_client: Counter[int]
    server_cpu: float | None
    server_waiting: float | None  # the server's event loop ready to run, waiting for a core
    client_cpu: float
    window: float

    def ms(self, percent: float) -> float:
        return percentile(self.arrivals, percent) * 1000


async def measure_round(
    number: int, clients: list[PageClient], fanout: Fanout, api: Api, session_id: str, pid: int, wait_seconds: float
) -> Round:
    customer_id = await api.new_student()
    for client in clients:
        client.new_round()
    fanout.reset(len(clients))
    server_cpu_before, waiting_before = server_cpu_seconds(pid), loop_waiting_seconds(pid)
    client_cpu_before = time.process_time()
    sent = await api.book(customer_id, session_id)
    answered = time.monotonic()
    with contextlib.suppress(TimeoutError):  # the clients that missed it are counted, not raised
        await asyncio.wait_for(fanout.all_arrived.wait(), timeout=max(wait_seconds - (answered - sent), 0.001))
    window = time.monotonic() - sent
    server_cpu_after, waiting_after = server_cpu_seconds(pid), loop_waiting_seconds(pid)
    client_cpu_after = time.process_time()
    arrivals = [client.arrived_at - sent for client in clients if client.arrived_at is not None]
    await asyncio.sleep(0.5)  # late duplicates, if any, still count in updates per client
    return Round(
        number=number,
        clients=len(clients),
        sent=sent,
        answered=answered,
        arrivals=arrivals,
        texts=Counter(client.label_text for client in clients if client.arrived_at is not None),
        updates_per_client=Counter(client.updates for client in clients),
        server_cpu=difference(server_cpu_before, server_cpu_after),
        server_waiting=difference(waiting_before, waiting_after),
        client_cpu=client_cpu_after - client_cpu_before,
        window=window,
    )


async def warm_up(base: str, path: str, api: Api, watched: Watched, connector: aiohttp.BaseConnector) -> None:
    """A few pages see one booking of another session first: the server has imported, compiled and cached
    everything the measured change passes through (the booking, the live label, the outbox, the socket)."""
    clients, fanout = page_clients(WARM_UP_CLIENTS, watched.warm_up_session_id, connector)
    try:
        await open_all(clients, base, path, 1)
        fanout.reset(len(clients))
        await api.book(await api.new_student(), watched.warm_up_session_id)
        await asyncio.wait_for(fanout.all_arrived.wait(), timeout=10)
    finally:
        await close_all(clients)


async def idle_cpu(pid: int, seconds: float) -> float | None:
    """The share of a core the server used while nothing happened but keeping the pages open."""
    before = server_cpu_seconds(pid)
    await asyncio.sleep(seconds)
    used = difference(before, server_cpu_seconds(pid))
    return None if used is None else used / seconds


# --- reporting -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def print_round(result: Round, timeout: float) -> None:
    got = len(result.arrivals)
    print(f"\nbooking {result.number}: one place on the watched session, {result.clients} clients watching")
    print(f"  POST /bookings answered   {(result.answered - result.sent) * 1000:8.1f} ms")
    if got:
        print(
            f"  update arrived, ms        first {result.ms(0):.1f}  median {result.ms(50):.1f}"
            f"  p95 {result.ms(95):.1f}  last {result.ms(100):.1f}"
        )
    print(
        f"  clients updated           {got} of {result.clients}"
        + ("" if got == result.clients else f" in {timeout:.0f} s")
    )
    texts = ", ".join(f"{text!r} x{n}" for text, n in result.texts.most_common())
    print(f"  new label text            {texts or '-'}")
    per_client = ", ".join(f"{n} update(s): {c} clients" for n, c in sorted(result.updates_per_client.items()))
    print(f"  update events per client  {per_client}")
    print(f"  in those {result.window * 1000:.0f} ms ({os.cpu_count()} cores, shared by server, clients and others)")
    if result.server_cpu is not None:
        # Unlike the times, the server's CPU per client hardly moves with what else the machine is running.
        print(
            f"    server on a core        {result.server_cpu * 1000:.0f} ms"
            f" ({result.server_cpu / result.clients * 1e6:.0f} µs per client)"
        )
    if result.server_waiting is not None:
        print(f"    server waiting for one  {result.server_waiting * 1000:.0f} ms (its event loop, ready to run)")
    print(f"    bench clients on a core {result.client_cpu * 1000:.0f} ms")


def print_summary(args: argparse.Namespace, rounds: list[Round], rss_before: int, rss_after: int, clients: int) -> None:
    per_client = (rss_after - rss_before) / clients
    print(f"\nSummary ({clients} clients on one course page, {args.database})")
    print(
        f"  memory per connected client  {per_client / 1024:.0f} KiB ({per_client / 2**20:.2f} MiB)"
        f"  target <= {TARGET_MIB_PER_CLIENT:.0f} MiB: {verdict(per_client <= TARGET_MIB_PER_CLIENT * 2**20)}"
    )
    for result in rounds:
        everyone = len(result.arrivals) == result.clients
        if everyone:
            reached = f"all {result.clients} updated in {result.ms(100):.0f} ms"
        else:
            reached = f"only {len(result.arrivals)} of {result.clients} updated within {args.timeout:.0f} s"
        if clients != TARGET_CLIENTS:
            target = f"not comparable (the target is at {TARGET_CLIENTS} clients)"
        else:
            target = verdict(everyone and result.ms(100) <= TARGET_ALL_MS)
        spread = (
            f"first {result.ms(0):.0f}, median {result.ms(50):.0f}, p95 {result.ms(95):.0f} ms"
            if result.arrivals
            else "none arrived"
        )
        print(
            f"  booking {result.number}: {reached} ({spread});"
            f" target all {TARGET_CLIENTS} within {TARGET_ALL_MS:.0f} ms: {target}"
        )


# --- start to finish -----------------------------------------------------------------------------


async def run_bench(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="trainhub-fanout-"))
    created_postgres: str | None = None
    process: subprocess.Popen[bytes] | None = None
    try:
        if args.database == "sqlite":
            url = f"sqlite+aiosqlite:///{workdir / 'trainhub.db'}"
        else:
            created_postgres, url = await create_database(args.postgres_url)
        print(f"database: {make_url(url).render_as_string(hide_password=True)}")
        print(machine_load())
        await asyncio.to_thread(migrate, url)
        await asyncio.to_thread(trainhub, url, "demo", "seed")
        token = await asyncio.to_thread(trainhub, url, "token", "create", "--tenant", SLUG, "--name", "fanout")
        token = token.strip().splitlines()[-1]

        port = free_port()
        process = start_page_server(url, port, workdir)
        base = f"http://127.0.0.1:{port}"
        await wait_until_healthy(process, base, workdir / "server.log")
        api = Api(base, token)
        connector = browser_connector()
        clients: list[PageClient] = []
        try:
            watched = await api.choose(args.bookings)
            clients, fanout = page_clients(args.clients, watched.session_id, connector)
            path = f"/{SLUG}/courses/{watched.course_id}"
            print(f"server pid {process.pid} at {base}; watched page {path} ({watched.course_title})")
            print(f"watched session {watched.session_id}: {watched.places_left} places left")

            await warm_up(base, path, api, watched, connector)
            await asyncio.sleep(CLIENT_DELETE_WAIT)  # the warm-up pages are gone from the server
            rss_before = rss_bytes(process.pid)

            started = time.perf_counter()
            await open_all(clients, base, path, args.connect_concurrency)
            opened = time.perf_counter() - started
            print(f"\nopened {len(clients)} pages with their sockets in {opened:.1f} s ({len(clients) / opened:.0f}/s)")
            await asyncio.sleep(args.settle)
            idle = await idle_cpu(process.pid, 2.0)
            rss_after = rss_bytes(process.pid)
            print(f"server RSS before {mib(rss_before)}, with the pages open {mib(rss_after)}")
            if idle is not None:
                print(f"server CPU with {len(clients)} idle pages open: {idle:.0%} of a core")
            others = sum((client.other_events for client in clients), Counter())
            if others:
                print(f"events other than update while connecting: {dict(others)}")

            rounds = []
            for number in range(1, args.bookings + 1):
                result = await measure_round(
                    number, clients, fanout, api, watched.session_id, process.pid, args.timeout
                )
                print_round(result, args.timeout)
                rounds.append(result)
                await asyncio.sleep(1.0)  # the server settles before the next booking
            if process.poll() is not None:
                raise RuntimeError(f"the server died:\n{tail(workdir / 'server.log')}")
            print_summary(args, rounds, rss_before, rss_after, len(clients))
        finally:
            await close_all(clients)
            await connector.close()
            await api.close()
        return 0
    finally:
        if process is not None:
            await asyncio.to_thread(stop_server, process)
        if created_postgres is not None:
            await drop_database(args.postgres_url, created_postgres)
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS, help="course pages kept open")
    parser.add_argument("--bookings", type=int, default=1, help="bookings measured one after another")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="a server to create a fresh trainhub_bench_* database beside (dropped at the end)",
    )
    parser.add_argument("--connect-concurrency", type=int, default=16, help="pages being opened at once")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait after the last page opened")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for every client's update")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.bookings < 1 or args.connect_concurrency < 1:
        parser.error("--clients, --bookings and --connect-concurrency must be at least 1")
    return args


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM would otherwise end this process at once and leave the server and the database behind.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return asyncio.run(run_bench(args))
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
