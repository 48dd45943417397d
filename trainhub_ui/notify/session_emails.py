"""The emails before a session starts: a hold about to lapse, the balance due, the reminder of the start,
and the messages staff send to everyone booked. Each is queued in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, OutboxEmail
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time, money

from .facts import booking_facts, to_student


async def hold_expiring(session: AsyncSession, ctx: TenantContext, booking: Booking, due: int) -> OutboxEmail | None:
    locale = ctx.tenant.locale
    facts = await booking_facts(session, ctx, booking)
    assert booking.hold_expires_at is not None
    return await to_student(
        session,
        ctx,
        "hold_expiring",
        facts,
        {"hold_until": day_and_time(ctx.tenant, booking.hold_expires_at), "due": money(due, booking.currency, locale)},
        dedupe_key=f"hold-expiring:{booking.id}",
    )


async def session_reminder(
    session: AsyncSession, ctx: TenantContext, booking: Booking, *, days: int, now_by_staff: bool = False
) -> OutboxEmail | None:
    """The reminder `days` before the start: once per booking and kind, unless staff send one now."""
    facts = await booking_facts(session, ctx, booking)
    return await to_student(
        session,
        ctx,
        "session_reminder",
        facts,
        {
            "days": days,
            "starts": day_and_time(ctx.tenant, facts.course_session.starts_at),
            "requirements": facts.course.requirements,
        },
        dedupe_key=None if now_by_staff else f"reminder-{days}d:{booking.id}",
    )


async def balance_due(session: AsyncSession, ctx: TenantContext, booking: Booking, *, days: int) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    return await to_student(
        session, ctx, "balance_due", facts, {"days": days}, dedupe_key=f"balance-{days}d:{booking.id}"
    )


async def message_everyone_booked(
    session: AsyncSession, ctx: TenantContext, session_id: str, subject: str, message: str
) -> int:
    """A message from staff to every student booked (held or confirmed) on a session. Answers how many."""
    bookings = list(
        await session.scalars(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.session_id == session_id,
                Booking.status.in_([BookingStatus.PENDING, BookingStatus.CONFIRMED]),
            )
        )
    )
    for booking in bookings:
        facts = await booking_facts(session, ctx, booking)
        await to_student(
            session, ctx, "staff_message", facts, {"subject": subject, "message": message}, dedupe_key=None
        )
    return len(bookings)


async def send_reminder_now(session: AsyncSession, ctx: TenantContext, session_id: str) -> int:
    """Staff send the session's reminder to everyone confirmed, now. Answers how many."""
    bookings = list(
        await session.scalars(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.session_id == session_id,
                Booking.status == BookingStatus.CONFIRMED,
            )
        )
    )
    for booking in bookings:
        facts = await booking_facts(session, ctx, booking)
        days = max((facts.course_session.start_date - ctx.today()).days, 0)
        await session_reminder(session, ctx, booking, days=days, now_by_staff=True)
    return len(bookings)
