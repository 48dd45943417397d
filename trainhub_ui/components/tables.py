"""The back office's tables: the header row, rows that fold into two columns on a phone with a caption in
each cell, the buttons of a row, badges, and the pager under a table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from math import ceil

from nicegui import ui

PAGE_SIZE = 25


def table_head(columns: str, headings: list[str]) -> None:
    """The header row of a grid table. On a phone the rows fold into two columns and each cell carries its
    own caption instead."""
    with ui.element("div").classes(
        f"max-md:hidden grid {columns} w-full gap-x-3 px-3 py-2 border-b border-slate-200 bg-slate-50"
    ):
        for heading in headings:
            ui.label(heading).classes("text-xs font-semibold uppercase tracking-wide text-slate-500")


def table_row(columns: str, marker: str) -> ui.element:
    return (
        ui.element("div")
        .classes(f"grid grid-cols-2 {columns} w-full gap-x-3 gap-y-2 px-3 py-3 border-b border-slate-200 items-center")
        .mark(marker)
    )


def cell(caption: str, *, wide: bool = False) -> ui.column:
    """A cell; a wide one takes the whole row on a phone."""
    column = ui.column().classes("gap-0 min-w-0" + (" col-span-2 md:col-span-1" if wide else ""))
    with column:
        ui.label(caption).classes("md:hidden text-xs uppercase tracking-wide text-slate-500")
    return column


def actions() -> ui.row:
    return ui.row().classes("col-span-2 md:col-span-1 gap-x-1 gap-y-0 items-center md:justify-end flex-wrap")


def badge(text: str, colour: str, marker: str = "") -> ui.badge:
    item = ui.badge(text, color=colour).classes("text-xs")
    if marker:
        item.mark(marker)
    return item


def pager(total: int, page: int, go: Callable[[int], Awaitable[None]], what: str) -> None:
    """ "26–50 of 212 sessions" (or "3 sessions" on one page) with the previous and next page; `what` is
    the singular."""
    pages = max(1, ceil(total / PAGE_SIZE))
    named = f"{total:,} {what}{'' if total == 1 else 's'}"
    if pages > 1 or page > 1:
        named = f"{(page - 1) * PAGE_SIZE + 1}–{min(page * PAGE_SIZE, total)} of {named}"
    with ui.row().classes("w-full items-center justify-between gap-2 pt-2"):
        ui.label(named).classes("text-sm text-slate-600").mark("page-count")
        with ui.row().classes("items-center gap-1"):
            back = ui.button(icon="chevron_left", on_click=lambda: go(page - 1))
            back.props("flat round dense aria-label='Previous page'").mark("previous-page")
            back.set_enabled(page > 1)
            ui.label(f"Page {page} of {pages}").classes("text-sm text-slate-600")
            forward = ui.button(icon="chevron_right", on_click=lambda: go(page + 1))
            forward.props("flat round dense aria-label='Next page'").mark("next-page")
            forward.set_enabled(page < pages)
