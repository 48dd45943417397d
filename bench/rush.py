"""Rush: bookings on one popular session while N students watch its course page.

For each database and each number of watchers N it makes a fresh copy of one migrated and seeded database
(booking_throughput's centre: a course with a 500-place session and four other dates), starts `main.py serve`
on a free loopback port (`--servers K`: K processes sharing the database, on PostgreSQL or, with `--redis-url`,
on SQLite; each watcher and each booking connection stays with one of them, as a sticky session keeps a
browser), opens N course pages the way a browser does from `--client-processes` processes of their own
(bench/_watchers.py), then books the 500-place session from `--clients` keep-alive HTTP clients, `--attempts`
times with a customer each, past full.

It prints bookings/s and latency, the CPU all the server's processes and (on PostgreSQL) the bench database's
backends used per booking, the CPU of the bench's own processes, how long after the last booking's answer every
watcher showed the final count, memory per watcher, and checks over SQL that nothing was oversold. Exit status 1
when a correctness check fails (an answer other than 201/409, an oversold session, counts that disagree, a
watcher still showing another count `--final-timeout` seconds after the last booking); speed is only printed.

    .venv/bin/python bench/rush.py [--database sqlite|postgresql|both] [--watchers 0,100,500,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url

# The bench's modules, then the app's from this checkout: ahead of an editable install, which may be another's.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import USER_AGENT, places_label
from _postgres import create_database, drop_database, postgres_backends
from _procs import cpu_by_process, cpu_used, group_cpu, start_page_server
from _watchers import WatcherProcess, Watching, open_crowd, wait_for_final
from booking_throughput import (
    SLUG,
    Connection,
    PhaseResult,
    Seeded,
    _interrupt,
    check_sessions,
    contended_attempts,
    drive,
    free_port,
    migrate,
    percentile,
    print_phase,
    seed,
    stop_server,
    tail,
    verdict,
    wait_until_healthy,
    warm_up,
)

from models import Course
from trainhub_ui.db import Database

OTHER_DATES = 3  # small sessions on the course page beside the big one and the warm-up one

# The targets (16), printed beside the figures, never asserted.
TARGET_BOOKINGS_PER_S = 150.0  # with 500 watchers
TARGET_P95_MS = 300.0
TARGET_FINAL_MS = {500: 500.0, 1000: 1000.0}  # every watcher shows the final count this soon after the last booking
TARGET_CPU_MS_PER_BOOKING = 10.0
TARGET_KIB_PER_WATCHER = 500.0


class StampedConnection(Connection):
    """booking_throughput's lean HTTP client, noting when each answer came (time.monotonic) and its status."""

    def __init__(self, host: str, port: int, token: str, answers: list[tuple[float, int]]) -> None:
        super().__init__(host, port, token)
        self.answers = answers

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        status, content = await super().request(method, path, body)
        self.answers.append((time.monotonic(), status))
        return status, content


def _profile(args: argparse.Namespace, kind: str, watchers: int, server: int) -> Path | None:
    """Where a server's profile goes with --profile-server (its CPU is then not comparable)."""
    if args.profile_server is None:
        return None
    return args.profile_server / f"rush-{kind}-{watchers}-server-{server + 1}.prof"


