"""The Stripe payouts report, on SQLite and PostgreSQL: each payout's lines matched to the centre's own bookings by
PaymentIntent, fees and nets as Stripe gives them, refunds negative, a neighbour's money unnamed, a payout Stripe
did not itemise reported by its amount alone, and the period's card payments that are in no payout.

What a payout holds comes from a small stand-in answering `payouts` here: localstripe cannot say which charges
are in a payout (tests/payments/test_payouts_localstripe.py checks the real wire)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models import Booking, BookingStatus, Customer, Payment, PaymentMethod, RefundStatus, Tenant
from tests.unit.test_dashboard import _centre, _ctx
from tests.unit.test_reports import ReportBuilder
from trainhub_ui.db import Database
from trainhub_ui.payments import OfflineProvider, ProviderError, ProviderPayout, ProviderPayoutLine
from trainhub_ui.services import accounting_export as books
from trainhub_ui.services.payout_report import PAYOUTS_HEADER, PayoutRow, payouts_csv, read_payout_report
from trainhub_ui.services.report_periods import ReportPeriod

MARCH = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class PayoutsAnswered:
    """A provider that answers the payouts it was given, and remembers the dates it was asked for."""

    answer: list[ProviderPayout]
    asked: list[tuple[date, date]] = field(default_factory=list)
    name: str = "stand-in"

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        self.asked.append((arrived_from, arrived_to))
        return self.answer


class StripeUnreachable:
    name = "stand-in"

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        raise ProviderError("Stripe did not list its payouts for these dates.")


def charge(intent: str | None, gross: int, fee: int) -> ProviderPayoutLine:
    return ProviderPayoutLine("charge", gross, fee, gross - fee, intent)


@dataclass
class Built:
    alpha: Tenant
    beta: Tenant
    references: dict[str, str]  # PaymentIntent (or a name for a payment without one) -> booking reference
    payers: dict[str, str]


async def _paid(
    b: ReportBuilder, amount: int, when: datetime, intent: str | None, method: PaymentMethod = PaymentMethod.CARD
) -> tuple[Booking, Payment]:
    item = await b.session_of(await b.course(f"Course {intent or method}", amount), date(2026, 4, 20))
    booking = await b.booking(item, BookingStatus.CONFIRMED, amount, paid=amount)
    payment = await b.paid(booking, amount, when, method=method)
    payment.stripe_payment_intent_id = intent
    return booking, payment


async def _build(db: Database) -> Built:
    """Alpha took four card payments (one in February) and a bank transfer; Beta, sharing the Stripe account,
    one card payment from a person whose name must never reach Alpha's report."""
    alpha = await _centre(db, "alpha-gas")
    beta = await _centre(db, "beta-heat")
    references, payers = {}, {}
    async with db.transaction() as session:
        b = ReportBuilder(session, alpha)
        for intent, amount, when in (
            ("pi_a0", 20000, at(2, 27)),
            ("pi_a1", 49500, at(3, 2)),
            ("pi_a2", 19500, at(3, 3)),
            ("pi_a3", 20000, at(3, 9)),
        ):
            booking, payment = await _paid(b, amount, when, intent)
            references[intent] = booking.reference
            customer = await session.get(Customer, booking.customer_id)
            assert customer is not None
            payers[intent] = f"{customer.first_name} {customer.last_name}"
            if intent == "pi_a1":
                booking.company_name = "Acme Heating Ltd"
            if intent == "pi_a2":
                payment.amount_refunded = 5000
                await b.refund(payment, 5000, at(3, 4), RefundStatus.SUCCEEDED, "Goodwill")
        booking, _ = await _paid(b, 30000, at(3, 4), None, PaymentMethod.BANK_TRANSFER)
        references["bank transfer"] = booking.reference

        theirs = ReportBuilder(session, beta)
        booking, _ = await _paid(theirs, 10000, at(3, 2), "pi_b1")
        booking.company_name = "Secret Person Ltd"
        references["pi_b1"] = booking.reference
    return Built(alpha, beta, references, payers)


