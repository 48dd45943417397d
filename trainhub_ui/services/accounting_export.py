"""The centre's books for its accountant: sales invoices and the money received and given back in a period,
as CSV files in the import layouts of Xero and of QuickBooks Online (`docs/accounting.md` gives each column).

The money files count exactly what the reports page counts for the same period: a payment on the day it was
paid (the revenue report), a refund on the day it was made once the provider has paid it out (the refunds
report's "succeeded"). Sales invoices are those issued in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    Course,
    CourseSession,
    CreditNote,
    Customer,
    Invoice,
    Payment,
    PaymentMethod,
    Refund,
    RefundStatus,
)
from trainhub_ui.domain.context import TenantContext

from .invoice_pdf import credit_note_number
from .invoices import invoice_number
from .report_csv import amount_cell, csv_bytes, uk_date
from .report_periods import ReportPeriod, month_buckets
from .reports import COLLECTED_PAYMENT_STATUSES

# Xero's UK chart of accounts: 200 is Sales. The centre's accountant may map it to another on import.
T = TypeVar("T", bound=tuple[Any, ...])
SALES_ACCOUNT = "200"
METHOD_WORDS = {
    PaymentMethod.CARD: "Card (Stripe)",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.INVOICE: "Invoice paid",
    PaymentMethod.OFFLINE: "Paid at the centre",
}


@dataclass(frozen=True)
class SalesDocument:
    """An invoice issued in the period: one line, the place on a course's session."""

    number: str
    issued_on: date
    due_on: date
    customer: str
    email: str
    reference: str  # the customer's PO number, or the booking reference
    description: str
    net: int
    vat: int
    gross: int
    vat_rate_basis_points: int | None
    currency: str


@dataclass(frozen=True)
class MoneyMovement:
    """Money that reached the centre (positive) or went back to a customer (negative), on its local day."""

    day: date
    amount: int
    payer: str
    description: str
    reference: str
    currency: str


def _local_day(ctx: TenantContext, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(ctx.tenant.timezone)).date()


async def sales_documents(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[SalesDocument]:
    """The invoices issued in the period, by number, then its credit notes (negative, by number)."""
    return await _invoices(session, ctx, period) + await _credit_notes(session, ctx, period)


def _invoiced_to(ctx: TenantContext, query: Select[T]) -> Select[T]:
    """The query joined from its invoice to the booking and the customer it was issued to."""
    return query.join(Booking, and_(Booking.id == Invoice.booking_id, Booking.tenant_id == ctx.tenant_id)).join(
        Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id)
    )


async def _invoices(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[SalesDocument]:
    rows = await session.execute(
        _invoiced_to(
            ctx,
            select(Invoice, Booking.reference, Customer.first_name, Customer.last_name, Course.title, CourseSession),
        )
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == ctx.tenant_id))
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == ctx.tenant_id))
        .where(
            Invoice.tenant_id == ctx.tenant_id,
            Invoice.issued_on >= period.start,
            Invoice.issued_on <= period.end,
        )
        .order_by(Invoice.number)
    )
    return [
        SalesDocument(
            number=invoice_number(invoice),
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            customer=invoice.company_name or f"{first} {last}",
            email=invoice.billing_email,
            reference=invoice.po_number or reference,
            description=f"{title}, {item.start_date:%-d %b %Y} ({reference}, {first} {last})",
            net=invoice.net_amount,
            vat=invoice.vat_amount,
            gross=invoice.total_amount,
            vat_rate_basis_points=invoice.vat_rate_basis_points,
            currency=invoice.currency,
        )
        for invoice, reference, first, last, title, item in rows
    ]


