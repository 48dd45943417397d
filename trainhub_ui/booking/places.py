"""A session's places: the only code that changes `booked_spots`.

`booked_spots` is changed in the same transaction as the rows it counts:

    booked_spots = PENDING + CONFIRMED bookings + OFFERED waiting-list entries

and two requests never both take the last place. A new booking reads what it needs without locking,
then takes its place with one conditional `UPDATE ... SET booked_spots = booked_spots + 1 WHERE
booked_spots < available_spots AND <the bookable rule>` followed only by its own two rows and the commit
(`take_place_if_free`): on PostgreSQL the session row is locked for those last steps alone, so a popular
session serves one booking after another instead of queueing on its row for the whole request (and this
process sends those updates in the order the requests came, see `Database.turn_at_row`); on SQLite the
write transaction holds the database's write lock from its start anyway (`BEGIN IMMEDIATE`, see db.py).
Every other decision about a place (cancelling, moving, offers, releases) locks the session row first
(`lock_session`): `SELECT ... FOR NO KEY UPDATE` on PostgreSQL.

A PENDING hold past `hold_expires_at` (or an offer past `offer_expires_at`) still counts until it is
released; a capacity decision that finds the session full releases the session's lapsed ones first, so
nobody waits for the job that sweeps them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models import LIVE_BOOKING_STATUSES, Booking, Course, CourseSession, WaitingListEntry, WaitingListStatus
from models.base import UTCDateTime
from trainhub_ui.db import turn_at_row
from trainhub_ui.domain import audit, signals
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.notify import emails

from . import rules
from .rules import Refused
from .states import BOOKING, WAITING_LIST


async def lock_session(session: AsyncSession, ctx: TenantContext, session_id: str) -> CourseSession:
    """The session row, locked for the rest of the transaction; another centre's id is not found."""
    course_session, _course = await lock_session_with_course(session, ctx, session_id)
    return course_session


def capacity_changed(session: AsyncSession, ctx: TenantContext, course_session: CourseSession) -> None:
    signals.queue(
        session,
        signals.CapacityChanged(
            tenant_id=ctx.tenant_id,
            course_id=course_session.course_id,
            session_id=course_session.id,
            booked_spots=course_session.booked_spots,
            available_spots=course_session.available_spots,
        ),
    )


def booking_changed(session: AsyncSession, booking: Booking) -> None:
    signals.queue(
        session,
        signals.BookingChanged(
            tenant_id=booking.tenant_id, booking_id=booking.id, session_id=booking.session_id, status=booking.status
        ),
    )


async def release_lapsed(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, now: datetime
) -> int:
    """Expire this (locked) session's lapsed holds and offers, and offer the freed places on.

    Answers how many places were released.
    """
    expired_holds = list(
        await session.scalars(
            update(Booking)
            .where(
                Booking.session_id == course_session.id,
                Booking.status.in_(BOOKING.sources("expire")),
                Booking.hold_expires_at <= now,
            )
            .values(status=BOOKING.target("expire"), balance_due=0, updated_at=now)
            .returning(Booking.id)
        )
    )
    lapsed_offers = list(
        await session.scalars(
            update(WaitingListEntry)
            .where(
                WaitingListEntry.session_id == course_session.id,
                WaitingListEntry.status.in_(WAITING_LIST.sources("expire")),
                WaitingListEntry.offer_expires_at <= now,
            )
            .values(status=WAITING_LIST.target("expire"), updated_at=now)
            .returning(WaitingListEntry.id)
        )
    )
    released = len(expired_holds) + len(lapsed_offers)
    if not released:
        return 0
    course_session.booked_spots -= released
    for booking_id in expired_holds:
        audit.record(session, ctx, "booking.expired", "booking", booking_id)
        signals.queue(
            session,
            signals.BookingChanged(ctx.tenant_id, booking_id, course_session.id, BOOKING.target("expire").value),
        )
    for entry_id in lapsed_offers:
        audit.record(session, ctx, "waiting_list.offer_expired", "waiting_list_entry", entry_id)
    await offer_places(session, ctx, course_session, now)
    capacity_changed(session, ctx, course_session)
    return released


def offer_deadline(ctx: TenantContext, course_session: CourseSession, now: datetime) -> datetime:
    """How long an offer holds its place: the centre's window, shorter when the start is near.

    Within two windows of the start, half the time that is left (at least 15 minutes), and never
    past the start itself.
    """
    window = timedelta(hours=ctx.tenant.offer_window_hours)
    until_start = course_session.starts_at - now
    if until_start < 2 * window:
        window = max(until_start / 2, timedelta(minutes=15))
    return min(now + window, course_session.starts_at)


async def offer_places(session: AsyncSession, ctx: TenantContext, course_session: CourseSession, now: datetime) -> int:
    """Offer every free place of this (locked) session to the waiting list, first come first served."""
    if course_session.starts_at <= now or not course_session.is_active or course_session.is_completed:
        return 0
    free = course_session.available_spots - course_session.booked_spots
    if free <= 0:
        return 0
    waiting = list(
        await session.scalars(
            select(WaitingListEntry)
            .where(
                WaitingListEntry.session_id == course_session.id,
                WaitingListEntry.status == WaitingListStatus.WAITING,
            )
            .order_by(WaitingListEntry.created_at, WaitingListEntry.id)
            .limit(free)
        )
    )
    deadline = offer_deadline(ctx, course_session, now)
    for entry in waiting:
        WAITING_LIST.move(entry, "offer", now)
        entry.offer_expires_at = deadline
        course_session.booked_spots += 1
        audit.record(session, ctx, "waiting_list.offered", "waiting_list_entry", entry.id, until=deadline.isoformat())
        await emails.waiting_list_offer(session, ctx, entry, course_session)
    return len(waiting)


