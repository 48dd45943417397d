"""Booking throughput: how fast the real server takes places under concurrent clients, and that it never oversells.

For each database (SQLite file, fresh PostgreSQL database) it migrates, seeds one centre directly through
the models, starts `python main.py serve` on a free loopback port and drives POST
/api/tenant/{slug}/bookings from --clients concurrent workers over keep-alive HTTP/1.1:

  contended  every worker books the same 500-place session with distinct customers, past full
  spread     workers book random small sessions (5 to 12 places) for random customers

After each phase it checks over SQL that no session holds more places than it has and that every
session's booked_spots equals its live bookings. Everything it starts (server, databases) it stops or
drops itself. Exit status 1 when a correctness check fails (an unexpected answer, an oversold session,
counts that disagree); the speed targets are only printed.

    .venv/bin/python bench/booking_throughput.py [--database sqlite|postgresql|both] [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    Course,
    CourseSession,
    Customer,
    StaffRole,
    Tenant,
    WaitingListEntry,
    WaitingListStatus,
)
from trainhub_ui.db import Database
from trainhub_ui.services.tokens import create_api_token

ROOT = Path(__file__).resolve().parents[1]
SLUG = "bench-centre"
LARGE_SESSION_SPOTS = 500  # the most a session may have (CHECK available_spots BETWEEN 1 AND 500)
SMALL_SESSION_SPOTS = (5, 12)
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_GRACE = 10.0
REQUEST_TIMEOUT = 60.0
BODIES_SHOWN = 5

# Targets for the contended phase at 32 clients; printed beside the figures, never asserted.
TARGET_BOOKINGS_PER_S = 150.0
TARGET_P95_MS = 300.0


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    token: str
    large_session_id: str
    warm_up_session_id: str
    small_session_ids: list[str]
    customer_ids: list[str]


@dataclass(frozen=True)
class Attempt:
    customer_id: str
    session_id: str


@dataclass
class Outcome:
    status: int  # 0 when no answer came (a transport error)
    code: str  # the error body's `code` for a 409, or what went wrong
    seconds: float
    body: str = ""


@dataclass
class Check:
    sessions: int
    oversold: int
    disagreeing: int
    live_bookings: int

    @property
    def counts_agree(self) -> bool:
        return self.disagreeing == 0


@dataclass
class PhaseResult:
    database: str
    phase: str
    attempts: int
    elapsed: float
    outcomes: list[Outcome]
    check: Check
    new_live_bookings: int
    server_cpu: float | None
    client_cpu: float
    notes: list[str] = field(default_factory=list)

    @property
    def successes(self) -> int:
        return sum(1 for o in self.outcomes if o.status == 201)

    @property
    def refusals(self) -> Counter[str]:
        return Counter(o.code for o in self.outcomes if o.status == 409)

    @property
    def others(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status not in (201, 409)]

    @property
    def bookings_per_s(self) -> float:
        return self.successes / self.elapsed if self.elapsed else 0.0

    @property
    def requests_per_s(self) -> float:
        return len(self.outcomes) / self.elapsed if self.elapsed else 0.0

    def latency_ms(self, percent: float) -> float:
        return percentile([o.seconds for o in self.outcomes], percent) * 1000

    @property
    def contended_as_expected(self) -> bool:
        """The big session fills exactly, and every attempt past full is refused as full."""
        return self.successes == min(self.attempts, LARGE_SESSION_SPOTS) and set(self.refusals) <= {"session_full"}

    @property
    def correct(self) -> bool:
        # Every 201 must be a row, and nothing may answer other than 201 or 409.
        return (
            not self.others
            and self.check.oversold == 0
            and self.check.counts_agree
            and self.new_live_bookings == self.successes
            and (self.phase != "contended" or self.contended_as_expected)
        )


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile: a value that was actually observed."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(percent / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- databases -----------------------------------------------------------------------------------


async def _postgres_admin(server_url: str, statement: str) -> None:
    import asyncpg

    # CREATE/DROP DATABASE cannot run in a transaction, so this goes to asyncpg directly.
    admin = make_url(server_url).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def migrate(url: str) -> None:
    """`python main.py db upgrade`, as an operator would run it."""
    env = server_env(url)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "db", "upgrade"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"db upgrade failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _session_row(tenant: Tenant, course: Course, start: date, spots: int) -> CourseSession:
    return CourseSession(
        tenant_id=tenant.id,
        course_id=course.id,
        start_date=start,
        end_date=start + timedelta(days=1),
        start_time=clock_time(9, 0),
        end_time=clock_time(17, 0),
        starts_at=datetime.combine(start, clock_time(9, 0), tzinfo=UTC),
        available_spots=spots,
    )


async def seed(url: str, customers: int, small_sessions: int, rng: random.Random) -> Seeded:
    db = Database(url)
    try:
        async with db.transaction() as session:
            tenant = Tenant(slug=SLUG, name="Benchmark Training Centre")
            session.add(tenant)
            await session.flush()
            _token, secret = await create_api_token(session, tenant, name="booking benchmark", role=StaffRole.ADMIN)
            course = Course(
                tenant_id=tenant.id, slug="bench-course", title="Benchmark course", price=49500, default_capacity=12
            )
            session.add(course)
            await session.flush()
            first_day = date.today() + timedelta(days=30)
            large = _session_row(tenant, course, first_day, LARGE_SESSION_SPOTS)
            warm = _session_row(tenant, course, first_day - timedelta(days=1), LARGE_SESSION_SPOTS)
            small = [
                _session_row(tenant, course, first_day + timedelta(days=1 + i % 300), rng.randint(*SMALL_SESSION_SPOTS))
                for i in range(small_sessions)
            ]
            people = [
                Customer(
                    tenant_id=tenant.id,
                    first_name="Bench",
                    last_name=f"Student {i:05d}",
                    email=f"student{i:05d}@bench.example",
                )
                for i in range(customers)
            ]
            session.add_all([large, warm, *small, *people])
            await session.flush()
            return Seeded(
                token=secret,
                large_session_id=large.id,
                warm_up_session_id=warm.id,
                small_session_ids=[s.id for s in small],
                customer_ids=[c.id for c in people],
            )
    finally:
        await db.dispose()


async def check_sessions(url: str) -> Check:
    """Every session: booked_spots <= available_spots, and booked_spots equals what it counts.

    The engine's invariant is booked_spots = PENDING + CONFIRMED bookings + OFFERED waiting-list entries;
    this benchmark makes no offers, so the last term stays 0, but leaving it out would misreport one.
    """
    live = (
        select(func.count())
        .where(Booking.session_id == CourseSession.id, Booking.status.in_(LIVE_BOOKING_STATUSES))
        .correlate(CourseSession)
        .scalar_subquery()
    )
    offered = (
        select(func.count())
        .where(WaitingListEntry.session_id == CourseSession.id, WaitingListEntry.status == WaitingListStatus.OFFERED)
        .correlate(CourseSession)
        .scalar_subquery()
    )
    db = Database(url)
    try:
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(CourseSession.booked_spots, CourseSession.available_spots, live, offered).where(
                        CourseSession.tenant_id == select(Tenant.id).where(Tenant.slug == SLUG).scalar_subquery()
                    )
                )
            ).all()
    finally:
        await db.dispose()
    return Check(
        sessions=len(rows),
        oversold=sum(1 for booked, available, _, _ in rows if booked > available),
        disagreeing=sum(1 for booked, _, n_live, n_offered in rows if booked != n_live + n_offered),
        live_bookings=sum(n_live for _, _, n_live, _ in rows),
    )


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TRAINHUB_DATABASE_URL": url,
        "TRAINHUB_ENV": "test",
        "TRAINHUB_STORAGE_SECRET": "booking-benchmark-storage-secret",
        # Every worker books from 127.0.0.1 with one token: the per-address limit would stop the run at
        # its 21st booking. The limit's own cost (a counter per request) is still paid and measured.
        "TRAINHUB_RATE_LIMIT_BOOKING": "10000000/minute",
    }
    env.pop("TRAINHUB_STRIPE_SECRET_KEY", None)  # payments stay offline: nothing leaves the machine
    # NiceGUI takes this variable to mean "inside pytest" and would serve on its test port instead.
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


# uvicorn re-raises SIGTERM after its graceful shutdown, which would kill a plain `python -m cProfile`
# before it writes; a Python handler installed first is the one re-raised to, and it writes the file.
# The timer is the CPU time of the event loop's thread: on a shared machine wall time would charge other
# processes' load, and the database driver's threads, to whatever function happened to be running.
PROFILED_SERVER = """
import cProfile, runpy, signal, sys, time
profile, script = sys.argv[1], sys.argv[2]
profiler = cProfile.Profile(time.thread_time)
def stop(*_):
    profiler.disable()
    profiler.dump_stats(profile)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
