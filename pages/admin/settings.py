"""The centre's settings in the back office (ADMIN and OWNER), one tab each for the centre, payments, its
terms and privacy notice, staff users and API tokens; the chosen tab is kept in the address."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from pages.admin.access import admin_access
from pages.admin.settings_centre import centre_panel
from pages.admin.settings_parts import settings_context
from pages.admin.settings_payments import payments_panel
from pages.admin.settings_staff import staff_panel
from pages.admin.settings_terms import terms_panel
from pages.admin.settings_tokens import tokens_panel
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.db import database
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import tenants

router = APIRouter()

TABS = {
    "centre": "Centre",
    "payments": "Payments",
    "terms": "Terms and privacy",
    "staff": "Staff",
    "tokens": "API tokens",
}


@router.page("/{slug}/admin/settings")
async def settings_page(slug: str, tab: str = "centre") -> RedirectResponse | None:
    access = await admin_access(slug, Permission.SETTINGS, f"/{slug}/admin/settings")
    if not isinstance(access, StaffAccess):
        return access
    ctx = settings_context(access)
    async with database().read() as session:
        currency_fixed = await tenants.currency_locked(session, ctx)
    with admin_frame(access.tenant, access.user, "Settings", "Settings"):
        chosen = tab if tab in TABS else "centre"
        with ui.tabs(value=chosen).props("align=left no-caps inline-label outside-arrows mobile-arrows") as tabs:
            tabs.classes("w-full border-b text-slate-700")
            for name, label in TABS.items():
                ui.tab(name, label).mark(f"tab-{name}")
        tabs.on_value_change(lambda e: ui.navigate.history.replace(f"/{slug}/admin/settings?tab={e.value}"))
        with ui.tab_panels(tabs, value=chosen).classes("w-full bg-transparent").props("keep-alive animated=false"):
            with ui.tab_panel("centre").classes("p-0 pt-2"):
                centre_panel(ctx)
            with ui.tab_panel("payments").classes("p-0 pt-2"):
                payments_panel(ctx, currency_fixed)
            with ui.tab_panel("terms").classes("p-0 pt-2"):
                await terms_panel(ctx)
            with ui.tab_panel("staff").classes("p-0 pt-2"):
                await staff_panel(ctx, access.user)
            with ui.tab_panel("tokens").classes("p-0 pt-2"):
                await tokens_panel(ctx)
    return None
