"""Stripe payouts for the centre's accountant: the payouts that arrived at the bank in a period, and in each of
them which of the centre's bookings paid or were refunded, with Stripe's fee (`docs/accounting.md`).

Only the provider knows what a payout holds, and only where it itemises it (Stripe: automatic payouts, once
reconciled). A payout it does not itemise is reported with its amount and marked so; nothing is guessed into
it. The payment provider's account may take the money of several centres: a line whose PaymentIntent is not one
of this centre's payments is reported by its amount alone, never with a name.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, Customer, Payment, PaymentMethod
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments import PaymentProvider, ProviderPayout, ProviderPayoutLine

from .report_csv import amount_cell, csv_bytes, uk_date
from .report_periods import ReportPeriod, local_midnight
from .reports import COLLECTED_PAYMENT_STATUSES

# Stripe's balance transaction types for money in from a card, and for money given back.
PAYMENT_TYPES = frozenset({"charge", "payment"})
REFUND_TYPES = frozenset({"refund", "payment_refund"})
# Well under the bound parameters SQLite and asyncpg take in one statement.
INTENTS_PER_QUERY = 500


@dataclass(frozen=True)
class PayoutRow:
    """One line of a payout. Matched to a booking of the centre, it has the booking's reference and who paid;
    a line not matched to a booking has neither, only its kind and amounts."""

    kind: str  # payment, refund, or the provider's word for anything else (stripe fee, adjustment)
    gross: int
    fee: int
    net: int  # gross less fee; a refund's gross and net are negative
    booking_reference: str = ""
    payer: str = ""


@dataclass(frozen=True)
class PayoutSummary:
    """A payout to the bank: its lines matched to the centre's bookings, the lines not matched to a booking, or,
    when the provider did not itemise it, only its amount and the provider's reason."""

    id: str
    arrival_date: date
    amount: int
    currency: str
    status: str
    rows: tuple[PayoutRow, ...]
    unmatched: tuple[PayoutRow, ...]
    not_itemised: str | None

    @property
    def difference(self) -> int | None:
        """The payout's amount less the net of all its lines (0 when the lines account for every penny); None
        when the provider did not itemise it."""
        if self.not_itemised is not None:
            return None
        return self.amount - sum(row.net for row in (*self.rows, *self.unmatched))


@dataclass(frozen=True)
class CardPaymentNotPaidOut:
    """A card payment received in the period that is in none of the period's payouts (yet)."""

    booking_reference: str
    payer: str
    paid_on: date  # the day at the centre
    amount: int
    currency: str


@dataclass(frozen=True)
class PayoutReport:
    payouts: tuple[PayoutSummary, ...]
    not_paid_out: tuple[CardPaymentNotPaidOut, ...]

    @property
    def fully_itemised(self) -> bool:
        """Whether every payout was itemised; if one was not, a card payment listed as in none of the payouts
        may be in that one."""
        return all(payout.not_itemised is None for payout in self.payouts)


async def read_payout_report(
    db: Database, ctx: TenantContext, period: ReportPeriod, provider: PaymentProvider
) -> PayoutReport:
    """The payouts that arrived in the period, matched to the centre's bookings. The provider is asked first, with
    no transaction open (it is a network call); raises ProviderError if it cannot list them."""
    payouts = await provider.payouts(period.start, period.end)
    async with db.read() as session:
        return await payout_report(session, ctx, period, payouts)


async def payout_report(
    session: AsyncSession, ctx: TenantContext, period: ReportPeriod, payouts: Iterable[ProviderPayout]
) -> PayoutReport:
    """The provider's payouts with each line matched by its PaymentIntent to this centre's payments, and the
    period's card payments that are in none of them."""
    payouts = sorted(payouts, key=lambda payout: (payout.arrival_date, payout.id))
    intents = {line.payment_intent for payout in payouts for line in payout.lines if line.payment_intent}
    bookings = await _bookings_paid_by(session, ctx, intents)
    # A payment is paid out by its charge's line. Its refund's line may be in an earlier payout than the charge:
    # Stripe takes a refund from the balance at once, while a charge's money waits days to become available.
    charged = {line.payment_intent for payout in payouts for line in payout.lines if line.type in PAYMENT_TYPES}
    summaries = []
    for payout in payouts:
        matched = [(line, bookings.get(line.payment_intent or "")) for line in payout.lines]
        summaries.append(
            PayoutSummary(
                id=payout.id,
                arrival_date=payout.arrival_date,
                amount=payout.amount,
                currency=payout.currency,
                status=payout.status,
                rows=tuple(_row(line, *booking) for line, booking in matched if booking),
                unmatched=tuple(_row(line) for line, booking in matched if not booking),
                not_itemised=payout.not_itemised,
            )
        )
    return PayoutReport(tuple(summaries), tuple(await _card_payments_not_in(session, ctx, period, charged)))


