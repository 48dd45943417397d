"""Invoices and credit notes by email: each one, as its PDF, to whoever the invoice is billed to (the company's
billing email, or else the student), queued in the transaction that issues it, once; and, before a guest's
company invoice is issued, the request to confirm it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CreditNote, Customer, Invoice, OutboxEmail
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time, day_text, money

from .outbox import Attachment, queue
from .render import render

PDF = "application/pdf"


def _addressee(invoice: Invoice, customer: Customer) -> tuple[str, str]:
    """(email, how to greet) of whoever the invoice is billed to."""
    email = invoice.billing_email or customer.email
    if invoice.billing_email and invoice.company_name:
        return email, invoice.company_name
    return email, customer.first_name


def _invoice_values(ctx: TenantContext, invoice: Invoice, number: str, description: str) -> dict[str, str]:
    locale = ctx.tenant.locale
    return {
        "number": number,
        "description": description,
        "total": money(invoice.total_amount, invoice.currency, locale),
        "vat": money(invoice.vat_amount, invoice.currency, locale) if invoice.vat_amount else "",
        "issued_on": day_text(invoice.issued_on, locale, "date"),
        "due_on": day_text(invoice.due_on, locale, "day"),
        "po_number": invoice.po_number,
        "bank_details": invoice.bank_details,
    }


async def invoice_issued(
    session: AsyncSession,
    ctx: TenantContext,
    booking: Booking,
    customer: Customer,
    invoice: Invoice,
    *,
    number: str,
    description: str,
    pdf: bytes,
) -> OutboxEmail | None:
    """The new invoice, attached, with how and by when to pay it."""
    to, greeting = _addressee(invoice, customer)
    email = render(
        "invoice_issued",
        ctx.tenant,
        to,
        {
            "greeting": greeting,
            "reference": booking.reference,
            "invoice": _invoice_values(ctx, invoice, number, description),
        },
        [Attachment(f"{number}.pdf", PDF, pdf)],
    )
    return await queue(session, ctx, email, booking_id=booking.id, dedupe_key=f"invoice:{invoice.id}")


async def credit_note_issued(
    session: AsyncSession,
    ctx: TenantContext,
    booking: Booking,
    customer: Customer,
    invoice: Invoice,
    note: CreditNote,
    *,
    invoice_number: str,
    number: str,
    pdf: bytes,
) -> OutboxEmail | None:
    """A credit note against an invoice already sent, attached, saying what it takes off."""
    to, greeting = _addressee(invoice, customer)
    locale = ctx.tenant.locale
    left = invoice.total_amount - invoice.credited_amount
    email = render(
        "credit_note_issued",
        ctx.tenant,
        to,
        {
            "greeting": greeting,
            "reference": booking.reference,
            "invoice": {"number": invoice_number, "po_number": invoice.po_number},
            "credit_note": {
                "number": number,
                "total": money(note.total_amount, note.currency, locale),
                "reason": note.reason,
                "issued_on": day_text(note.issued_on, locale, "date"),
            },
            "still_invoiced": money(left, invoice.currency, locale) if left > 0 else "",
        },
        [Attachment(f"{number}.pdf", PDF, pdf)],
    )
    return await queue(session, ctx, email, booking_id=booking.id, dedupe_key=f"credit-note:{note.id}")


async def invoice_confirmation(
    session: AsyncSession,
    ctx: TenantContext,
    booking: Booking,
    customer: Customer,
    *,
    url: str,
    course: str,
    dates: str,
) -> OutboxEmail | None:
    """To whoever a guest's company invoice would be billed to: confirm it by the link, or say it is not theirs.
    Sent again on request (each with a new link), so never deduplicated."""
    to = booking.billing_email or customer.email
    locale = ctx.tenant.locale
    email = render(
        "invoice_confirmation",
        ctx.tenant,
        to,
        {
            "greeting": booking.company_name if booking.billing_email and booking.company_name else customer.first_name,
            "student": f"{customer.first_name} {customer.last_name}".strip(),
            "company": booking.company_name,
            "po_number": booking.po_number,
            "billing_address": booking.billing_address,
            "reference": booking.reference,
            "course": course,
            "dates": dates,
            "total": money(booking.total_amount, booking.currency, locale),
            "held_until": day_and_time(ctx.tenant, booking.hold_expires_at) if booking.hold_expires_at else "",
            "url": url,
        },
    )
    return await queue(session, ctx, email, booking_id=booking.id)
