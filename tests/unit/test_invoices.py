"""Company invoices on SQLite and PostgreSQL: numbering per centre, VAT, due dates, the PDF, overdue."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from models import Invoice, PaymentOption, Tenant
from tests import factories
from tests.factories import Clock
from tests.pdf_text import after, pdf_text, pence
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.invoice_pdf import render_invoice
from trainhub_ui.services.invoices import due_date, invoice_pdf, list_invoices, vat_in
from trainhub_ui.services.payments import record_bank_transfer

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def _centre(db: Database, slug: str, students: int = 3, **settings: object):
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug, slug.title())
        for name, value in settings.items():
            setattr(tenant, name, value)
        course = await factories.course(session, tenant, price=60000)
        course_session = await factories.course_session(session, course, start=date(2027, 3, 1))
        people = [await factories.customer(session, tenant, f"s{n}@{slug}.example") for n in range(students)]
    return TenantContext(tenant=tenant, clock=Clock(NOW)), course_session.id, [p.id for p in people]


async def _invoice_booking(db: Database, ctx: TenantContext, session_id: str, customer_id: str):
    async with db.transaction() as session:
        return await create_booking(
            session,
            ctx,
            BookingRequest(
                customer_id=customer_id,
                session_id=session_id,
                payment_option=PaymentOption.INVOICE,
                company_name="Severn Heating Ltd",
                billing_email="accounts@severn.example",
                po_number="PO-7781",
                billing_address="Severn Heating Ltd\n4 Quay Street\nGloucester GL1 2AB",
            ),
        )


async def _invoices(db: Database, tenant: Tenant) -> list[Invoice]:
    async with db.read() as session:
        return list(await session.scalars(select(Invoice).where(Invoice.tenant_id == tenant.id)))


def test_vat_contained_in_a_price() -> None:
    assert vat_in(60000, 2000) == 10000  # 20 % VAT inside £600: £100
    assert vat_in(49500, 2000) == 8250
    assert vat_in(49500, None) == 0 and vat_in(49500, 0) == 0


def test_due_date_is_thirty_days_or_the_balance_deadline() -> None:
    ctx = TenantContext(tenant=Tenant(slug="c", name="C", balance_due_days=14))
    issued = date(2026, 11, 24)
    assert due_date(ctx.tenant, issued, date(2027, 3, 1)) == date(2026, 12, 24)
    assert due_date(ctx.tenant, issued, date(2026, 12, 20)) == date(2026, 12, 6)
    assert due_date(ctx.tenant, issued, date(2026, 11, 30)) == issued  # never before it is issued


async def test_each_centre_numbers_its_own_invoices(db: Database) -> None:
    a, a_session, a_people = await _centre(db, "alpha-gas")
    b, b_session, b_people = await _centre(db, "beta-heat")
    # Three at once in one centre: three numbers, no gaps, no repeats.
    await asyncio.gather(*(_invoice_booking(db, a, a_session, person) for person in a_people))
    await _invoice_booking(db, b, b_session, b_people[0])
    assert sorted(i.number for i in await _invoices(db, a.tenant)) == [1, 2, 3]
    assert [i.number for i in await _invoices(db, b.tenant)] == [1]
    async with db.read() as session:
        assert (await session.get(Tenant, a.tenant.id)).next_invoice_number == 4


async def test_card_bookings_get_no_invoice(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas")
    async with db.transaction() as session:
        await create_booking(session, ctx, BookingRequest(customer_id=people[0], session_id=session_id))
    assert await _invoices(db, ctx.tenant) == []


SUPPLIER = {
    "legal_name": "Alpha Gas Training Ltd",
    "address": "Unit 4, Avon Trade Park\nBristol BS2 0QY",
    "vat_number": "GB123456789",
    "vat_rate_basis_points": 2000,
    "bank_details": "Sort code 12-34-56, account 87654321",
}


async def test_invoice_is_a_complete_uk_vat_invoice(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    [invoice] = await _invoices(db, ctx.tenant)
    assert (invoice.net_amount, invoice.vat_amount, invoice.total_amount) == (50000, 10000, 60000)
    assert invoice.due_on == date(2026, 12, 24) and invoice.po_number == "PO-7781"
    assert invoice.tax_point == invoice.issued_on == date(2026, 11, 24)
    async with db.read() as session:
        name, pdf = await invoice_pdf(session, ctx, booking.id)
    assert name == "INV-00001.pdf" and pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for required in (
        "VAT invoice",
        "Alpha Gas Training Ltd",  # the supplier's legal name
        "Unit 4, Avon Trade Park",  # and address
        "Bristol BS2 0QY",
        "VAT registration number GB123456789",
        "Severn Heating Ltd",  # the customer
        "4 Quay Street",  # and its billing address
        "Gloucester GL1 2AB",
        "Invoice number INV-00001",
        "Invoice date 24 November 2026",
        "Tax point (date of supply) 24 November 2026",
        "Purchase order PO-7781",
        "Sam Student",  # who attends
        "ACS CCN1",  # what is supplied
        "Qty",
        "Unit net",
        "VAT rate",
        "20%",
        "Due by 24 December 2026",
        "Sort code 12-34-56, account 87654321",
        "Payment reference INV-00001",
    ):
        assert required in text, f"{required!r} missing from:\n{text}"
    # One reference to quote with the payment; the booking reference once, on its line.
    assert text.count("Payment reference") == 1 and text.count("quote") <= 1
    assert text.count(booking.reference) == 1
    # Each line and the totals add up: unit net + VAT = gross; total net + total VAT = total.
    unit_net, line_vat, line_gross, net, vat, gross = pence(after(text, "Gross"))[:6]
    assert (unit_net, line_vat, line_gross) == (50000, 10000, 60000)
    assert unit_net + line_vat == line_gross and net + vat == gross == 60000
    assert (net, vat) == (invoice.net_amount, invoice.vat_amount)


async def test_an_issued_invoice_keeps_what_it_showed(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas", **SUPPLIER)
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    async with db.transaction() as session:
        tenant = await session.get(Tenant, ctx.tenant.id)
        assert tenant is not None
        tenant.legal_name, tenant.vat_number, tenant.bank_details = "Renamed Ltd", "GB999999999", "Elsewhere"
        tenant.address = "Somewhere else"
    later = TenantContext(tenant=tenant, clock=Clock(NOW))
    async with db.read() as session:
        _name, pdf = await invoice_pdf(session, later, booking.id)
    text = pdf_text(pdf)
    assert "Alpha Gas Training Ltd" in text and "GB123456789" in text and "Sort code 12-34-56" in text
    assert "Renamed" not in text and "GB999999999" not in text and "Elsewhere" not in text


async def test_without_a_vat_rate_the_invoice_says_no_vat_is_charged(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas")
    booking = await _invoice_booking(db, ctx, session_id, people[0])
    async with db.read() as session:
        _name, pdf = await invoice_pdf(session, ctx, booking.id)
    text = pdf_text(pdf)
    assert "VAT invoice" not in text and "No VAT is charged" in text
    unit_net, line_vat, line_gross, net, vat, gross = pence(after(text, "Gross"))[:6]
    assert (unit_net, line_vat, line_gross, net, vat, gross) == (60000, 0, 60000, 60000, 0, 60000)


async def test_bank_transfer_pays_the_invoice_and_overdue_lists_the_rest(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas")
    paid = await _invoice_booking(db, ctx, session_id, people[0])
    unpaid = await _invoice_booking(db, ctx, session_id, people[1])
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, paid.id, 60000, "BACS")
    later = TenantContext(tenant=ctx.tenant, clock=Clock(NOW + timedelta(days=31)))
    async with db.read() as session:
        overdue, total = await list_invoices(session, later, overdue=True)
        everything, count = await list_invoices(session, later)
        not_yet, none = await list_invoices(session, ctx, overdue=True)
    assert total == 1 and [line.reference for line in overdue] == [unpaid.reference]
    assert count == 2 and {line.invoice.paid_at is not None for line in everything} == {True, False}
    assert none == 0 and not_yet == []


async def test_invoices_page_in_sql_newest_first(db: Database) -> None:
    ctx, session_id, people = await _centre(db, "alpha-gas")
    booked = [await _invoice_booking(db, ctx, session_id, person) for person in people[:2]]
    async with db.read() as session:
        first, total = await list_invoices(session, ctx, limit=1)
        second, again = await list_invoices(session, ctx, limit=1, offset=1)
        beyond, still = await list_invoices(session, ctx, limit=1, offset=2)
    assert total == again == still == 2
    assert [line.reference for line in first + second] == [b.reference for b in reversed(booked)]
    assert beyond == []


def test_dashes_quotes_and_the_euro_print_as_typed() -> None:
    invoice = Invoice(
        number=7,
        issued_on=date(2026, 11, 24),
        tax_point=date(2026, 11, 24),
        due_on=date(2026, 12, 24),
        company_name="O\u2019Brien Heating Ltd",
        billing_address="1 Quay \u2013 Dock Road\nCork",
        customer_name="Sam Student",
        po_number="",
        billing_email="",
        supplier_name="Alpha Gas Training Ltd",
        supplier_address="Unit 4",
        supplier_vat_number="GB123456789",
        bank_details="IBAN IE00 0000",
        description="ACS CCN1: one place at Avonmouth \u2014 rig hall",
        currency="EUR",
        net_amount=50000,
        vat_rate_basis_points=2000,
        vat_amount=10000,
        total_amount=60000,
        credited_amount=0,
    )
    text = pdf_text(render_invoice(invoice, "AGX-AAAAA", invoice.description))
    for typed in ("Avonmouth \u2014 rig", "O\u2019Brien Heating Ltd", "Quay \u2013 Dock Road", "\u20ac600.00"):
        assert typed in text, f"{typed!r} missing from:\n{text}"
    assert "?" not in text
    # Written in the centre's locale, as its pages and emails are: an Irish centre as Britain, an American
    # one month first.
    assert "\u20ac600.00" in pdf_text(render_invoice(invoice, "AGX-AAAAA", invoice.description, "en_IE"))
    american = pdf_text(render_invoice(invoice, "AGX-AAAAA", invoice.description, "en_US"))
    assert f"{invoice.issued_on:%B} {invoice.issued_on.day}, {invoice.issued_on.year}" in american