@dataclass
class Run:
    database: str
    watchers: int
    servers: str  # how many serve processes, and "split" when one takes the bookings and the others the pages
    load: tuple[float, float]
    result: PhaseResult
    server_cpu: float  # every serve process's, from the first booking until every watcher showed the final count
    database_cpu: float | None  # the bench database's PostgreSQL backends', in the same window
    window: float
    final_text: str
    watching: Watching

    @property
    def shown(self) -> list[float]:
        return [lag for lag in self.watching.lags if lag is not None]

    @property
    def everyone_shown(self) -> bool:
        return len(self.shown) == self.watchers

    @property
    def errors(self) -> int:
        return self.watching.failed_to_open + self.watching.disconnected + len(self.result.others)

    @property
    def cpu_ms_per_booking(self) -> float:
        return 1000 * (self.server_cpu + (self.database_cpu or 0.0)) / max(self.result.successes, 1)

    @property
    def correct(self) -> bool:
        return self.result.correct and self.watching.stale == 0

    def targets(self) -> list[tuple[str, bool]]:
        r = self.result
        found = [("0 oversold", r.check.oversold == 0)]
        if self.watchers == 500:
            found += [
                (f">= {TARGET_BOOKINGS_PER_S:.0f}/s", r.bookings_per_s >= TARGET_BOOKINGS_PER_S),
                (f"p95 < {TARGET_P95_MS:.0f} ms", r.latency_ms(95) < TARGET_P95_MS),
                (f"CPU < {TARGET_CPU_MS_PER_BOOKING:.0f} ms", self.cpu_ms_per_booking < TARGET_CPU_MS_PER_BOOKING),
            ]
        if self.watchers == 1000:
            found.append(("no error", self.errors == 0 and self.watching.stale == 0))
        if self.watchers in TARGET_FINAL_MS:
            limit = TARGET_FINAL_MS[self.watchers]
            found.append((f"final <= {limit:.0f} ms", self.everyone_shown and 1000 * max(self.shown) <= limit))
        memory = self.watching.memory_per_watcher
        if memory is not None:
            found.append((f"<= {TARGET_KIB_PER_WATCHER:.0f} KiB", memory / 1024 <= TARGET_KIB_PER_WATCHER))
        return found


# --- one run: one database copy, N watchers ------------------------------------------------------


async def reconnect(connections: list[StampedConnection]) -> None:
    """Fresh connections for the rush: the server closes one idle for its keep-alive timeout (5 s), as while the
    pages open, and the lean client would only find out by losing its next request."""
    await asyncio.gather(*(connection.close() for connection in connections))
    answers = await asyncio.gather(*(connection.request("GET", "/api/health") for connection in connections))
    if any(status != 200 for status, _ in answers):
        raise RuntimeError(f"/api/health answered {sorted({status for status, _ in answers})}")


async def final_text(base: str, path: str, session_id: str) -> str:
    """What a page opened now shows for the session: the count every watcher should come to."""
    async with httpx.AsyncClient(timeout=60, headers={"User-Agent": USER_AGENT}) as client:
        answer = await client.get(base + path)
        answer.raise_for_status()
        return places_label(answer.text, session_id)[1]


