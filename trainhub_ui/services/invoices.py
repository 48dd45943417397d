"""Company invoices: issued with the booking, numbered in the centre's own sequence; the PDF is drawn by
`invoice_pdf`, credit notes are `credit_notes`.

Prices include VAT: when the centre sets a VAT rate, the invoice shows the net price and the VAT contained
in it, so the invoice total is always the booking's total. An invoice keeps what it showed when issued
(the centre's legal name, address, VAT number and bank details; the company and its billing address; the
line): an issued invoice is never edited. A booking moved to another date of the same course keeps its
invoice: the place sold and its price are the same, and its confirmation carries the new date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, Course, CourseSession, Customer, Invoice, PaymentOption, Tenant
from trainhub_ui.booking.states import INVOICE, invoice_state, settle_invoice
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.notify import invoice_emails

from .invoice_pdf import invoice_number, render_invoice

# Payment terms: 30 days, but never later than the centre's balance deadline before the course starts.
PAYMENT_TERMS = timedelta(days=30)


def vat_in(total: int, rate_basis_points: int | None) -> int:
    """The VAT contained in a VAT-inclusive total, rounded to the penny."""
    if not rate_basis_points:
        return 0
    return round(total * rate_basis_points / (10_000 + rate_basis_points))


def due_date(tenant: Tenant, issued: date, course_starts: date) -> date:
    return max(issued, min(issued + PAYMENT_TERMS, course_starts - timedelta(days=tenant.balance_due_days)))


def line_description(title: str, start: date, venue: str) -> str:
    """What the invoice's one line supplies: a place on a dated course."""
    where = f" at {venue}" if venue else ""
    return f"{title}: one place on the course starting {start.day} {start:%B %Y}{where}"


def new_invoice(
    tenant: Tenant,
    booking: Booking,
    course_starts: date,
    number: int,
    issued: date,
    now: datetime,
    *,
    customer_name: str = "",
    description: str = "",
) -> Invoice:
    """The invoice of an INVOICE booking with the given number, issued on `issued` (not yet added), with
    what it shows taken now from the centre and the booking."""
    vat = vat_in(booking.total_amount, tenant.vat_rate_basis_points)
    return Invoice(
        tenant_id=tenant.id,
        booking_id=booking.id,
        number=number,
        issued_on=issued,
        tax_point=issued,  # the date of supply for VAT: the invoice's date, as it says
        due_on=due_date(tenant, issued, course_starts),
        company_name=booking.company_name,
        billing_email=booking.billing_email,
        billing_address=booking.billing_address,
        po_number=booking.po_number,
        customer_name=customer_name,
        description=description,
        supplier_name=tenant.legal_name or tenant.name,
        supplier_address=tenant.address,
        supplier_vat_number=tenant.vat_number,
        bank_details=tenant.bank_details,
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
    """The invoice of an INVOICE booking, with the centre's next number (taken under the centre row's lock),
    emailed as a PDF to whoever it is billed to."""
    number = (
        await session.execute(
            update(Tenant)
            .where(Tenant.id == ctx.tenant_id)
            .values(next_invoice_number=Tenant.next_invoice_number + 1)
            .returning(Tenant.next_invoice_number)
        )
    ).scalar_one() - 1
    course = await session.get(Course, course_session.course_id)
    customer = await session.get(Customer, booking.customer_id)
    assert course is not None and customer is not None
    invoice = new_invoice(
        ctx.tenant,
        booking,
        course_session.start_date,
        number,
        ctx.today(),
        ctx.now(),
        customer_name=f"{customer.first_name} {customer.last_name}",
        description=line_description(course.title, course_session.start_date, course_session.venue or ""),
    )
    session.add(invoice)
    audit.record(session, ctx, "invoice.issued", "booking", booking.id, number=number)
    await session.flush()
    pdf = render_invoice(invoice, booking.reference, invoice.description, ctx.tenant.locale)
    await invoice_emails.invoice_issued(
        session,
        ctx,
        booking,
        customer,
        invoice,
        number=invoice_number(invoice),
        description=invoice.description,
        pdf=pdf,
    )
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
    if invoice is not None and INVOICE.allows(invoice_state(invoice), "settle"):
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


async def booking_line(session: AsyncSession, ctx: TenantContext, invoice: Invoice) -> tuple[str, str]:
    """(booking reference, line description) of an invoice; an invoice issued before descriptions were kept
    describes its course as it is now."""
    booking = await _booking(session, ctx, invoice.booking_id)
    if invoice.description:
        return booking.reference, invoice.description
    title, start, venue = (
        await session.execute(
            select(Course.title, CourseSession.start_date, CourseSession.venue)
            .join(CourseSession, CourseSession.course_id == Course.id)
            .where(Course.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id)
        )
    ).one()
    return booking.reference, line_description(title, start, venue or "")


async def invoice_pdf(session: AsyncSession, ctx: TenantContext, booking_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of a booking's invoice."""
    invoice = await invoice_of(session, ctx, booking_id)
    reference, description = await booking_line(session, ctx, invoice)
    return f"{invoice_number(invoice)}.pdf", render_invoice(invoice, reference, description, ctx.tenant.locale)
