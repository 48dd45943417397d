"""Company invoices: issued with the booking, numbered in the centre's own sequence, rendered as PDF.

Prices include VAT: when the centre sets a VAT rate, the invoice shows the VAT contained in the
price on its own line, so the invoice total is always the booking's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fpdf import FPDF
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, Course, CourseSession, Customer, Invoice, PaymentOption, Tenant
from trainhub_ui.booking.states import InvoiceState, invoice_state, settle_invoice
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound

# Payment terms: 30 days, but never later than the centre's balance deadline before the course starts.
PAYMENT_TERMS = timedelta(days=30)


def invoice_number(invoice: Invoice) -> str:
    return f"INV-{invoice.number:05d}"


def vat_in(total: int, rate_basis_points: int | None) -> int:
    """The VAT contained in a VAT-inclusive total, rounded to the penny."""
    if not rate_basis_points:
        return 0
    return round(total * rate_basis_points / (10_000 + rate_basis_points))


def due_date(tenant: Tenant, issued: date, course_starts: date) -> date:
    return max(issued, min(issued + PAYMENT_TERMS, course_starts - timedelta(days=tenant.balance_due_days)))


def new_invoice(
    tenant: Tenant, booking: Booking, course_starts: date, number: int, issued: date, now: datetime
) -> Invoice:
    """The invoice of an INVOICE booking with the given number, issued on `issued` (not yet added)."""
    vat = vat_in(booking.total_amount, tenant.vat_rate_basis_points)
    return Invoice(
        tenant_id=tenant.id,
        booking_id=booking.id,
        number=number,
        issued_on=issued,
        due_on=due_date(tenant, issued, course_starts),
        company_name=booking.company_name,
        billing_email=booking.billing_email,
        po_number=booking.po_number,
        currency=booking.currency,
        net_amount=booking.total_amount - vat,
        vat_rate_basis_points=tenant.vat_rate_basis_points,
        vat_amount=vat,
        total_amount=booking.total_amount,
        created_at=now,
        updated_at=now,
    )


async def issue_invoice(
    session: AsyncSession, ctx: TenantContext, booking: Booking, course_session: CourseSession
) -> Invoice:
    """The invoice of an INVOICE booking, with the centre's next number (taken under the centre row's lock)."""
    number = (
        await session.execute(
            update(Tenant)
            .where(Tenant.id == ctx.tenant_id)
            .values(next_invoice_number=Tenant.next_invoice_number + 1)
            .returning(Tenant.next_invoice_number)
        )
    ).scalar_one() - 1
    invoice = new_invoice(ctx.tenant, booking, course_session.start_date, number, ctx.today(), ctx.now())
    session.add(invoice)
    audit.record(session, ctx, "invoice.issued", "booking", booking.id, number=number)
    return invoice


async def _booking(session: AsyncSession, ctx: TenantContext, booking_id: str) -> Booking:
    booking = await session.scalar(select(Booking).where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id))
    if booking is None:
        raise NotFound("Booking")
    return booking


async def invoice_of(session: AsyncSession, ctx: TenantContext, booking_id: str) -> Invoice:
    booking = await _booking(session, ctx, booking_id)
    invoice = await session.scalar(
        select(Invoice).where(Invoice.tenant_id == ctx.tenant_id, Invoice.booking_id == booking.id)
    )
    if invoice is None:
        raise NotFound("Invoice")
    return invoice


async def mark_paid_if_settled(session: AsyncSession, ctx: TenantContext, booking: Booking) -> None:
    """An invoice is paid once its booking has no balance left."""
    if booking.payment_option is not PaymentOption.INVOICE or booking.balance_due > 0:
        return
    invoice = await session.scalar(
        select(Invoice).where(Invoice.tenant_id == ctx.tenant_id, Invoice.booking_id == booking.id)
    )
    if invoice is not None and invoice_state(invoice) is InvoiceState.ISSUED:
        settle_invoice(invoice, ctx.now())


@dataclass(frozen=True)
class InvoiceLine:
    invoice: Invoice
    reference: str
    customer_name: str
    course_title: str
    balance_due: int


async def list_invoices(
    session: AsyncSession, ctx: TenantContext, *, overdue: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[InvoiceLine], int]:
    """The centre's invoices, newest first; `overdue`: unpaid past their due date, oldest due first."""
    statement = (
        select(Invoice, Booking.reference, Customer.first_name, Customer.last_name, Course.title, Booking.balance_due)
        .join(Booking, Booking.id == Invoice.booking_id)
        .join(Customer, Customer.id == Booking.customer_id)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(Invoice.tenant_id == ctx.tenant_id)
    )
    if overdue:
        statement = statement.where(
            Invoice.paid_at.is_(None),
            Invoice.due_on < ctx.today(),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.balance_due > 0,
        ).order_by(Invoice.due_on, Invoice.number)
    else:
        statement = statement.order_by(Invoice.number.desc())
    total = await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = (await session.execute(statement.limit(limit).offset(offset))).all()
    lines = [
        InvoiceLine(invoice, reference, f"{first} {last}", title, balance)
        for invoice, reference, first, last, title, balance in rows
    ]
    return lines, int(total or 0)