sys.argv = sys.argv[2:]
profiler.enable()
runpy.run_path(script, run_name="__main__")
stop()
"""


def start_server(url: str, port: int, log_path: Path, profile: Path | None = None) -> subprocess.Popen[bytes]:
    profiler = ["-c", PROFILED_SERVER, str(profile)] if profile else []
    with log_path.open("wb") as log:
        # The child keeps its own copy of the log's descriptor.
        return subprocess.Popen(
            [sys.executable, *profiler, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(url),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it reaches nothing of ours
        )


async def wait_until_healthy(process: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{tail(log_path)}")
            try:
                if (await client.get("/api/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{tail(log_path)}")
            await asyncio.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server we started (its own process group), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SERVER_STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=SERVER_STOP_GRACE)
    except ProcessLookupError:
        process.wait(timeout=SERVER_STOP_GRACE)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process from /proc (Linux only); None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def machine_load() -> str:
    """Shared machines are noisy: say how busy this one was, so a figure can be read against it."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return f"{os.cpu_count()} cores"
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min), {five:.1f} (5 min) before the run"


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- driving it ----------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, one request at a time.

    The load comes from this machine's own two cores, so the client is kept lean: a general client
    such as httpx spends about as much CPU per request as a third of the server's, which would be
    taken from the server being measured. It speaks only what the server answers here: a status line,
    headers and a Content-Length body.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.fixed_headers = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\n{self.fixed_headers}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        try:
            raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {
                name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])
            }
            content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        except BaseException:
            await self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def book(connection: Connection, path: str, attempt: Attempt) -> Outcome:
    payload = {"customerId": attempt.customer_id, "sessionId": attempt.session_id, "paymentOption": "FULL"}
    started = time.perf_counter()
    try:
        status, content = await connection.request("POST", path, json.dumps(payload).encode())
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as error:
        return Outcome(0, type(error).__name__, time.perf_counter() - started, repr(error))
    seconds = time.perf_counter() - started
    code = ""
    if status == 409:
        try:
            code = str(json.loads(content).get("code", ""))
        except ValueError:
            code = "(not json)"
    body = "" if status == 201 else content[:500].decode(errors="replace")
    return Outcome(status, code, seconds, body)


