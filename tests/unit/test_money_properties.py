"""Money that is never lost, under random sequences of provider events (hypothesis stateful).

Students book a two-place session and pay through an in-process fake of Stripe (`fake_provider.py`);
the provider's events reach the real `webhooks.handle_event` in any order: a checkout completed with the
right amount, a second charge with another PaymentIntent, a declined card, an expired checkout, a
student who paid with the webhook lost, duplicates and replays of earlier events, time passing with the
jobs run (holds lapse, lost webhooks are reconciled), and refunds by staff. After EVERY step:

    money received = money kept on bookings + money refunded (or on its way back)
    every charge the provider took is recorded once, or still awaited on an open payment
    what the provider refunded = the refunds recorded as made; never more than a charge took
    no booking is CONFIRMED without being paid; a PENDING or EXPIRED booking keeps no money
    booked_spots = the live bookings, never above capacity

The services are async and hypothesis stateful is not: the machine owns an event loop (as in
test_booking_state_machine.py). Set TRAINHUB_MONEY_EXAMPLES to run more examples locally.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CourseSession,
    Payment,
    PaymentKind,
    PaymentOption,
    PaymentStatus,
    Refund,
    RefundStatus,
    StaffRole,
)
from tests import factories
from tests.conftest import empty_all_tables
from tests.payment_courses import payments_off_their_course
from tests.unit.fake_provider import FakeStripe
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.jobs import expire_holds
from trainhub_ui.payments import ProviderEvent
from trainhub_ui.services import checkout, webhooks
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.reconciliation import reconcile_open_payments
from trainhub_ui.services.refunds import refund_booking

T = TypeVar("T")

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PRICE = 49500
STUDENTS = 3  # for two places: the session fills, and a lapsed hold's place goes to someone else
RECONCILE_AFTER = timedelta(minutes=15)

EXAMPLES = int(os.environ.get("TRAINHUB_MONEY_EXAMPLES", "50"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[phase for phase in Phase if phase is not Phase.explain],
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class MoneyMachine(RuleBasedStateMachine):
    """Random provider events against the real services; `url` is set by the test for each database."""

    url: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.db: Database | None = None
        self.clock = Clock(START)
        self.stripe = FakeStripe()
        self.delivered: list[ProviderEvent] = []
        self.event_ids = itertools.count()
        try:
            self.run(self._set_up())
        except BaseException:
            self._close()
            raise

    async def _set_up(self) -> None:
        self.db = Database(self.url)
        await empty_all_tables(self.db)
        async with self.db.transaction() as session:
            tenant = await factories.centre(session, "money-centre", "Money Centre")
            course = await factories.course(session, tenant, price=PRICE)
            course_session = await factories.course_session(
                session, course, spots=2, start=(START + timedelta(days=30)).date()
            )
            students = [await factories.customer(session, tenant, f"s{n}@example.com") for n in range(STUDENTS)]
        self.ctx = TenantContext(tenant=tenant, actor="student", clock=self.clock)
        self.staff = TenantContext(tenant=tenant, actor="staff", role=StaffRole.ADMIN, clock=self.clock)
        self.session_id = course_session.id
        self.student_ids = [s.id for s in students]
        self.bookings: list[Booking] = []

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

    def deliver(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> str:
        assert self.db is not None
        event = ProviderEvent(id=event_id or f"evt_{next(self.event_ids)}", type=event_type, data=data)
        outcome = self.run(webhooks.handle_event(self.db, self.stripe, event, clock=self.clock))
        note(f"  {event.id} {event_type} -> {outcome}")
        hypothesis.event(outcome.split(";")[0])  # which paths the examples reached (--hypothesis-show-statistics)
        assert not outcome.startswith("refused"), outcome  # right amounts only: nothing to refuse
        self.delivered.append(event)
        return outcome

    # --- the students --------------------------------------------------------------------------------

    @rule(student=st.integers(0, STUDENTS - 1), deposit=st.booleans())
    def book(self, student: int, deposit: bool) -> None:
        assert self.db is not None
        request = BookingRequest(
            customer_id=self.student_ids[student],
            session_id=self.session_id,
            payment_option=PaymentOption.DEPOSIT if deposit else PaymentOption.FULL,
        )

        async def booked() -> Booking:
            assert self.db is not None
            async with self.db.transaction() as session:
                return await create_booking(session, self.ctx, request)

        try:
            booking = self.run(booked())
        except DomainError as refused:
            note(f"  booking refused: {refused.code}")
            return
        self.bookings.append(booking)
        # The wizard goes straight on to the pay page, which opens the checkout.
        self.run(checkout.begin_checkout(self.db, self.ctx, self.stripe, booking.reference, "https://centre"))

    @precondition(lambda self: self.bookings)
    @rule(data=st.data())
    def pay_by_card(self, data: st.DataObject) -> None:
        """ "Pay by card": opens (or reopens) the checkout of what is due now."""
        assert self.db is not None
        booking = data.draw(st.sampled_from(self.bookings))
        try:
            self.run(checkout.begin_checkout(self.db, self.ctx, self.stripe, booking.reference, "https://centre"))
        except DomainError as refused:
            note(f"  pay by card refused: {refused.code}")

    def _checkout(self, data: st.DataObject) -> Any:
        return data.draw(st.sampled_from(sorted(self.stripe.checkouts.values(), key=lambda c: c.id)))

    @precondition(lambda self: self.stripe.checkouts)
    @rule(data=st.data(), webhook_lost=st.booleans())
    def card_paid(self, data: st.DataObject, webhook_lost: bool) -> None:
        """The student pays on the checkout's page (a race may pay one that just expired)."""
        found = self._checkout(data)
        if found.paid or (webhook_lost and found.status != "open"):
            return
        found.payment_intent = self.stripe.charge(found.amount)
        found.status = "complete"
        if webhook_lost:
            note(f"  {found.id} paid by {found.payment_intent}; its webhook is lost")
            return
        self.deliver("checkout.session.completed", found.as_event_data())

    @precondition(lambda self: any(c.paid for c in self.stripe.checkouts.values()))
    @rule(data=st.data())
    def second_charge(self, data: st.DataObject) -> None:
        """Another real charge (PaymentIntent) reported for a checkout already paid. Stripe gives a checkout
        one PaymentIntent, so this comes only after the checkout's own charge was heard (a checkout whose own
        charge is unheard stays open here, for the jobs to ask about)."""
        paid = data.draw(st.sampled_from([c for c in self.stripe.checkouts.values() if c.paid]))
        if not self.run(self._recorded(paid.payment_intent or "")):
            return
        self.deliver("checkout.session.completed", paid.as_event_data(self.stripe.charge(paid.amount)))

    @precondition(lambda self: any(c.status == "open" for c in self.stripe.checkouts.values()))
    @rule(data=st.data())
    def card_declined(self, data: st.DataObject) -> None:
        """A card declined on an open checkout's page (the student may try another)."""
        found = data.draw(st.sampled_from([c for c in self.stripe.checkouts.values() if c.status == "open"]))
        failed = {"id": f"pi_declined_{found.id}", "metadata": dict(found.metadata)}
        self.deliver("payment_intent.payment_failed", {**failed, "last_payment_error": {"message": "Declined"}})

    @precondition(lambda self: any(not c.paid for c in self.stripe.checkouts.values()))
    @rule(data=st.data())
    def checkout_expired(self, data: st.DataObject) -> None:
        found = data.draw(st.sampled_from([c for c in self.stripe.checkouts.values() if not c.paid]))
        found.status = "expired"
        self.deliver("checkout.session.expired", found.as_event_data())

    @precondition(lambda self: self.delivered)
    @rule(data=st.data(), same_id=st.booleans())
    def heard_again(self, data: st.DataObject, same_id: bool) -> None:
        """A duplicate delivery (the same event id) or another event saying the same thing."""
        earlier = data.draw(st.sampled_from(self.delivered))
        outcome = self.deliver(earlier.type, earlier.data, earlier.id if same_id else None)
        if same_id:
            assert outcome == webhooks.DUPLICATE

    @rule(minutes=st.sampled_from([5, 16, 40]), run_jobs=st.booleans())
    def time_passes(self, minutes: int, run_jobs: bool) -> None:
        """Holds lapse; the jobs free their places and ask the provider about long-open payments."""
        assert self.db is not None
        self.clock.now += timedelta(minutes=minutes)
        note(f"  {minutes} minutes pass{', the jobs run' if run_jobs else ''}")
        if run_jobs:
            now = self.clock.now
            self.run(reconcile_open_payments(self.db, self.stripe, now, opened_before=now - RECONCILE_AFTER))
            self.run(expire_holds(self.db, now))

    @precondition(lambda self: self.bookings)
    @rule(data=st.data(), amount=st.sampled_from([1, 10000, 14850, PRICE]))
    def staff_refund(self, data: st.DataObject, amount: int) -> None:
        assert self.db is not None
        booking = data.draw(st.sampled_from(self.bookings))
        try:
            self.run(refund_booking(self.db, self.staff, self.stripe, booking.id, amount, "goodwill"))
        except DomainError as refused:
            note(f"  refund of {amount} refused: {refused.code}")

    # --- the rules, after every step ---------------------------------------------------------------

    @invariant()
    def no_money_is_lost(self) -> None:
        if self.db is None:
            return
        bookings, payments, refunds, course_session = self.run(self._read())
        received = sum(p.amount for p in payments if p.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED))
        refunded = sum(p.amount_refunded for p in payments)
        kept = 0
        for booking in bookings:
            own = [
                p
                for p in payments
                if p.booking_id == booking.id
                and p.kind is not PaymentKind.EXCESS
                and p.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
            ]
            assert booking.amount_paid == sum(p.amount for p in own), booking.reference
            keeps = booking.amount_paid - sum(p.amount_refunded for p in own)
            assert 0 <= keeps <= booking.total_amount, (booking.reference, keeps)
            if booking.status is BookingStatus.CONFIRMED and booking.payment_option is not PaymentOption.INVOICE:
                needed = booking.deposit_amount if booking.payment_option is PaymentOption.DEPOSIT else PRICE
                assert booking.amount_paid >= needed, f"{booking.reference} confirmed with {booking.amount_paid} paid"
            if booking.status in (BookingStatus.PENDING, BookingStatus.EXPIRED):
                assert keeps == 0, f"{booking.reference} is {booking.status.value} and keeps {keeps}"
            kept += keeps
        assert received == kept + refunded, (received, kept, refunded)

        # The refunds recorded are the money taken off the payments, and what the provider gave back.
        live_refunds = [r for r in refunds if r.status in (RefundStatus.PENDING, RefundStatus.SUCCEEDED)]
        assert sum(r.amount for r in live_refunds) == refunded
        for payment in payments:
            made = sum(r.amount for r in refunds if r.payment_id == payment.id and r.status is RefundStatus.SUCCEEDED)
            if payment.stripe_payment_intent_id:
                assert self.stripe.refunded(payment.stripe_payment_intent_id) == made, payment.id
        assert sum(amount for _intent, amount in self.stripe.refunds.values()) == sum(
            r.amount for r in refunds if r.status is RefundStatus.SUCCEEDED
        )

        # Every charge is recorded once, with its amount, or awaited on a payment still open.
        recorded = [p.stripe_payment_intent_id for p in payments if p.status is not PaymentStatus.PENDING]
        recorded = [intent for intent in recorded if intent]
        assert len(recorded) == len(set(recorded)), "a charge recorded twice"
        for intent, amount in self.stripe.charges.items():
            matching = [p for p in payments if p.stripe_payment_intent_id == intent]
            if matching:
                [payment] = matching
                assert payment.amount == amount and payment.status is not PaymentStatus.PENDING
                continue
            [checkout_of_charge] = [c for c in self.stripe.checkouts.values() if c.payment_intent == intent]
            [waiting] = [p for p in payments if p.id == checkout_of_charge.metadata["paymentId"]]
            assert waiting.status is PaymentStatus.PENDING, f"charge {intent} lost: its payment is {waiting.status}"
        assert received == sum(
            self.stripe.charges[p.stripe_payment_intent_id or ""]
            for p in payments
            if p.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
        )

        live = sum(b.status in LIVE_BOOKING_STATUSES for b in bookings)
        assert course_session.booked_spots == live <= course_session.available_spots

        # Every payment, excess ones included, keeps the course of its booking's session.
        assert self.run(self._off_their_course()) == []

    async def _recorded(self, intent: str) -> bool:
        assert self.db is not None
        async with self.db.read() as session:
            found = await session.scalar(select(Payment.id).where(Payment.stripe_payment_intent_id == intent))
        return found is not None

    async def _off_their_course(self) -> list[tuple[str, str, str]]:
        assert self.db is not None
        async with self.db.read() as session:
            return await payments_off_their_course(session)

    async def _read(self) -> tuple[list[Booking], list[Payment], list[Refund], CourseSession]:
        assert self.db is not None
        async with self.db.read() as session:
            bookings = list(await session.scalars(select(Booking)))
            payments = list(await session.scalars(select(Payment)))
            refunds = list(await session.scalars(select(Refund)))
            course_session = await session.get(CourseSession, self.session_id)
        assert course_session is not None
        return bookings, payments, refunds, course_session


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_money_is_never_lost(request: pytest.FixtureRequest, backend: str) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    machine = type(f"MoneyMachineOn{backend.title()}", (MoneyMachine,), {"url": url})
    # PostgreSQL's round trips cost more: half the examples there keep the pair near a minute.
    examples = EXAMPLES if backend == "sqlite" else max(EXAMPLES // 2, 1)
    run_state_machine_as_test(machine, settings=settings(SETTINGS, max_examples=examples))