async def bench_run(
    kind: str, url: str, watchers: int, seeded: Seeded, course_id: str, args: argparse.Namespace, workdir: Path
) -> Run:
    load = os.getloadavg()[:2]
    servers = args.servers if kind == "postgresql" or args.redis_url else 1
    more_env = {"TRAINHUB_REDIS_URL": args.redis_url} if args.redis_url else {}
    database = make_url(url).database if kind == "postgresql" else None
    print(f"\n=== {kind}, {watchers} watchers, {servers} server process(es); load average {load[0]:.1f} (1 min)")
    processes: list[subprocess.Popen[bytes]] = []
    crowd: list[WatcherProcess] = []
    answers: list[tuple[float, int]] = []
    connections: list[StampedConnection] = []
    try:
        ports: list[int] = []
        while len(ports) < servers:
            if (port := free_port()) not in ports:
                ports.append(port)
        processes = [
            start_page_server(url, port, workdir, f"server-{i + 1}", more_env, _profile(args, kind, watchers, i))
            for i, port in enumerate(ports)
        ]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        await asyncio.gather(
            *(
                wait_until_healthy(p, base, workdir / f"server-{i + 1}.log")
                for i, (p, base) in enumerate(zip(processes, bases, strict=True))
            )
        )
        leaders = [p.pid for p in processes]
        # --split: the first process takes the bookings (the API) and the others the pages, as a proxy routing
        # /api to one process and the site to the rest would; otherwise both are spread over all of them.
        api_ports = ports[:1] if args.split else ports
        page_bases = bases[1:] if args.split else bases
        connections = [
            StampedConnection("127.0.0.1", api_ports[i % len(api_ports)], seeded.token, answers)
            for i in range(args.clients)
        ]
        await warm_up(connections, seeded)
        path = f"/{SLUG}/courses/{course_id}"
        watching = Watching()
        if watchers:
            start = {"bases": page_bases, "path": path, "session_id": seeded.large_session_id}
            crowd = await open_crowd(watching, watchers, leaders, start, args, workdir)

        before = await check_sessions(url)
        attempts = contended_attempts(seeded, args.attempts)
        await reconnect(connections)
        servers_before, crowd_before = group_cpu(leaders), cpu_by_process(w.process.pid for w in crowd)
        database_before = cpu_by_process(postgres_backends(database)) if database else {}
        own_before = time.process_time()
        answers.clear()
        first_sent = time.monotonic()
        outcomes, elapsed = await drive(connections, attempts)
        booked = [at for at, status in answers if status == 201]
        last_booking = max(booked) if booked else time.monotonic()
        final = await final_text(bases[0], path, seeded.large_session_id)
        if crowd:
            await wait_for_final(watching, crowd, final, last_booking, args.final_timeout)
            if len(watching.final_texts) > 1:
                print(f"  labels shown at the end: {dict(watching.final_texts)}")
        window = time.monotonic() - first_sent
        server_cpu = cpu_used(servers_before, group_cpu(leaders))
        watching.cpu = cpu_used(crowd_before, cpu_by_process(w.process.pid for w in crowd))
        database_cpu = cpu_used(database_before, cpu_by_process(postgres_backends(database))) if database else None
        own = time.process_time() - own_before
        after = await check_sessions(url)
        result = PhaseResult(
            database=kind,
            phase="contended",
            attempts=len(attempts),
            elapsed=elapsed,
            outcomes=outcomes,
            check=after,
            new_live_bookings=after.live_bookings - before.live_bookings,
            server_cpu=server_cpu + (database_cpu or 0.0),
            client_cpu=own,
        )
        for i, p in enumerate(processes):
            if p.poll() is not None:
                raise RuntimeError(f"server {i + 1} died:\n{tail(workdir / f'server-{i + 1}.log')}")
        topology = f"{servers} split" if args.split and servers > 1 else str(servers)
        run = Run(kind, watchers, topology, load, result, server_cpu, database_cpu, window, final, watching)
        print_phase(result, args.clients)
        print_run(run)
        return run
    finally:
        await asyncio.gather(*(w.stop() for w in crowd), *(c.close() for c in connections))
        for p in processes:
            await asyncio.to_thread(stop_server, p)


# --- reporting -----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def print_run(run: Run) -> None:
    watching = run.watching
    print(f"  final label           {run.final_text!r}")
    print(
        f"  CPU in {run.window:.1f} s         serve {run.server_cpu:.2f} s"
        + (f", PostgreSQL backends {run.database_cpu:.2f} s" if run.database_cpu is not None else "")
        + f" = {run.cpu_ms_per_booking:.1f} ms per booking; watcher processes {watching.cpu:.2f} s"
        f" ({watching.cpu / run.window:.0%} of a core), bench HTTP client {run.result.client_cpu:.2f} s"
    )
    if not run.watchers:
        return
    if watching.idle_share is not None:
        # Keeping the pages open costs the server this much whether anything is booked or not; in a slow rush it is
        # a fair share of the CPU counted per booking above.
        idle = watching.idle_share * run.window
        print(
            f"  serve idle            {watching.idle_share:.0%} of a core with the pages open, nothing booked:"
            f" {idle:.1f} s of the window, {1000 * idle / max(run.result.successes, 1):.1f} ms per booking"
        )
    print(
        f"  watchers              {watching.opened} opened, {watching.failed_to_open} failed to open,"
        f" {watching.disconnected} disconnected, {watching.stale} never showed the final count"
    )
    shown = run.shown
    if shown:
        print(
            f"  final count shown     by {len(shown)}; ms after the last booking's answer: first {ms(min(shown))},"
            f" median {ms(percentile(shown, 50))}, p95 {ms(percentile(shown, 95))}, last {ms(max(shown))}"
        )
    if watching.changes:
        print(f"  label changes seen    median {percentile([float(c) for c in watching.changes], 50):.0f} per watcher")
    if watching.memory_per_watcher is not None:
        print(f"  memory per watcher    {watching.memory_per_watcher / 1024:.0f} KiB")