PAYOUTS = [
    # Listed out of order: the report puts them in the order they reached the bank.
    ProviderPayout("po_3", date(2026, 3, 9), 5000, "GBP", "paid", not_itemised="made by hand"),
    ProviderPayout(
        "po_1",
        date(2026, 3, 5),
        19680 + 48737 + 9835 - 200,
        "GBP",
        "paid",
        lines=(
            charge("pi_a0", 20000, 320),  # paid in February, paid out in March
            charge("pi_a1", 49500, 763),
            charge("pi_b1", 10000, 165),  # the neighbour's
            ProviderPayoutLine("stripe_fee", -200, 0, -200, None),
        ),
    ),
    ProviderPayout(
        "po_2",
        date(2026, 3, 6),
        19182 - 5000 + 2940 + 100,  # 1.00 more than its lines
        "GBP",
        "in_transit",
        lines=(
            charge("pi_a2", 19500, 318),
            ProviderPayoutLine("refund", -5000, 0, -5000, "pi_a2"),
            charge("pi_unknown", 3000, 60),
        ),
    ),
]


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _pence(text: str) -> int:
    return int(Decimal(text) * 100)


async def test_each_payout_is_its_bookings_with_stripes_fee_and_the_rest_unnamed(db: Database) -> None:
    built = await _build(db)
    ref = built.references
    provider = PayoutsAnswered(PAYOUTS)
    report = await read_payout_report(db, _ctx(built.alpha), MARCH, provider)  # type: ignore[arg-type]

    assert provider.asked == [(date(2026, 3, 1), date(2026, 3, 31))]
    assert [(p.id, p.arrival_date, p.status) for p in report.payouts] == [
        ("po_1", date(2026, 3, 5), "paid"),
        ("po_2", date(2026, 3, 6), "in_transit"),
        ("po_3", date(2026, 3, 9), "paid"),
    ]
    first, second, by_hand = report.payouts
    assert first.rows == (
        PayoutRow("payment", 20000, 320, 19680, ref["pi_a0"], built.payers["pi_a0"]),
        PayoutRow("payment", 49500, 763, 48737, ref["pi_a1"], "Acme Heating Ltd"),
    )
    assert first.unmatched == (PayoutRow("payment", 10000, 165, 9835), PayoutRow("stripe fee", -200, 0, -200))
    assert first.difference == 0
    assert [(r.kind, r.gross, r.fee, r.net, r.booking_reference) for r in second.rows] == [
        ("payment", 19500, 318, 19182, ref["pi_a2"]),
        ("refund", -5000, 0, -5000, ref["pi_a2"]),
    ]
    assert second.unmatched == (PayoutRow("payment", 3000, 60, 2940),)
    assert second.difference == 100
    assert by_hand.rows == by_hand.unmatched == ()
    assert (by_hand.amount, by_hand.not_itemised, by_hand.difference) == (5000, "made by hand", None)
    assert not report.fully_itemised
    # Of March's card payments only the one of the 9th is in no payout; the bank transfer is not a card's.
    assert [(p.booking_reference, p.paid_on, p.amount, p.currency) for p in report.not_paid_out] == [
        (ref["pi_a3"], date(2026, 3, 9), 20000, "GBP")
    ]
    assert "Secret Person" not in repr(report) and ref["pi_b1"] not in repr(report)

    # The card money the bank statement file counts for March is the March payments paid out plus those waiting
    # (the payout of the 5th also carries February's 200.00).
    async with db.read() as session:
        movements = await books.money_movements(session, _ctx(built.alpha), MARCH)
    card_received = sum(m.amount for m in movements if m.amount > 0 and m.description.startswith("Card (Stripe)"))
    paid_out = sum(row.gross for payout in report.payouts for row in payout.rows if row.kind == "payment")
    assert card_received == paid_out - 20000 + sum(p.amount for p in report.not_paid_out) == 89000


async def test_the_neighbour_sees_its_own_booking_and_none_of_ours(db: Database) -> None:
    built = await _build(db)
    report = await read_payout_report(db, _ctx(built.beta), MARCH, PayoutsAnswered(PAYOUTS))  # type: ignore[arg-type]
    first, second, _ = report.payouts
    assert [(r.booking_reference, r.payer, r.net) for r in first.rows] == [
        (built.references["pi_b1"], "Secret Person Ltd", 9835)
    ]
    assert len(first.unmatched) == 3 and second.rows == ()
    assert "Acme" not in repr(report)
    assert not any(reference in repr(report) for intent, reference in built.references.items() if intent != "pi_b1")
    assert report.not_paid_out == ()


