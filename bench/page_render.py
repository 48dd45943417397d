"""Page render: how long the real server takes to build the catalogue and a course page of a big centre.

It migrates a fresh SQLite file, seeds one centre with --courses courses and --sessions sessions
spread over them (through the models), starts `main.py serve` on a free loopback port, and requests
`/{slug}/courses` and a course page --requests times each, one at a time, printing p50/p95/max of the
time to the whole answer (on loopback that is the server's time to build the page). Target: p95
under 150 ms for a centre with 100 courses and 1 000 sessions. Timing is printed, never asserted.

    .venv/bin/python bench/page_render.py [--courses 100] [--sessions 1000] [--requests 60]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from booking_throughput import migrate, percentile, start_server, stop_server, wait_until_healthy

from models import Course, CourseSession, Tenant
from trainhub_ui.db import Database

SLUG = "render-centre"
TARGET_P95_MS = 150.0
CATEGORIES = ("Gas safety", "Heat pumps", "Plumbing", "Electrical", "First aid", "Water")


async def seed(url: str, courses: int, sessions: int, rng: random.Random) -> str:
    """The centre; answers the id of the course with the most sessions."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            tenant = Tenant(slug=SLUG, name="Render Benchmark Centre", tagline="A big catalogue")
            session.add(tenant)
            await session.flush()
            made = [
                Course(
                    tenant_id=tenant.id,
                    slug=f"course-{n:03d}",
                    title=f"{CATEGORIES[n % len(CATEGORIES)]} course {n:03d}",
                    summary="One of many courses of a big centre.",
                    description="A paragraph about the course. " * 8,
                    requirements="What to bring on the day.",
                    category=CATEGORIES[n % len(CATEGORIES)],
                    location=f"Site {n % 5}",
                    price=rng.randint(50, 900) * 100,
                )
                for n in range(courses)
            ]
            session.add_all(made)
            await session.flush()
            first = date.today() + timedelta(days=3)
            for n in range(sessions):
                course = made[n % courses]
                start = first + timedelta(days=rng.randint(0, 300))
                spots = rng.randint(6, 16)
                session.add(
                    CourseSession(
                        tenant_id=tenant.id,
                        course_id=course.id,
                        start_date=start,
                        end_date=start,
                        start_time=clock_time(9),
                        end_time=clock_time(17),
                        starts_at=datetime.combine(start, clock_time(9), tzinfo=UTC),
                        available_spots=spots,
                        booked_spots=rng.randint(0, spots),
                        venue=f"Site {n % 5}, room {n % 3 + 1}",
                    )
                )
            return made[0].id
    finally:
        await db.dispose()


async def measure(client: httpx.AsyncClient, path: str, requests: int) -> list[float]:
    await client.get(path)  # the first build of a page also imports and compiles: not a steady figure
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        seconds.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
    return seconds


async def main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="trainhub-render-"))
    url = f"sqlite+aiosqlite:///{workdir / 'trainhub.db'}"
    process = None
    try:
        await asyncio.to_thread(migrate, url)
        course_id = await seed(url, args.courses, args.sessions, random.Random(1))
        print(f"seeded {args.courses} courses and {args.sessions} sessions")
        from booking_throughput import free_port

        port = free_port()
        process = start_server(url, port, workdir / "server.log")
        base = f"http://127.0.0.1:{port}"
        await wait_until_healthy(process, base, workdir / "server.log")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            pages = {
                "catalogue": f"/{SLUG}/courses",
                "catalogue, filtered": f"/{SLUG}/courses?category=Heat+pumps&places=1",
                "course page": f"/{SLUG}/courses/{course_id}",
                "home": f"/{SLUG}",
            }
            print(f"\n{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 < {TARGET_P95_MS:.0f} ms")
            for name, path in pages.items():
                seconds = await measure(client, path, args.requests)
                p95 = percentile(seconds, 95) * 1000
                verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
                print(
                    f"{name:<22} {percentile(seconds, 50) * 1000:>8.1f} {p95:>8.1f}"
                    f" {max(seconds) * 1000:>8.1f}  {verdict}"
                )
        return 0
    finally:
        if process is not None:
            await asyncio.to_thread(stop_server, process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60)
    sys.exit(asyncio.run(main(parser.parse_args())))