def print_table(runs: list[Run], argv: list[str]) -> None:
    print("\nSummary (| columns: Markdown)")
    print(f"command: {shlex.join([sys.executable, *argv])}")
    header = (
        "| database | watchers | servers | load 1/5 min | bookings/s | p50 ms | p95 ms | samples"
        " | CPU ms per booking (serve + PostgreSQL) | bench CPU s (HTTP / watchers) | final count everywhere, ms"
        " | watchers showing it | watcher errors | KiB per watcher | not 201/409 | oversold | targets |"
    )
    print(header)
    print("|---" * header.count(" | ") + "|---|")
    for run in runs:
        r, watching = run.result, run.watching
        cpu = f"{run.cpu_ms_per_booking:.1f}"
        if run.database_cpu is not None:
            cpu += f" ({1000 * run.database_cpu / max(r.successes, 1):.1f} db)"
        if not run.watchers:
            final = shown = errors = memory = "-"
        else:
            final = ms(max(run.shown)) if run.everyone_shown else "not all"
            shown = str(len(run.shown))
            errors = f"{watching.failed_to_open} / {watching.disconnected}"
            memory = f"{(watching.memory_per_watcher or 0) / 1024:.0f}"
        targets = ", ".join(f"{name} {verdict(ok)}" for name, ok in run.targets())
        print(
            f"| {run.database} | {run.watchers} | {run.servers} | {run.load[0]:.1f} / {run.load[1]:.1f}"
            f" | {r.bookings_per_s:.1f} | {r.latency_ms(50):.0f} | {r.latency_ms(95):.0f} | {len(r.outcomes)}"
            f" | {cpu} | {r.client_cpu:.1f} / {run.watching.cpu:.1f} | {final}"
            f" | {shown} | {errors} | {memory} | {len(r.others)}"
            f" | {r.check.oversold} | {targets} |"
        )
    print(
        "\nTargets (issue 16): with 500 watchers >= 150 bookings/s, p95 < 300 ms, every watcher showing the final"
        " count within 500 ms of the last booking, < 10 ms of server CPU per booking; with 1000 watchers no error"
        " and the final count everywhere within 1 s; at most 500 KiB per watcher. Watcher errors: failed to open /"
        " disconnected."
    )


# --- one database, start to finish ---------------------------------------------------------------


async def course_of(url: str) -> str:
    db = Database(url)
    try:
        async with db.read() as session:
            return str((await session.execute(select(Course.id).where(Course.slug == "bench-course"))).scalar_one())
    finally:
        await db.dispose()


def copy_sqlite(template: str, copy: Path) -> None:
    for suffix in ("", "-wal"):  # a closed database has no WAL left; a copy of one still open would need it
        if Path(template + suffix).exists():
            shutil.copyfile(template + suffix, f"{copy}{suffix}")


