"""Admin pages: how long the real server takes to build each back-office page of a big centre.

It makes a throwaway database (a SQLite file in a temporary directory, or with --database-url a new
PostgreSQL database beside the one named, dropped at the end), migrates it with `main.py db upgrade`,
seeds one centre with --courses (100) courses, --sessions (2 000) sessions and --bookings (100 000)
bookings, with the payments, refunds and invoices those imply, in bulk statements (a few seconds),
starts `main.py serve` on a free loopback port, signs in once as the centre's admin in headless
Chromium (the sign-in page is a NiceGUI form that talks over its websocket), and then requests every
admin page over plain HTTP with that browser's session cookie, --requests (20) times each, one at a
time, after one request that is not counted.

A NiceGUI page is built while its GET is answered (the page function runs, then the HTML is
rendered), so on loopback the time to the whole answer is the server's time to build the page; the
server's own CPU time per request is printed beside it, as that moves least with the machine's other
load. Target: every page under 300 ms. A page that still says "coming soon" is reported as a
placeholder. Timing is printed, never asserted.

    .venv/bin/python bench/admin_pages.py [--requests 20] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

Add a page to PAGES below; its path may use {slug}, {course_id}, {session_id}, {booking_id} and
{customer_id}, filled from the seeded data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from booking_throughput import (
    _postgres_admin,
    cpu_seconds,
    free_port,
    machine_load,
    migrate,
    percentile,
    start_server,
    stop_server,
    tail,
    wait_until_healthy,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Invoice,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
    RefundStatus,
    StaffRole,
    StaffUser,
    Tenant,
)
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify.reminders import queue_due_reminders
from trainhub_ui.services import report_periods, reports
from trainhub_ui.services.passwords import hash_password

SLUG = "admin-bench"
TIMEZONE = "Europe/London"
ADMIN_EMAIL = "admin@admin-bench.example"
PASSWORD = "admin-bench-password"
TARGET_MS = 300.0
PLACEHOLDER_TEXT = "is coming soon"
CHUNK = 5_000
CATEGORIES = ("Gas safety", "Heat pumps", "Unvented hot water", "Electrical", "First aid")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Indexes that would serve the money and balance figures from the index alone (--proposed-indexes); proposed
# to the lead, not part of the schema: the figures are printed with and without them.
# Indexes to try beside the schema's (`--proposed-indexes`); none at present: migration 0006 took in the last
# ones this bench showed were needed (the dashboard's and reports' sums, the bookings list's deep pages).
PROPOSED_INDEXES: tuple[str, ...] = ()

# name, path. The bookings list's query parameters are the Bookings page's own (pages/admin/booking_list_view.py: 25 a
# page by default, so page 3900 is the 97 501st booking onwards).
PAGES: list[tuple[str, str]] = [
    ("dashboard", "/{slug}/admin"),
    ("courses", "/{slug}/admin/courses"),
    ("course sessions", "/{slug}/admin/courses/{course_id}/sessions"),
    ("session detail", "/{slug}/admin/courses/{course_id}/sessions/{session_id}"),
    ("bookings", "/{slug}/admin/bookings"),
    ("bookings, filtered", "/{slug}/admin/bookings?status=CONFIRMED&course={course_id}&q=Student"),
    ("bookings, late page", "/{slug}/admin/bookings?page=3900"),
    ("booking detail", "/{slug}/admin/bookings/{booking_id}"),
    ("students", "/{slug}/admin/students"),
    ("student", "/{slug}/admin/students/{customer_id}"),
    ("reports", "/{slug}/admin/reports"),
    ("settings", "/{slug}/admin/settings"),
    ("outbox", "/{slug}/admin/outbox"),
]


# Parts of a page filled in once it is on screen (after the websocket connects), so a GET does not run
# them: timed here by calling their service in this process, against the same database.
DEFERRED: list[tuple[str, Callable[[AsyncSession, TenantContext], Awaitable[object]]]] = [
    (
        "reports: revenue by course",
        lambda session, ctx: reports.revenue_by_course(session, ctx, report_periods.this_year(ctx.today())),
    ),
]


# --- seeding ---------------------------------------------------------------------------------------


@dataclass
class Seeded:
    """The ids the page paths are filled from, and what was written."""

    ids: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _starts_at(day: date) -> datetime:
    return datetime.combine(day, clock_time(9, 0), tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)


async def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows in bulk statements (executemany / multi-row VALUES) of the table itself: the ORM's bulk insert
    sent a statement per row here."""
    connection = await session.connection()
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(model.__table__), rows[start : start + CHUNK])


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` as `parts` whole numbers around the mean, summing exactly."""
    mean = total / parts
    sizes = [max(1, round(rng.gauss(mean, mean * 0.3))) for _ in range(parts)]
    difference = total - sum(sizes)
    step = 1 if difference > 0 else -1
    index = 0
    while difference:
        if sizes[index % parts] + step >= 1:
            sizes[index % parts] += step
            difference -= step
        index += 1
    return sizes


async def seed(url: str, courses: int, sessions: int, bookings: int, rng: random.Random) -> Seeded:
    """One centre of the given size, its money consistent: payments for the paid bookings, refunds for the
    cancelled ones, invoices (some overdue) for company bookings, booked places equal to live bookings."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    seeded = Seeded()
    db = Database(url)
    try:
        async with db.transaction() as session:
            tenant = Tenant(slug=SLUG, name="Admin Benchmark Training Centre", timezone=TIMEZONE, currency="GBP")
            session.add(tenant)
            await session.flush()
            password_hash = hash_password(PASSWORD)
            admin = StaffUser(
                tenant_id=tenant.id,
                email=ADMIN_EMAIL,
                name="Bench Admin",
                role=StaffRole.ADMIN,
                password_hash=password_hash,
            )
            instructor = StaffUser(
                tenant_id=tenant.id,
                email="instructor@admin-bench.example",
                name="Bench Instructor",
                role=StaffRole.INSTRUCTOR,
                password_hash=password_hash,
            )
            session.add_all([admin, instructor])
            await session.flush()
            stamp = {"created_at": now, "updated_at": now}

            course_rows = [
                {
                    "id": str(uuid.uuid4()),
                    "tenant_id": tenant.id,
                    "slug": f"course-{n:03d}",
                    "title": f"{CATEGORIES[n % len(CATEGORIES)]} course {n:03d}",
                    "category": CATEGORIES[n % len(CATEGORIES)],
                    "summary": "One of many courses of a big centre.",
                    "description": "A paragraph about the course. " * 6,
                    "location": f"Site {n % 5}",
                    "duration_days": 1 + n % 3,
                    "price": rng.randint(5, 90) * 1000,
                    "default_capacity": 50,
                    "is_active": n % 20 != 0,
                    **stamp,
                }
                for n in range(courses)
            ]
            await _insert(session, Course, course_rows)

            # Sessions from 18 months ago to 6 months ahead; most past ones marked completed.
            session_rows: list[dict[str, Any]] = []
            for n in range(sessions):
                course = course_rows[n % courses]
                start = today + timedelta(days=rng.randint(-540, 180))
                past = start < today
                session_rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "tenant_id": tenant.id,
                        "course_id": course["id"],
                        "start_date": start,
                        "end_date": start + timedelta(days=course["duration_days"] - 1),
                        "start_time": clock_time(9, 0),
                        "end_time": clock_time(16, 30),
                        "starts_at": _starts_at(start),
                        "available_spots": 0,  # set below, from the bookings
                        "booked_spots": 0,
                        "is_active": True,
                        "is_completed": past and rng.random() < 0.9,
                        "completed_at": _starts_at(start) + timedelta(days=course["duration_days"]) if past else None,
                        "cancelled_at": None,
                        "cancellation_reason": "",
                        "instructor_notes": "Bring safety boots.",
                        "instructor_id": instructor.id if n % 4 == 0 else None,
                        "venue": f"Site {n % 5}, room {n % 3 + 1}",
                        **stamp,
                    }
                )
                if not past:
                    session_rows[-1]["completed_at"] = None

            customer_count = max(1000, bookings // 4)
            customer_rows = [
                {
                    "id": str(uuid.uuid4()),
                    "tenant_id": tenant.id,
                    "first_name": ("Alex", "Sam", "Jo", "Chris", "Pat", "Robin")[n % 6],
                    "last_name": f"Student {n:06d}",
                    "email": f"student{n:06d}@bench.example",
                    "phone": "",
                    "company_name": f"Company {n % 300:03d} Ltd" if n % 7 == 0 else "",
                    **stamp,
                }
                for n in range(customer_count)
            ]
            await _insert(session, Customer, customer_rows)

            booking_rows: list[dict[str, Any]] = []
            payment_rows: list[dict[str, Any]] = []
            refund_rows: list[dict[str, Any]] = []
            invoice_rows: list[dict[str, Any]] = []
            prices = {course["id"]: course["price"] for course in course_rows}
            # A payment keeps the course of its booking's session (services/payments.py: course_paid_for).
            course_of_session = {item["id"]: item["course_id"] for item in session_rows}

            def pay(
                booking: dict[str, Any],
                kind: PaymentKind,
                amount: int,
                at: datetime,
                method: PaymentMethod = PaymentMethod.CARD,
            ) -> dict[str, Any]:
                row = {
                    "id": str(uuid.uuid4()),
                    "tenant_id": tenant.id,
                    "booking_id": booking["id"],
                    "course_id": course_of_session[booking["session_id"]],
                    "kind": kind,
                    "status": PaymentStatus.PAID,
                    "payment_method": method,
                    "currency": "GBP",
                    "amount": amount,
                    "amount_refunded": 0,
                    "paid_at": at,
                    "failure_reason": "",
                    "created_at": at,
                    "updated_at": at,
                }
                payment_rows.append(row)
                return row

            for item, size in zip(session_rows, _split(bookings, sessions, rng), strict=True):
                past = item["start_date"] < today
                live = 0
                for customer_index in rng.sample(range(customer_count), size):
                    made = item["starts_at"] - timedelta(days=rng.uniform(1, 120))
                    if made > now:  # a session a while off: booked some time in the last two months
                        made = now - timedelta(days=rng.uniform(0.02, 60))
                    roll = rng.random()
                    if past:
                        status = (
                            BookingStatus.CONFIRMED
                            if roll < 0.85
                            else BookingStatus.CANCELLED
                            if roll < 0.95
                            else BookingStatus.EXPIRED
                        )
                    else:
                        # Card holds last minutes: only a few are open at any moment.
                        status = (
                            BookingStatus.CONFIRMED
                            if roll < 0.78
                            else BookingStatus.PENDING
                            if roll < 0.781
                            else BookingStatus.CANCELLED
                            if roll < 0.90
                            else BookingStatus.EXPIRED
                        )
                    if status is BookingStatus.PENDING:
                        made = now - timedelta(minutes=rng.uniform(0, 10))
                    roll = rng.random()
                    option = (
                        PaymentOption.FULL
                        if roll < 0.7
                        else PaymentOption.DEPOSIT
                        if roll < 0.9
                        else PaymentOption.INVOICE
                    )
                    if status is not BookingStatus.CONFIRMED and option is PaymentOption.INVOICE:
                        option = PaymentOption.FULL  # a company booking is confirmed at once
                    total = prices[item["course_id"]]
                    deposit = -(-total * 30 // 100) if option is PaymentOption.DEPOSIT else 0
                    booking = {
                        "id": str(uuid.uuid4()),
                        "tenant_id": tenant.id,
                        "reference": f"BN{len(booking_rows):07d}",
                        "session_id": item["id"],
                        "customer_id": customer_rows[customer_index]["id"],
                        "status": status,
                        "payment_option": option,
                        "currency": "GBP",
                        "total_amount": total,
                        "deposit_amount": deposit,
                        "amount_paid": 0,
                        "balance_due": 0,
                        "hold_expires_at": made + timedelta(minutes=15) if status is BookingStatus.PENDING else None,
                        "confirmed_at": None,
                        "cancelled_at": None,
                        "special_requests": "",
                        "staff_notes": "",
                        "cancellation_reason": "",
                        "company_name": customer_rows[customer_index]["company_name"],
                        "billing_email": "",
                        "po_number": "",
                        "created_at": made,
                        "updated_at": made,
                    }
                    booking_rows.append(booking)

                    paid_at = made + timedelta(minutes=rng.uniform(1, 9))
                    if status is BookingStatus.CONFIRMED:
                        live += 1
                        booking["confirmed_at"] = paid_at
                        if option is PaymentOption.FULL:
                            pay(booking, PaymentKind.FULL, total, paid_at)
                            booking["amount_paid"] = total
                        elif option is PaymentOption.DEPOSIT:
                            pay(booking, PaymentKind.DEPOSIT, deposit, paid_at)
                            balance_paid = past or rng.random() < 0.3
                            if balance_paid:
                                due = item["starts_at"] - timedelta(days=rng.uniform(14, 20))
                                pay(booking, PaymentKind.BALANCE, total - deposit, max(min(due, now), paid_at))
                            booking["amount_paid"] = total if balance_paid else deposit
                            booking["balance_due"] = 0 if balance_paid else total - deposit
                        else:
                            issued = made.date()
                            due_on = max(
                                issued, min(issued + timedelta(days=30), item["start_date"] - timedelta(days=14))
                            )
                            settled = rng.random() < (0.9 if past else 0.3)
                            paid_on = None
                            if settled:
                                paid_on = min(datetime.combine(due_on, clock_time(12), tzinfo=UTC), now)
                                pay(booking, PaymentKind.FULL, total, paid_on, PaymentMethod.BANK_TRANSFER)
                                booking["amount_paid"] = total
                            else:
                                booking["balance_due"] = total
                            invoice_rows.append(
                                {
                                    "id": str(uuid.uuid4()),
                                    "tenant_id": tenant.id,
                                    "booking_id": booking["id"],
                                    "number": len(invoice_rows) + 1,
                                    "issued_on": issued,
                                    "due_on": due_on,
                                    "company_name": booking["company_name"] or "Company Ltd",
                                    "billing_email": "accounts@company.example",
                                    "po_number": f"PO-{len(invoice_rows):05d}",
                                    "currency": "GBP",
                                    "net_amount": total,
                                    "vat_rate_basis_points": None,
                                    "vat_amount": 0,
                                    "total_amount": total,
                                    "paid_at": paid_on,
                                    "created_at": made,
                                    "updated_at": made,
                                }
                            )
                    elif status is BookingStatus.PENDING:
                        live += 1
                        booking["balance_due"] = total
                        payment = pay(booking, PaymentKind.FULL, total, paid_at)
                        payment.update(status=PaymentStatus.PENDING, paid_at=None)
                    elif status is BookingStatus.CANCELLED:
                        cancelled = min(paid_at + timedelta(days=rng.uniform(1, 20)), now)
                        booking.update(
                            cancelled_at=cancelled, cancellation_reason="Cannot attend", updated_at=cancelled
                        )
                        payment = pay(booking, PaymentKind.FULL, total, paid_at)
                        payment.update(status=PaymentStatus.REFUNDED, amount_refunded=total, updated_at=cancelled)
                        booking["amount_paid"] = total
                        refund_rows.append(
                            {
                                "id": str(uuid.uuid4()),
                                "tenant_id": tenant.id,
                                "payment_id": payment["id"],
                                "amount": total,
                                "currency": "GBP",
                                "reason": "Cancelled: refunded by the centre's refund policy",
                                "created_by": "Bench Admin",
                                "status": RefundStatus.SUCCEEDED,
                                "failure_reason": "",
                                "created_at": cancelled,
                                "updated_at": cancelled,
                            }
                        )
                item["booked_spots"] = live
                item["available_spots"] = max(live + rng.randint(0, 10), 6)
            await _insert(session, CourseSession, session_rows)
            await _insert(session, Booking, booking_rows)
            await _insert(session, Payment, payment_rows)
            await _insert(session, Refund, refund_rows)
            await _insert(session, Invoice, invoice_rows)
            tenant.next_invoice_number = len(invoice_rows) + 1

            # The pages' ids: the course with most sessions, its fullest upcoming session, a deposit booking
            # still owing, the student with most bookings.
            course_id = course_rows[0]["id"]
            upcoming = [s for s in session_rows if s["course_id"] == course_id and s["start_date"] >= today]
            fullest = max(upcoming or session_rows, key=lambda s: s["booked_spots"])
            owing = next(
                b for b in booking_rows if b["payment_option"] is PaymentOption.DEPOSIT and b["balance_due"] > 0
            )
            busiest = await session.scalar(
                select(Booking.customer_id)
                .where(Booking.tenant_id == tenant.id)
                .group_by(Booking.customer_id)
                .order_by(func.count().desc())
                .limit(1)
            )
            seeded.ids = {
                "slug": SLUG,
                "course_id": fullest["course_id"],
                "session_id": fullest["id"],
                "booking_id": owing["id"],
                "customer_id": busiest or customer_rows[0]["id"],
            }
            seeded.counts = {
                "courses": len(course_rows),
                "sessions": len(session_rows),
                "customers": len(customer_rows),
                "bookings": len(booking_rows),
                "payments": len(payment_rows),
                "refunds": len(refund_rows),
                "invoices": len(invoice_rows),
            }
    finally:
        await db.dispose()
    seeded.seconds = time.perf_counter() - started
    return seeded


async def settle(url: str, proposed_indexes: bool) -> None:
    """The state a live database is in: planner statistics, and on PostgreSQL a vacuumed table (its
    visibility map lets an index answer alone), as autovacuum would leave it. Optionally the indexes
    proposed for the back office's figures (see PROPOSED_INDEXES), which are not in the schema."""
    statements = list(PROPOSED_INDEXES) if proposed_indexes else []
    if make_url(url).get_backend_name() == "postgresql":
        for statement in [*statements, "VACUUM ANALYZE"]:
            await _postgres_admin(url, statement)  # VACUUM cannot run inside a transaction
        return
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            for statement in [*statements, "ANALYZE"]:
                await connection.exec_driver_sql(statement)
    finally:
        await db.dispose()


# --- signing in and measuring ------------------------------------------------------------------------


async def sign_in(base: str) -> list[dict[str, Any]]:
    """The session cookie of a browser signed in as the centre's admin (the sign-in form runs over NiceGUI's
    websocket, so a real browser fills it in once)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(f"{base}/{SLUG}/admin/login")
            await page.get_by_label("Email").fill(ADMIN_EMAIL)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{base}/{SLUG}/admin", timeout=30_000)
            return await context.cookies()
        finally:
            await browser.close()


@dataclass
class PageResult:
    name: str
    path: str
    seconds: list[float] = field(default_factory=list)
    cpu_ms_per_request: float | None = None
    status: int = 0
    placeholder: bool = False
    note: str = ""

    @property
    def p95_ms(self) -> float:
        return percentile(self.seconds, 95) * 1000


async def measure(client: httpx.AsyncClient, server_pid: int, name: str, path: str, requests: int) -> PageResult:
    result = PageResult(name, path)
    first = await client.get(path)  # the first build also imports and compiles: not a steady figure
    result.status = first.status_code
    if first.status_code != 200:
        result.note = f"HTTP {first.status_code}"
        if first.is_redirect:
            result.note += f" to {first.headers.get('location')}"
        return result
    result.placeholder = PLACEHOLDER_TEXT in first.text
    cpu_before = cpu_seconds(server_pid)
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        result.seconds.append(time.perf_counter() - started)
        if answer.status_code != 200:
            result.note = f"HTTP {answer.status_code} on a later request"
            break
    cpu_after = cpu_seconds(server_pid)
    if cpu_before is not None and cpu_after is not None and result.seconds:
        result.cpu_ms_per_request = (cpu_after - cpu_before) * 1000 / len(result.seconds)
    return result


async def measure_deferred(url: str, requests: int) -> list[PageResult]:
    db = Database(url)
    results = []
    try:
        async with db.read() as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == SLUG))
        assert tenant is not None
        ctx = TenantContext(tenant=tenant)
        for name, part in DEFERRED:
            result = PageResult(name, "(after the page is shown)", status=200)
            for n in range(requests + 1):
                started = time.perf_counter()
                async with db.read() as session:
                    await part(session, ctx)
                if n:  # the first call warms the connection and the statement cache
                    result.seconds.append(time.perf_counter() - started)
            result.note = "(filled in after the page is shown; timed in-process)"
            results.append(result)
    finally:
        await db.dispose()
    return results


async def measure_reminder_jobs(url: str) -> None:
    """The reminder job `serve` runs every TRAINHUB_JOBS_INTERVAL_SECONDS: once to queue what is due, then
    again with nothing new, which is what it costs on every later run."""
    db = Database(url)
    try:
        now = datetime.now(UTC)
        print()
        for label in ("queue due reminders, first run", "queue due reminders, next run"):
            started, cpu = time.perf_counter(), time.process_time()
            queued = await queue_due_reminders(db, now)
            elapsed, used = time.perf_counter() - started, time.process_time() - cpu
            print(f"{label}: {elapsed * 1000:.0f} ms ({used * 1000:.0f} ms CPU), {queued:,} emails queued")
    finally:
        await db.dispose()


def print_results(results: list[PageResult], database: str) -> None:
    width = max(len(result.name) for result in results) + 2
    print(f"\n{database}")
    header = f"{'page':<{width}} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>7}"
    print(f"{header}  target: p95 under {TARGET_MS:.0f} ms")
    for result in results:
        if not result.seconds:
            print(f"{result.name:<{width}} {'':>8} {'':>8} {'':>8} {'':>7}  {result.note}")
            continue
        p50 = percentile(result.seconds, 50) * 1000
        worst = max(result.seconds) * 1000
        verdict = "met" if result.p95_ms < TARGET_MS else "MISSED"
        cpu = f"{result.cpu_ms_per_request:7.1f}" if result.cpu_ms_per_request is not None else f"{'-':>7}"
        extra = " (placeholder: coming soon)" if result.placeholder else ""
        extra += f" {result.note}" if result.note else ""
        print(f"{result.name:<{width}} {p50:>8.1f} {result.p95_ms:>8.1f} {worst:>8.1f} {cpu}  {verdict}{extra}")


# --- the run ---------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="trainhub-admin-bench-"))
    created: str | None = None
    process = None
    try:
        if args.database_url:
            server_url = args.database_url
            created = f"trainhub_bench_{uuid.uuid4().hex[:12]}"
            await _postgres_admin(server_url, f'CREATE DATABASE "{created}"')
            url = make_url(server_url).set(database=created).render_as_string(hide_password=False)
            database = "PostgreSQL"
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'trainhub.db'}"
            database = "SQLite"
        print(f"{database}, {machine_load()}")
        await asyncio.to_thread(migrate, url)
        seeded = await seed(url, args.courses, args.sessions, args.bookings, random.Random(args.seed))
        print(
            "seeded " + ", ".join(f"{n:,} {what}" for what, n in seeded.counts.items()) + f" in {seeded.seconds:.1f} s"
        )
        await settle(url, args.proposed_indexes)
        if args.proposed_indexes:
            database += " + proposed indexes"

        port = free_port()
        log = workdir / "server.log"
        process = start_server(url, port, log)
        base = f"http://127.0.0.1:{port}"
        await wait_until_healthy(process, base, log)
        cookies = await sign_in(base)
        jar = httpx.Cookies()
        for cookie in cookies:
            jar.set(cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"])
        wanted = {name.strip() for name in args.pages.split(",")} if args.pages else None
        results = []
        print(f"{machine_load()} (before the requests)".replace(" before the run", ""))
        async with httpx.AsyncClient(base_url=base, cookies=jar, timeout=60, follow_redirects=False) as client:
            for name, template in PAGES:
                if wanted and name not in wanted:
                    continue
                path = template.format(**seeded.ids)
                results.append(await measure(client, process.pid, name, path, args.requests))
        results += await measure_deferred(url, args.requests)
        print_results(results, database)
        await measure_reminder_jobs(url)
        if args.keep:
            print(f"\nkept: {url} (server log {log})")
        return 0
    except Exception:
        if process is not None:
            print(tail(workdir / "server.log"), file=sys.stderr)
        raise
    finally:
        if process is not None:
            await asyncio.to_thread(stop_server, process)
        if created is not None and not args.keep:
            await _postgres_admin(args.database_url, f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server URL (postgresql+asyncpg://user@host/db): a throwaway database is made beside it",
    )
    parser.add_argument("--pages", default="", help="only these pages, by name, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the data")
    parser.add_argument("--keep", action="store_true", help="keep the database and the server log")
    parser.add_argument(
        "--proposed-indexes", action="store_true", help="add PROPOSED_INDEXES (not in the schema) before measuring"
    )
    args = parser.parse_args(argv)
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be a PostgreSQL URL; SQLite is the default")
    return args


if __name__ == "__main__":
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    # The measured server runs no background jobs (as when cron runs `trainhub jobs run`): what is timed is
    # the pages alone, not whichever job happened to run beside them.
    os.environ["TRAINHUB_JOBS_INTERVAL_SECONDS"] = "0"
    sys.exit(asyncio.run(run(parse_args())))
