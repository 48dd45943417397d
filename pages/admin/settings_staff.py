"""The settings page's Staff tab: who can sign in to the back office and with which role; inviting
someone, changing a role, a new set-password link, deactivating and reactivating."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.elements.mixins.validation_element import ValidationElement

from models import StaffRole, StaffUser
from pages.admin.settings_parts import PAGE_SIZE, ROLE_NOTES, ROW_GRID, chip, copy_field, list_header, pager, when
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.services import staff


async def staff_panel(ctx: TenantContext, me: StaffUser) -> None:
    tenant = ctx.tenant
    offset = 0

    with ui.row().classes("w-full items-center justify-between gap-2"):
        ui.label("Who can sign in to the back office, and what they may do.").classes("text-slate-600")
        ui.button("Invite someone", icon="person_add", on_click=lambda: invite()).props(
            "unelevated color=primary no-caps"
        ).mark("invite-staff")
    listing = ui.column().classes("w-full gap-2")

    async def show(new_offset: int | None = None) -> None:
        nonlocal offset
        if new_offset is not None:
            offset = new_offset
        async with database().read() as session:
            page = await staff.list_staff(session, ctx, limit=PAGE_SIZE, offset=offset)
        listing.clear()
        with listing:
            list_header("Name", "Role", "Last signed in", "")
            for user in page.items:
                _staff_row(user)
            pager(page.total, offset, show, "staff users")

    def _staff_row(user: StaffUser) -> None:
        is_me = user.id == me.id
        may_touch = not is_me and (user.role is not StaffRole.OWNER or me.role is StaffRole.OWNER)
        with ui.card().classes("w-full py-3").props("flat bordered").mark(f"staff-{user.email}"):
            with ui.element("div").classes(ROW_GRID):
                with ui.column().classes("gap-0 min-w-0"):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(user.name).classes("font-semibold text-slate-900")
                        if is_me:
                            chip("You", "bg-slate-100 text-slate-700")
                    ui.label(user.email).classes("text-sm text-slate-600 break-all")
                with ui.row().classes("items-center gap-2"):
                    chip(user.role.value.title(), "bg-blue-50 text-blue-800", f"role-{user.email}")
                    if not user.is_active:
                        chip("Deactivated", "bg-red-50 text-red-800", f"status-{user.email}")
                    elif user.password_hash is None:
                        chip("Invited: no password yet", "bg-amber-50 text-amber-900", f"status-{user.email}")
                    else:
                        chip("Active", "bg-green-50 text-green-800", f"status-{user.email}")
                with ui.row().classes("gap-1 text-sm text-slate-600"):
                    ui.label("Last signed in").classes("md:hidden")
                    ui.label(when(tenant, user.last_signed_in_at))
                with ui.row().classes("gap-1 md:justify-end"):
                    if may_touch and user.is_active:
                        ui.button("Role", icon="badge", on_click=lambda u=user: change_role(u)).props(
                            "flat dense no-caps"
                        ).mark(f"change-role-{user.email}")
                        ui.button("New link", icon="link", on_click=lambda u=user: new_link(u)).props(
                            "flat dense no-caps title='A new set-password link'"
                        ).mark(f"new-link-{user.email}")
                        ui.button("Deactivate", on_click=lambda u=user: set_active(u, False)).props(
                            "flat dense no-caps color=negative"
                        ).mark(f"deactivate-{user.email}")
                    elif may_touch:
                        ui.button("Reactivate", on_click=lambda u=user: set_active(u, True)).props(
                            "flat dense no-caps color=primary"
                        ).mark(f"reactivate-{user.email}")

    def role_select(value: StaffRole) -> ui.select:
        return (
            ui.select(
                {role.value: ROLE_NOTES[role] for role in reversed(staff.assignable_roles(me.role))},
                label="Role",
                value=value.value,
            )
            .props("outlined")
            .classes("w-full")
        )

    def link_shown(link: staff.SetPasswordLink, heading: str) -> None:
        """The link on screen once, to copy and send; it is never shown again."""
        url = get_settings().base_url + link.path(tenant.slug)
        with ui.dialog().props("persistent") as shown, ui.card().classes("w-full max-w-lg gap-3").mark("link-dialog"):
            ui.label(heading).classes("text-lg font-semibold")
            ui.label(
                f"We have emailed this link to {link.user.name} ({link.user.email}); you can also pass it on "
                f"yourself. It lets them choose a password once, until {day_and_time(tenant, link.expires_at)}, "
                "and is shown here only now."
            ).classes("text-slate-700")
            copy_field("Set-password link", url, "set-password-link")
            ui.button("Done", on_click=shown.close).props("unelevated color=primary no-caps").mark("link-done")
        shown.open()

    async def invite() -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("invite-dialog"):
            ui.label("Invite someone to the back office").classes("text-lg font-semibold")
            name = ui.input("Name").props("outlined autocomplete=off").classes("w-full").mark("invite-name")
            email = ui.input("Email").props("type=email outlined autocomplete=off").classes("w-full")
            email.mark("invite-email")
            role = role_select(StaffRole.STAFF).mark("invite-role")
            fields: dict[str, ValidationElement[Any]] = {"name": name, "email": email, "role": role}

            async def send() -> None:
                for field in fields.values():
                    field.error = None
                try:
                    async with database().transaction() as session:
                        link = await staff.invite_staff(
                            session, ctx, name=name.value or "", email=email.value or "", role=role.value
                        )
                except DomainError as error:
                    if error.field in fields:
                        fields[error.field].error = error.message
                    else:
                        ui.notify(error.message, type="negative")
                    return
                dialog.close()
                link_shown(link, f"{link.user.name} is invited")
                await show()

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Invite", on_click=send).props("unelevated color=primary no-caps").mark("invite-send")
        dialog.open()

    async def change_role(user: StaffUser) -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("role-dialog"):
            ui.label(f"Role of {user.name}").classes("text-lg font-semibold")
            role = role_select(user.role).mark("role-choice")

            async def save() -> None:
                role.error = None
                try:
                    async with database().transaction() as session:
                        await staff.change_role(session, ctx, user.id, role.value)
                except DomainError as error:
                    role.error = error.message
                    return
                dialog.close()
                ui.notify(f"{user.name} is now {StaffRole(role.value).value.title()}.", type="positive")
                await show()

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Save", on_click=save).props("unelevated color=primary no-caps").mark("role-save")
        dialog.open()

    async def new_link(user: StaffUser) -> None:
        try:
            async with database().transaction() as session:
                link = await staff.new_set_password_link(session, ctx, user.id)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        link_shown(link, f"A new link for {user.name}")
        await show()

    async def set_active(user: StaffUser, active: bool) -> None:
        if not active:
            with ui.dialog() as dialog, ui.card().classes("max-w-md gap-3").mark("deactivate-dialog"):
                ui.label(f"Deactivate {user.name}?").classes("text-lg font-semibold")
                ui.label(
                    "They can no longer sign in, and a back-office page they have open stops working. "
                    "Their name stays on the records; you can reactivate them later."
                ).classes("text-slate-700")
                with ui.row().classes("w-full justify-end gap-2"):
                    ui.button("Keep", on_click=lambda: dialog.submit(False)).props("flat no-caps")
                    ui.button("Deactivate", on_click=lambda: dialog.submit(True)).props(
                        "unelevated color=negative no-caps"
                    ).mark("confirm-deactivate")
            if not await dialog:
                return
        try:
            async with database().transaction() as session:
                await staff.set_staff_active(session, ctx, user.id, active=active)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        ui.notify(f"{user.name} is {'reactivated' if active else 'deactivated'}.", type="positive")
        await show()

    await show()