async def bench_database(kind: str, args: argparse.Namespace) -> list[Run]:
    """Migrates and seeds one database, then runs each number of watchers on a fresh copy of it."""
    workdir = Path(tempfile.mkdtemp(prefix=f"trainhub-rush-{kind}-"))
    created: list[str] = []  # SQLite files or PostgreSQL databases, the first the template

    async def new_database(template: str | None) -> str:
        """An empty database, or a copy of `template` (a SQLite file's path, a PostgreSQL database's name)."""
        if kind == "sqlite":
            path = workdir / f"copy-{len(created)}.db"
            if template:
                await asyncio.to_thread(copy_sqlite, template, path)
            created.append(str(path))
            return f"sqlite+aiosqlite:///{path}"
        name, url = await create_database(args.postgres_url, template)
        created.append(name)
        return url

    runs: list[Run] = []
    try:
        template = await new_database(None)
        await asyncio.to_thread(migrate, template)
        seeded = await seed(template, args.attempts + args.clients, OTHER_DATES, random.Random(args.seed))
        course_id = await course_of(template)
        for watchers in args.watchers:
            url = await new_database(created[0])
            runs.append(await bench_run(kind, url, watchers, seeded, course_id, args, workdir))
        return runs
    finally:
        if kind == "postgresql":
            for name in created:
                await drop_database(args.postgres_url, name)
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--watchers", default="0,100,500,1000", help="comma-separated numbers of open course pages")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the watchers are spread over")
    parser.add_argument(
        "--servers", type=int, default=1, help="serve processes sharing the database (on SQLite: with --redis-url)"
    )
    parser.add_argument(
        "--profile-server",
        type=Path,
        help="a directory: each server runs under cProfile (its event loop's CPU time) and writes its profile"
        " there for `python -m pstats`; such a run is slower and its figures are not comparable",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="with --servers 2 or more: the first process takes the bookings, the others the pages",
    )
    parser.add_argument(
        "--redis-url",
        help="TRAINHUB_REDIS_URL for the servers (e.g. redis://127.0.0.1:6379/0): the processes' shared rate limits"
        " and, where the app supports it, their relay of changes",
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent booking connections")
    parser.add_argument("--attempts", type=int, default=600, help="bookings tried on the 500-place session")
    parser.add_argument("--final-timeout", type=float, default=10.0, help="seconds to wait for every watcher")
    parser.add_argument("--connect-concurrency", type=int, default=16, help="pages being opened at once, in all")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait after the last page opened")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the other dates' capacities")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="a server to create fresh trainhub_bench_* databases beside (dropped at the end)",
    )
    args = parser.parse_args(argv)
    try:
        args.watchers = [int(n) for n in args.watchers.split(",") if n.strip()]
    except ValueError:
        parser.error("--watchers takes whole numbers separated by commas, e.g. 0,100,500")
    if not args.watchers or min(args.watchers) < 0:
        parser.error("--watchers needs at least one number, none negative")
    if min(args.client_processes, args.servers, args.clients, args.attempts, args.connect_concurrency) < 1:
        parser.error(
            "--client-processes, --servers, --clients, --attempts and --connect-concurrency must be at least 1"
        )
    if args.profile_server is not None:
        args.profile_server = args.profile_server.resolve()  # the servers run in the repository's root
        args.profile_server.mkdir(parents=True, exist_ok=True)
    if args.split and args.servers < 2:
        parser.error("--split needs --servers 2 or more")
    if args.servers > 1 and args.database != "postgresql" and not args.redis_url:
        print("--servers: SQLite runs one serve process without --redis-url (nothing else relays its changes)")
    return args


async def main(args: argparse.Namespace, argv: list[str]) -> int:
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    runs: list[Run] = []
    failed: list[str] = []
    for kind in kinds:
        try:
            runs.extend(await bench_database(kind, args))
        except Exception as error:
            failed.append(kind)
            print(f"\n[{kind}] benchmark failed: {error!r}", file=sys.stderr)
    if runs:
        print_table(runs, argv)
    broken = [f"{run.database}/{run.watchers}" for run in runs if not run.correct]
    if broken:
        print(f"\nCORRECTNESS CHECK FAILED: {', '.join(broken)}", file=sys.stderr)
    return 1 if failed or broken else 0


def run(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    args = parse_args(argv[1:])
    # SIGTERM would otherwise end this process at once and leave the servers, watchers and databases behind.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return asyncio.run(main(args, argv))
    except KeyboardInterrupt:
        print("\ninterrupted; the servers and watchers were stopped and the databases dropped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
