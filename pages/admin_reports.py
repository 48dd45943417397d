"""Reports in the back office: a period kept in the address (?from=YYYY-MM-DD&to=YYYY-MM-DD), each table a CSV."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import RefundStatus, StaffRole, Tenant
from pages.admin.access import admin_access
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.formatting import SYMBOLS, money
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.db import database
from trainhub_ui.services import reports
from trainhub_ui.services.context import TenantContext
from trainhub_ui.services.errors import InvalidInput
from trainhub_ui.services.feedback import CourseFeedback, feedback_by_course
from trainhub_ui.services.invoices import InvoiceLine
from trainhub_ui.services.report_csv import csv_bytes, decimal_amount
from trainhub_ui.services.report_figures import (
    BalancesOwed,
    CourseDelivery,
    RefundLine,
    RefundTotals,
    RevenueLine,
    fraction,
)
from trainhub_ui.services.report_periods import ReportPeriod

router = APIRouter()

PAGE_SIZE = 20
REFUND_WORDS = {
    RefundStatus.SUCCEEDED: "Refunded",
    RefundStatus.PENDING: "On its way",
    RefundStatus.FAILED: "Failed",
}


@dataclass
class _Figures:
    """Everything the page shows, read in one unit of work."""

    by_month: list[RevenueLine]
    owed: BalancesOwed
    owed_by_course: list[tuple[str, str, int, int]]
    overdue: list[InvoiceLine]
    overdue_count: int
    refund_totals: RefundTotals
    refunds: list[RefundLine]
    delivery: list[CourseDelivery]
    feedback: list[CourseFeedback]


async def _read_figures(ctx: TenantContext, period: ReportPeriod) -> _Figures:
    async with database().read() as session:
        overdue, overdue_count = await reports.overdue_invoices(session, ctx, limit=PAGE_SIZE)
        return _Figures(
            by_month=await reports.revenue_by_month(session, ctx, period),
            owed=await reports.balances_owed(session, ctx, limit=PAGE_SIZE),
            owed_by_course=await reports.balances_by_course(session, ctx),
            overdue=overdue,
            overdue_count=overdue_count,
            refund_totals=await reports.refund_totals(session, ctx, period),
            refunds=await reports.refunds(session, ctx, period, limit=PAGE_SIZE),
            delivery=await reports.delivery_by_course(session, ctx, period),
            feedback=await feedback_by_course(session, ctx, period.start, period.end),
        )


@router.page("/{slug}/admin/reports")
async def reports_page(slug: str, request: Request) -> RedirectResponse | None:
    query = request.url.query
    access = await admin_access(slug, StaffRole.STAFF, f"/{slug}/admin/reports" + (f"?{query}" if query else ""))
    if not isinstance(access, StaffAccess):
        return access
    tenant, user = access.tenant, access.user
    ctx = TenantContext(tenant=tenant, actor=user.name, role=user.role, user_id=user.id)
    today = ctx.today()
    start_text, end_text = request.query_params.get("from", ""), request.query_params.get("to", "")
    problem: InvalidInput | None = None
    try:
        period = reports.parse_period(start_text, end_text, today)
    except InvalidInput as refused:
        problem, period = refused, None
    figures = await _read_figures(ctx, period) if period is not None else None

    with admin_frame(tenant, user, "Reports", "Reports"):
        _period_form(tenant, today, period, start_text, end_text, problem)
        if period is None or figures is None:
            ui.label("Correct the dates above to see the reports.").classes("text-slate-600").mark("no-report")
            return None
        report = _Report(tenant, ctx, period, today)
        report.summary(figures)
        report.revenue(figures.by_month)
        report.balances(figures.owed, figures.owed_by_course)
        report.overdue_invoices(figures.overdue, figures.overdue_count)
        report.refunds(figures.refund_totals, figures.refunds)
        report.occupancy(figures.delivery)
        report.completion(figures.delivery)
        report.feedback(figures.feedback)
    return None


def _period_form(
    tenant: Tenant,
    today: date,
    period: ReportPeriod | None,
    start_text: str,
    end_text: str,
    problem: InvalidInput | None,
) -> None:
    base = f"/{tenant.slug}/admin/reports"

    def go(start: date, end: date) -> None:
        ui.navigate.to(f"{base}?{urlencode({'from': start.isoformat(), 'to': end.isoformat()})}")

    def show() -> None:
        start_field.props(remove="error error-message")
        end_field.props(remove="error error-message")
        try:
            chosen = reports.parse_period(start_field.value or "", end_field.value or "", today)
        except InvalidInput as refused:
            _mark(start_field if refused.field == "from" else end_field, refused.message)
            return
        go(chosen.start, chosen.end)

    with ui.card().classes("w-full p-4 gap-3").props("flat bordered"):
        with ui.row().classes("w-full items-start gap-3"):
            start_field = (
                ui.input("From", value=period.start.isoformat() if period else start_text)
                .props("type=date outlined dense stack-label")
                .classes("w-44")
                .mark("from")
            )
            end_field = (
                ui.input("To", value=period.end.isoformat() if period else end_text)
                .props("type=date outlined dense stack-label")
                .classes("w-44")
                .mark("to")
            )
            ui.button("Show", on_click=show).props("color=primary no-caps unelevated").classes("mt-1").mark("show")
        if problem is not None:
            _mark(start_field if problem.field == "from" else end_field, problem.message)
        last_year = today.year - 1
        presets = [
            ("This year", date(today.year, 1, 1), date(today.year, 12, 31)),
            ("Last year", date(last_year, 1, 1), date(last_year, 12, 31)),
            ("Last 12 months", reports.add_months(today, -11), today),
        ]
        with ui.row().classes("gap-2 items-center"):
            ui.label("Quick choice:").classes("text-sm text-slate-500")
            for label, start, end in presets:
                ui.button(label, on_click=lambda s=start, e=end: go(s, e)).props("outline dense no-caps size=sm")


def _mark(field: ui.input, message: str) -> None:
    field.props(f'error error-message="{message}"')


# --- the report's sections ---------------------------------------------------------------------------


class _HtmlTable(ui.html):
    """A read-only table drawn as escaped HTML: one element however many rows (a ui.table makes every cell
    an observable, which cost more than the report's queries). Columns are ui.table's dicts (name, label,
    field, align); a column named "link" links its cell to the row's "href"; the row keyed "total" is bold."""

    def __init__(self, columns: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
        self.columns = columns
        self._rows = rows
        super().__init__(self._render())

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self._rows

    @rows.setter
    def rows(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows
        self.set_content(self._render())

    def _render(self) -> str:
        def cell(column: dict[str, Any], row: dict[str, Any]) -> str:
            value = escape(str(row.get(column["field"], "")))
            if column["name"] == "link":
                value = f'<a href="{escape(row["href"])}" class="text-primary whitespace-nowrap">{value}</a>'
            right = column.get("align") == "right"
            classes = "text-right tabular-nums whitespace-nowrap" if right else "text-left"
            if column.get("nowrap"):
                classes += " whitespace-nowrap"
            return f'<td class="px-2 py-1.5 {classes}">{value}</td>'

        head = "".join(
            f'<th class="px-2 py-1.5 font-medium text-slate-500 text-{column.get("align", "left")}">'
            f"{escape(column['label'])}</th>"
            for column in self.columns
        )
        body = "".join(
            f'<tr class="border-t border-slate-200{" font-semibold" if row.get("key") == "total" else ""}">'
            + "".join(cell(column, row) for column in self.columns)
            + "</tr>"
            for row in self._rows
        )
        return (
            '<div class="w-full overflow-x-auto"><table class="w-full text-sm">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )


def _money_column(name: str, label: str) -> dict[str, Any]:
    return {"name": name, "label": label, "field": name, "align": "right"}


def _text_column(name: str, label: str, *, nowrap: bool = False) -> dict[str, Any]:
    return {"name": name, "label": label, "field": name, "align": "left", "nowrap": nowrap}


class _Report:
    def __init__(self, tenant: Tenant, ctx: TenantContext, period: ReportPeriod, today: date) -> None:
        self.tenant = tenant
        self.ctx = ctx
        self.period = period
        self.today = today
        self.currency = tenant.currency

    # helpers

    def money(self, amount: int) -> str:
        return money(amount, self.currency)

    def section(self, title: str, explanation: str, anchor: str) -> ui.card:
        card = ui.card().classes("w-full min-w-0 p-4 gap-2").props(f"flat bordered id={anchor}").mark(anchor)
        with card:
            ui.html(
                f'<div class="text-lg font-semibold text-slate-900">{escape(title)}</div>'
                f'<div class="text-sm text-slate-600">{escape(explanation)}</div>'
            ).classes("w-full")
        return card

    def csv_button(
        self,
        what: str,
        header: Sequence[str],
        rows: Callable[[], Awaitable[list[Sequence[object]]]],
        *,
        with_period: bool = True,
    ) -> None:
        """A CSV of one table, made when asked for: `what` names the file and the button's test marker."""
        dates = f"-{self.period.start.isoformat()}-to-{self.period.end.isoformat()}" if with_period else ""
        file_name = f"{self.tenant.slug}-{what}{dates}.csv"

        async def download() -> None:
            ui.download.content(csv_bytes(header, await rows()), file_name, "text/csv")

        ui.button("CSV", icon="download", on_click=download).props("outline dense no-caps size=sm").props(
            f"aria-label='Download {what.replace('-', ' ')} as CSV'"
        ).mark(f"csv-{what}")

    def table(self, columns: list[dict[str, Any]], rows: list[dict[str, Any]], marker: str) -> _HtmlTable:
        return _HtmlTable(columns, rows).classes("w-full").mark(marker)

    def booking_href(self, booking_id: str) -> str:
        return f"/{self.tenant.slug}/admin/bookings/{booking_id}"

    # sections

    def summary(self, figures: _Figures) -> None:
        net = sum(line.net for line in figures.by_month)
        booked = sum(row.booked_places for row in figures.delivery)
        available = sum(row.available_places for row in figures.delivery)
        ended = sum(row.ended for row in figures.delivery)
        completed = sum(row.completed for row in figures.delivery)
        students = sum(row.students for row in figures.delivery)
        certified = sum(row.students_completed for row in figures.delivery)
        cards = [
            ("Revenue", self.money(net), "received, less refunds", "summary-revenue"),
            ("Refunds made", self.money(figures.refund_totals.refunded), "in the period", "summary-refunds"),
            ("Owed now", self.money(figures.owed.amount), f"on {figures.owed.bookings:,} bookings", "summary-owed"),
            ("Overdue invoices", f"{figures.overdue_count:,}", "unpaid past their due date", "summary-overdue"),
            (
                "Occupancy",
                f"{fraction(booked, available) * 100:.0f}%",
                f"{booked:,} of {available:,} places",
                "summary-occupancy",
            ),
            (
                "Completion",
                f"{fraction(completed, ended) * 100:.0f}%" if ended else "–",
                f"{completed:,} of {ended:,} ended sessions; {certified:,} of {students:,} students completed",
                "summary-completion",
            ),
        ]
        ui.label(
            f"{self.period.start:%-d %B %Y} to {self.period.end:%-d %B %Y}, "
            f"by the centre's calendar ({self.tenant.timezone})"
        ).classes("text-slate-600").mark("period")
        ui.html(
            "".join(
                '<div class="rounded-lg border border-slate-200 bg-white p-4 min-w-0">'
                f'<div class="text-sm text-slate-500">{escape(label)}</div>'
                f'<div class="text-xl font-bold text-slate-900" data-figure="{marker}">{escape(value)}</div>'
                f'<div class="text-xs text-slate-500">{escape(hint)}</div></div>'
                for label, value, hint, marker in cards
            )
        ).classes("grid gap-4 grid-cols-2 lg:grid-cols-6 w-full").mark("summary")

    def revenue(self, by_month: list[RevenueLine]) -> None:
        currency = self.currency
        header = ["Payments", f"Paid ({currency})", f"Refunded ({currency})", f"Revenue ({currency})"]

        def figures(line: RevenueLine) -> list[object]:
            return [line.payments, decimal_amount(line.paid), decimal_amount(line.refunded), decimal_amount(line.net)]

        def shown(line: RevenueLine) -> dict[str, Any]:
            return {
                "key": line.key,
                "label": line.label,
                "payments": line.payments,
                "paid": self.money(line.paid),
                "refunded": self.money(line.refunded),
                "net": self.money(line.net),
            }

        columns = [
            {"name": "payments", "label": "Payments", "field": "payments", "align": "right"},
            _money_column("paid", "Paid"),
            _money_column("refunded", "Refunded"),
            _money_column("net", "Revenue"),
        ]
        with self.section(
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

                self.csv_button("revenue-by-month", ["Month", *header], month_rows)
            symbol = SYMBOLS.get(currency.upper(), currency.upper() + " ")
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
                            "itemStyle": {"color": self.tenant.brand_colour},
                        }
                    ],
                }
            ).classes("w-full h-56").mark("revenue-chart")
            self.table(
                [_text_column("label", "Month"), *columns],
                [shown(line) for line in [*by_month, total]],
                "revenue-by-month",
            )
            with ui.row().classes("w-full items-center justify-between pt-2"):
                ui.label("By course").classes("font-semibold text-slate-800")

                async def course_rows() -> list[Sequence[object]]:
                    return [[line.label, *figures(line)] for line in await self.revenue_by_course()]

                self.csv_button("revenue-by-course", ["Course", *header], course_rows)
            # Every payment of the period is matched to its course: the report's one costly sum on a big centre
            # (a nested lookup per payment on SQLite), so it is added up once the page is on screen.
            by_course = ui.column().classes("w-full")
            with by_course:
                ui.label("Adding up revenue by course…").classes("text-slate-500").mark("revenue-by-course-waiting")

            async def fill_by_course() -> None:
                lines = await self.revenue_by_course()
                by_course.clear()
                with by_course:
                    if lines:
                        columns_of_course = [_text_column("label", "Course"), *columns]
                        self.table(columns_of_course, [shown(line) for line in lines], "revenue-by-course")
                    else:
                        ui.label("No payments were received in this period.").classes("text-slate-600")

            ui.timer(0, fill_by_course, once=True)

    async def revenue_by_course(self) -> list[RevenueLine]:
        async with database().read() as session:
            return await reports.revenue_by_course(session, self.ctx, self.period)

    def balances(self, owed: BalancesOwed, by_course: list[tuple[str, str, int, int]]) -> None:
        currency = self.currency
        with self.section(
            "Balances owed",
            f"Owed now, whatever the period: {self.money(owed.amount)} on {owed.bookings:,} confirmed bookings "
            "(deposit balances and unpaid invoices). A card booking still on hold is not counted: it lapses "
            f"unless paid. The balance is due {self.tenant.balance_due_days} days before the course starts.",
            "balances",
        ):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("By course").classes("font-semibold text-slate-800")

                async def course_rows() -> list[Sequence[object]]:
                    return [[title, count, decimal_amount(amount)] for _, title, count, amount in by_course]

                self.csv_button(
                    "balances-by-course",
                    ["Course", "Bookings", f"Owed ({currency})"],
                    course_rows,
                    with_period=False,
                )
            if not by_course:
                ui.label("Nothing is owed.").classes("text-slate-600")
                return
            self.table(
                [
                    _text_column("title", "Course"),
                    {"name": "count", "label": "Bookings", "field": "count", "align": "right"},
                    _money_column("amount", "Owed"),
                ],
                [
                    {"key": key, "title": title, "count": count, "amount": self.money(amount)}
                    for key, title, count, amount in by_course
                ],
                "balances-by-course",
            )
            with ui.row().classes("w-full items-center justify-between pt-2"):
                ui.label("Bookings, soonest course first").classes("font-semibold text-slate-800")

                async def booking_rows() -> list[Sequence[object]]:
                    async with database().read() as session:
                        every = await reports.balances_owed(session, self.ctx, limit=None)
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

                self.csv_button(
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
                _text_column("who", "Student"),
                _text_column("course", "Course"),
                _text_column("starts", "Starts", nowrap=True),
                _text_column("due", "Due by", nowrap=True),
                _money_column("amount", "Owed"),
            ]

            def rows_of(lines: Sequence[reports.BalanceLine]) -> list[dict[str, Any]]:
                return [
                    {
                        "key": line.booking_id,
                        "href": self.booking_href(line.booking_id),
                        "reference": line.reference,
                        "who": f"{line.customer_name} ({line.company_name})"
                        if line.company_name
                        else line.customer_name,
                        "course": line.course_title,
                        "starts": f"{line.session_start:%-d %b %Y}",
                        "due": f"{line.due_by:%-d %b %Y}" + (" (late)" if line.due_by < self.today else ""),
                        "amount": self.money(line.balance_due),
                    }
                    for line in lines
                ]

            table = self.table(columns, rows_of(owed.lines), "balances-owed")

            async def page(offset: int) -> list[dict[str, Any]]:
                async with database().read() as session:
                    return rows_of(
                        (await reports.balances_owed(session, self.ctx, limit=PAGE_SIZE, offset=offset)).lines
                    )

            _pager(table, owed.bookings, page, "balances")

    def overdue_invoices(self, lines: list[InvoiceLine], count: int) -> None:
        currency = self.currency
        with self.section(
            "Overdue invoices",
            "Company invoices not paid by their due date, oldest due first (whatever the period).",
            "overdue-invoices",
        ):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"{count:,} overdue").classes("font-semibold text-slate-800")

                async def all_rows() -> list[Sequence[object]]:
                    async with database().read() as session:
                        every, _ = await reports.overdue_invoices(session, self.ctx, limit=count or 1)
                    return [
                        [
                            reports.invoice_label(line),
                            line.invoice.company_name,
                            line.reference,
                            line.customer_name,
                            line.course_title,
                            line.invoice.due_on.isoformat(),
                            (self.today - line.invoice.due_on).days,
                            decimal_amount(line.balance_due),
                        ]
                        for line in every
                    ]

                self.csv_button(
                    "overdue-invoices",
                    ["Invoice", "Company", "Booking", "Student", "Course", "Due", "Days overdue", f"Owed ({currency})"],
                    all_rows,
                    with_period=False,
                )
            if not lines:
                ui.label("No invoice is overdue.").classes("text-slate-600")
                return
            self.table(
                [
                    _text_column("number", "Invoice"),
                    _text_column("company", "Company"),
                    {"name": "link", "label": "Booking", "field": "reference", "align": "left"},
                    _text_column("course", "Course"),
                    _text_column("due", "Due", nowrap=True),
                    {"name": "late", "label": "Days overdue", "field": "late", "align": "right"},
                    _money_column("amount", "Owed"),
                ],
                [
                    {
                        "key": line.invoice.id,
                        "href": self.booking_href(line.invoice.booking_id),
                        "number": reports.invoice_label(line),
                        "company": line.invoice.company_name or line.customer_name,
                        "reference": line.reference,
                        "course": line.course_title,
                        "due": f"{line.invoice.due_on:%-d %b %Y}",
                        "late": (self.today - line.invoice.due_on).days,
                        "amount": self.money(line.balance_due),
                    }
                    for line in lines
                ],
                "overdue-invoices-table",
            )
            if count > len(lines):
                ui.label(f"The {len(lines)} longest overdue are shown; the CSV has all {count:,}.").classes(
                    "text-sm text-slate-500"
                )

    def refunds(self, totals: RefundTotals, lines: list[RefundLine]) -> None:
        currency = self.currency
        succeeded = totals.by_status[RefundStatus.SUCCEEDED.value]
        pending = totals.by_status[RefundStatus.PENDING.value]
        failed = totals.by_status[RefundStatus.FAILED.value]
        count = succeeded[0] + pending[0] + failed[0]
        explanation = (
            f"Refunds made in the period, by the day they were made: {self.money(succeeded[1])} refunded "
            f"({succeeded[0]:,})"
        )
        if pending[0]:
            explanation += f", {self.money(pending[1])} on its way ({pending[0]:,})"
        if failed[0]:
            explanation += f"; {failed[0]:,} failed ({self.money(failed[1])}, not taken off revenue)"
        with self.section("Refunds", explanation + ".", "refunds"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"{count:,} refund{'s' if count != 1 else ''}").classes("font-semibold text-slate-800")

                async def all_rows() -> list[Sequence[object]]:
                    async with database().read() as session:
                        every = await reports.refunds(session, self.ctx, self.period, limit=None)
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

                self.csv_button(
                    "refunds",
                    ["Made at (UTC)", "Booking", "Student", "Course", f"Amount ({currency})", "Status", "Reason", "By"],
                    all_rows,
                )
            if not lines:
                ui.label("No refunds were made in this period.").classes("text-slate-600")
                return
            columns = [
                _text_column("made", "Made", nowrap=True),
                {"name": "link", "label": "Booking", "field": "reference", "align": "left"},
                _text_column("who", "Student"),
                _text_column("course", "Course"),
                _money_column("amount", "Amount"),
                _text_column("status", "Status"),
                _text_column("reason", "Reason"),
            ]
            zone = ZoneInfo(self.tenant.timezone)

            def rows_of(page_lines: Sequence[RefundLine]) -> list[dict[str, Any]]:
                return [
                    {
                        "key": f"{line.booking_id}-{line.made_at.isoformat()}-{n}",
                        "href": self.booking_href(line.booking_id),
                        "made": f"{line.made_at.astimezone(zone):%-d %b %Y}",
                        "reference": line.reference,
                        "who": line.customer_name,
                        "course": line.course_title,
                        "amount": self.money(line.amount),
                        "status": REFUND_WORDS[line.status],
                        "reason": line.reason,
                    }
                    for n, line in enumerate(page_lines)
                ]

            table = self.table(columns, rows_of(lines), "refunds-table")

            async def page(offset: int) -> list[dict[str, Any]]:
                async with database().read() as session:
                    return rows_of(
                        await reports.refunds(session, self.ctx, self.period, limit=PAGE_SIZE, offset=offset)
                    )

            _pager(table, count, page, "refunds")

    def occupancy(self, delivery: list[CourseDelivery]) -> None:
        with self.section(
            "Occupancy",
            "Places booked of places offered on each course's sessions that start in the period (cancelled "
            "sessions left out). Places booked are those held by confirmed and held bookings now.",
            "occupancy",
        ):
            booked = sum(row.booked_places for row in delivery)
            available = sum(row.available_places for row in delivery)
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"{fraction(booked, available) * 100:.1f}%: {booked:,} of {available:,} places").classes(
                    "font-semibold text-slate-800"
                )

                async def all_rows() -> list[Sequence[object]]:
                    return [
                        [
                            row.course_title,
                            row.sessions,
                            row.booked_places,
                            row.available_places,
                            f"{row.occupancy:.4f}",
                        ]
                        for row in delivery
                    ]

                self.csv_button(
                    "occupancy",
                    ["Course", "Sessions", "Places booked", "Places offered", "Occupancy"],
                    all_rows,
                )
            if not delivery:
                ui.label("No sessions start in this period.").classes("text-slate-600")
                return
            number = {"align": "right"}
            self.table(
                [
                    _text_column("course", "Course"),
                    {"name": "sessions", "label": "Sessions", "field": "sessions", **number},
                    {"name": "booked", "label": "Booked", "field": "booked", **number},
                    {"name": "available", "label": "Places", "field": "available", **number},
                    {"name": "rate", "label": "Occupancy", "field": "rate", **number},
                ],
                [
                    {
                        "key": row.course_id,
                        "course": row.course_title,
                        "sessions": row.sessions,
                        "booked": row.booked_places,
                        "available": row.available_places,
                        "rate": f"{row.occupancy * 100:.1f}%",
                    }
                    for row in delivery
                ],
                "occupancy-table",
            )

    def completion(self, delivery: list[CourseDelivery]) -> None:
        with self.section(
            "Completion",
            "Sessions: of those that start in the period and have ended (by the centre's calendar), how many "
            "the centre has marked completed. Students: on the sessions marked completed, the confirmed students, "
            "and how many completed the course by its rule (the share of days attended it asks for and, where it "
            "has one, a passed assessment), that is, were issued a certificate that has not been revoked. A "
            "session not yet marked completed says nothing about its students.",
            "completion",
        ):
            with ui.row().classes("w-full items-center justify-end"):

                async def all_rows() -> list[Sequence[object]]:
                    return [
                        [
                            row.course_title,
                            row.ended,
                            row.completed,
                            f"{row.completion_rate:.4f}",
                            row.students,
                            row.students_completed,
                            f"{row.student_completion_rate:.4f}",
                        ]
                        for row in delivery
                    ]

                self.csv_button(
                    "completion",
                    [
                        "Course",
                        "Sessions ended",
                        "Sessions marked completed",
                        "Session completion rate",
                        "Students on completed sessions",
                        "Students who completed the course",
                        "Student completion rate",
                    ],
                    all_rows,
                )
            ended = [row for row in delivery if row.ended or row.students]
            if not ended:
                ui.label("No session that starts in this period has ended yet.").classes("text-slate-600")
                return
            number = {"align": "right"}
            self.table(
                [
                    _text_column("course", "Course"),
                    {"name": "ended", "label": "Sessions ended", "field": "ended", **number},
                    {"name": "completed", "label": "Marked completed", "field": "completed", **number},
                    {"name": "rate", "label": "Rate", "field": "rate", **number},
                    {"name": "students", "label": "Students", "field": "students", **number},
                    {"name": "passed", "label": "Completed the course", "field": "passed", **number},
                    {"name": "student_rate", "label": "Rate", "field": "student_rate", **number},
                ],
                [
                    {
                        "key": row.course_id,
                        "course": row.course_title,
                        "ended": row.ended,
                        "completed": row.completed,
                        "rate": f"{row.completion_rate * 100:.0f}%" if row.ended else "–",
                        "students": row.students,
                        "passed": row.students_completed,
                        "student_rate": f"{row.student_completion_rate * 100:.0f}%" if row.students else "–",
                    }
                    for row in ended
                ],
                "completion-table",
            )

    def feedback(self, lines: list[CourseFeedback]) -> None:
        with self.section(
            "Feedback",
            "What students rated the courses whose sessions start in the period (1 to 5), from the form they are "
            "sent when a session is completed. Each session's comments are on its own page.",
            "feedback",
        ):
            with ui.row().classes("w-full items-center justify-end"):

                async def all_rows() -> list[Sequence[object]]:
                    return [[line.course_title, line.answers, f"{line.average:.2f}"] for line in lines]

                self.csv_button("feedback", ["Course", "Answers", "Average rating"], all_rows)
            if not lines:
                ui.label("No feedback was given for this period's sessions.").classes("text-slate-600")
                return
            number = {"align": "right"}
            self.table(
                [
                    _text_column("course", "Course"),
                    {"name": "answers", "label": "Answers", "field": "answers", **number},
                    {"name": "average", "label": "Average", "field": "average", **number},
                ],
                [
                    {
                        "key": line.course_id,
                        "course": line.course_title,
                        "answers": line.answers,
                        "average": f"{line.average:.1f} of 5",
                    }
                    for line in lines
                ],
                "feedback-table",
            )


