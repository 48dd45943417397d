"""The state machines of a booking, a payment and its refunds, a waiting-list entry (and the place it may
be offered) and an invoice: every status a row can have, the events that move it, and where each event
takes it.

Every status change in the product goes through `Machine.move` (one row) or `Machine.target` (a bulk
UPDATE that selects the rows in the event's source state); a move that the table does not have raises
`IllegalTransition` and changes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from models import BookingStatus, Invoice, PaymentStatus, RefundStatus, WaitingListStatus
from trainhub_ui.domain.errors import DomainError

S = TypeVar("S", bound=enum.Enum)


class IllegalTransition(DomainError):
    """A status change that its state machine does not allow (409 `illegal_transition`)."""

    def __init__(self, machine: str, state: object, event: str) -> None:
        name = getattr(state, "value", state)
        super().__init__(
            "illegal_transition", f"A {machine} that is {str(name).lower()} cannot {event.replace('_', ' ')}."
        )
        self.machine = machine
        self.state = state
        self.event = event


@dataclass(frozen=True)
class Machine(Generic[S]):
    """One kind of row's transitions: (state, event) -> new state; `starts` names the events that create one."""

    name: str
    states: type[S]
    starts: Mapping[str, S]
    moves: Mapping[tuple[S, str], S]

    @property
    def events(self) -> set[str]:
        return {event for _state, event in self.moves}

    def start(self, event: str) -> S:
        """The status a new row begins in, for the event that creates it."""
        try:
            return self.starts[event]
        except KeyError:
            raise IllegalTransition(self.name, "new", event) from None

    def next(self, state: S, event: str) -> S:
        """Where `event` takes a row in `state`; IllegalTransition when it cannot happen."""
        try:
            return self.moves[(state, event)]
        except KeyError:
            raise IllegalTransition(self.name, state, event) from None

    def allows(self, state: S, event: str) -> bool:
        return (state, event) in self.moves

    def sources(self, event: str) -> list[S]:
        """The states from which `event` moves a row (for the WHERE of a bulk UPDATE)."""
        return [state for state, name in self.moves if name == event]

    def target(self, event: str) -> S:
        """The one state `event` leads to from every source (for the SET of a bulk UPDATE)."""
        targets = {target for (_state, name), target in self.moves.items() if name == event}
        if len(targets) != 1:
            raise ValueError(f"{self.name}: {event} leads to {len(targets)} states")
        return targets.pop()

    def move(self, row: Any, event: str, now: datetime | None = None) -> S:
        """Move `row` (with a `status`) by `event`, stamping `updated_at` when given the time."""
        row.status = self.next(row.status, event)
        if now is not None:
            row.updated_at = now
        return row.status


B, P, W = BookingStatus, PaymentStatus, WaitingListStatus

BOOKING: Machine[BookingStatus] = Machine(
    "booking",
    BookingStatus,
    # A guest's company invoice is held like a card payment until whoever receives it confirms it.
    starts={"hold": B.PENDING, "hold_for_invoice": B.PENDING, "book_on_invoice": B.CONFIRMED},
    moves={
        (B.PENDING, "confirm"): B.CONFIRMED,  # paid in full or the deposit, or its invoice confirmed
        (B.PENDING, "expire"): B.EXPIRED,  # the hold lapsed, or its checkout can no longer be paid
        (B.PENDING, "cancel"): B.CANCELLED,
        (B.CONFIRMED, "cancel"): B.CANCELLED,
        (B.EXPIRED, "hold_again"): B.PENDING,  # paid (or its invoice confirmed) after its hold lapsed, a place free
    },
)

