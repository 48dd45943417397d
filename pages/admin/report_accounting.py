"""The reports page's files for the centre's accountant: the period's sales invoices and its money in and out,
laid out for Xero's and QuickBooks Online's imports (`docs/accounting.md` gives each column)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from pages.admin.report_parts import Report
from trainhub_ui.db import database
from trainhub_ui.services import accounting_export as books


def accounting(report: Report) -> None:
    with report.section(
        "For your accountant",
        "The period's sales invoices, and the money received and refunded (as the revenue and refunds above "
        "count it), as files to import into Xero or QuickBooks Online.",
        "accounting",
    ):

        async def sales() -> list[books.SalesDocument]:
            async with database().read() as session:
                return await books.sales_documents(session, report.ctx, report.period)

        async def money() -> list[books.MoneyMovement]:
            async with database().read() as session:
                return await books.money_movements(session, report.ctx, report.period)

        with ui.row().classes("w-full gap-2 flex-wrap"):
            _file_button(report, "Xero: sales invoices", "xero-sales-invoices", sales, books.xero_sales_csv)
            _file_button(report, "Xero: bank statement", "xero-bank-statement", money, books.xero_bank_csv)
            _file_button(report, "QuickBooks: invoices", "quickbooks-invoices", sales, books.quickbooks_sales_csv)
            _file_button(
                report, "QuickBooks: credit notes", "quickbooks-credit-notes", sales, books.quickbooks_credit_notes_csv
            )
            _file_button(
                report,
                "QuickBooks: bank statement",
                "quickbooks-bank-statement",
                lambda: money(),
                books.quickbooks_bank_csv,
            )


def _file_button(
    report: Report, label: str, what: str, read: Callable[[], Awaitable[Any]], layout: Callable[[Any], bytes]
) -> None:
    file_name = f"{report.tenant.slug}-{what}-{report.period.start.isoformat()}-to-{report.period.end.isoformat()}.csv"

    async def download() -> None:
        ui.download.content(layout(await read()), file_name, "text/csv")

    ui.button(label, icon="download", on_click=download).props("outline no-caps").mark(f"csv-{what}")
