"""Background jobs: `trainhub jobs run` runs each once (for cron); `trainhub serve` runs them on an interval."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Tenant, utcnow
from trainhub_ui.booking.places import lock_session, release_lapsed
from trainhub_ui.config import get_settings
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify.reminders import queue_due_reminders
from trainhub_ui.notify.sender import deliver_due
from trainhub_ui.payments import provider
from trainhub_ui.services.bookings import sessions_with_lapsed_places
from trainhub_ui.services.reconciliation import reconcile_open_payments
from trainhub_ui.services.refunds import finish_pending_refunds
from trainhub_ui.services.retention import apply_retention
from trainhub_ui.services.sign_in_throttle import forget_old_throttles


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Database, datetime], Awaitable[int]]


async def forget_sign_in_failures(db: Database, now: datetime) -> int:
    """Forget sign-in counts that have gone quiet, and addresses that have long stopped signing in."""
    async with db.transaction() as session:
        return await forget_old_throttles(session, now)


async def expire_holds(db: Database, now: datetime) -> int:
    """Release every lapsed hold and waiting-list offer, offering the places on.

    Bookings never wait for this (each capacity decision releases its session's lapsed places
    first); it keeps the figures and the live pages true when nobody is booking.
    """
    async with db.read() as session:
        lapsed = await sessions_with_lapsed_places(session, now)
    released = 0
    for tenant_id, session_id in lapsed:
        async with db.transaction() as session:
            tenant = await session.get(Tenant, tenant_id)
            if tenant is None:
                continue
            ctx = TenantContext(tenant=tenant, actor="system", clock=lambda: now)
            released += await release_lapsed(session, ctx, await lock_session(session, ctx, session_id), now)
    return released


# A refund younger than this may still be on its way to the provider from the request that made it.
REFUND_LEFT_PENDING = timedelta(minutes=5)


async def finish_refunds(db: Database, now: datetime) -> int:
    """Finish refunds a stopped server left PENDING (the provider is asked again, idempotently)."""
    return await finish_pending_refunds(db, provider(), now - REFUND_LEFT_PENDING)


async def reconcile_card_payments(db: Database, now: datetime) -> int:
    """Card payments open longer than a webhook takes: Stripe is asked how each went, and the answer acted
    on as its webhook would be, so a lost webhook costs minutes, not money."""
    waited = timedelta(minutes=get_settings().reconcile_payments_after_minutes)
    return await reconcile_open_payments(db, provider(), now, opened_before=now - waited)


async def deliver_outbox(db: Database, now: datetime) -> int:
    """Send the emails that are due (none without SMTP settings: they wait in the outbox)."""
    return await deliver_due(db, now)


async def refresh_statistics(db: Database, now: datetime) -> int:
    """Keep SQLite's query statistics current as the data grows (PostgreSQL does this itself)."""
    await db.refresh_statistics()
    return 0


# In this order: money first (a paid payment whose webhook was lost is settled before its hold is swept
# away), then expiries (they queue offers and free places), then the reminders they make due or moot,
# then the centres' retention periods (an erased student's queued emails are not sent), then delivery of
# everything queued.
JOBS: list[Job] = [
    Job("reconcile open card payments", reconcile_card_payments),
    Job("expire holds and offers", expire_holds),
    Job("finish pending refunds", finish_refunds),
    Job("queue due reminders", queue_due_reminders),
    Job("erase past students after the retention period", apply_retention),
    Job("deliver the outbox", deliver_outbox),
    Job("forget old sign-in failures", forget_sign_in_failures),
    Job("refresh query statistics", refresh_statistics),
]


async def run_jobs_once(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Run every job once; answers how many items each job handled."""
    now = now or utcnow()
    return {job.name: await job.run(db, now) for job in JOBS}


log = logging.getLogger(__name__)


async def run_jobs_forever(db_of: Callable[[], Database], interval: float) -> None:
    """`trainhub serve` runs every job every `interval` seconds; a failing job is logged and tried
    again next time, the others still run. Safe beside other processes doing the same."""
    while True:
        for job in JOBS:
            try:
                await job.run(db_of(), utcnow())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %r failed; it runs again in %s s", job.name, interval)
        await asyncio.sleep(interval)
