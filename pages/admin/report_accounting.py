"""The reports page's files for the centre's accountant: the period's sales invoices and its money in and out,
laid out for Xero's and QuickBooks Online's imports, and, where students pay by card through Stripe, the payouts
that reached the bank with the bookings in each (`docs/accounting.md` gives each column)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from pages.admin.report_parts import Report
from trainhub_ui.db import database
from trainhub_ui.payments import OfflineProvider, ProviderError, provider
from trainhub_ui.services import accounting_export as books
from trainhub_ui.services import payout_report


def accounting(report: Report) -> None:
    # The offline mode moves no money, so no payout ever reaches a bank: no payouts button then.
    takes_cards = not isinstance(provider(), OfflineProvider)
    explanation = (
        "The period's sales invoices, and the money received and refunded (as the revenue and refunds above "
        "count it), as files to import into Xero or QuickBooks Online."
    )
    if takes_cards:
        explanation += (
            " Stripe: payouts lists the payouts that reached the bank in the period, and the bookings in each."
        )
    with report.section("For your accountant", explanation, "accounting"):

        async def sales() -> list[books.SalesDocument]:
            async with database().read() as session:
                return await books.sales_documents(session, report.ctx, report.period)

        async def money() -> list[books.MoneyMovement]:
            async with database().read() as session:
                return await books.money_movements(session, report.ctx, report.period)

        async def payouts() -> payout_report.PayoutReport:
            return await payout_report.read_payout_report(database(), report.ctx, report.period, provider())

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
            if takes_cards:
                _file_button(report, "Stripe: payouts", "stripe-payouts", payouts, payout_report.payouts_csv)


def _file_button(
    report: Report, label: str, what: str, read: Callable[[], Awaitable[Any]], layout: Callable[[Any], bytes]
) -> None:
    file_name = f"{report.tenant.slug}-{what}-{report.period.start.isoformat()}-to-{report.period.end.isoformat()}.csv"

    async def download() -> None:
        try:
            content = layout(await read())
        except ProviderError as error:
            # Stripe unreachable or refusing: its message is written to be shown, and no half a file is made.
            ui.notify(str(error), type="negative")
            return
        ui.download.content(content, file_name, "text/csv")

    ui.button(label, icon="download", on_click=download).props("outline no-caps").mark(f"csv-{what}")