async def _credit_notes(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[SalesDocument]:
    rows = await session.execute(
        _invoiced_to(
            ctx,
            select(CreditNote, Invoice, Booking.reference, Customer.first_name, Customer.last_name).join(
                Invoice, and_(Invoice.id == CreditNote.invoice_id, Invoice.tenant_id == ctx.tenant_id)
            ),
        )
        .where(
            CreditNote.tenant_id == ctx.tenant_id,
            CreditNote.issued_on >= period.start,
            CreditNote.issued_on <= period.end,
        )
        .order_by(CreditNote.number)
    )
    return [
        SalesDocument(
            number=credit_note_number(note),
            issued_on=note.issued_on,
            due_on=note.issued_on,
            customer=invoice.company_name or f"{first} {last}",
            email=invoice.billing_email,
            reference=invoice_number(invoice),
            description=f"Credit against {invoice_number(invoice)} ({reference}): {note.reason}".rstrip(": "),
            net=-note.net_amount,
            vat=-note.vat_amount,
            gross=-note.total_amount,
            vat_rate_basis_points=note.vat_rate_basis_points,
            currency=note.currency,
        )
        for note, invoice, reference, first, last in rows
    ]


async def money_movements(session: AsyncSession, ctx: TenantContext, period: ReportPeriod) -> list[MoneyMovement]:
    """Payments received and refunds paid out in the period, in time order."""
    _, buckets = month_buckets(ctx, period)
    people = (
        select(Booking.id, Booking.reference, Booking.company_name, Customer.first_name, Customer.last_name)
        .join(Customer, and_(Customer.id == Booking.customer_id, Customer.tenant_id == ctx.tenant_id))
        .where(Booking.tenant_id == ctx.tenant_id)
        .subquery()
    )
    received = await session.execute(
        select(Payment.paid_at, Payment.amount, Payment.payment_method, Payment.currency, people)
        .join(people, people.c.id == Payment.booking_id)
        .where(
            Payment.tenant_id == ctx.tenant_id,
            Payment.status.in_(COLLECTED_PAYMENT_STATUSES),
            buckets.within(Payment.paid_at),
        )
    )
    given_back = await session.execute(
        select(Refund.created_at, Refund.amount, Refund.reason, Refund.currency, people)
        .join(Payment, and_(Payment.id == Refund.payment_id, Payment.tenant_id == ctx.tenant_id))
        .join(people, people.c.id == Payment.booking_id)
        .where(
            Refund.tenant_id == ctx.tenant_id,
            Refund.status == RefundStatus.SUCCEEDED,
            buckets.within(Refund.created_at),
        )
    )
    movements: list[tuple[datetime, MoneyMovement]] = []
    for paid_at, amount, method, currency, _id, reference, company, first, last in received:
        payer = company or f"{first} {last}"
        words = f"{METHOD_WORDS[PaymentMethod(method)]} for booking {reference}"
        movements.append(
            (paid_at, MoneyMovement(_local_day(ctx, paid_at), int(amount), payer, words, reference, currency))
        )
    for made_at, amount, reason, currency, _id, reference, company, first, last in given_back:
        payer = company or f"{first} {last}"
        words = f"Refund for booking {reference}" + (f": {reason}" if reason else "")
        movements.append(
            (made_at, MoneyMovement(_local_day(ctx, made_at), -int(amount), payer, words, reference, currency))
        )
    movements.sort(key=lambda pair: pair[0])
    return [movement for _, movement in movements]


# --- the import layouts ------------------------------------------------------------------------------


def _percent(basis_points: int | None) -> str:
    return f"{basis_points / 100:g}%" if basis_points else ""


def _xero_tax_type(document: SalesDocument) -> str:
    return f"{_percent(document.vat_rate_basis_points)} (VAT on Income)" if document.vat else "No VAT"


def _quickbooks_tax_code(document: SalesDocument) -> str:
    return (
        f"{document.vat_rate_basis_points / 100:.1f}% S"
        if document.vat and document.vat_rate_basis_points
        else "No VAT"
    )


XERO_SALES_HEADER = [
    "*ContactName", "EmailAddress", "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate",
    "*Description", "*Quantity", "*UnitAmount", "*AccountCode", "*TaxType", "TaxAmount", "Currency",
]  # fmt: skip
QUICKBOOKS_SALES_HEADER = [
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Memo", "Item(Product/Service)", "ItemDescription",
    "ItemQuantity", "ItemRate", "ItemAmount", "ItemTaxCode", "ItemTaxAmount", "Currency",
]  # fmt: skip
XERO_BANK_HEADER = ["*Date", "*Amount", "Payee", "Description", "Reference"]
QUICKBOOKS_BANK_HEADER = ["Date", "Description", "Amount"]


def xero_sales_csv(documents: list[SalesDocument]) -> bytes:
    """Xero's sales invoice import; amounts include VAT (choose "Tax inclusive" when importing)."""
    return csv_bytes(
        XERO_SALES_HEADER,
        (
            [
                d.customer,
                d.email,
                d.number,
                d.reference,
                uk_date(d.issued_on),
                uk_date(d.due_on),
                d.description,
                1,
                amount_cell(d.gross),
                SALES_ACCOUNT,
                _xero_tax_type(d),
                amount_cell(d.vat),
                d.currency,
            ]
            for d in documents
        ),
    )


def quickbooks_sales_csv(documents: list[SalesDocument]) -> bytes:
    """QuickBooks Online's invoice import; the item amount is net of VAT, the VAT on its own column. A credit
    note (negative) is a credit memo there, which this import does not take: it is in its own file."""
    return _quickbooks_csv([d for d in documents if d.gross >= 0])


def quickbooks_credit_notes_csv(documents: list[SalesDocument]) -> bytes:
    """The period's credit notes in the invoice layout, amounts as positive credit, for credit memos."""
    return _quickbooks_csv([replace(d, net=-d.net, vat=-d.vat, gross=-d.gross) for d in documents if d.gross < 0])


def _quickbooks_csv(documents: list[SalesDocument]) -> bytes:
    return csv_bytes(
        QUICKBOOKS_SALES_HEADER,
        (
            [
                d.number,
                d.customer,
                uk_date(d.issued_on),
                uk_date(d.due_on),
                d.reference,
                "Training course",
                d.description,
                1,
                amount_cell(d.net),
                amount_cell(d.net),
                _quickbooks_tax_code(d),
                amount_cell(d.vat),
                d.currency,
            ]
            for d in documents
        ),
    )


def xero_bank_csv(movements: list[MoneyMovement]) -> bytes:
    """Xero's bank statement import: money in positive, refunds negative."""
    return csv_bytes(
        XERO_BANK_HEADER,
        ([uk_date(m.day), amount_cell(m.amount), m.payer, m.description, m.reference] for m in movements),
    )


def quickbooks_bank_csv(movements: list[MoneyMovement]) -> bytes:
    """QuickBooks Online's three-column bank upload: money in positive, refunds negative."""
    return csv_bytes(
        QUICKBOOKS_BANK_HEADER,
        ([uk_date(m.day), f"{m.payer}: {m.description}", amount_cell(m.amount)] for m in movements),
    )
