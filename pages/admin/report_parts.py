"""The pieces every part of the reports page is drawn with: a section with its explanation, a table as
plain HTML, a CSV button per table, and previous / next under a long list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from html import escape
from typing import Any

from nicegui import ui

from models import Tenant
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import money
from trainhub_ui.services.report_csv import csv_bytes
from trainhub_ui.services.report_periods import ReportPeriod

PAGE_SIZE = 20


class HtmlTable(ui.html):
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


def money_column(name: str, label: str) -> dict[str, Any]:
    return {"name": name, "label": label, "field": name, "align": "right"}


def text_column(name: str, label: str, *, nowrap: bool = False) -> dict[str, Any]:
    return {"name": name, "label": label, "field": name, "align": "left", "nowrap": nowrap}


class Report:
    """The report being drawn: the centre, who reads it, the period and today, and the helpers its parts share."""

    def __init__(self, tenant: Tenant, ctx: TenantContext, period: ReportPeriod, today: date) -> None:
        self.tenant = tenant
        self.ctx = ctx
        self.period = period
        self.today = today
        self.currency = tenant.currency

    def money(self, amount: int) -> str:
        return money(amount, self.currency, self.tenant.locale)

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

    def table(self, columns: list[dict[str, Any]], rows: list[dict[str, Any]], marker: str) -> HtmlTable:
        return HtmlTable(columns, rows).classes("w-full").mark(marker)

    def booking_href(self, booking_id: str) -> str:
        return f"/{self.tenant.slug}/admin/bookings/{booking_id}"


def pager(table: HtmlTable, total: int, page: Callable[[int], Awaitable[list[dict[str, Any]]]], marker: str) -> None:
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
