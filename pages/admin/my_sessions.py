"""An instructor's own sessions at /{slug}/admin/my-sessions, upcoming or past, each with its places booked
kept live and a way to its roster."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from pages.admin.access import admin_access, staff_context
from pages.admin.course_parts import SessionListView, session_path, session_state
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.components.live_fill import LiveFill
from trainhub_ui.components.tables import PAGE_SIZE, actions, badge, cell, pager, table_head, table_row
from trainhub_ui.db import database
from trainhub_ui.domain.formatting import session_dates
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import roster

router = APIRouter()

MINE_COLUMNS = "md:grid-cols-[minmax(11rem,1.5fr)_minmax(11rem,1.5fr)_minmax(8rem,1fr)_8rem_9.5rem_6rem]"


@router.page("/{slug}/admin/my-sessions")
async def my_sessions_page(slug: str) -> RedirectResponse | None:
    access = await admin_access(slug, Permission.SESSIONS_TAUGHT, f"/{slug}/admin/my-sessions")
    if not isinstance(access, StaffAccess):
        return access
    tenant, ctx = access.tenant, staff_context(access)
    view = SessionListView()
    live = LiveFill(tenant.id)
    with admin_frame(tenant, access.user, "My sessions", "My sessions"):
        ui.label("The sessions you lead as instructor, with their rosters.").classes("text-slate-600 -mt-2")
        ui.toggle({"upcoming": "Upcoming", "past": "Past"}, value="upcoming", on_change=lambda e: show(e.value)).props(
            "no-caps unelevated toggle-color=primary"
        ).mark("my-when")
        with ui.card().classes("w-full p-0 gap-0").props("flat bordered"):
            table = ui.column().classes("w-full gap-0")

    async def load() -> None:
        locale = tenant.locale
        async with database().read() as session:
            led, total = await roster.sessions_led_by(
                session,
                ctx,
                access.user.id,
                past=view.when == "past",
                limit=PAGE_SIZE,
                offset=(view.page - 1) * PAGE_SIZE,
            )
        today = ctx.today()
        live.shown.clear()
        table.clear()
        with table:
            table_head(MINE_COLUMNS, ["Course", "When", "Venue", "Booked", "Status", ""])
            if not led:
                ui.label(
                    "No sessions of yours are coming up." if view.when == "upcoming" else "No past sessions of yours."
                ).classes("p-4 text-slate-600").mark("no-sessions")
            for taught in led:
                item = taught.course_session
                state, colour = session_state(item, today)
                target = session_path(tenant, item.course_id, item.id)
                with table_row(MINE_COLUMNS, f"my-session-{item.id}"):
                    with cell("Course", wide=True):
                        ui.label(taught.course_title).classes("font-semibold text-slate-900 break-words")
                    with cell("When", wide=True):
                        ui.link(session_dates(item, locale), target).classes("text-primary th-link").mark(
                            f"open-{item.id}"
                        )
                    with cell("Venue"):
                        ui.label(item.venue or "—")
                    with cell("Booked"):
                        live.add(item.id, item.booked_spots, item.available_spots)
                    with cell("Status"):
                        badge(state, colour)
                    with actions():
                        ui.button("Roster", on_click=lambda t=target: ui.navigate.to(t)).props(
                            "flat dense no-caps color=primary"
                        )
            with ui.element("div").classes("px-3 pb-2 w-full"):
                pager(total, view.page, go_to, "session")

    async def show(when: str) -> None:
        view.when, view.page = when, 1
        await load()

    async def go_to(page: int) -> None:
        view.page = max(page, 1)
        await load()

    await load()
    return None