async def test_the_file_has_a_row_per_line_and_each_payouts_net_adds_up_to_it(db: Database) -> None:
    built = await _build(db)
    report = await read_payout_report(db, _ctx(built.alpha), MARCH, PayoutsAnswered(PAYOUTS))  # type: ignore[arg-type]
    rows = _rows(payouts_csv(report))
    assert rows[0] == PAYOUTS_HEADER == [
        "Payout", "Arrival date", "Booking", "Payer", "Type", "Gross", "Fee", "Net", "Currency",
    ]  # fmt: skip
    lines = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    for payout in PAYOUTS:
        of_it = [line for line in lines if line["Payout"] == payout.id]
        assert {line["Arrival date"] for line in of_it} == {f"{payout.arrival_date:%d/%m/%Y}"}
        assert sum(_pence(line["Net"]) for line in of_it) == payout.amount
    assert [line["Type"] for line in lines if line["Payout"] == "po_2"] == [
        "payment",
        "refund",
        "payment",
        "difference from the payout's amount",
    ]
    refund = next(line for line in lines if line["Type"] == "refund")
    assert (refund["Gross"], refund["Fee"], refund["Net"], refund["Currency"]) == ("-50.00", "0.00", "-50.00", "GBP")
    neighbour = next(line for line in lines if line["Payout"] == "po_1" and line["Gross"] == "100.00")
    assert (neighbour["Booking"], neighbour["Payer"]) == ("", "Not matched to a booking")
    [by_hand] = [line for line in lines if line["Payout"] == "po_3"]
    assert by_hand["Type"] == "payout not itemised (made by hand)"
    assert (by_hand["Gross"], by_hand["Fee"], by_hand["Net"]) == ("50.00", "", "50.00")
    [waiting] = [line for line in lines if not line["Payout"]]
    assert (waiting["Booking"], waiting["Type"], waiting["Gross"], waiting["Net"]) == (
        built.references["pi_a3"],
        "card payment in none of these payouts",
        "200.00",
        "",
    )
    assert "Secret Person" not in payouts_csv(report).decode("utf-8-sig")


async def test_every_card_payment_is_waiting_when_there_are_no_payouts(db: Database) -> None:
    built = await _build(db)
    report = await read_payout_report(db, _ctx(built.alpha), MARCH, OfflineProvider())
    assert report.payouts == () and report.fully_itemised
    assert [p.amount for p in report.not_paid_out] == [49500, 19500, 20000]
    january = ReportPeriod(date(2026, 1, 1), date(2026, 1, 31))
    nothing = await read_payout_report(db, _ctx(built.alpha), january, OfflineProvider())
    assert _rows(payouts_csv(nothing)) == [PAYOUTS_HEADER]


async def test_a_provider_that_cannot_list_its_payouts_says_so(db: Database) -> None:
    built = await _build(db)
    with pytest.raises(ProviderError, match="did not list its payouts"):
        await read_payout_report(db, _ctx(built.alpha), MARCH, StripeUnreachable())  # type: ignore[arg-type]


async def test_a_refund_paid_out_before_its_charge_leaves_the_payment_waiting(db: Database) -> None:
    # Stripe takes a refund from the balance at once; the charge's money becomes available days later.
    built = await _build(db)
    refund_first = ProviderPayout(
        "po_r", date(2026, 3, 10), -3000, "GBP", "paid", lines=(ProviderPayoutLine("refund", -3000, 0, -3000, "pi_a3"),)
    )
    report = await read_payout_report(db, _ctx(built.alpha), MARCH, PayoutsAnswered([refund_first]))  # type: ignore[arg-type]
    [payout] = report.payouts
    assert [(r.kind, r.net, r.booking_reference) for r in payout.rows] == [("refund", -3000, built.references["pi_a3"])]
    assert payout.difference == 0
    assert built.references["pi_a3"] in [p.booking_reference for p in report.not_paid_out]
