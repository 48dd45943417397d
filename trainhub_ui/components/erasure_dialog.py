"""What the two dialogs that erase a student's personal data share (staff's on the student's profile, the
student's own in My account): what it takes and keeps, and how a refusal is shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from trainhub_ui.domain.errors import DomainError, InvalidInput
from trainhub_ui.services.erasure import WHAT_GOES, WHAT_STAYS


def refusal_line() -> ui.label:
    """Where a refusal that is no field's (something outstanding) is said, hidden until then."""
    line = ui.label("").classes("text-sm text-red-700 break-words").props("role=alert").mark("erase-refusal")
    line.set_visibility(False)
    return line


async def erased(field: ui.input, refusal: ui.label, erase: Callable[[], Awaitable[object]]) -> bool:
    """Run the erasure: a problem with the dialog's one field is shown at it, any other refusal on the
    refusal line; True once it is done."""
    field.error = None
    refusal.set_visibility(False)
    try:
        await erase()
    except InvalidInput as error:
        field.error = error.message
        return False
    except DomainError as error:
        refusal.set_text(error.message)
        refusal.set_visibility(True)
        return False
    return True


def erasure_terms() -> None:
    with ui.element("div").classes("grid gap-3 sm:grid-cols-2 w-full").mark("erasure-terms"):
        for title, items, icon, colour in (
            ("Erased", WHAT_GOES, "delete_forever", "text-red-700"),
            ("Kept", WHAT_STAYS, "inventory_2", "text-slate-700"),
        ):
            with ui.column().classes("gap-1 min-w-0"):
                with ui.row().classes(f"items-center gap-1 no-wrap {colour}"):
                    ui.icon(icon).classes("text-lg")
                    ui.label(title).classes("font-semibold")
                with ui.element("ul").classes("list-disc pl-5 text-sm text-slate-700 space-y-1"):
                    for item in items:
                        with ui.element("li"):
                            ui.label(item)
