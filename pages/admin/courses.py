"""The course table at /{slug}/admin/courses: find a course by its title, show those on sale or archived;
create and edit courses in the course dialog, archive them and bring them back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import Course, Tenant
from pages.admin.access import admin_access, staff_context
from pages.admin.course_dialog import course_dialog
from pages.admin.course_parts import duration_text, sessions_path
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.forms import answer_of
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.components.tables import PAGE_SIZE, actions, badge, cell, pager, table_head, table_row
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import money
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import courses as course_service

router = APIRouter()

COURSE_COLUMNS = "md:grid-cols-[minmax(11rem,2fr)_9rem_9rem_6rem_16.5rem]"
COURSE_SHOWN = {"active": True, "archived": False, "all": None}


@dataclass
class CourseListView:
    text: str = ""
    shown: str = "active"
    page: int = 1


@router.page("/{slug}/admin/courses")
async def courses_page(slug: str) -> RedirectResponse | None:
    access = await admin_access(slug, Permission.TIMETABLE, f"/{slug}/admin/courses")
    if not isinstance(access, StaffAccess):
        return access
    tenant, ctx = access.tenant, staff_context(access)
    view = CourseListView()
    with admin_frame(tenant, access.user, "Courses", "Courses"):
        dialogs = ui.element("div")
        with ui.row().classes("w-full items-end gap-3 flex-wrap"):
            search = (
                ui.input("Search titles", on_change=lambda e: apply(text=e.value or ""))
                .props("outlined dense clearable debounce=300")
                .classes("w-64 max-sm:w-full")
                .mark("course-search")
            )
            ui.select(
                {"active": "On sale", "archived": "Archived", "all": "All courses"},
                value="active",
                label="Show",
                on_change=lambda e: apply(shown=e.value),
            ).props("outlined dense").classes("w-40").mark("course-filter")
            ui.space()
            ui.button("New course", icon="add", on_click=lambda: edit_course(None)).props(
                "unelevated color=primary no-caps"
            ).mark("new-course")
        with ui.card().classes("w-full p-0 gap-0").props("flat bordered"):
            table = ui.column().classes("w-full gap-0")
    search.props("aria-label='Search course titles'")

    async def load() -> None:
        async with database().read() as session:
            courses, total = await course_service.list_courses(
                session,
                ctx,
                public=False,
                q=view.text,
                active=COURSE_SHOWN[view.shown],
                limit=PAGE_SIZE,
                offset=(view.page - 1) * PAGE_SIZE,
            )
            outlooks = await course_service.course_outlooks(session, ctx, [course.id for course in courses])
        table.clear()
        with table:
            table_head(COURSE_COLUMNS, ["Course", "Price and length", "Sessions ahead", "Status", ""])
            if not courses:
                ui.label(
                    "No course matches."
                    if view.text or view.shown != "active"
                    else "No course is on sale: add one with New course, or look under Archived."
                ).classes("p-4 text-slate-600").mark("no-courses")
            for course in courses:
                _course_row(tenant, course, outlooks[course.id], edit_course, archive)
            with ui.element("div").classes("px-3 pb-2 w-full"):
                pager(total, view.page, go_to, "course")

    async def apply(**changes: Any) -> None:
        for name, value in changes.items():
            setattr(view, name, value)
        view.page = 1
        await load()

    async def go_to(page: int) -> None:
        view.page = max(page, 1)
        await load()

    async def edit_course(course: Course | None) -> None:
        with dialogs:
            saved = await course_dialog(ctx, course)
        if saved is not None:
            ui.notify(f"“{saved.title}” is saved.", type="positive")
            await load()

    async def archive(course: Course, archived: bool) -> None:
        if archived:
            async with database().read() as session:
                outlook = (await course_service.course_outlooks(session, ctx, [course.id]))[course.id]
            with dialogs, ui.dialog() as dialog, ui.card().classes("max-w-lg"):
                ui.label(f"Archive “{course.title}”?").classes("text-lg font-semibold")
                ui.label(
                    "It leaves the public site and the booking wizard; it stays here under Archived and can be "
                    "brought back."
                ).classes("text-slate-700")
                if outlook.upcoming_sessions:
                    ui.label(
                        f"Its {outlook.upcoming_sessions} session{'s' if outlook.upcoming_sessions != 1 else ''} "
                        f"ahead ({outlook.places_booked} places booked) stay as they are: cancel them from "
                        "Manage Sessions if they will not run."
                    ).classes("text-amber-900 bg-amber-50 rounded p-2").mark("archive-warning")
                with ui.row().classes("w-full justify-end gap-2"):
                    ui.button("Keep it on sale", on_click=lambda: dialog.submit(False)).props("flat no-caps")
                    ui.button("Archive", on_click=lambda: dialog.submit(True)).props(
                        "unelevated color=negative no-caps"
                    ).mark("confirm-archive")
            confirmed = await answer_of(dialog)
            if not confirmed:
                return
        try:
            async with database().transaction() as session:
                await course_service.set_course_archived(session, ctx, course.id, archived)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        ui.notify(f"“{course.title}” is {'archived' if archived else 'back on sale'}.", type="positive")
        await load()

    await load()
    return None


def _course_row(
    tenant: Tenant,
    course: Course,
    outlook: course_service.CourseOutlook,
    edit: Callable[[Course | None], Awaitable[None]],
    archive: Callable[[Course, bool], Awaitable[None]],
) -> None:
    with table_row(COURSE_COLUMNS, f"course-{course.slug}"):
        with cell("Course", wide=True):
            ui.link(course.title, sessions_path(tenant, course.id)).classes(
                "font-semibold text-slate-900 th-link break-words"
            )
            if course.category:
                ui.label(course.category).classes("text-xs text-slate-500")
        with cell("Price and length"):
            ui.label(money(course.price, tenant.currency, tenant.locale)).classes("tabular-nums font-medium")
            ui.label(duration_text(course)).classes("text-sm text-slate-600")
        with cell("Sessions ahead"):
            if outlook.upcoming_sessions:
                ui.label(
                    f"{outlook.upcoming_sessions} session{'s' if outlook.upcoming_sessions != 1 else ''} · "
                    f"{outlook.places_booked} booked"
                )
            else:
                ui.label("None scheduled").classes("text-slate-500")
        with cell("Status"):
            if course.is_active:
                badge("On sale", "green-8", f"status-{course.slug}")
            else:
                badge("Archived", "grey-7", f"status-{course.slug}")
        with actions():
            ui.button("Manage Sessions", on_click=lambda: ui.navigate.to(sessions_path(tenant, course.id))).props(
                "unelevated dense color=primary no-caps"
            ).classes("px-2").mark(f"manage-sessions-{course.slug}")
            ui.button("Edit", on_click=lambda: edit(course)).props("flat dense no-caps").mark(f"edit-{course.slug}")
            if course.is_active:
                ui.button("Archive", on_click=lambda: archive(course, True)).props(
                    "flat dense no-caps color=negative"
                ).mark(f"archive-{course.slug}")
            else:
                ui.button("Restore", on_click=lambda: archive(course, False)).props("flat dense no-caps").mark(
                    f"restore-{course.slug}"
                )