async def invoice_pdf(session: AsyncSession, ctx: TenantContext, booking_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of a booking's invoice."""
    invoice = await invoice_of(session, ctx, booking_id)
    booking = await _booking(session, ctx, booking_id)
    row = (
        await session.execute(
            select(Course.title, CourseSession.start_date, CourseSession.venue, Customer)
            .join(CourseSession, CourseSession.course_id == Course.id)
            .join(Customer, Customer.id == booking.customer_id)
            .where(Course.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id)
        )
    ).one()
    title, start, venue, customer = row
    pdf = _render(ctx.tenant, invoice, booking, title, start, venue or "", customer)
    return f"{invoice_number(invoice)}.pdf", pdf


def _money(amount: int, currency: str) -> str:
    # The PDF's core fonts are Latin-1: the pound sign is there, the euro sign is not.
    symbol = {"GBP": "\u00a3"}.get(currency.upper())
    return f"{symbol}{amount / 100:,.2f}" if symbol else f"{amount / 100:,.2f} {currency.upper()}"


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _render(
    tenant: Tenant, invoice: Invoice, booking: Booking, title: str, start: date, venue: str, customer: Customer
) -> bytes:
    pdf = FPDF(format="A4")
    # Uncompressed, the text can be searched and checked (an invoice is a few kilobytes either way).
    pdf.set_compression(False)
    pdf.set_title(f"Invoice {invoice_number(invoice)}")
    pdf.set_author(_latin1(tenant.name))
    pdf.set_creation_date(datetime.combine(invoice.issued_on, datetime.min.time()))
    pdf.add_page()
    pdf.set_auto_page_break(True, margin=20)

    def line(text: str, size: int = 10, style: str = "", height: float = 5.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    line(tenant.name, 18, "B", 9)
    for part in (tenant.address, tenant.contact_email, tenant.contact_phone):
        if part:
            line(part.replace("\n", ", "))
    pdf.ln(6)
    line(f"Invoice {invoice_number(invoice)}", 16, "B", 8)
    line(f"Issued {invoice.issued_on:%d %B %Y}    Due {invoice.due_on:%d %B %Y}")
    line(f"Booking reference {booking.reference}")
    if invoice.po_number:
        line(f"Purchase order {invoice.po_number}")
    pdf.ln(4)
    line("Bill to", 11, "B")
    for part in (invoice.company_name, f"{customer.first_name} {customer.last_name}", invoice.billing_email):
        if part:
            line(part)
    pdf.ln(6)

    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(140, 7, "Description", border="B")
    pdf.cell(0, 7, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    where = f", {venue}" if venue else ""
    pdf.cell(140, 7, _latin1(f"{title}, starting {start:%d %B %Y}{where}"[:90]))
    pdf.cell(0, 7, _money(invoice.total_amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    totals = []
    if invoice.vat_rate_basis_points:
        rate = f"{invoice.vat_rate_basis_points / 100:g}"
        totals += [("Net", invoice.net_amount), (f"VAT at {rate}% (included)", invoice.vat_amount)]
    totals.append(("Total", invoice.total_amount))
    for label, amount in totals:
        pdf.set_font("Helvetica", "B" if label == "Total" else "", 10)
        pdf.cell(140, 6, label, align="R")
        pdf.cell(0, 6, _money(amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    if tenant.bank_details:
        line("Pay by bank transfer to", 11, "B")
        line(tenant.bank_details)
        line(f"Please quote {booking.reference} with your payment.")
    if invoice.paid_at is not None:
        pdf.ln(4)
        line(f"Paid {invoice.paid_at:%d %B %Y}. Thank you.", 12, "B")
    return bytes(pdf.output())
