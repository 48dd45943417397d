"""The booking engine under random sequences of steps, on SQLite and PostgreSQL (hypothesis stateful).

A state machine books, cancels, moves, lets time pass (sometimes running the expiry job), joins
waiting lists and accepts or declines offers, all through the real services on a real database.
After every step it checks the rules the engine keeps:

    booked_spots == PENDING + CONFIRMED bookings + OFFERED waiting-list entries, for every session
    0 <= booked_spots <= available_spots
    no customer holds two live bookings on one session
    no place stands free while someone is still waiting for one

Every step is also checked against a small model of the rules: a step is refused exactly when the
rules say it must be, with the code they say, and a refused step leaves the database as it was.

The services are async, hypothesis stateful is not: each machine owns an event loop and runs each
step to completion on it, and the test itself is a plain function (no loop is running around it).
Set TRAINHUB_STATEFUL_EXAMPLES to run more examples locally. When it fails, hypothesis shrinks the
steps to a short sequence and prints it; every replay goes through the database, so that shrinking
may take a few minutes.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    AuditEntry,
    Booking,
    BookingStatus,
    CourseSession,
    PaymentOption,
    WaitingListEntry,
    WaitingListStatus,
)
from tests import factories
from tests.conftest import empty_all_tables
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.jobs import expire_holds
from trainhub_ui.services import waiting_list
from trainhub_ui.services.booking_moves import move_booking
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking
from trainhub_ui.services.waiting_list import OfferAcceptance

T = TypeVar("T")

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SESSION_SPOTS = (2, 3)  # small, so the sessions fill often
SESSION_START_DAYS = (30, 45)  # far beyond the ~33 hours 50 steps can advance the clock
CUSTOMERS = 6
OFFER_WINDOW_HOURS = 1  # short, so offers lapse within one run as holds (15 minutes) do

PAYMENT_OPTIONS: dict[str, dict[str, Any]] = {
    "FULL": {"payment_option": PaymentOption.FULL},
    "DEPOSIT": {"deposit_percentage": 0.3},
    "INVOICE": {"payment_option": PaymentOption.INVOICE},
}

SETTINGS = settings(
    max_examples=int(os.environ.get("TRAINHUB_STATEFUL_EXAMPLES", "20")),
    stateful_step_count=50,  # with 25, a session rarely fills up enough for its waiting list to be used
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # The explain phase replays the failure under a tracer: minutes more for a line list nobody needs here.
    phases=[phase for phase in Phase if phase is not Phase.explain],
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# --- what the database holds, and what the rules say a step must do with it ----------------------


@dataclass(frozen=True)
class Snapshot:
    """Every row a booking step may touch, and how many audit entries there are."""

    sessions: dict[str, Row]
    bookings: dict[str, Row]
    entries: dict[str, Row]
    audit_entries: int


async def take_snapshot(db: Database) -> Snapshot:
    async with db.read() as session:

        async def rows(table: Any) -> dict[str, Row]:
            return {row.id: row for row in await session.execute(select(table).order_by(table.c.id))}

        return Snapshot(
            sessions=await rows(CourseSession.__table__),
            bookings=await rows(Booking.__table__),
            entries=await rows(WaitingListEntry.__table__),
            audit_entries=await session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def hold_lapsed(booking: Row, now: datetime) -> bool:
    return booking.status is BookingStatus.PENDING and booking.hold_expires_at <= now


def offer_lapsed(entry: Row, now: datetime) -> bool:
    return entry.status is WaitingListStatus.OFFERED and entry.offer_expires_at <= now


def standing(booking: Row, now: datetime) -> bool:
    """Live, and not a hold past its time (that one is expired before anything is decided)."""
    return booking.status in LIVE_BOOKING_STATUSES and not hold_lapsed(booking, now)


@dataclass
class Released:
    """A session as a capacity decision sees it, once its lapsed holds and offers are released."""

    available: int
    booked: int
    live: list[Row]
    offered: list[Row]
    waiting: list[Row]

    def customers(self, rows: list[Row]) -> set[str]:
        return {row.customer_id for row in rows}


def released(snapshot: Snapshot, session_id: str, now: datetime) -> Released:
    course_session = snapshot.sessions[session_id]
    bookings = [b for b in snapshot.bookings.values() if b.session_id == session_id]
    entries = [e for e in snapshot.entries.values() if e.session_id == session_id]
    lapsed = sum(hold_lapsed(b, now) for b in bookings) + sum(offer_lapsed(e, now) for e in entries)
    offered = [e for e in entries if e.status is WaitingListStatus.OFFERED and not offer_lapsed(e, now)]
    waiting = sorted((e for e in entries if e.status is WaitingListStatus.WAITING), key=lambda e: (e.created_at, e.id))
    booked = course_session.booked_spots - lapsed
    if lapsed:  # the places released are offered on, first come first served
        newly = waiting[: max(course_session.available_spots - booked, 0)]
        offered, waiting, booked = offered + newly, waiting[len(newly) :], booked + len(newly)
    return Released(
        available=course_session.available_spots,
        booked=booked,
        live=[b for b in bookings if standing(b, now)],
        offered=offered,
        waiting=waiting,
    )


def refusal_for_booking(snapshot: Snapshot, session_id: str, customer_id: str, now: datetime) -> str | None:
    state = released(snapshot, session_id, now)
    if customer_id in state.customers(state.live):
        return "already_booked"
    if customer_id in state.customers(state.offered):
        return None  # the place the offer holds is theirs
    return None if state.booked < state.available else "session_full"


def refusal_for_cancel(snapshot: Snapshot, booking_id: str, now: datetime) -> str | None:
    return None if standing(snapshot.bookings[booking_id], now) else "booking_not_live"


def refusal_for_move(snapshot: Snapshot, booking_id: str, target_id: str, now: datetime) -> str | None:
    booking = snapshot.bookings[booking_id]
    if not standing(booking, now):
        return "booking_not_live"
    state = released(snapshot, target_id, now)
    if booking.customer_id in state.customers(state.live):
        return "already_booked"
    return None if state.booked < state.available else "session_full"  # a move never uses an offer


def refusal_for_joining(snapshot: Snapshot, session_id: str, customer_id: str, now: datetime) -> str | None:
    state = released(snapshot, session_id, now)
    if customer_id in state.customers(state.live):
        return "already_booked"
    if customer_id in state.customers(state.offered + state.waiting):
        return "already_waiting"
    return "session_not_full" if state.booked < state.available else None


def refusal_for_offer(snapshot: Snapshot, entry_id: str, now: datetime, *, accepting: bool) -> str | None:
    entry = snapshot.entries[entry_id]
    state = released(snapshot, entry.session_id, now)
    if entry_id not in {e.id for e in state.offered}:
        return "offer_expired" if offer_lapsed(entry, now) else "no_offer"
    if accepting and entry.customer_id in state.customers(state.live):
        return "already_booked"
    return None


# --- the machine ---------------------------------------------------------------------------------


class BookingStateMachine(RuleBasedStateMachine):
    """Random steps against the real services; `url` is set by the test for each database."""

    url: str = ""
    bookings = Bundle("bookings")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.db: Database | None = None
        self.clock = Clock(START)
        self.entry_ids: list[str] = []  # waiting-list entries in the order they were made
        self.offered: list[str] = []  # of those, the ones OFFERED after the last step
        self.any_full = False  # whether a session was full after the last step
        try:
            self.run(self._set_up())
        except BaseException:
            self._close()
            raise

    async def _set_up(self) -> None:
        self.db = Database(self.url)
        await empty_all_tables(self.db)
        async with self.db.transaction() as session:
            tenant = await factories.centre(session, "state-machine-centre", "State Machine Centre")
            tenant.offer_window_hours = OFFER_WINDOW_HOURS
            course = await factories.course(session, tenant, price=49500)
            sessions = [
                await factories.course_session(
                    session, course, spots=spots, start=(START + timedelta(days=days)).date()
                )
                for spots, days in zip(SESSION_SPOTS, SESSION_START_DAYS, strict=True)
            ]
            customers = [await factories.customer(session, tenant, f"student{n}@example.com") for n in range(CUSTOMERS)]
        self.ctx = TenantContext(tenant=tenant, actor="state-machine", clock=self.clock)
        self.session_ids = [s.id for s in sessions]
        self.customer_ids = [c.id for c in customers]

    def _close(self) -> None:
        try:
            if self.db is not None:
                self.loop.run_until_complete(self.db.dispose())
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def teardown(self) -> None:
        self._close()

    def run(self, awaitable: Awaitable[T]) -> T:
        return self.loop.run_until_complete(awaitable)

    def snapshot(self) -> Snapshot:
        assert self.db is not None
        return self.run(take_snapshot(self.db))

    def attempt(
        self, step: str, action: Callable[[AsyncSession], Awaitable[T]], refusal: Callable[[Snapshot], str | None]
    ) -> T | None:
        """Run one service call in its own transaction; check it is refused exactly when the rules say."""
        assert self.db is not None
        before = self.snapshot()
        expected = refusal(before)

        async def in_transaction() -> T:
            assert self.db is not None
            async with self.db.transaction() as session:
                return await action(session)

        try:
            result = self.run(in_transaction())
        except DomainError as error:
            note(f"{step} -> refused ({error.code})")
            assert error.code == expected, (
                f"{step} was refused with {error.code!r} ({error.message}); the rules expect {expected or 'success'}"
            )
            assert self.snapshot() == before, f"{step} was refused ({error.code}) but the database changed"
            return None
        note(f"{step} -> done")
        assert expected is None, f"{step} succeeded; the rules expect it refused with {expected!r}"
        return result

    def _customer(self, n: int) -> str:
        return self.customer_ids[n]

    def _describe(self, row: Row) -> str:
        """A booking or waiting-list entry as the printed steps name them: customer 2 on session 1."""
        customer, session = self.customer_ids.index(row.customer_id), self.session_ids.index(row.session_id)
        return f"customer {customer} on session {session}, {row.status.value}"

    # --- steps -----------------------------------------------------------------------------------

    @rule(
        target=bookings,
        customer=st.integers(0, CUSTOMERS - 1),
        session=st.integers(0, len(SESSION_SPOTS) - 1),
        option=st.sampled_from(sorted(PAYMENT_OPTIONS)),
    )
    def book(self, customer: int, session: int, option: str) -> object:
        customer_id, session_id, now = self._customer(customer), self.session_ids[session], self.clock.now
        request = BookingRequest(customer_id=customer_id, session_id=session_id, **PAYMENT_OPTIONS[option])
        booking = self.attempt(
            f"book(customer {customer} on session {session}, {option})",
            lambda s: create_booking(s, self.ctx, request),
            lambda snap: refusal_for_booking(snap, session_id, customer_id, now),
        )
        if booking is None:
            return multiple()
        expected = BookingStatus.CONFIRMED if option == "INVOICE" else BookingStatus.PENDING
        assert booking.status is expected, f"a {option} booking is {booking.status}, not {expected}"
        return booking.id

    @rule(booking=bookings)
    def cancel(self, booking: str) -> None:
        now = self.clock.now
        cancelled = self.attempt(
            f"cancel(booking: {self._describe(self.snapshot().bookings[booking])})",
            lambda s: cancel_booking(s, self.ctx, booking, "state machine"),
            lambda snap: refusal_for_cancel(snap, booking, now),
        )
        if cancelled is not None:
            assert cancelled.status is BookingStatus.CANCELLED

    @rule(booking=bookings)
    def move(self, booking: str) -> None:
        now = self.clock.now
        row = self.snapshot().bookings[booking]
        target = next(s for s in self.session_ids if s != row.session_id)
        moved = self.attempt(
            f"move(booking: {self._describe(row)})",
            lambda s: move_booking(s, self.ctx, booking, target),
            lambda snap: refusal_for_move(snap, booking, target, now),
        )
        if moved is not None:
            assert moved.session_id == target

    @rule(minutes=st.integers(1, 40), run_job=st.booleans())
    def pass_time(self, minutes: int, run_job: bool) -> None:
        assert self.db is not None
        self.clock.now += timedelta(minutes=minutes)
        note(f"pass_time: now {self.clock.now:%H:%M:%S}")
        if not run_job:
            return
        now = self.clock.now
        before = self.snapshot()
        lapsed = sum(hold_lapsed(b, now) for b in before.bookings.values())
        lapsed += sum(offer_lapsed(e, now) for e in before.entries.values())
        released_places = self.run(expire_holds(self.db, now))
        note(f"expire_holds -> released {released_places}")
        assert released_places == lapsed, f"expire_holds released {released_places} places; {lapsed} had lapsed"
        after = self.snapshot()
        assert not any(hold_lapsed(b, now) for b in after.bookings.values()), "a lapsed hold survived expire_holds"
        assert not any(offer_lapsed(e, now) for e in after.entries.values()), "a lapsed offer survived expire_holds"

    @precondition(lambda self: self.any_full)  # else every join is refused: session_not_full
    @rule(customer=st.integers(0, CUSTOMERS - 1), session=st.integers(0, len(SESSION_SPOTS) - 1))
    def join_waiting_list(self, customer: int, session: int) -> None:
        # A second passes, so that no two entries join at the same moment and the queue's order is fixed.
        self.clock.now += timedelta(seconds=1)
        customer_id, session_id, now = self._customer(customer), self.session_ids[session], self.clock.now
        entry = self.attempt(
            f"join_waiting_list(customer {customer} on session {session})",
            lambda s: waiting_list.join_waiting_list(s, self.ctx, session_id, customer_id),
            lambda snap: refusal_for_joining(snap, session_id, customer_id, now),
        )
        if entry is not None:
            assert entry.status is WaitingListStatus.WAITING
            self.entry_ids.append(entry.id)

    @precondition(lambda self: self.offered)
    @rule(target=bookings, pick=st.integers(0, 7), option=st.sampled_from(sorted(PAYMENT_OPTIONS)))
    def accept_offer(self, pick: int, option: str) -> object:
        entry_id, now = self.offered[pick % len(self.offered)], self.clock.now
        booking = self.attempt(
            f"accept_offer(entry: {self._describe(self.snapshot().entries[entry_id])}, {option})",
            lambda s: waiting_list.accept_offer(s, self.ctx, entry_id, OfferAcceptance(**PAYMENT_OPTIONS[option])),
            lambda snap: refusal_for_offer(snap, entry_id, now, accepting=True),
        )
        if booking is None:
            return multiple()
        entry = self.snapshot().entries[entry_id]
        assert booking.customer_id == entry.customer_id and booking.session_id == entry.session_id
        assert entry.status is WaitingListStatus.ACCEPTED and entry.booking_id == booking.id
        return booking.id

    @precondition(lambda self: self.offered)
    @rule(pick=st.integers(0, 7))
    def decline_offer(self, pick: int) -> None:
        entry_id, now = self.offered[pick % len(self.offered)], self.clock.now
        entry = self.attempt(
            f"decline_offer(entry: {self._describe(self.snapshot().entries[entry_id])})",
            lambda s: waiting_list.decline_offer(s, self.ctx, entry_id),
            lambda snap: refusal_for_offer(snap, entry_id, now, accepting=False),
        )
        if entry is not None:
            assert entry.status is WaitingListStatus.DECLINED

    # --- the rules, after every step --------------------------------------------------------------

    @invariant()
    def the_counts_agree(self) -> None:
        snapshot = self.snapshot()
        self.offered = [e for e in self.entry_ids if snapshot.entries[e].status is WaitingListStatus.OFFERED]
        self.any_full = any(s.booked_spots >= s.available_spots for s in snapshot.sessions.values())
        live_pairs: set[tuple[str, str]] = set()
        for booking in snapshot.bookings.values():
            if booking.status in LIVE_BOOKING_STATUSES:
                pair = (booking.session_id, booking.customer_id)
                assert pair not in live_pairs, f"customer {pair[1]} holds two live bookings on session {pair[0]}"
                live_pairs.add(pair)
        for session_id, course_session in snapshot.sessions.items():
            live = sum(
                b.session_id == session_id and b.status in LIVE_BOOKING_STATUSES for b in snapshot.bookings.values()
            )
            entries = [e for e in snapshot.entries.values() if e.session_id == session_id]
            offered = sum(e.status is WaitingListStatus.OFFERED for e in entries)
            waiting = sum(e.status is WaitingListStatus.WAITING for e in entries)
            booked, available = course_session.booked_spots, course_session.available_spots
            where = f"session {self.session_ids.index(session_id)}"
            assert booked == live + offered, f"{where}: booked_spots {booked} != {live} live + {offered} offered"
            assert 0 <= booked <= available, f"{where}: booked_spots {booked} outside 0..{available}"
            assert booked == available or waiting == 0, f"{where}: {available - booked} free, {waiting} waiting"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_random_steps_keep_the_booking_rules(request: pytest.FixtureRequest, backend: str) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    machine = type(f"BookingStateMachineOn{backend.title()}", (BookingStateMachine,), {"url": url})
    run_state_machine_as_test(machine, settings=SETTINGS)