# The booking path's statements are built once, with bound parameters: building them again for each
# request (and working out their cache keys) cost more CPU than running them.
_SESSION_WITH_COURSE = (
    select(CourseSession, Course)
    .join(Course, Course.id == CourseSession.course_id)
    .where(CourseSession.tenant_id == bindparam("tenant_id"), CourseSession.id == bindparam("session_id"))
    .execution_options(populate_existing=True)
)


# FOR NO KEY UPDATE: excludes every other locker and writer of the row, yet lets bookings that refer to
# it be inserted meanwhile (their foreign key takes only a key-share lock). A plain FOR UPDATE would wait
# on those inserts, and they on it, when a session fills up.
_SESSION_WITH_COURSE_LOCKED = _SESSION_WITH_COURSE.with_for_update(of=CourseSession, key_share=True)


async def lock_session_with_course(
    session: AsyncSession, ctx: TenantContext, session_id: str, *, lock: bool = True
) -> tuple[CourseSession, Course]:
    """lock_session, fetching the course (for its price) in the same round trip.

    `lock=False` only reads them, for a decision that a conditional update makes safe later.
    """
    statement = _SESSION_WITH_COURSE_LOCKED if lock else _SESSION_WITH_COURSE
    row = (await session.execute(statement, {"tenant_id": ctx.tenant_id, "session_id": session_id})).first()
    if row is None:
        raise NotFound("Session")
    return row[0], row[1]


_TAKE_PLACE = (
    update(CourseSession)
    .where(
        # Not "tenant_id": an UPDATE keeps its columns' own names for the values it sets.
        CourseSession.tenant_id == bindparam("centre_id"),
        CourseSession.id == bindparam("session_id"),
        CourseSession.booked_spots < CourseSession.available_spots,
        *rules.bookable_where(),
        ~select(WaitingListEntry.id)
        .where(
            WaitingListEntry.session_id == bindparam("session_id"),
            WaitingListEntry.customer_id == bindparam("customer_id"),
            WaitingListEntry.status == WaitingListStatus.OFFERED,
        )
        .exists(),
    )
    .values(booked_spots=CourseSession.booked_spots + 1, updated_at=bindparam("now", type_=UTCDateTime()))
    .returning(CourseSession.booked_spots, CourseSession.available_spots)
    .execution_options(synchronize_session=False)
)


async def take_place_if_free(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, customer_id: str, now: datetime
) -> bool:
    """The fast path: one more place booked on the session by a single conditional UPDATE, if it is still
    bookable (`rules.bookable_where`), has one free and no offer to this customer appeared meanwhile;
    False (nothing changed) otherwise."""
    params = {
        "centre_id": course_session.tenant_id,
        "session_id": course_session.id,
        "customer_id": customer_id,
        "now": now,
        "closes_after": rules.closes_after(ctx.tenant, now),
    }
    async with turn_at_row(session, f"course_session:{course_session.id}"):
        row = (await session.execute(_TAKE_PLACE, params)).first()
    if row is None:
        return False
    set_committed_value(course_session, "booked_spots", row[0])
    set_committed_value(course_session, "available_spots", row[1])
    return True


# --- the locked path: a place taken, given back or moved on a locked session row -----------------


def has_free_place(course_session: CourseSession) -> bool:
    return course_session.booked_spots < course_session.available_spots


def take_place(
    course_session: CourseSession, *, refusal: str = "This session is full; join the waiting list instead."
) -> None:
    """One more place booked on this (locked) session, or `session_full`."""
    if not has_free_place(course_session):
        raise Refused("session_full", refusal)
    course_session.booked_spots += 1


async def give_place_back(
    session: AsyncSession, ctx: TenantContext, course_session: CourseSession, now: datetime
) -> None:
    """A place of this (locked) session ended (a booking cancelled or expired, an offer declined or closed):
    it goes to the waiting list, or back on sale."""
    course_session.booked_spots -= 1
    await offer_places(session, ctx, course_session, now)
    capacity_changed(session, ctx, course_session)


def move_place(current: CourseSession, target: CourseSession, *, held_by_offer: bool) -> None:
    """A booking's place moves from one (locked) session to another; an offer on the target already holds
    one for the customer. `session_full` when the target has none."""
    if not held_by_offer:
        take_place(target, refusal="That session is full.")
    current.booked_spots -= 1


async def close_waiting_list(session: AsyncSession, ctx: TenantContext, item: CourseSession, now: datetime) -> int:
    """Take everyone off a cancelled (locked) session's waiting list; an offer gives back the place it held."""
    entries = list(
        await session.scalars(
            select(WaitingListEntry).where(
                WaitingListEntry.tenant_id == ctx.tenant_id,
                WaitingListEntry.session_id == item.id,
                WaitingListEntry.status.in_(WAITING_LIST.sources("close")),
            )
        )
    )
    for entry in entries:
        if entry.status is WaitingListStatus.OFFERED:
            item.booked_spots -= 1
        WAITING_LIST.move(entry, "close", now)
        audit.record(session, ctx, "waiting_list.closed", "waiting_list_entry", entry.id, reason="session cancelled")
    return len(entries)


def count_places(sessions: Iterable[CourseSession], bookings: Iterable[Booking]) -> None:
    """Set each session's `booked_spots` from the live bookings given, for rows written in bulk (the demo's
    history) rather than booked one by one; a session they would overbook is refused."""
    counts = Counter(b.session_id for b in bookings if b.status in LIVE_BOOKING_STATUSES)
    for item in sessions:
        if counts[item.id] > item.available_spots:
            raise ValueError(f"session {item.id} would be overbooked")
        item.booked_spots = counts[item.id]
