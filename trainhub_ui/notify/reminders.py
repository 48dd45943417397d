"""Reminders that fall due with time: found by a job, queued once per booking and kind.

Each reminder has a window (a 7-day reminder is due from 7 days before the start until the 1-day one
takes over), so a job that did not run for a while sends the one that fits now, not every one it
missed. A booking made inside a window does not get that window's reminder: its confirmation has just
said it all. The outbox's unique dedupe key makes each reminder go once, whichever runner gets there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    Booking,
    BookingStatus,
    CourseSession,
    OutboxEmail,
    PaymentOption,
    Tenant,
)
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext, local_today

from . import certificate_emails, session_emails

SESSION_REMINDERS = (7, 1)  # days before the start
BALANCE_REMINDERS = (14, 7, 3)  # days before the balance is due
RENEWAL_REMINDERS = (90, 30)  # days before a certificate expires
HOLD_WARNING = timedelta(minutes=5)  # before a hold runs out
SHORTEST_WARNED_HOLD = timedelta(minutes=10)  # a hold shorter than this gets no warning: it is nearly over
NEXT_SESSIONS_SHOWN = 3
LOOKUP_BATCH = 500  # dedupe keys looked up per query (SQLite allows some 32 000 parameters; PostgreSQL 65 535)


def _windows(days: tuple[int, ...]) -> list[tuple[int, int]]:
    """(days, next smaller days) pairs: 7 → (7, 1), 1 → (1, 0)."""
    return [(n, days[i + 1] if i + 1 < len(days) else 0) for i, n in enumerate(days)]


def _not_queued(prefix: str, subject_id: object) -> object:
    """No outbox row yet with this reminder's dedupe key."""
    return ~select(OutboxEmail.id).where(OutboxEmail.dedupe_key == prefix + subject_id).exists()  # type: ignore[operator]


async def _tenants(session: AsyncSession, ids: Iterable[str]) -> dict[str, Tenant]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {t.id: t for t in await session.scalars(select(Tenant).where(Tenant.id.in_(wanted)))}


async def queue_session_reminders(db: Database, now: datetime) -> int:
    queued = 0
    for days, after in _windows(SESSION_REMINDERS):
        prefix = f"reminder-{days}d:"
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(Booking.id, Booking.tenant_id, Booking.created_at, CourseSession.starts_at)
                    .join(CourseSession, CourseSession.id == Booking.session_id)
                    .where(
                        Booking.status == BookingStatus.CONFIRMED,
                        CourseSession.cancelled_at.is_(None),
                        CourseSession.starts_at > now + timedelta(days=after),
                        CourseSession.starts_at <= now + timedelta(days=days),
                        _not_queued(prefix, Booking.id),
                    )
                )
            ).all()
        due = [(b, t) for b, t, created, starts in rows if created <= starts - timedelta(days=days)]
        queued += await _queue_each(db, now, due, partial(session_emails.session_reminder, days=days))
    return queued


async def queue_balance_reminders(db: Database, now: datetime) -> int:
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Booking.id, Booking.tenant_id, Booking.created_at, CourseSession.start_date)
                .join(CourseSession, CourseSession.id == Booking.session_id)
                .where(
                    Booking.status == BookingStatus.CONFIRMED,
                    Booking.payment_option == PaymentOption.DEPOSIT,
                    Booking.balance_due > 0,
                    CourseSession.cancelled_at.is_(None),
                    CourseSession.starts_at > now,
                )
            )
        ).all()
        tenants = await _tenants(session, {row.tenant_id for row in rows})
    queued = 0
    for days, after in _windows(BALANCE_REMINDERS):
        due = []
        for booking_id, tenant_id, created, start_date in rows:
            tenant = tenants[tenant_id]
            due_on = start_date - timedelta(days=tenant.balance_due_days)
            today = local_today(tenant, now)
            booked_on = local_today(tenant, created)
            opens, closes = due_on - timedelta(days=days), due_on - timedelta(days=after)
            if opens <= today < closes and booked_on < opens:
                due.append((booking_id, tenant_id))
        due = await _not_yet_queued(db, f"balance-{days}d:", due)
        queued += await _queue_each(db, now, due, partial(session_emails.balance_due, days=days))
    return queued


