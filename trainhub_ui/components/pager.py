"""Newer / Page n of m / Older links under a list paged in the address, newest first."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


def pager(page: int, pages: int, link_to: Callable[[int], str]) -> None:
    """Nothing when everything fits on one page; `link_to(n)` is the address of page n."""
    if pages <= 1:
        return
    with ui.row().classes("items-center gap-2"):
        if page > 1:
            ui.link("Newer", link_to(page - 1)).mark("newer")
        ui.label(f"Page {page} of {pages}").classes("text-slate-600")
        if page < pages:
            ui.link("Older", link_to(page + 1)).mark("older")
