"""The reports page's money in and out: revenue by month (with its chart) and by course, and the refunds
made in the period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from models import RefundStatus
from pages.admin.report_parts import PAGE_SIZE, Report, money_column, pager, text_column
from trainhub_ui.db import database
from trainhub_ui.domain.formatting import currency_symbol, day_text
from trainhub_ui.services import reports
from trainhub_ui.services.report_csv import decimal_amount
from trainhub_ui.services.report_figures import RefundLine, RefundTotals, RevenueLine

REFUND_WORDS = {
    RefundStatus.SUCCEEDED: "Refunded",
    RefundStatus.PENDING: "On its way",
    RefundStatus.FAILED: "Failed",
}


def revenue(report: Report, by_month: list[RevenueLine]) -> None:
    currency = report.currency
    header = ["Payments", f"Paid ({currency})", f"Refunded ({currency})", f"Revenue ({currency})"]

    def figures(line: RevenueLine) -> list[object]:
        return [line.payments, decimal_amount(line.paid), decimal_amount(line.refunded), decimal_amount(line.net)]

    def shown(line: RevenueLine) -> dict[str, Any]:
        return {
            "key": line.key,
            "label": line.label,
            "payments": line.payments,
            "paid": report.money(line.paid),
            "refunded": report.money(line.refunded),
            "net": report.money(line.net),
        }

    columns = [
        {"name": "payments", "label": "Payments", "field": "payments", "align": "right"},
        money_column("paid", "Paid"),
        money_column("refunded", "Refunded"),
        money_column("net", "Revenue"),
    ]
    with report.section(
        "Revenue",
        "Revenue is money received: each payment (card, bank transfer or a paid invoice) less whatever has "
        "been refunded of it, counted on the day it was paid, by the centre's calendar. Money not yet paid "
        "(balances, unpaid invoices, held bookings) is not revenue; refunds are also listed below by the day "
        "they were made.",
        "revenue",
    ):
        total = RevenueLine(
            "Total", "total", *(sum(getattr(x, f) for x in by_month) for f in ("payments", "paid", "refunded"))
        )
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("By month").classes("font-semibold text-slate-800")

            async def month_rows() -> list[Sequence[object]]:
                return [[line.key, *figures(line)] for line in [*by_month, total]]

            report.csv_button("revenue-by-month", ["Month", *header], month_rows)
        symbol = currency_symbol(currency, report.tenant.locale)
        ui.echart(
            {
                "grid": {"left": 8, "right": 8, "top": 16, "bottom": 8, "containLabel": True},
                "tooltip": {"trigger": "axis", ":valueFormatter": f"v => '{symbol}' + v.toLocaleString()"},
                "xAxis": {"type": "category", "data": [line.label for line in by_month]},
                "yAxis": {"type": "value", "axisLabel": {":formatter": f"v => '{symbol}' + v.toLocaleString()"}},
                "series": [
                    {
                        "type": "bar",
                        "name": "Revenue",
                        "data": [round(line.net / 100, 2) for line in by_month],
                        "itemStyle": {"color": report.tenant.brand_colour},
                    }
                ],
            }
        ).classes("w-full h-56").mark("revenue-chart")
        report.table(
            [text_column("label", "Month"), *columns],
            [shown(line) for line in [*by_month, total]],
            "revenue-by-month",
        )
        with ui.row().classes("w-full items-center justify-between pt-2"):
            ui.label("By course").classes("font-semibold text-slate-800")

            async def course_rows() -> list[Sequence[object]]:
                return [[line.label, *figures(line)] for line in await revenue_by_course(report)]

            report.csv_button("revenue-by-course", ["Course", *header], course_rows)
        # Every payment of the period is matched to its course: the report's one costly sum on a big centre
        # (a nested lookup per payment on SQLite), so it is added up once the page is on screen.
        by_course = ui.column().classes("w-full")
        with by_course:
            ui.label("Adding up revenue by course…").classes("text-slate-500").mark("revenue-by-course-waiting")

        async def fill_by_course() -> None:
            lines = await revenue_by_course(report)
            by_course.clear()
            with by_course:
                if lines:
                    columns_of_course = [text_column("label", "Course"), *columns]
                    report.table(columns_of_course, [shown(line) for line in lines], "revenue-by-course")
                else:
                    ui.label("No payments were received in this period.").classes("text-slate-600")

        ui.timer(0, fill_by_course, once=True)


async def revenue_by_course(report: Report) -> list[RevenueLine]:
    async with database().read() as session:
        return await reports.revenue_by_course(session, report.ctx, report.period)


def refunds(report: Report, totals: RefundTotals, lines: list[RefundLine]) -> None:
    currency = report.currency
    succeeded = totals.by_status[RefundStatus.SUCCEEDED.value]
    pending = totals.by_status[RefundStatus.PENDING.value]
    failed = totals.by_status[RefundStatus.FAILED.value]
    count = succeeded[0] + pending[0] + failed[0]
    explanation = (
        f"Refunds made in the period, by the day they were made: {report.money(succeeded[1])} refunded "
        f"({succeeded[0]:,})"
    )
    if pending[0]:
        explanation += f", {report.money(pending[1])} on its way ({pending[0]:,})"
    if failed[0]:
        explanation += f"; {failed[0]:,} failed ({report.money(failed[1])}, not taken off revenue)"
    with report.section("Refunds", explanation + ".", "refunds"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"{count:,} refund{'s' if count != 1 else ''}").classes("font-semibold text-slate-800")

            async def all_rows() -> list[Sequence[object]]:
                async with database().read() as session:
                    every = await reports.refunds(session, report.ctx, report.period, limit=None)
                return [
                    [
                        line.made_at.isoformat(timespec="seconds"),
                        line.reference,
                        line.customer_name,
                        line.course_title,
                        decimal_amount(line.amount),
                        REFUND_WORDS[line.status],
                        line.reason,
                        line.made_by,
                    ]
                    for line in every
                ]

            report.csv_button(
                "refunds",
                ["Made at (UTC)", "Booking", "Student", "Course", f"Amount ({currency})", "Status", "Reason", "By"],
                all_rows,
            )
        if not lines:
            ui.label("No refunds were made in this period.").classes("text-slate-600")
            return
        columns = [
            text_column("made", "Made", nowrap=True),
            {"name": "link", "label": "Booking", "field": "reference", "align": "left"},
            text_column("who", "Student"),
            text_column("course", "Course"),
            money_column("amount", "Amount"),
            text_column("status", "Status"),
            text_column("reason", "Reason"),
        ]
        zone = ZoneInfo(report.tenant.timezone)

        def rows_of(page_lines: Sequence[RefundLine]) -> list[dict[str, Any]]:
            return [
                {
                    "key": f"{line.booking_id}-{line.made_at.isoformat()}-{n}",
                    "href": report.booking_href(line.booking_id),
                    "made": f"{day_text(line.made_at.astimezone(zone), report.tenant.locale, 'date')}",
                    "reference": line.reference,
                    "who": line.customer_name,
                    "course": line.course_title,
                    "amount": report.money(line.amount),
                    "status": REFUND_WORDS[line.status],
                    "reason": line.reason,
                }
                for n, line in enumerate(page_lines)
            ]

        table = report.table(columns, rows_of(lines), "refunds-table")

        async def page(offset: int) -> list[dict[str, Any]]:
            async with database().read() as session:
                return rows_of(
                    await reports.refunds(session, report.ctx, report.period, limit=PAGE_SIZE, offset=offset)
                )

        pager(table, count, page, "refunds")
