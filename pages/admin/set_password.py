"""The public page where an invited staff member chooses their password, from the link they were sent."""

from __future__ import annotations

from nicegui import APIRouter, ui

from models import utcnow
from trainhub_ui.components.fields import show_password_button
from trainhub_ui.components.frames import apply_branding, not_found_page
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.rate_limits import Door
from trainhub_ui.services import staff, tenants

router = APIRouter()


@router.page("/{slug}/admin/set-password/{secret}")
async def set_password_page(slug: str, secret: str) -> None:
    async with database().read() as session:
        tenant = await tenants.find_tenant(session, slug)
        invite = await staff.find_invite(session, tenant, secret, utcnow()) if tenant else None
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    # The link is a secret: keep it out of the Referer of anything this page loads or links to.
    ui.add_head_html('<meta name="referrer" content="no-referrer">')
    ui.page_title(f"Choose your password · {tenant.name}")
    with ui.column().classes("w-full min-h-[80vh] items-center justify-center p-4"):
        ui.label(tenant.name).classes("text-lg font-semibold text-primary")
        card = ui.card().classes("w-full max-w-md p-6 gap-4")
    if invite is None:
        ui.context.client.status_code = 404
        with card:
            ui.label("This link no longer works").classes("text-2xl font-bold")
            ui.label(f"{staff.LINK_INVALID} Ask an admin of {tenant.name} for a new one.").classes(
                "text-slate-600"
            ).mark("link-invalid")
            ui.link("Go to staff sign-in", f"/{slug}/admin/login").classes("text-primary")
        return

    with card:
        ui.label(f"Welcome, {invite.name.split()[0]}").classes("text-2xl font-bold")
        ui.label(
            f"Choose a password for {invite.email} to sign in to {tenant.name}'s back office as "
            f"{invite.role.value.title()}."
        ).classes("text-slate-600")
        password = ui.input("New password", password=True).props(
            "outlined autocomplete=new-password hint='At least 8 characters'"
        )
        password.classes("w-full").mark("password")
        show_password_button(password)
        repeat = ui.input("Repeat the password", password=True).props("outlined autocomplete=new-password")
        repeat.classes("w-full").mark("repeat-password")
        problem = ui.label("").classes("w-full rounded bg-red-50 text-red-800 p-3").props("role=alert")
        problem.set_visibility(False)

        async def choose() -> None:
            password.error = repeat.error = None
            problem.set_visibility(False)
            if (password.value or "") != (repeat.value or ""):
                repeat.error = "The two passwords differ."
                return
            if message := await wait_message(Door.PASSWORD_RESET, slug):
                problem.set_text(message)
                problem.set_visibility(True)
                return
            button.disable()
            try:
                await staff.set_password_from_link(database(), tenant, secret, password.value or "", utcnow())
            except DomainError as error:
                if error.field == "password":
                    password.error = error.message
                else:
                    problem.set_text(f"{error.message} Ask an admin of {tenant.name} for a new one.")
                    problem.set_visibility(True)
                return
            finally:
                button.enable()
            card.clear()
            with card:
                ui.label("Your password is set").classes("text-2xl font-bold").mark("password-set")
                ui.label(f"Sign in with {invite.email} and your new password.").classes("text-slate-600")
                ui.button("Sign in", on_click=lambda: ui.navigate.to(f"/{slug}/admin/login")).classes("w-full").props(
                    "unelevated size=lg no-caps"
                ).mark("go-sign-in")

        repeat.on("keydown.enter", choose)
        button = ui.button("Set password", on_click=choose).classes("w-full").props("unelevated size=lg no-caps")
        button.mark("set-password")