async def _not_yet_queued(db: Database, prefix: str, due: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`due` less the bookings already sent this reminder: without it every run would render each one's
    email again only for the outbox to turn it away."""
    keys = {prefix + booking_id: (booking_id, tenant_id) for booking_id, tenant_id in due}
    names = list(keys)
    sent: set[str] = set()
    async with db.read() as session:
        for start in range(0, len(names), LOOKUP_BATCH):
            batch = names[start : start + LOOKUP_BATCH]
            sent.update(await session.scalars(select(OutboxEmail.dedupe_key).where(OutboxEmail.dedupe_key.in_(batch))))
    return [pair for key, pair in keys.items() if key not in sent]


async def queue_hold_warnings(db: Database, now: datetime) -> int:
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Booking.id, Booking.tenant_id, Booking.created_at, Booking.hold_expires_at).where(
                    Booking.status == BookingStatus.PENDING,
                    # A held invoice waits for its confirmation, not for a card: nothing to pay before it lapses.
                    Booking.payment_option != PaymentOption.INVOICE,
                    Booking.hold_expires_at > now,
                    Booking.hold_expires_at <= now + HOLD_WARNING,
                    _not_queued("hold-expiring:", Booking.id),
                )
            )
        ).all()
    due = [(b, t) for b, t, created, until in rows if until - created >= SHORTEST_WARNED_HOLD]

    async def warn(session: AsyncSession, ctx: TenantContext, booking: Booking) -> OutboxEmail | None:
        owed = booking.deposit_amount if booking.payment_option is PaymentOption.DEPOSIT else booking.total_amount
        return await session_emails.hold_expiring(session, ctx, booking, owed - booking.amount_paid)

    return await _queue_each(db, now, due, warn)


async def queue_renewal_reminders(db: Database, now: datetime) -> int:
    queued = 0
    today = now.date()  # a day's difference of timezone does not matter months ahead
    for days, after in _windows(RENEWAL_REMINDERS):
        prefix = f"renewal-{days}d:"
        async with db.read() as session:
            found = list(
                await session.scalars(
                    select(Achievement).where(
                        Achievement.revoked_at.is_(None),
                        Achievement.expires_on > today + timedelta(days=after),
                        Achievement.expires_on <= today + timedelta(days=days),
                        _not_queued(prefix, Achievement.id),
                    )
                )
            )
            tenants = await _tenants(session, {a.tenant_id for a in found})
        for achievement in found:
            assert achievement.expires_on is not None
            if achievement.issued_on > achievement.expires_on - timedelta(days=days):
                continue  # valid for less than the reminder's lead time: the issue email said when it ends
            ctx = TenantContext(tenant=tenants[achievement.tenant_id], actor="system", clock=lambda: now)
            async with db.transaction() as session:
                next_sessions = list(
                    await session.scalars(
                        select(CourseSession)
                        .where(
                            and_(
                                CourseSession.tenant_id == ctx.tenant_id,
                                CourseSession.course_id == achievement.course_id,
                                CourseSession.is_active.is_(True),
                                CourseSession.cancelled_at.is_(None),
                                CourseSession.starts_at > now,
                            )
                        )
                        .order_by(CourseSession.starts_at)
                        .limit(NEXT_SESSIONS_SHOWN)
                    )
                )
                if (
                    await certificate_emails.certificate_renewal(session, ctx, achievement, days, next_sessions)
                    is not None
                ):
                    queued += 1
    return queued


Send = Callable[[AsyncSession, TenantContext, Booking], Awaitable[OutboxEmail | None]]


async def _queue_each(db: Database, now: datetime, due: list[tuple[str, str]], send: Send) -> int:
    """One short transaction per centre, queueing `send` for each of its bookings."""
    by_centre: dict[str, list[str]] = {}
    for booking_id, tenant_id in due:
        by_centre.setdefault(tenant_id, []).append(booking_id)
    queued = 0
    for tenant_id, booking_ids in by_centre.items():
        async with db.transaction() as session:
            tenant = await session.get(Tenant, tenant_id)
            if tenant is None:
                continue
            ctx = TenantContext(tenant=tenant, actor="system", clock=lambda: now)
            bookings = await session.scalars(
                select(Booking).where(Booking.tenant_id == tenant_id, Booking.id.in_(booking_ids))
            )
            for booking in bookings:
                if await send(session, ctx, booking) is not None:
                    queued += 1
    return queued


async def queue_due_reminders(db: Database, now: datetime) -> int:
    """Every reminder that is due now: sessions, balances, holds running out, certificates expiring."""
    return (
        await queue_hold_warnings(db, now)
        + await queue_session_reminders(db, now)
        + await queue_balance_reminders(db, now)
        + await queue_renewal_reminders(db, now)
    )
