"""Credit notes: an issued invoice is never edited, so what is taken back from it (a cancellation, a refund)
is a credit note of its own, numbered in the centre's own sequence (CN-00001, ...), referring to the
invoice, with the credited net, VAT and gross.

When one is issued:
- cancelling an invoiced booking credits what was still unpaid of it (the company owes it no longer);
- a refund of money paid against an invoice credits the amount refunded, once the refund has gone through.
Together they never credit more than the invoice: what stays uncredited is what the centre kept. Each credit
note is emailed as a PDF to whoever the invoice is billed to.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CreditNote, Customer, Invoice, PaymentOption, Tenant
from trainhub_ui.booking.states import credit_invoice
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.notify import invoice_emails

from .invoice_pdf import credit_note_number, invoice_number, render_credit_note
from .invoices import booking_line, vat_in


async def _next_number(session: AsyncSession, ctx: TenantContext) -> int:
    # Taken under the centre row's lock, like invoice numbers: no gaps, no repeats under concurrency.
    return (
        await session.execute(
            update(Tenant)
            .where(Tenant.id == ctx.tenant_id)
            .values(next_credit_note_number=Tenant.next_credit_note_number + 1)
            .returning(Tenant.next_credit_note_number)
        )
    ).scalar_one() - 1


async def credit(
    session: AsyncSession, ctx: TenantContext, booking: Booking, amount: int, reason: str
) -> CreditNote | None:
    """A credit note for `amount` of the booking's invoice (at most what is left uncredited of it); None
    when the booking has no invoice or nothing is left to credit."""
    if booking.payment_option is not PaymentOption.INVOICE or amount <= 0:
        return None
    invoice = await session.scalar(
        select(Invoice)
        .where(Invoice.tenant_id == ctx.tenant_id, Invoice.booking_id == booking.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        return None
    left = invoice.total_amount - invoice.credited_amount
    amount = min(amount, left)
    if amount <= 0:
        return None
    if amount == left:
        # The last of the invoice: its VAT exactly, so the invoice and its credit notes net to nothing.
        credited_vat = await session.scalar(
            select(func.coalesce(func.sum(CreditNote.vat_amount), 0)).where(CreditNote.invoice_id == invoice.id)
        )
        vat = max(0, min(amount, invoice.vat_amount - int(credited_vat or 0)))
    else:
        vat = vat_in(amount, invoice.vat_rate_basis_points)
    now = ctx.now()
    number = await _next_number(session, ctx)
    note = CreditNote(
        tenant_id=ctx.tenant_id,
        invoice_id=invoice.id,
        number=number,
        issued_on=ctx.today(),
        reason=reason,
        currency=invoice.currency,
        net_amount=amount - vat,
        vat_rate_basis_points=invoice.vat_rate_basis_points,
        vat_amount=vat,
        total_amount=amount,
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    credit_invoice(invoice, amount, now)
    audit.record(
        session,
        ctx,
        "credit_note.issued",
        "booking",
        booking.id,
        number=number,
        invoice=invoice.number,
        amount=amount,
        reason=reason,
    )
    await session.flush()
    customer = await session.get(Customer, booking.customer_id)
    assert customer is not None
    _reference, description = await booking_line(session, ctx, invoice)
    await invoice_emails.credit_note_issued(
        session,
        ctx,
        booking,
        customer,
        invoice,
        note,
        invoice_number=invoice_number(invoice),
        number=credit_note_number(note),
        pdf=render_credit_note(note, invoice, description, ctx.tenant.locale),
    )
    return note


async def credit_unpaid_on_cancel(
    session: AsyncSession, ctx: TenantContext, booking: Booking, unpaid: int, reason: str
) -> CreditNote | None:
    """An invoiced booking was cancelled: what was still unpaid of its invoice is owed no longer."""
    why = f"Booking {booking.reference} cancelled" + (f": {reason}" if reason else "")
    return await credit(session, ctx, booking, unpaid, why)


async def credit_refund(
    session: AsyncSession, ctx: TenantContext, booking: Booking, refunded: int, reason: str
) -> CreditNote | None:
    """Money paid against the invoice has gone back: the invoice is credited by as much."""
    why = f"Refund on booking {booking.reference}" + (f": {reason}" if reason else "")
    return await credit(session, ctx, booking, refunded, why)


async def credit_notes_of(session: AsyncSession, ctx: TenantContext, booking_id: str) -> list[CreditNote]:
    """The credit notes of a booking's invoice, oldest first (none for a booking without an invoice)."""
    return list(
        await session.scalars(
            select(CreditNote)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(
                CreditNote.tenant_id == ctx.tenant_id,
                Invoice.tenant_id == ctx.tenant_id,
                Invoice.booking_id == booking_id,
            )
            .order_by(CreditNote.number)
        )
    )


async def credit_note_pdf(
    session: AsyncSession, ctx: TenantContext, booking_id: str, credit_note_id: str
) -> tuple[str, bytes]:
    """(file name, PDF) of one credit note of a booking; another booking's or centre's is NotFound."""
    row = (
        await session.execute(
            select(CreditNote, Invoice)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(
                CreditNote.tenant_id == ctx.tenant_id,
                CreditNote.id == credit_note_id,
                Invoice.tenant_id == ctx.tenant_id,
                Invoice.booking_id == booking_id,
            )
        )
    ).first()
    if row is None:
        raise NotFound("Credit note")
    note, invoice = row
    _reference, description = await booking_line(session, ctx, invoice)
    return f"{credit_note_number(note)}.pdf", render_credit_note(note, invoice, description, ctx.tenant.locale)
