"""What the settings panels share: the form that saves a panel's settings together and marks every
refused field, a field to copy from, the lists' rows, chips and pager, and what each role may do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.elements.mixins.validation_element import ValidationElement

from models import StaffRole, Tenant
from trainhub_ui.auth import StaffAccess
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.services import centre_settings, tenants

PAGE_SIZE = 25
ROLE_NOTES = {
    StaffRole.INSTRUCTOR: "Instructor: their own sessions and rosters",
    StaffRole.STAFF: "Staff: everything but settings, staff and tokens",
    StaffRole.ADMIN: "Admin: everything but the audit log",
    StaffRole.OWNER: "Owner: everything, other owners and the audit log",
}


def settings_context(access: StaffAccess) -> TenantContext:
    user = access.user
    return TenantContext(tenant=access.tenant, actor=f"{user.name} ({user.email})", role=user.role, user_id=user.id)


def show_error(element: ui.element, message: str | None) -> None:
    if isinstance(element, ValidationElement):
        element.error = message
    else:  # a plain q-input (the colour input) shows Quasar's own error slot
        element.props["error"] = message is not None
        element.props["error-message"] = message or ""


def copy_field(label: str, value: str, marker: str) -> None:
    """A read-only field with the text selected on focus and a copy button (the clipboard needs https or
    localhost; selecting the text works everywhere)."""
    field = ui.textarea(label, value=value).props("readonly outlined autogrow rows=1").mark(marker)
    field.classes("w-full font-mono text-sm break-all")
    field.on("focus", js_handler="(e) => e.target.select()")
    with field.add_slot("append"):
        ui.button(icon="content_copy", on_click=lambda: (ui.clipboard.write(value), ui.notify("Copied."))).props(
            "flat round dense title='Copy'"
        ).mark(f"copy-{marker}")


def with_stored(options: list[str], current: str) -> list[str]:
    """The choices plus the value stored now, so a select opens even on a value set outside this page."""
    return options if current in options else sorted([*options, current])


def when(tenant: Tenant, moment: Any) -> str:
    return day_and_time(tenant, moment) if moment else "never"


def pager(total: int, offset: int, on_move: Callable[[int], Awaitable[None]], what: str) -> None:
    if total <= PAGE_SIZE:
        return
    with ui.row().classes("w-full items-center justify-end gap-2 text-sm text-slate-600"):
        ui.label(f"{offset + 1}–{min(offset + PAGE_SIZE, total)} of {total} {what}")
        back = ui.button(icon="chevron_left", on_click=lambda: on_move(max(0, offset - PAGE_SIZE)))
        back.props("flat round dense aria-label='Previous page'").set_enabled(offset > 0)
        more = ui.button(icon="chevron_right", on_click=lambda: on_move(offset + PAGE_SIZE))
        more.props("flat round dense aria-label='Next page'").set_enabled(offset + PAGE_SIZE < total)


ROW_GRID = "w-full grid gap-2 md:gap-4 items-center md:grid-cols-[minmax(0,2fr)_minmax(0,1.3fr)_minmax(0,1.2fr)_17rem]"


def list_header(*titles: str) -> None:
    with ui.element("div").classes(ROW_GRID + " max-md:hidden px-4 text-xs uppercase tracking-wide text-slate-500"):
        for title in titles:
            ui.label(title)


def chip(text: str, colours: str, marker: str | None = None) -> None:
    chip = ui.label(text).classes(f"text-xs font-medium rounded-full px-2 py-0.5 {colours}")
    if marker:
        chip.mark(marker)


class SettingsForm:
    """Inputs keyed by setting; saved together, with every refused field marked at once."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.inputs: dict[str, ui.element] = {}
        self.problem: ui.label | None = None

    def add(self, field: str, element: ui.element) -> ui.element:
        self.inputs[field] = element.mark(f"setting-{field}")
        return element

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for field, element in self.inputs.items():
            value = element.value  # type: ignore[attr-defined]
            # An emptied text field reads None; an emptied number stays None and is refused as missing.
            values[field] = "" if value is None and not isinstance(element, ui.number) else value
        return values

    async def save(self) -> bool:
        for element in self.inputs.values():
            show_error(element, None)
        if self.problem is not None:
            self.problem.set_visibility(False)
        try:
            async with database().transaction() as session:
                tenant = await tenants.update_centre_settings(
                    session, self.ctx, centre_settings.SettingsChanges.read(self.values())
                )
        except centre_settings.InvalidSettings as refused:
            for field, message in refused.problems.items():
                if field in self.inputs and not isinstance(self.inputs[field], ui.checkbox):
                    show_error(self.inputs[field], message)
                elif self.problem is not None:
                    self.problem.set_text(message)
                    self.problem.set_visibility(True)
            ui.notify("Nothing saved: check the fields marked in red.", type="warning")
            return False
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return False
        shown = centre_settings.centre_settings(tenant)
        for field, element in self.inputs.items():
            element.value = shown[field]  # type: ignore[attr-defined]  # as stored: trimmed, normalised
        ui.notify("Saved.", type="positive")
        return True