def _row(line: ProviderPayoutLine, reference: str = "", payer: str = "") -> PayoutRow:
    return PayoutRow(_kind(line.type), line.gross, line.fee, line.net, reference, payer)


def _kind(provider_type: str) -> str:
    if provider_type in PAYMENT_TYPES:
        return "payment"
    if provider_type in REFUND_TYPES:
        return "refund"
    return provider_type.replace("_", " ")


def _payer(company: str, first: str, last: str) -> str:
    return company or f"{first} {last}"


# Who paid, as both queries read it: the booking's reference, its company, and the student's name.
PAYER = (Booking.reference, Booking.company_name, Customer.first_name, Customer.last_name)


def _paid_by(ctx: TenantContext, query: Select[Any]) -> Select[Any]:
    """The query joined from its payments to their bookings and students, at this centre only."""
    return query.join(Booking, and_(Booking.id == Payment.booking_id, Booking.tenant_id == ctx.tenant_id)).join(
        Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id)
    )


async def _bookings_paid_by(session: AsyncSession, ctx: TenantContext, intents: set[str]) -> dict[str, tuple[str, str]]:
    """This centre's booking reference and payer for each PaymentIntent that is one of its payments."""
    found: dict[str, tuple[str, str]] = {}
    ordered = sorted(intents)
    for start in range(0, len(ordered), INTENTS_PER_QUERY):
        rows = await session.execute(
            _paid_by(ctx, select(Payment.stripe_payment_intent_id, *PAYER)).where(
                Payment.tenant_id == ctx.tenant_id,
                Payment.stripe_payment_intent_id.in_(ordered[start : start + INTENTS_PER_QUERY]),
            )
        )
        for intent, reference, company, first, last in rows:
            found[str(intent)] = (reference, _payer(company, first, last))
    return found


async def _card_payments_not_in(
    session: AsyncSession, ctx: TenantContext, period: ReportPeriod, charged: set[str | None]
) -> list[CardPaymentNotPaidOut]:
    """The card payments received in the period (as the revenue report counts them) whose charge is in none of
    the payouts."""
    rows = await session.execute(
        _paid_by(
            ctx,
            select(Payment.stripe_payment_intent_id, Payment.paid_at, Payment.amount, Payment.currency, *PAYER),
        )
        .where(
            Payment.tenant_id == ctx.tenant_id,
            Payment.payment_method == PaymentMethod.CARD,
            Payment.status.in_(COLLECTED_PAYMENT_STATUSES),
            Payment.paid_at >= local_midnight(ctx, period.start),
            Payment.paid_at < local_midnight(ctx, period.end + timedelta(days=1)),
        )
        .order_by(Payment.paid_at, Booking.reference)
    )
    zone = ZoneInfo(ctx.tenant.timezone)
    return [
        CardPaymentNotPaidOut(
            reference, _payer(company, first, last), paid_at.astimezone(zone).date(), amount, currency
        )
        for intent, paid_at, amount, currency, reference, company, first, last in rows
        if intent not in charged
    ]


# --- the file ----------------------------------------------------------------------------------------------

PAYOUTS_HEADER = ["Payout", "Arrival date", "Booking", "Payer", "Type", "Gross", "Fee", "Net", "Currency"]
NOT_MATCHED = "Not matched to a booking"
NOT_PAID_OUT = "card payment in none of these payouts"


def payouts_csv(report: PayoutReport) -> bytes:
    """One row per line of each payout; a payout the provider did not itemise is one row of its amount; a
    difference between a payout and its lines is a row of its own, so each payout's Net rows add up to it; then
    the period's card payments in none of the payouts."""
    return csv_bytes(
        PAYOUTS_HEADER,
        itertools.chain(
            (row for payout in report.payouts for row in _payout_rows(payout)),
            (
                ["", "", p.booking_reference, p.payer, NOT_PAID_OUT, amount_cell(p.amount), "", "", p.currency]
                for p in report.not_paid_out
            ),
        ),
    )


def _payout_rows(payout: PayoutSummary) -> list[list[object]]:
    def cells(reference: str, payer: str, kind: str, gross: int | None, fee: int | None, net: int) -> list[object]:
        return [
            payout.id,
            uk_date(payout.arrival_date),
            reference,
            payer,
            kind,
            "" if gross is None else amount_cell(gross),
            "" if fee is None else amount_cell(fee),
            amount_cell(net),
            payout.currency,
        ]

    if payout.not_itemised is not None:
        return [cells("", "", f"payout not itemised ({payout.not_itemised})", payout.amount, None, payout.amount)]
    rows = [cells(r.booking_reference, r.payer, r.kind, r.gross, r.fee, r.net) for r in payout.rows]
    rows += [cells("", NOT_MATCHED, r.kind, r.gross, r.fee, r.net) for r in payout.unmatched]
    if payout.difference:
        rows.append(cells("", "", "difference from the payout's amount", None, None, payout.difference))
    return rows
