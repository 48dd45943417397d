"""Dialogs in which staff type: showing a service's error at its field, and opening a dialog to wait for its
answer. What they type is checked by the service's input model (`trainhub_ui.domain.inputs`), amounts of
money read by `trainhub_ui.domain.formatting.parse_money`."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from trainhub_ui.domain.errors import DomainError


class Form:
    """A dialog's inputs by the field names the services use, so that a service's error shows at its input;
    an error of no input of this form shows in the form's own line."""

    def __init__(self) -> None:
        self.inputs: dict[str, Any] = {}
        self.problem = ui.label().classes("text-sm text-red-700").mark("form-problem")
        self.problem.set_visibility(False)

    def add(self, name: str, element: Any) -> Any:
        self.inputs[name] = element
        return element

    def clear(self) -> None:
        for element in self.inputs.values():
            if hasattr(element, "error"):
                element.error = None
        self.problem.set_visibility(False)

    def show(self, error: DomainError) -> None:
        element = self.inputs.get(error.field or "")
        if element is not None and hasattr(element, "error"):
            element.error = error.message
        else:
            self.problem.set_text(error.message)
            self.problem.set_visibility(True)


def entered(element: Any) -> Any:
    """What an input holds, as its input model reads it: an empty number field holds None, which a model's
    field reads as "left empty" only as ""."""
    return "" if element.value is None else element.value


async def answer_of(dialog: ui.dialog) -> Any:
    """Open a dialog and wait for its answer (None when dismissed); then it goes, unless its page went first."""
    dialog.open()
    try:
        return await dialog
    finally:
        if not dialog.is_deleted and not dialog.client.is_deleted:
            dialog.delete()


def section(text: str) -> ui.label:
    """A small heading inside a dialog."""
    return ui.label(text).classes("text-xs font-semibold uppercase tracking-wide text-slate-500 -mb-2")