async def drive(connections: list[Connection], attempts: Iterable[Attempt]) -> tuple[list[Outcome], float]:
    """One worker per connection takes attempts from one shared iterator, one request in flight each."""
    path = f"/api/tenant/{SLUG}/bookings"
    queue: Iterator[Attempt] = iter(attempts)
    outcomes: list[Outcome] = []

    async def worker(connection: Connection) -> None:
        # next() runs between awaits, so the workers never take the same attempt.
        for attempt in queue:
            outcomes.append(await book(connection, path, attempt))

    started = time.perf_counter()
    await asyncio.gather(*(worker(connection) for connection in connections))
    return outcomes, time.perf_counter() - started


async def warm_up(connections: list[Connection], seeded: Seeded) -> None:
    """Open every connection (and so the server's pooled ones) and book once through each, on a session
    of its own, so the phases measure a server in its steady state: every pooled database connection
    has prepared the booking's statements, and every query is compiled.

    The first call also writes the token's last_used_at, which would otherwise land in the first phase.
    """
    answers = await asyncio.gather(*(connection.request("GET", "/api/health") for connection in connections))
    answers.append(await connections[0].request("GET", f"/api/tenant/{SLUG}/bookings?limit=1"))
    if any(status != 200 for status, _ in answers):
        raise RuntimeError(f"warm-up failed: {[status for status, _ in answers]}")
    path = f"/api/tenant/{SLUG}/bookings"
    for _ in range(2):  # twice round: the pool hands out its connections in no fixed order
        bookings = await asyncio.gather(
            *(
                book(connection, path, Attempt(customer_id, seeded.warm_up_session_id))
                for connection, customer_id in zip(connections, seeded.customer_ids[::-1], strict=False)
            )
        )
        if any(outcome.status not in (201, 409) for outcome in bookings):
            raise RuntimeError(f"warm-up booking failed: {[o.body for o in bookings if o.status not in (201, 409)]}")


async def run_phase(
    database: str,
    phase: str,
    connections: list[Connection],
    url: str,
    server_pid: int,
    attempts: list[Attempt],
) -> PhaseResult:
    before = await check_sessions(url)
    server_cpu_before, client_cpu_before = cpu_seconds(server_pid), own_cpu_seconds()
    outcomes, elapsed = await drive(connections, attempts)
    server_cpu_after, client_cpu_after = cpu_seconds(server_pid), own_cpu_seconds()
    after = await check_sessions(url)
    server_cpu = (
        server_cpu_after - server_cpu_before if server_cpu_before is not None and server_cpu_after is not None else None
    )
    return PhaseResult(
        database=database,
        phase=phase,
        attempts=len(attempts),
        elapsed=elapsed,
        outcomes=outcomes,
        check=after,
        new_live_bookings=after.live_bookings - before.live_bookings,
        server_cpu=server_cpu,
        client_cpu=client_cpu_after - client_cpu_before,
    )


