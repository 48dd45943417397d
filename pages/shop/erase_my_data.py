"""Erasing one's own data from My account: what goes and what is kept said first, the password asked again,
then signed out; and the page that says it was done."""

from __future__ import annotations

from nicegui import APIRouter, ui

from models import Customer
from trainhub_ui.auth import STUDENT_KEY, forget_sign_in
from trainhub_ui.client_address import client_address
from trainhub_ui.components.erasure_dialog import erased, erasure_terms, refusal_line
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services import erasure

from .loading import load_tenant

router = APIRouter()


async def erase_my_data_card(ctx: TenantContext, student: Customer) -> None:
    """In My account: erase everything personal the centre holds about the student, once nothing is open."""
    async with database().read() as session:
        open_things = await erasure.outstanding(session, ctx, student.id)
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("erase-my-data"):
        ui.label("Erase my data").classes("text-lg font-semibold")
        ui.label(
            f"Ask {ctx.tenant.name} to erase your personal data: your account closes, and what the law asks the "
            "centre to keep stays, without your name where it can be taken out."
        ).classes("text-slate-600")
        if open_things:
            ui.label("You can do this once nothing is left to settle: " + open_things.said()).classes(
                "text-sm text-amber-800 break-words"
            ).mark("erase-my-data-outstanding")
        button = ui.button("Erase my data", icon="person_off", on_click=lambda: _ask(ctx, student)).props(
            "outline color=negative no-caps"
        )
        button.classes("self-start").mark("erase-my-data-button").set_enabled(not open_things)


def _ask(ctx: TenantContext, student: Customer) -> None:
    address = client_address(ui.context.client.request)
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3").mark("erase-my-data-dialog"):
        ui.label("Erase your data?").classes("text-lg font-semibold")
        ui.label("This cannot be undone, and you will be signed out.").classes("text-slate-700")
        erasure_terms()
        password = ui.input("Your password, to confirm", password=True).props("outlined autocomplete=current-password")
        password.classes("w-full").mark("erase-my-data-password")
        refusal = refusal_line()

        async def confirm() -> None:
            if not await erased(
                password,
                refusal,
                lambda: erasure.erase_my_data(database(), ctx, student.id, password.value or "", address=address),
            ):
                return
            forget_sign_in(STUDENT_KEY, ctx.tenant.slug)
            ui.navigate.to(f"/{ctx.tenant.slug}/account/erased")

        password.on("keydown.enter", confirm)
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Keep my data", on_click=dialog.close).props("flat no-caps")
            ui.button("Erase my data", on_click=confirm).props("unelevated color=negative no-caps").mark(
                "erase-my-data-confirm"
            )
    dialog.open()


@router.page("/{slug}/account/erased")
async def erased_page(slug: str) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    with public_frame(tenant, None, "Your data is erased"):
        with ui.card().classes("w-full max-w-xl mx-auto p-6 gap-3").mark("my-data-erased"):
            ui.label("Your data is erased").classes("text-2xl font-bold")
            ui.label(
                f"{tenant.name} no longer holds your name, email or other personal details, and you are signed "
                "out. Invoices and certificate numbers are kept, without your details where they can be taken out."
            ).classes("text-slate-700")
            ui.link("Back to the courses", f"/{slug}/courses").classes("text-primary")
