"""The accounting export counts what the reports page counts for the same period, in the import layouts of
Xero and QuickBooks Online, on SQLite and PostgreSQL (over the demo centre's year of bookings)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from models import Booking, BookingStatus, Invoice, PaymentOption, StaffRole, Tenant
from trainhub_ui.db import Database
from trainhub_ui.demo.seed import seed_demo
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments.offline import OfflineProvider
from trainhub_ui.services import accounting_export as books
from trainhub_ui.services import reports, workflows
from trainhub_ui.services.report_periods import ReportPeriod


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel and the importers read it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _pence(text: str) -> int:
    return int(Decimal(text) * 100)


async def _centre(db: Database) -> TenantContext:
    async with db.transaction() as session:
        assert await seed_demo(session)
    async with db.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "bristol-gas-training"))
    assert tenant is not None
    return TenantContext(tenant=tenant, actor="test", role=StaffRole.ADMIN)


async def test_the_money_files_count_what_the_reports_page_counts(db: Database) -> None:
    ctx = await _centre(db)
    today = ctx.today()
    period = ReportPeriod(today - timedelta(days=365), today)
    async with db.read() as session:
        movements = await books.money_movements(session, ctx, period)
        by_month = await reports.revenue_by_month(session, ctx, period)
        refund_totals = await reports.refund_totals(session, ctx, period)

    received = sum(m.amount for m in movements if m.amount > 0)
    refunded = -sum(m.amount for m in movements if m.amount < 0)
    assert received == sum(line.paid for line in by_month) > 0
    assert refunded == refund_totals.by_status["SUCCEEDED"][1] > 0

    xero = _rows(books.xero_bank_csv(movements))
    assert xero[0] == ["*Date", "*Amount", "Payee", "Description", "Reference"]
    assert sum(_pence(row[1]) for row in xero[1:]) == received - refunded
    assert all(date(int(row[0][6:]), int(row[0][3:5]), int(row[0][:2])) <= today for row in xero[1:])
    assert any(row[1].startswith("-") for row in xero[1:])  # a refund is a number, not text guarded with a quote

    quickbooks = _rows(books.quickbooks_bank_csv(movements))
    assert quickbooks[0] == ["Date", "Description", "Amount"]
    assert sum(_pence(row[2]) for row in quickbooks[1:]) == received - refunded


async def test_the_sales_files_list_every_invoice_issued_in_the_period_with_its_vat(db: Database) -> None:
    ctx = await _centre(db)
    today = ctx.today()
    period = ReportPeriod(today - timedelta(days=365), today)
    async with db.read() as session:
        documents = await books.sales_documents(session, ctx, period)
        issued = await session.scalar(
            select(func.count()).where(Invoice.tenant_id == ctx.tenant_id, Invoice.issued_on >= period.start)
        )
    assert len(documents) == issued > 0
    assert all(d.net + d.vat == d.gross for d in documents)

    xero = _rows(books.xero_sales_csv(documents))
    assert xero[0][:6] == ["*ContactName", "EmailAddress", "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate"]
    header = xero[0]
    for row, document in zip(xero[1:], documents, strict=True):
        line = dict(zip(header, row, strict=True))
        assert line["*InvoiceNumber"] == document.number
        assert _pence(line["*UnitAmount"]) == document.gross and _pence(line["TaxAmount"]) == document.vat
        assert line["*TaxType"] == ("20% (VAT on Income)" if document.vat else "No VAT")

    quickbooks = _rows(books.quickbooks_sales_csv(documents))
    header = quickbooks[0]
    assert header[:4] == ["InvoiceNo", "Customer", "InvoiceDate", "DueDate"]
    total = 0
    for row in quickbooks[1:]:
        line = dict(zip(header, row, strict=True))
        total += _pence(line["ItemAmount"]) + _pence(line["ItemTaxAmount"])
    assert total == sum(d.gross for d in documents)


async def test_another_centres_money_is_never_in_the_files(db: Database) -> None:
    ctx = await _centre(db)
    async with db.read() as session:
        other = await session.scalar(select(Tenant).where(Tenant.slug != ctx.tenant.slug))
        assert other is not None
        other_ctx = TenantContext(tenant=other, actor="test", role=StaffRole.ADMIN)
        period = ReportPeriod(ctx.today() - timedelta(days=365), ctx.today())
        ours = await books.money_movements(session, ctx, period)
        theirs = await books.money_movements(session, other_ctx, period)
    assert {m.reference for m in ours}.isdisjoint({m.reference for m in theirs})


async def test_a_credit_note_is_a_negative_row_for_xero_and_its_own_file_for_quickbooks(db: Database) -> None:
    ctx = await _centre(db)
    async with db.read() as session:
        booking = await session.scalar(
            select(Booking).where(
                Booking.tenant_id == ctx.tenant_id,
                Booking.payment_option == PaymentOption.INVOICE,
                Booking.status == BookingStatus.CONFIRMED,
                Booking.balance_due > 0,
            )
        )
    assert booking is not None
    await workflows.cancel_and_refund(db, ctx, OfflineProvider(), booking.id, "The company cancelled")
    period = ReportPeriod(ctx.today() - timedelta(days=365), ctx.today())
    async with db.read() as session:
        documents = await books.sales_documents(session, ctx, period)
    [note] = [d for d in documents if d.number.startswith("CN-")]
    assert note.gross == -booking.total_amount and note.net + note.vat == note.gross
    assert note.reference.startswith("INV-")

    xero = _rows(books.xero_sales_csv(documents))
    assert next(row for row in xero if row[2] == note.number)[8] == f"-{Decimal(booking.total_amount) / 100:.2f}"
    assert note.number not in {row[0] for row in _rows(books.quickbooks_sales_csv(documents))}
    [credit] = _rows(books.quickbooks_credit_notes_csv(documents))[1:]
    assert credit[0] == note.number and _pence(credit[9]) + _pence(credit[11]) == booking.total_amount
