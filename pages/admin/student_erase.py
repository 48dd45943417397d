"""On a student's profile: erasing their personal data (admins and the owner), with what goes and what is
kept said first and a reason asked for; once done, when, by whom and why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from models import ErasedBy
from trainhub_ui.components.erasure_dialog import erased, erasure_terms, refusal_line
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import erasure
from trainhub_ui.services.erasure import ErasureView


def erased_card(ctx: TenantContext, done: ErasureView) -> None:
    with ui.card().classes("w-full gap-1 bg-slate-50").props("flat bordered").mark("student-erased"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("person_off").classes("text-2xl text-slate-700")
            ui.label("Personal data erased").classes("text-lg font-semibold")
        ui.label(f"{day_and_time(ctx.tenant, done.erasure.created_at)}, by {done.by}.").classes("text-slate-700")
        if done.erasure.reason:
            ui.label(f"Why: {done.erasure.reason}").classes("text-sm text-slate-600 break-words")
        ui.label("Their bookings, payments, invoices and certificates stay as records, without their name.").classes(
            "text-sm text-slate-600"
        )


def erase_card(ctx: TenantContext, customer_id: str, name: str, on_erased: Callable[[], Awaitable[None]]) -> None:
    """The button that erases the student's data, for the roles that may (nothing for the others)."""
    if not ctx.may(Permission.ERASE_STUDENTS):
        return
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("erase-student"):
        ui.label("Erase their data").classes("text-lg font-semibold")
        ui.label("When they ask for it: it cannot be undone.").classes("text-sm text-slate-600")

        async def ask() -> None:
            await _erase_dialog(ctx, customer_id, name, on_erased)

        ui.button("Erase this student's personal data", on_click=ask).props("outline color=negative no-caps").classes(
            "self-start"
        ).mark("erase-student-button")


async def _erase_dialog(
    ctx: TenantContext, customer_id: str, name: str, on_erased: Callable[[], Awaitable[None]]
) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3").mark("erase-dialog"):
        ui.label(f"Erase {name}'s personal data?").classes("text-lg font-semibold")
        ui.label("This cannot be undone. Do it when they ask, once nothing is left to settle with them.").classes(
            "text-slate-700"
        )
        erasure_terms()
        reason = ui.input("Why (kept with the record of the erasure)").props(
            f"outlined maxlength={erasure.REASON_MAX} hint='Like “asked by email on 3 March”; no personal details'"
        )
        reason.classes("w-full").mark("erase-reason")
        refusal = refusal_line()

        async def confirm() -> None:
            if not await erased(
                reason,
                refusal,
                lambda: erasure.erase_student(database(), ctx, customer_id, reason.value or "", ErasedBy.STAFF),
            ):
                return
            dialog.close()
            ui.notify("Their personal data is erased.", type="positive")
            await on_erased()

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Keep it", on_click=dialog.close).props("flat no-caps").mark("erase-cancel")
            ui.button("Erase their data", on_click=confirm).props("unelevated color=negative no-caps").mark(
                "erase-confirm"
            )
    dialog.open()