def contended_attempts(seeded: Seeded, count: int) -> list[Attempt]:
    return [Attempt(customer_id, seeded.large_session_id) for customer_id in seeded.customer_ids[:count]]


def spread_attempts(seeded: Seeded, count: int, rng: random.Random) -> list[Attempt]:
    return [Attempt(rng.choice(seeded.customer_ids), rng.choice(seeded.small_session_ids)) for _ in range(count)]


# --- reporting -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_phase(result: PhaseResult, clients: int) -> None:
    refusals = ", ".join(f"{code} {n}" for code, n in sorted(result.refusals.items())) or "none"
    others = result.others
    print(f"\n[{result.database}] phase {result.phase!r}: {result.attempts} attempts from {clients} clients")
    print(f"  successes (201)      {result.successes}")
    print(f"  refusals (409)       {sum(result.refusals.values())}  ({refusals})")
    print(f"  other answers        {len(others)}" + ("" if not others else "  <- must be 0"))
    for outcome in others[:BODIES_SHOWN]:
        print(f"    {outcome.status or outcome.code}: {outcome.body}")
    print(f"  elapsed              {result.elapsed:.2f} s")
    print(f"  bookings/s           {result.bookings_per_s:.1f}")
    print(f"  requests/s           {result.requests_per_s:.1f}")
    print(
        f"  latency ms           p50 {result.latency_ms(50):.1f}  p95 {result.latency_ms(95):.1f}"
        f"  p99 {result.latency_ms(99):.1f}  max {result.latency_ms(100):.1f}"
    )
    if result.server_cpu is not None:
        print(
            f"  CPU                  server {result.server_cpu:.2f} s ({result.server_cpu / result.elapsed:.0%} of a"
            f" core), bench client {result.client_cpu:.2f} s ({result.client_cpu / result.elapsed:.0%} of a core)"
        )
        # Unlike the rates, CPU per request hardly moves with what else the machine is running.
        requests = max(len(result.outcomes), 1)
        print(
            f"  CPU per request      server {1000 * result.server_cpu / requests:.2f} ms,"
            f" bench client {1000 * result.client_cpu / requests:.2f} ms"
        )
    print(f"  oversold: {result.check.oversold} sessions (of {result.check.sessions})")
    print(f"  counts agree: {'yes' if result.check.counts_agree else f'no ({result.check.disagreeing} sessions)'}")
    agree = result.new_live_bookings == result.successes
    print(f"  201 answers = new live bookings: {'yes' if agree else 'no'} ({result.new_live_bookings} rows)")
    if result.phase == "contended":
        full = min(result.attempts, LARGE_SESSION_SPOTS)
        print(
            f"  exactly {full} booked, the rest refused session_full: {'yes' if result.contended_as_expected else 'NO'}"
        )
        print(
            f"  targets at {clients} clients: >= {TARGET_BOOKINGS_PER_S:.0f} bookings/s"
            f" {verdict(result.bookings_per_s >= TARGET_BOOKINGS_PER_S)};"
            f" p95 < {TARGET_P95_MS:.0f} ms {verdict(result.latency_ms(95) < TARGET_P95_MS)};"
            f" oversold 0 {verdict(result.check.oversold == 0)}"
        )


def print_summary(results: list[PhaseResult], clients: int) -> None:
    print(f"\nSummary ({clients} clients)")
    header = f"{'database':<11} {'phase':<10} {'bookings/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'oversold':>8}  target"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.phase == "contended":
            target = (
                f">= {TARGET_BOOKINGS_PER_S:.0f}/s {verdict(r.bookings_per_s >= TARGET_BOOKINGS_PER_S)}, "
                f"p95 < {TARGET_P95_MS:.0f} {verdict(r.latency_ms(95) < TARGET_P95_MS)}, "
                f"0 oversold {verdict(r.check.oversold == 0)}"
            )
        else:
            target = f"0 oversold {verdict(r.check.oversold == 0)}"
        print(
            f"{r.database:<11} {r.phase:<10} {r.bookings_per_s:>10.1f} {r.latency_ms(50):>8.1f}"
            f" {r.latency_ms(95):>8.1f} {r.check.oversold:>8}  {target}"
        )


# --- one database, start to finish ---------------------------------------------------------------


