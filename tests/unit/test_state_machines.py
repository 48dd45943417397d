"""Every (state, event) pair of every state machine: the allowed ones land where the table says, every other
one raises IllegalTransition and leaves the row as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from models import BookingStatus, PaymentStatus, WaitingListStatus
from trainhub_ui.booking.states import (
    BOOKING,
    INVOICE,
    PAYMENT,
    REFUND,
    WAITING_LIST,
    IllegalTransition,
    InvoiceState,
    Machine,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    "booking": {
        ("PENDING", "confirm"): "CONFIRMED",
        ("PENDING", "expire"): "EXPIRED",
        ("PENDING", "cancel"): "CANCELLED",
        ("CONFIRMED", "cancel"): "CANCELLED",
        ("EXPIRED", "hold_again"): "PENDING",
    },
    "payment": {
        ("PENDING", "succeed"): "PAID",
        ("PENDING", "fail"): "FAILED",
        ("FAILED", "succeed"): "PAID",
        ("PAID", "refund_in_full"): "REFUNDED",
    },
    "refund": {("PENDING", "succeed"): "SUCCEEDED", ("PENDING", "fail"): "FAILED"},
    "waiting-list entry": {
        ("WAITING", "offer"): "OFFERED",
        ("WAITING", "leave"): "CANCELLED",
        ("WAITING", "close"): "CANCELLED",
        ("OFFERED", "accept"): "ACCEPTED",
        ("OFFERED", "decline"): "DECLINED",
        ("OFFERED", "expire"): "EXPIRED",
        ("OFFERED", "close"): "CANCELLED",
    },
    "invoice": {
        ("ISSUED", "settle"): "PAID",
        ("PART_CREDITED", "settle"): "PAID",  # what was left after the credit has been paid
        ("ISSUED", "credit_in_part"): "PART_CREDITED",
        ("PART_CREDITED", "credit_in_part"): "PART_CREDITED",
        ("PAID", "credit_in_part"): "PAID",  # part of a paid invoice refunded: still paid, less the credit
        ("ISSUED", "credit_in_full"): "CREDITED",
        ("PART_CREDITED", "credit_in_full"): "CREDITED",
        ("PAID", "credit_in_full"): "CREDITED",
    },
}
MACHINES: list[Machine] = [BOOKING, PAYMENT, REFUND, WAITING_LIST, INVOICE]


@dataclass
class Row:
    status: object
    updated_at: datetime | None = None


def _pairs() -> list[tuple[Machine, object, str]]:
    return [(m, state, event) for m in MACHINES for state in m.states for event in sorted(m.events)]


@pytest.mark.parametrize(("machine", "state", "event"), _pairs(), ids=lambda v: getattr(v, "name", str(v)))
def test_every_state_and_event(machine: Machine, state: object, event: str) -> None:
    expected = EXPECTED[machine.name].get((state.value, event))  # type: ignore[attr-defined]
    row = Row(state)
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            machine.move(row, event, NOW)
        assert refused.value.code == "illegal_transition" and refused.value.status == 409
        assert (row.status, row.updated_at) == (state, None)
    else:
        assert machine.move(row, event, NOW).value == expected
        assert (row.status.value, row.updated_at) == (expected, NOW)


def test_the_tables_cover_every_status_and_nothing_else() -> None:
    for machine in MACHINES:
        assert {(s.value, e): t.value for (s, e), t in machine.moves.items()} == EXPECTED[machine.name]
        reachable = set(machine.starts.values()) | set(machine.moves.values())
        assert reachable == set(machine.states), f"{machine.name}: a status nothing produces"


def test_the_statuses_are_the_models() -> None:
    assert {s.value for s in BookingStatus} == {"PENDING", "CONFIRMED", "CANCELLED", "EXPIRED"}
    assert BOOKING.states is BookingStatus and PAYMENT.states is PaymentStatus
    assert WAITING_LIST.states is WaitingListStatus and INVOICE.states is InvoiceState


def test_new_rows_start_only_by_their_creating_events() -> None:
    assert BOOKING.start("hold") is BookingStatus.PENDING
    assert BOOKING.start("book_on_invoice") is BookingStatus.CONFIRMED
    with pytest.raises(IllegalTransition):
        BOOKING.start("confirm")
    assert PAYMENT.start("open") is PaymentStatus.PENDING
    assert PAYMENT.start("record_received") is PaymentStatus.PAID
    assert PAYMENT.start("receive_excess") is PaymentStatus.PAID
    with pytest.raises(IllegalTransition):
        PAYMENT.start("succeed")
    assert WAITING_LIST.start("join") is WaitingListStatus.WAITING


def test_bulk_updates_know_their_source_and_target() -> None:
    assert BOOKING.sources("expire") == [BookingStatus.PENDING]
    assert BOOKING.target("expire") is BookingStatus.EXPIRED
    assert set(BOOKING.sources("cancel")) == {BookingStatus.PENDING, BookingStatus.CONFIRMED}
    assert WAITING_LIST.target("expire") is WaitingListStatus.EXPIRED
