"""Where a booking's money stands: not paid, deposit paid, paid, on invoice, part refunded or refunded,
worked out from a booking's amounts in Python and, for the bookings list's filter, in SQL."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from models import Booking, Payment, PaymentKind, PaymentOption
from trainhub_ui.domain.context import TenantContext


class PaymentState(enum.StrEnum):
    """Where a booking's money stands, from its amounts and what was refunded of its payments."""

    NOT_PAID = "not_paid"
    DEPOSIT_PAID = "deposit_paid"
    PAID = "paid"
    ON_INVOICE = "on_invoice"
    PART_REFUNDED = "part_refunded"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return PAYMENT_STATE_LABELS[self]


PAYMENT_STATE_LABELS = {
    PaymentState.NOT_PAID: "Not paid",
    PaymentState.DEPOSIT_PAID: "Deposit paid",
    PaymentState.PAID: "Paid",
    PaymentState.ON_INVOICE: "On invoice",
    PaymentState.PART_REFUNDED: "Part refunded",
    PaymentState.REFUNDED: "Refunded",
}


def payment_state(option: PaymentOption, total: int, paid: int, refunded: int) -> PaymentState:
    """The payment state of a booking. Refunds come first (only money paid can be refunded); an invoice
    not yet settled is "on invoice" whatever part of it was paid; a free booking counts as paid.

    `payment_state_condition` says the same in SQL, for the filter; the tests hold the two together.
    """
    if refunded > 0:
        return PaymentState.REFUNDED if refunded >= paid else PaymentState.PART_REFUNDED
    if option is PaymentOption.INVOICE and paid < total:
        return PaymentState.ON_INVOICE
    if paid >= total:
        return PaymentState.PAID
    return PaymentState.DEPOSIT_PAID if paid > 0 else PaymentState.NOT_PAID


def refunded_of_booking() -> Any:
    """What was refunded (or is being refunded) of the booking's payments, as a correlated subquery. Money the
    booking never took (EXCESS) is left out: its refund says nothing of the booking's own money.

    It names no tenant column on purpose: it is correlated to a booking already limited to the centre,
    and given one, SQLite walks the centre's whole payment index per booking instead of the booking's
    few payments.
    """
    return (
        select(func.coalesce(func.sum(Payment.amount_refunded), 0))
        .where(Payment.booking_id == Booking.id, Payment.kind != PaymentKind.EXCESS)
        .scalar_subquery()
    )


def _refunded_bookings(ctx: TenantContext) -> Select[Any]:
    """The ids of the centre's bookings with money refunded: few, so both databases hash them once and
    test each booking against the set (a correlated lookup per booking cost PostgreSQL a second)."""
    return select(Payment.booking_id).where(
        Payment.tenant_id == ctx.tenant_id, Payment.amount_refunded > 0, Payment.kind != PaymentKind.EXCESS
    )


def payment_state_condition(ctx: TenantContext, state: PaymentState) -> ColumnElement[bool]:
    """`payment_state` as a WHERE condition on bookings."""
    paid, total, option = Booking.amount_paid, Booking.total_amount, Booking.payment_option
    if state is PaymentState.NOT_PAID:
        # Nothing paid means nothing refunded: no lookup needed.
        return and_(paid <= 0, total > 0, option != PaymentOption.INVOICE)
    if state is PaymentState.REFUNDED:
        return and_(Booking.id.in_(_refunded_bookings(ctx)), refunded_of_booking() >= paid)
    if state is PaymentState.PART_REFUNDED:
        return and_(Booking.id.in_(_refunded_bookings(ctx)), refunded_of_booking() < paid)
    not_refunded = Booking.id.not_in(_refunded_bookings(ctx))
    if state is PaymentState.ON_INVOICE:
        return and_(option == PaymentOption.INVOICE, paid < total, not_refunded)
    if state is PaymentState.PAID:
        return and_(paid >= total, not_refunded)
    return and_(paid > 0, paid < total, option != PaymentOption.INVOICE, not_refunded)
