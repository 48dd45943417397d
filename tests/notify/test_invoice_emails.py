"""Invoices and credit notes go out by email with their PDF, to whoever the invoice is billed to, once each;
on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

from sqlalchemy import select

from models import OutboxEmail, PaymentOption
from tests.pdf_text import pdf_text
from tests.unit.test_invoices import SUPPLIER, _centre, _invoice_booking
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import workflows
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.payments import record_bank_transfer
from trainhub_ui.services.refunds import refund_booking


async def _outbox(db: Database, ctx: TenantContext, kind: str) -> list[OutboxEmail]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(OutboxEmail)
                .where(OutboxEmail.tenant_id == ctx.tenant_id, OutboxEmail.kind == kind)
                .order_by(OutboxEmail.created_at)
            )
        )


def _attached_pdf(email: OutboxEmail) -> tuple[str, str]:
    [attachment] = email.attachments
    assert attachment["contentType"] == "application/pdf"
    return attachment["filename"], pdf_text(base64.b64decode(attachment["content"]))


async def test_a_new_invoice_is_emailed_to_the_billing_address_with_its_pdf(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    [email] = await _outbox(db, ctx, "invoice_issued")
    assert email.to_address == "accounts@severn.example" and email.booking_id == booking.id
    assert email.subject == "Invoice INV-00001 from Alpha-Gas: £600.00"
    assert "Hello Severn Heating Ltd," in email.body_text
    assert "Your purchase order: PO-7781." in email.body_text
    assert "Amount due: £600.00 (including £100.00 VAT), by" in email.body_text
    assert (
        "Sort code 12-34-56, account 87654321" in email.body_text and "Payment reference: INV-00001" in email.body_text
    )
    assert "Alpha-Gas" in email.body_text.split("--")[-1]  # the centre's footer, as on every email
    name, text = _attached_pdf(email)
    assert name == "INV-00001.pdf" and "Invoice number INV-00001" in text and "Severn Heating Ltd" in text
    assert 'white-space:pre-line;">Sort code 12-34-56' in email.body_html


async def test_an_invoice_without_a_billing_email_goes_to_the_student(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas")
    async with db.transaction() as session:
        await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=people[1], session_id=session_id, payment_option=PaymentOption.INVOICE),
        )
    [email] = await _outbox(db, ctx, "invoice_issued")
    assert email.to_address == "s1@alpha-gas.example" and "Hello Sam," in email.body_text
    assert "VAT" not in email.body_text.split("Amount due")[1].split("\n")[0]  # no VAT rate set: none shown


async def test_each_credit_note_is_emailed_once_with_its_pdf(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, booking.id, 60000, "BACS")
    await refund_booking(db, ctx, OfflineProvider(), booking.id, 12000, "Lunch not provided")
    first = await _outbox(db, ctx, "credit_note_issued")
    assert len(first) == 1
    assert first[0].subject == "Credit note CN-00001 against invoice INV-00001: £120.00"
    assert first[0].to_address == "accounts@severn.example"
    assert "£480.00 of the invoice still stands." in first[0].body_text
    assert "Lunch not provided" in first[0].body_text
    name, text = _attached_pdf(first[0])
    assert name == "CN-00001.pdf" and "Credits invoice INV-00001" in text

    await workflows.cancel_and_refund(db, ctx, OfflineProvider(), booking.id, "The company cancelled")
    notes = await _outbox(db, ctx, "credit_note_issued")
    assert [n.subject.split(" against")[0] for n in notes] == ["Credit note CN-00001", "Credit note CN-00002"]
    assert "Nothing is owed on this invoice any more" in notes[1].body_text
    assert len(await _outbox(db, ctx, "invoice_issued")) == 1  # the invoice itself went once