PAYMENT: Machine[PaymentStatus] = Machine(
    "payment",
    PaymentStatus,
    # A card or offline payment opens PENDING until the provider says; money received by bank transfer is
    # recorded when it has arrived; so is money that no booking can take (refunded at once).
    starts={"open": P.PENDING, "record_received": P.PAID, "receive_excess": P.PAID},
    moves={
        (P.PENDING, "succeed"): P.PAID,
        (P.PENDING, "fail"): P.FAILED,
        # Money heard of after we gave the payment up (its checkout's expiry was heard first): still money.
        (P.FAILED, "succeed"): P.PAID,
        (P.PAID, "refund_in_full"): P.REFUNDED,
    },
)

REFUND: Machine[RefundStatus] = Machine(
    "refund",
    RefundStatus,
    # Written PENDING before the provider is asked; one the provider made itself is recorded as done.
    starts={"request": RefundStatus.PENDING, "record": RefundStatus.SUCCEEDED},
    moves={
        (RefundStatus.PENDING, "succeed"): RefundStatus.SUCCEEDED,
        (RefundStatus.PENDING, "fail"): RefundStatus.FAILED,
    },
)

WAITING_LIST: Machine[WaitingListStatus] = Machine(
    "waiting-list entry",
    WaitingListStatus,
    starts={"join": W.WAITING},
    moves={
        (W.WAITING, "offer"): W.OFFERED,  # a place freed: held for them until the offer lapses
        (W.WAITING, "leave"): W.CANCELLED,
        (W.WAITING, "close"): W.CANCELLED,  # the session was cancelled
        (W.OFFERED, "accept"): W.ACCEPTED,
        (W.OFFERED, "decline"): W.DECLINED,
        (W.OFFERED, "expire"): W.EXPIRED,
        (W.OFFERED, "close"): W.CANCELLED,
    },
)


class InvoiceState(enum.StrEnum):
    """An invoice is issued once and never edited: it is paid when the bank transfers settle it, and
    credited (in part or in full) by credit notes when its booking is cancelled or refunded."""

    ISSUED = "ISSUED"
    PAID = "PAID"
    PART_CREDITED = "PART_CREDITED"
    CREDITED = "CREDITED"


IS = InvoiceState

INVOICE: Machine[InvoiceState] = Machine(
    "invoice",
    InvoiceState,
    starts={"issue": IS.ISSUED},
    moves={
        (IS.ISSUED, "settle"): IS.PAID,
        (IS.PART_CREDITED, "settle"): IS.PAID,  # what was left after the credit has been paid
        (IS.ISSUED, "credit_in_part"): IS.PART_CREDITED,
        (IS.PART_CREDITED, "credit_in_part"): IS.PART_CREDITED,
        (IS.PAID, "credit_in_part"): IS.PAID,  # part of a paid invoice refunded: still paid, less the credit
        (IS.ISSUED, "credit_in_full"): IS.CREDITED,
        (IS.PART_CREDITED, "credit_in_full"): IS.CREDITED,
        (IS.PAID, "credit_in_full"): IS.CREDITED,
    },
)


def invoice_state(invoice: Invoice) -> InvoiceState:
    """Read from the invoice's own record: what its credit notes took back, and when it was paid."""
    if invoice.credited_amount and invoice.credited_amount >= invoice.total_amount:
        return IS.CREDITED
    if invoice.paid_at is not None:
        return IS.PAID
    return IS.PART_CREDITED if invoice.credited_amount else IS.ISSUED


def settle_invoice(invoice: Invoice, now: datetime) -> None:
    """The invoice's amount has been received in full."""
    INVOICE.next(invoice_state(invoice), "settle")
    invoice.paid_at = now
    invoice.updated_at = now


def credit_invoice(invoice: Invoice, amount: int, now: datetime) -> InvoiceState:
    """`amount` of the invoice taken back by a credit note (never more than is left of it)."""
    left = invoice.total_amount - invoice.credited_amount
    event = "credit_in_full" if amount >= left else "credit_in_part"
    state = INVOICE.next(invoice_state(invoice), event)
    invoice.credited_amount += min(amount, left)
    invoice.updated_at = now
    return state
