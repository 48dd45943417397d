"""Credit notes on SQLite and PostgreSQL: an issued invoice is never edited; a cancellation or a refund of
an invoiced booking is a credit note of its own, numbered per centre, referring to the invoice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import CreditNote, Invoice, PaymentOption
from tests.pdf_text import after, pdf_text, pence
from tests.unit.test_invoices import SUPPLIER, _centre, _invoice_booking
from trainhub_ui.booking.states import InvoiceState, invoice_state
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import credit_notes, workflows
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.payments import record_bank_transfer
from trainhub_ui.services.refunds import refund_booking


async def _state(db: Database, ctx: TenantContext) -> tuple[Invoice, list[CreditNote]]:
    async with db.read() as session:
        invoice = await session.scalar(select(Invoice).where(Invoice.tenant_id == ctx.tenant_id))
        notes = list(
            await session.scalars(
                select(CreditNote).where(CreditNote.tenant_id == ctx.tenant_id).order_by(CreditNote.number)
            )
        )
    assert invoice is not None
    return invoice, notes


async def _pay(db: Database, ctx: TenantContext, booking_id: str, amount: int) -> None:
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, booking_id, amount, "BACS")


def _figures(note: CreditNote) -> tuple[int, int, int]:
    return note.net_amount, note.vat_amount, note.total_amount


async def test_cancelling_an_unpaid_invoice_credits_all_of_it(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    before, _ = await _state(db, ctx)
    await workflows.cancel_and_refund(db, ctx, OfflineProvider(), booking.id, "The company cancelled")
    invoice, [note] = await _state(db, ctx)
    # The invoice shows what it showed; only its credited amount and so its state follow.
    assert (invoice.net_amount, invoice.vat_amount, invoice.total_amount) == (50000, 10000, 60000)
    assert (invoice.issued_on, invoice.updated_at >= before.updated_at) == (before.issued_on, True)
    assert invoice.credited_amount == 60000 and invoice_state(invoice) is InvoiceState.CREDITED
    assert note.number == 1 and note.invoice_id == invoice.id and note.issued_on == date(2026, 11, 24)
    assert _figures(note) == (50000, 10000, 60000)
    assert "The company cancelled" in note.reason

    async with db.read() as session:
        [listed] = await credit_notes.credit_notes_of(session, ctx, booking.id)
        name, pdf = await credit_notes.credit_note_pdf(session, ctx, booking.id, listed.id)
    assert name == "CN-00001.pdf"
    text = pdf_text(pdf)
    for required in (
        "Credit note",
        "Credit note number CN-00001",
        "Credit note date 24 November 2026",
        "Credits invoice INV-00001",
        "Alpha Gas Training Ltd",
        "Unit 4, Avon Trade Park",
        "VAT registration number GB123456789",
        "Severn Heating Ltd",
        "4 Quay Street",
        "ACS CCN1",
        "20%",
        "The company cancelled",
    ):
        assert required in text, f"{required!r} missing from:\n{text}"
    unit_net, line_vat, line_gross, net, vat, gross = pence(after(text, "Gross"))[:6]
    assert (unit_net, line_vat, line_gross) == (net, vat, gross) == (50000, 10000, 60000)
    assert unit_net + line_vat == line_gross and net + vat == gross


async def test_a_refund_of_a_paid_invoice_is_credited_once_it_has_gone_back(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    await _pay(db, ctx, booking.id, 60000)
    await refund_booking(db, ctx, OfflineProvider(), booking.id, 12000, "Goodwill: the first day was moved")
    invoice, [note] = await _state(db, ctx)
    assert _figures(note) == (10000, 2000, 12000) and "Goodwill" in note.reason
    assert invoice.credited_amount == 12000 and invoice_state(invoice) is InvoiceState.PAID
    # Cancelled later with everything refunded: the rest is credited, its VAT exactly what is left.
    await workflows.cancel_and_refund(db, ctx, OfflineProvider(), booking.id, "Course no longer needed", "FULL")
    invoice, notes = await _state(db, ctx)
    assert [n.number for n in notes] == [1, 2] and _figures(notes[1]) == (40000, 8000, 48000)
    assert sum(n.vat_amount for n in notes) == invoice.vat_amount
    assert invoice.credited_amount == invoice.total_amount and invoice_state(invoice) is InvoiceState.CREDITED


async def test_what_the_centre_keeps_stays_invoiced(db: Database) -> None:
    """Part paid, then cancelled with nothing refunded: the unpaid part is credited, the paid part stays."""
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    await _pay(db, ctx, booking.id, 18000)
    await workflows.cancel_and_refund(db, ctx, OfflineProvider(), booking.id, "Late cancellation", "NONE")
    invoice, [note] = await _state(db, ctx)
    assert _figures(note) == (35000, 7000, 42000)
    assert invoice.credited_amount == 42000 and invoice_state(invoice) is InvoiceState.PART_CREDITED


async def test_each_centre_numbers_its_own_credit_notes_and_never_credits_more_than_the_invoice(
    db: Database,
) -> None:
    a, a_session, a_people = await _centre(db, "alpha-gas")
    b, b_session, b_people = await _centre(db, "beta-heat")
    for person in a_people[:2]:
        placed = await _invoice_booking(db, a, a_session, person)
        await workflows.cancel_and_refund(db, a, OfflineProvider(), placed.id, "Cancelled")
    other = await _invoice_booking(db, b, b_session, b_people[0])
    await workflows.cancel_and_refund(db, b, OfflineProvider(), other.id, "Cancelled")
    async with db.read() as session:
        a_numbers = [
            n.number for n in await session.scalars(select(CreditNote).where(CreditNote.tenant_id == a.tenant_id))
        ]
        b_numbers = [
            n.number for n in await session.scalars(select(CreditNote).where(CreditNote.tenant_id == b.tenant_id))
        ]
    assert a_numbers == [1, 2] and b_numbers == [1]
    # Nothing is left of a fully credited invoice: a further credit is no credit note.
    async with db.transaction() as session:
        assert await credit_notes.credit(session, b, other, 5000, "again") is None
    # Another centre's credit note is missing, like any other id of theirs.
    async with db.read() as session:
        [note] = await credit_notes.credit_notes_of(session, b, other.id)
        with pytest.raises(NotFound):
            await credit_notes.credit_note_pdf(session, a, other.id, note.id)


async def test_card_bookings_get_no_credit_note(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas")
    async with db.transaction() as session:
        booking = await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=people[0], session_id=session_id, payment_option=PaymentOption.FULL),
        )
    await workflows.cancel_and_refund(db, ctx, OfflineProvider(), booking.id, "Changed their mind")
    async with db.read() as session:
        assert list(await session.scalars(select(CreditNote))) == []
