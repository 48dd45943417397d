"""A coloured line with an icon that tells a student where their booking stands (the pay page, the invoice
confirmation page)."""

from __future__ import annotations

from nicegui import ui


def banner(icon: str, text: str, colour: str, marker: str) -> None:
    """`colour` is a Tailwind colour name (blue, green, amber, slate); `marker` names the text for tests."""
    with ui.row().classes(f"w-full items-center gap-3 p-3 rounded bg-{colour}-50 text-{colour}-900 no-wrap"):
        ui.icon(icon).classes("text-2xl")
        ui.label(text).mark(marker)