async def bench_database(kind: str, args: argparse.Namespace) -> list[PhaseResult]:
    # A fresh generator per database, so both get the same capacities and the same spread workload.
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"trainhub-bench-{kind}-"))
    log_path = workdir / "server.log"
    created_postgres: str | None = None
    process: subprocess.Popen[bytes] | None = None
    results: list[PhaseResult] = []
    try:
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{workdir / 'trainhub.db'}"
        else:
            name = f"trainhub_bench_{uuid.uuid4().hex[:12]}"
            await _postgres_admin(args.postgres_url, f'CREATE DATABASE "{name}"')
            created_postgres = name
            url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
        print(f"\n=== {kind}: {make_url(url).render_as_string(hide_password=True)}")
        print(machine_load())
        await asyncio.to_thread(migrate, url)
        seeded = await seed(url, args.customers, args.small_sessions, rng)
        print(
            f"seeded 1 centre, 1 session of {LARGE_SESSION_SPOTS} places, {len(seeded.small_session_ids)} sessions"
            f" of {SMALL_SESSION_SPOTS[0]}-{SMALL_SESSION_SPOTS[1]} places, {len(seeded.customer_ids)} customers"
        )
        port = free_port()
        profile = args.profile_server / f"server-{kind}.prof" if args.profile_server else None
        process = start_server(url, port, log_path, profile)
        base = f"http://127.0.0.1:{port}"
        await wait_until_healthy(process, base, log_path)
        print(f"server pid {process.pid} at {base}" + (f", profiled into {profile}" if profile else ""))

        connections = [Connection("127.0.0.1", port, seeded.token) for _ in range(args.clients)]
        try:
            await warm_up(connections, seeded)
            phases = (
                ("contended", contended_attempts(seeded, args.contended_attempts)),
                ("spread", spread_attempts(seeded, args.spread_attempts, rng)),
            )
            for phase, attempts in phases:
                if not attempts:
                    continue
                result = await run_phase(kind, phase, connections, url, process.pid, attempts)
                print_phase(result, args.clients)
                results.append(result)
                if process.poll() is not None:
                    raise RuntimeError(f"server died during {phase}:\n{tail(log_path)}")
        finally:
            await asyncio.gather(*(connection.close() for connection in connections))
        return results
    finally:
        if process is not None:
            await asyncio.to_thread(stop_server, process)
        if created_postgres is not None:
            try:
                await _postgres_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{created_postgres}" WITH (FORCE)')
            except Exception as error:  # the run's figures still matter; say what is left behind
                print(f"could not drop database {created_postgres}: {error!r}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=32, help="concurrent workers and pooled connections")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--small-sessions", type=int, default=50, help="sessions of 5 to 12 places")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="a server to create a fresh trainhub_bench_* database beside (dropped at the end)",
    )
    parser.add_argument(
        "--contended-attempts",
        type=int,
        default=600,
        help=f"bookings tried on the {LARGE_SESSION_SPOTS}-place session, each by another customer",
    )
    parser.add_argument("--spread-attempts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1, help="random seed for capacities and the spread phase")
    parser.add_argument(
        "--profile-server",
        type=Path,
        metavar="DIR",
        help="run the server under cProfile and write DIR/server-<database>.prof (slower: figures not comparable)",
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.small_sessions < 1 or args.customers < 1:
        parser.error("--clients, --small-sessions and --customers must be at least 1")
    if not 0 < args.contended_attempts <= args.customers:
        parser.error("--contended-attempts needs that many distinct customers (--customers)")
    if args.spread_attempts < 0:
        parser.error("--spread-attempts cannot be negative")
    if args.profile_server:
        args.profile_server = args.profile_server.resolve()  # the server runs in the repository root
        args.profile_server.mkdir(parents=True, exist_ok=True)
    return args


async def main(args: argparse.Namespace) -> int:
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results: list[PhaseResult] = []
    failed: list[str] = []
    for kind in kinds:
        try:
            results.extend(await bench_database(kind, args))
        except Exception as error:
            failed.append(kind)
            print(f"\n[{kind}] benchmark failed: {error}", file=sys.stderr)
    if results:
        print_summary(results, args.clients)
    broken = [f"{r.database}/{r.phase}" for r in results if not r.correct]
    if broken:
        print(f"\nCORRECTNESS CHECK FAILED: {', '.join(broken)}", file=sys.stderr)
    return 1 if failed or broken else 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM would otherwise end this process at once and leave the server and the database behind;
    # as an interrupt it unwinds through the finally blocks that stop and drop them.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return asyncio.run(main(args))
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped and the databases dropped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
