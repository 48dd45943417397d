"""The reports page's money still owed, whatever the period: balances by course and by booking, and the
company invoices past their due date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nicegui import ui

from pages.admin.report_parts import PAGE_SIZE, Report, money_column, pager, text_column
from trainhub_ui.db import database
from trainhub_ui.domain.formatting import day_text
from trainhub_ui.services import reports
from trainhub_ui.services.invoices import InvoiceLine
from trainhub_ui.services.report_csv import decimal_amount
from trainhub_ui.services.report_figures import BalancesOwed


def balances(report: Report, owed: BalancesOwed, by_course: list[tuple[str, str, int, int]]) -> None:
    currency = report.currency
    with report.section(
        "Balances owed",
        f"Owed now, whatever the period: {report.money(owed.amount)} on {owed.bookings:,} confirmed bookings "
        "(deposit balances and unpaid invoices). A card booking still on hold is not counted: it lapses "
        f"unless paid. The balance is due {report.tenant.balance_due_days} days before the course starts.",
        "balances",
    ):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("By course").classes("font-semibold text-slate-800")

            async def course_rows() -> list[Sequence[object]]:
                return [[title, count, decimal_amount(amount)] for _, title, count, amount in by_course]

            report.csv_button(
                "balances-by-course",
                ["Course", "Bookings", f"Owed ({currency})"],
                course_rows,
                with_period=False,
            )
        if not by_course:
            ui.label("Nothing is owed.").classes("text-slate-600")
            return
        report.table(
            [
                text_column("title", "Course"),
                {"name": "count", "label": "Bookings", "field": "count", "align": "right"},
                money_column("amount", "Owed"),
            ],
            [
                {"key": key, "title": title, "count": count, "amount": report.money(amount)}
                for key, title, count, amount in by_course
            ],
            "balances-by-course",
        )
        with ui.row().classes("w-full items-center justify-between pt-2"):
            ui.label("Bookings, soonest course first").classes("font-semibold text-slate-800")

            async def booking_rows() -> list[Sequence[object]]:
                async with database().read() as session:
                    every = await reports.balances_owed(session, report.ctx, limit=None)
                return [
                    [
                        line.reference,
                        line.customer_name,
                        line.company_name,
                        line.course_title,
                        line.session_start.isoformat(),
                        line.due_by.isoformat(),
                        decimal_amount(line.balance_due),
                    ]
                    for line in every.lines
                ]

            report.csv_button(
                "balances-owed",
                [
                    "Reference",
                    "Student",
                    "Company",
                    "Course",
                    "Course starts",
                    "Balance due by",
                    f"Owed ({currency})",
                ],
                booking_rows,
                with_period=False,
            )
        columns = [
            {"name": "link", "label": "Reference", "field": "reference", "align": "left"},
            text_column("who", "Student"),
            text_column("course", "Course"),
            text_column("starts", "Starts", nowrap=True),
            text_column("due", "Due by", nowrap=True),
            money_column("amount", "Owed"),
        ]

        def rows_of(lines: Sequence[reports.BalanceLine]) -> list[dict[str, Any]]:
            return [
                {
                    "key": line.booking_id,
                    "href": report.booking_href(line.booking_id),
                    "reference": line.reference,
                    "who": f"{line.customer_name} ({line.company_name})" if line.company_name else line.customer_name,
                    "course": line.course_title,
                    "starts": f"{day_text(line.session_start, report.tenant.locale, 'date')}",
                    "due": f"{day_text(line.due_by, report.tenant.locale, 'date')}"
                    + (" (late)" if line.due_by < report.today else ""),
                    "amount": report.money(line.balance_due),
                }
                for line in lines
            ]

        table = report.table(columns, rows_of(owed.lines), "balances-owed")

        async def page(offset: int) -> list[dict[str, Any]]:
            async with database().read() as session:
                return rows_of((await reports.balances_owed(session, report.ctx, limit=PAGE_SIZE, offset=offset)).lines)

        pager(table, owed.bookings, page, "balances")


def overdue_invoices(report: Report, lines: list[InvoiceLine], count: int) -> None:
    currency = report.currency
    with report.section(
        "Overdue invoices",
        "Company invoices not paid by their due date, oldest due first (whatever the period).",
        "overdue-invoices",
    ):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"{count:,} overdue").classes("font-semibold text-slate-800")

            async def all_rows() -> list[Sequence[object]]:
                async with database().read() as session:
                    every, _ = await reports.overdue_invoices(session, report.ctx, limit=count or 1)
                return [
                    [
                        reports.invoice_label(line),
                        line.invoice.company_name,
                        line.reference,
                        line.customer_name,
                        line.course_title,
                        line.invoice.due_on.isoformat(),
                        (report.today - line.invoice.due_on).days,
                        decimal_amount(line.balance_due),
                    ]
                    for line in every
                ]

            report.csv_button(
                "overdue-invoices",
                ["Invoice", "Company", "Booking", "Student", "Course", "Due", "Days overdue", f"Owed ({currency})"],
                all_rows,
                with_period=False,
            )
        if not lines:
            ui.label("No invoice is overdue.").classes("text-slate-600")
            return
        report.table(
            [
                text_column("number", "Invoice"),
                text_column("company", "Company"),
                {"name": "link", "label": "Booking", "field": "reference", "align": "left"},
                text_column("course", "Course"),
                text_column("due", "Due", nowrap=True),
                {"name": "late", "label": "Days overdue", "field": "late", "align": "right"},
                money_column("amount", "Owed"),
            ],
            [
                {
                    "key": line.invoice.id,
                    "href": report.booking_href(line.invoice.booking_id),
                    "number": reports.invoice_label(line),
                    "company": line.invoice.company_name or line.customer_name,
                    "reference": line.reference,
                    "course": line.course_title,
                    "due": f"{day_text(line.invoice.due_on, report.tenant.locale, 'date')}",
                    "late": (report.today - line.invoice.due_on).days,
                    "amount": report.money(line.balance_due),
                }
                for line in lines
            ],
            "overdue-invoices-table",
        )
        if count > len(lines):
            ui.label(f"The {len(lines)} longest overdue are shown; the CSV has all {count:,}.").classes(
                "text-sm text-slate-500"
            )
