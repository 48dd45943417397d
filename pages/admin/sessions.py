"""A course's sessions at /{slug}/admin/courses/{course_id}/sessions, with the places booked kept live:
create ("Create Session", once or repeated weekly), edit, activate and deactivate, cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import CourseSession, Tenant
from pages.admin.access import admin_access, staff_context
from pages.admin.course_parts import SessionListView, duration_text, session_path, session_state
from pages.admin.session_cancel import cancel_session_dialog
from pages.admin.session_dialog import session_dialog
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame, not_found_page
from trainhub_ui.components.live_fill import LiveFill
from trainhub_ui.components.tables import PAGE_SIZE, actions, badge, cell, pager, table_head, table_row
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.formatting import money, session_dates
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import course_sessions, courses, session_lists

router = APIRouter()

SESSION_COLUMNS = "md:grid-cols-[minmax(11rem,1.6fr)_8rem_minmax(9rem,1.4fr)_9.5rem_13.5rem]"
SESSION_WHEN = {"upcoming": "Upcoming", "past": "Past", "all": "All"}


@router.page("/{slug}/admin/courses/{course_id}/sessions")
async def sessions_page(slug: str, course_id: str) -> RedirectResponse | None:
    access = await admin_access(slug, Permission.TIMETABLE, f"/{slug}/admin/courses/{course_id}/sessions")
    if not isinstance(access, StaffAccess):
        return access
    tenant, ctx = access.tenant, staff_context(access)
    try:
        async with database().read() as session:
            course = await courses.get_course(session, ctx, course_id)
            staff = await session_lists.instructors(session, ctx)
    except NotFound:
        not_found_page("There is no such course at this centre.")
        return None
    view = SessionListView()
    live = LiveFill(tenant.id)
    with admin_frame(tenant, access.user, "Courses", course.title):
        dialogs = ui.element("div")
        with ui.row().classes("w-full items-center gap-2 -mt-2 text-sm text-slate-600 flex-wrap"):
            ui.link("Courses", f"/{slug}/admin/courses").classes("text-primary")
            ui.label("›")
            ui.label("Sessions")
            ui.label("·")
            ui.label(
                f"{money(course.price, tenant.currency, tenant.locale)} · {duration_text(course)} · "
                f"{course.default_capacity} places per session"
            )
            if not course.is_active:
                badge("Archived", "grey-7")
        with ui.row().classes("w-full items-center gap-3 flex-wrap"):
            ui.toggle(SESSION_WHEN, value="upcoming", on_change=lambda e: show_when(e.value)).props(
                "no-caps unelevated toggle-color=primary"
            ).mark("session-when")
            ui.space()
            ui.button("Create Session", icon="add", on_click=lambda: edit_session(None)).props(
                "unelevated color=primary no-caps"
            ).mark("create-session")
        with ui.card().classes("w-full p-0 gap-0").props("flat bordered"):
            table = ui.column().classes("w-full gap-0")

    async def load() -> None:
        async with database().read() as session:
            items, total = await session_lists.list_sessions(
                session,
                ctx,
                course.id,
                public=False,
                include_past=view.when == "all",
                past_only=view.when == "past",
                limit=PAGE_SIZE,
                offset=(view.page - 1) * PAGE_SIZE,
            )
        today = ctx.today()
        live.shown.clear()
        table.clear()
        with table:
            table_head(SESSION_COLUMNS, ["When", "Booked", "Instructor and venue", "Status", ""])
            if not items:
                ui.label(
                    "No sessions ahead. Create Session schedules one."
                    if view.when == "upcoming"
                    else "No sessions here."
                ).classes("p-4 text-slate-600").mark("no-sessions")
            for item in items:
                _session_row(tenant, item, today, live, edit_session, set_active, cancel)
            with ui.element("div").classes("px-3 pb-2 w-full"):
                pager(total, view.page, go_to, "session")

    async def show_when(when: str) -> None:
        view.when, view.page = when, 1
        await load()

    async def go_to(page: int) -> None:
        view.page = max(page, 1)
        await load()

    async def edit_session(item: CourseSession | None) -> None:
        with dialogs:
            message = await session_dialog(ctx, course, staff, item)
        if message:
            ui.notify(message, type="positive")
            await load()

    async def set_active(item: CourseSession, active: bool) -> None:
        try:
            async with database().transaction() as session:
                await course_sessions.set_session_active(session, ctx, course.id, item.id, active)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        ui.notify(
            f"{session_dates(item, tenant.locale)} is {'taking bookings' if active else 'no longer taking bookings'}.",
            type="positive",
        )
        await load()

    async def cancel(item: CourseSession) -> None:
        with dialogs:
            result = await cancel_session_dialog(ctx, course, item)
        if result is not None:
            await load()

    await load()
    return None


def _session_row(
    tenant: Tenant,
    item: CourseSession,
    today: date,
    live: LiveFill,
    edit: Callable[[CourseSession | None], Awaitable[None]],
    set_active: Callable[[CourseSession, bool], Awaitable[None]],
    cancel: Callable[[CourseSession], Awaitable[None]],
) -> None:
    state, colour = session_state(item, today)
    open_for_change = item.cancelled_at is None and not item.is_completed
    with table_row(SESSION_COLUMNS, f"session-{item.id}"):
        with cell("When", wide=True):
            ui.link(session_dates(item, tenant.locale), session_path(tenant, item.course_id, item.id)).classes(
                "font-semibold text-primary th-link"
            ).mark(f"open-{item.id}")
        with cell("Booked"):
            live.add(item.id, item.booked_spots, item.available_spots)
        with cell("Instructor and venue"):
            ui.label(item.instructor.name if item.instructor else "No instructor yet").classes(
                "" if item.instructor else "text-slate-500"
            )
            ui.label(item.venue or "—").classes("text-sm text-slate-600 break-words")
        with cell("Status"):
            badge(state, colour, f"state-{item.id}")
        with actions():
            ui.button("Roster", on_click=lambda: ui.navigate.to(session_path(tenant, item.course_id, item.id))).props(
                "flat dense no-caps color=primary"
            ).mark(f"roster-{item.id}")
            if open_for_change:
                ui.button("Edit", on_click=lambda: edit(item)).props("flat dense no-caps").mark(f"edit-{item.id}")
                if item.is_active:
                    ui.button("Deactivate", on_click=lambda: set_active(item, False)).props("flat dense no-caps").mark(
                        f"deactivate-{item.id}"
                    ).tooltip("Stop taking bookings; those made stand")
                else:
                    ui.button("Activate", on_click=lambda: set_active(item, True)).props("flat dense no-caps").mark(
                        f"activate-{item.id}"
                    ).tooltip("Take bookings again")
                ui.button("Cancel session", on_click=lambda: cancel(item)).props(
                    "flat dense no-caps color=negative"
                ).mark(f"cancel-{item.id}")
