"""The settings page's API tokens tab: the tokens that let the centre's own systems use the JSON API;
creating one (its secret shown once) and revoking one."""

from __future__ import annotations

from nicegui import ui

from models import ApiToken, StaffRole
from pages.admin.settings_parts import PAGE_SIZE, ROLE_NOTES, ROW_GRID, chip, copy_field, list_header, pager, when
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.services import tokens


async def tokens_panel(ctx: TenantContext) -> None:
    tenant = ctx.tenant
    offset = 0
    assert ctx.role is not None

    with ui.row().classes("w-full items-center justify-between gap-2"):
        with ui.column().classes("gap-0"):
            ui.label("Tokens let your own systems use the JSON API.").classes("text-slate-600")
            ui.link("API documentation", "/api/docs", new_tab=True).classes("text-sm text-primary")
        ui.button("Create a token", icon="key", on_click=lambda: create()).props(
            "unelevated color=primary no-caps"
        ).mark("create-token")
    listing = ui.column().classes("w-full gap-2")

    async def show(new_offset: int | None = None) -> None:
        nonlocal offset
        if new_offset is not None:
            offset = new_offset
        try:
            async with database().read() as session:
                page = await tokens.list_tokens(session, ctx, limit=PAGE_SIZE, offset=offset)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        listing.clear()
        with listing:
            if not page.items:
                ui.label("No tokens yet.").classes("text-slate-500").mark("no-tokens")
            else:
                list_header("Token", "Role", "Dates", "")
            for token in page.items:
                _token_row(token)
            pager(page.total, offset, show, "tokens")

    def _token_row(token: ApiToken) -> None:
        with ui.card().classes("w-full py-3").props("flat bordered").mark(f"token-{token.name}"):
            with ui.element("div").classes(ROW_GRID):
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label(token.name).classes("font-semibold text-slate-900 break-words")
                    ui.label(f"{token.token_prefix}…").classes("text-sm font-mono text-slate-600")
                with ui.row().classes("items-center gap-2"):
                    chip(token.role.value.title(), "bg-blue-50 text-blue-800")
                    if token.revoked_at:
                        chip("Revoked", "bg-red-50 text-red-800", f"token-status-{token.name}")
                    else:
                        chip("Active", "bg-green-50 text-green-800", f"token-status-{token.name}")
                with ui.column().classes("gap-0 text-sm text-slate-600"):
                    ui.label(f"Created {day_and_time(tenant, token.created_at)}")
                    if token.revoked_at:
                        ui.label(f"Revoked {day_and_time(tenant, token.revoked_at)}")
                    ui.label(f"Last used {when(tenant, token.last_used_at)}")
                with ui.row().classes("md:justify-end"):
                    if token.revoked_at is None:
                        ui.button("Revoke", on_click=lambda t=token: revoke(t)).props(
                            "flat dense no-caps color=negative"
                        ).mark(f"revoke-{token.name}")

    async def create() -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("token-dialog"):
            ui.label("Create an API token").classes("text-lg font-semibold")
            name = ui.input("What is it for?").props("outlined autocomplete=off hint='For example: our website'")
            name.classes("w-full").mark("token-name")
            assert ctx.role is not None
            role = (
                ui.select(
                    {r.value: ROLE_NOTES[r] for r in reversed(tokens.token_roles(ctx.role))},
                    label="What it may do",
                    value=StaffRole.ADMIN.value,
                )
                .props("outlined")
                .classes("w-full")
                .mark("token-role")
            )
            made = ui.column().classes("w-full gap-2")
            buttons = ui.row().classes("w-full justify-end gap-2")

            async def make() -> None:
                name.error = role.error = None
                try:
                    async with database().transaction() as session:
                        _token, secret = await tokens.create_token(session, ctx, name=name.value or "", role=role.value)
                except DomainError as error:
                    (role if error.field == "role" else name).error = error.message
                    return
                name.disable()
                role.disable()
                buttons.clear()
                with made:
                    ui.label("Copy the token now: it is shown only once, and only its hash is kept.").classes(
                        "font-medium text-amber-900 bg-amber-50 rounded p-2"
                    )
                    copy_field("Token", secret, "new-token")
                with buttons:
                    ui.button("Done", on_click=dialog.close).props("unelevated color=primary no-caps").mark(
                        "token-done"
                    )
                dialog.props("persistent")
                await show()

            with buttons:
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Create", on_click=make).props("unelevated color=primary no-caps").mark("token-create")
        dialog.open()

    async def revoke(token: ApiToken) -> None:
        with ui.dialog() as dialog, ui.card().classes("max-w-md gap-3").mark("revoke-dialog"):
            ui.label(f"Revoke “{token.name}”?").classes("text-lg font-semibold")
            ui.label("Anything using it is refused within seconds. This cannot be undone.").classes("text-slate-700")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep", on_click=lambda: dialog.submit(False)).props("flat no-caps")
                ui.button("Revoke", on_click=lambda: dialog.submit(True)).props(
                    "unelevated color=negative no-caps"
                ).mark("confirm-revoke")
        if not await dialog:
            return
        try:
            async with database().transaction() as session:
                await tokens.revoke_token(session, ctx, token.id)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        ui.notify(f"“{token.name}” is revoked.", type="positive")
        await show()

    await show()