def _pager(table: _HtmlTable, total: int, page: Callable[[int], Awaitable[list[dict[str, Any]]]], marker: str) -> None:
    """Previous / next under a long list; each page is read from the database (LIMIT/OFFSET), never sliced here."""
    if total <= PAGE_SIZE:
        return
    state = {"offset": 0}

    async def move(step: int) -> None:
        offset = min(max(state["offset"] + step * PAGE_SIZE, 0), (total - 1) // PAGE_SIZE * PAGE_SIZE)
        table.rows = await page(offset)
        state["offset"] = offset
        where.set_text(f"{offset + 1:,}–{min(offset + PAGE_SIZE, total):,} of {total:,}")
        back.set_enabled(offset > 0)
        forward.set_enabled(offset + PAGE_SIZE < total)

    with ui.row().classes("w-full items-center justify-end gap-2"):
        where = ui.label(f"1–{PAGE_SIZE} of {total:,}").classes("text-sm text-slate-600").mark(f"{marker}-where")
        back = (
            ui.button(icon="chevron_left", on_click=lambda: move(-1))
            .props("flat round dense aria-label='Previous page'")
            .mark(f"{marker}-previous")
        )
        back.set_enabled(False)
        forward = (
            ui.button(icon="chevron_right", on_click=lambda: move(1))
            .props("flat round dense aria-label='Next page'")
            .mark(f"{marker}-next")
        )
