"""The bookings list in the back office: filtered, sorted and paged in SQL, the view kept in the address,
and the whole filtered set as CSV."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import APIRouter, ui

from models import BookingStatus
from pages.admin.access import admin_access, csv_download, file_access, staff_context
from pages.admin.booking_list_view import PER_PAGE_CHOICES, ListView, filter_day, read_view, view_query, with_query
from pages.admin.bookings_table import (
    BADGE_CELL,
    CARD,
    COLUMNS,
    REFERENCE_CELL,
    SESSION_CELL,
    STUDENT_CELL,
    booking_row,
)
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.components.status_badges import STATUS_LABELS
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.domain.formatting import session_dates
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import booking_search
from trainhub_ui.services.booking_filters import SORTS, BookingSearch
from trainhub_ui.services.courses import list_courses
from trainhub_ui.services.payment_states import PaymentState
from trainhub_ui.services.session_lists import list_sessions
from trainhub_ui.services.students import get_student

router = APIRouter()


@router.page("/{slug}/admin/bookings")
async def bookings_list(slug: str, request: Request) -> RedirectResponse | None:
    here = f"/{slug}/admin/bookings"
    address = here + (f"?{request.url.query}" if request.url.query else "")
    access = await admin_access(slug, Permission.BOOKINGS, address)
    if not isinstance(access, StaffAccess):
        return access
    tenant = access.tenant
    ctx = staff_context(access)
    view, problems = read_view(dict(request.query_params))
    async with database().read() as session:
        courses, _ = await list_courses(session, ctx, public=False, limit=500)
        course_titles = {course.id: course.title for course in courses}
        if view.search.course_id and view.search.course_id not in course_titles:
            problems["course"] = "That course is not one of this centre's."
            view = replace(view, search=replace(view.search, course_id=None, session_id=None))
        session_choices = await _session_choices(session, ctx, view.search.course_id)
        if view.search.session_id and view.search.session_id not in session_choices:
            problems["session"] = "Choose a session of the chosen course."
            view = replace(view, search=replace(view.search, session_id=None))
        student_name = None
        if view.search.customer_id:
            student_name = await _student_name(session, ctx, view.search.customer_id)
            if student_name is None:
                problems["student"] = "That student is not one of this centre's."
                view = replace(view, search=replace(view.search, customer_id=None))
        found = await booking_search.search_bookings(session, ctx, view.search, limit=view.per_page, offset=view.offset)
        if not found.lines and found.total and view.page > 1:
            # A page past the end (the list shrank, or a hand-made address): the last page instead.
            view = replace(view, page=(found.total + view.per_page - 1) // view.per_page)
            found = await booking_search.search_bookings(
                session, ctx, view.search, limit=view.per_page, offset=view.offset
            )
    state = {"view": view}

    with admin_frame(tenant, access.user, "Bookings", "Bookings"):
        with ui.card().classes("w-full gap-2").props("flat bordered"):
            with ui.element("div").classes("grid gap-3 w-full grid-cols-2 lg:grid-cols-4"):
                search_box = (
                    ui.input("Search", value=view.search.text, placeholder="Reference, student, email or company")
                    .props("outlined dense clearable")
                    .classes("col-span-2")
                    .mark("filter-q")
                )
                with search_box.add_slot("prepend"):
                    ui.icon("search")
                status_select = (
                    ui.select(
                        {"": "Any status", **{s.value.lower(): STATUS_LABELS[s] for s in BookingStatus}},
                        label="Status",
                        value=view.search.status.value.lower() if view.search.status else "",
                    )
                    .props("outlined dense")
                    .mark("filter-status")
                )
                payment_select = (
                    ui.select(
                        {"": "Any payment", **{p.value: p.label for p in PaymentState}},
                        label="Payment",
                        value=view.search.payment.value if view.search.payment else "",
                    )
                    .props("outlined dense")
                    .mark("filter-payment")
                )
                course_select = (
                    ui.select(
                        {"": "All courses", **course_titles},
                        label="Course",
                        value=view.search.course_id or "",
                        with_input=True,
                    )
                    .props("outlined dense")
                    .mark("filter-course")
                )
                session_select = (
                    ui.select(
                        {"": "All dates", **session_choices},
                        label="Session",
                        value=view.search.session_id or "",
                    )
                    .props("outlined dense")
                    .mark("filter-session")
                )
                session_select.set_enabled(bool(view.search.course_id))
                starts_from = (
                    ui.input(
                        "Sessions from", value=view.search.starts_from.isoformat() if view.search.starts_from else ""
                    )
                    .props("outlined dense type=date stack-label")
                    .mark("filter-from")
                )
                starts_to = (
                    ui.input("Sessions to", value=view.search.starts_to.isoformat() if view.search.starts_to else "")
                    .props("outlined dense type=date stack-label")
                    .mark("filter-to")
                )
            fields = {
                "q": search_box,
                "status": status_select,
                "payment": payment_select,
                "course": course_select,
                "session": session_select,
                "from": starts_from,
                "to": starts_to,
            }
            with ui.row().classes("items-center gap-2 w-full"):
                student_chip = ui.row().classes("items-center gap-2")
                problem_labels = ui.column().classes("gap-0")
                ui.space()
                clear_button = ui.button("Clear filters", icon="filter_alt_off").props("flat dense no-caps")
                clear_button.mark("clear-filters")

        with ui.row().classes("w-full items-center justify-between gap-2"):
            count_label = ui.label().classes("text-slate-600").mark("result-count")
            export_button = ui.button("Export CSV", icon="download").props("outline no-caps").mark("export-csv")
        table = (
            ui.table(columns=COLUMNS, rows=[], row_key="id", pagination={"rowsPerPage": view.per_page})
            .props(
                f"flat bordered dense wrap-cells binary-state-sort :rows-per-page-options='{list(PER_PAGE_CHOICES)}'"
                " rows-per-page-label='Per page'"
                " :grid='Quasar.Screen.lt.md' no-data-label='No booking matches these filters.'"
            )
            .classes("w-full")
            .mark("bookings-table")
        )
        table.add_slot("body-cell-reference", REFERENCE_CELL)
        table.add_slot("body-cell-student", STUDENT_CELL)
        table.add_slot("body-cell-session", SESSION_CELL)
        table.add_slot("body-cell-status", BADGE_CELL.replace("{colour}", "status_colour"))
        table.add_slot("body-cell-payment", BADGE_CELL.replace("{colour}", "payment_colour"))
        table.add_slot("item", CARD)

    def show_problems() -> None:
        for name, field in fields.items():
            field.error = problems.get(name)
        problem_labels.clear()
        with problem_labels:
            for name, message in problems.items():
                if name not in fields:
                    ui.label(f"{name.title()}: {message}").classes("text-sm text-red-700").mark(f"problem-{name}")

    def show_student() -> None:
        student_chip.clear()
        if state["view"].search.customer_id and student_name:
            with student_chip:
                ui.chip(
                    f"Student: {student_name}",
                    icon="person",
                    removable=True,
                    on_value_change=lambda: apply(customer_id=None),
                ).props("outline color=primary").mark("filter-student")

    def show(found: booking_search.BookingPage) -> None:
        current: ListView = state["view"]
        table.rows = [booking_row(tenant, line) for line in found.lines]
        table.pagination = {
            "page": current.page,
            "rowsPerPage": current.per_page,
            "sortBy": current.search.sort,
            "descending": current.search.descending,
            "rowsNumber": found.total,
        }
        shown = f"{found.total:,} booking{'s' if found.total != 1 else ''}"
        count_label.set_text(shown)
        export_button.set_text(f"Export {found.total:,} as CSV" if found.total else "Export CSV")
        export_button.set_enabled(found.total > 0)
        clear_button.set_visibility(bool(view_query(current, with_page=False)) or bool(problems))

    async def reload(view: ListView) -> None:
        state["view"] = view
        async with database().read() as session:
            found = await booking_search.search_bookings(
                session, ctx, view.search, limit=view.per_page, offset=view.offset
            )
        show(found)
        ui.navigate.history.replace(with_query(here, view_query(view)))

    async def apply(**changes: Any) -> None:
        """A filter changed: back to the first page of the new view."""
        current: ListView = state["view"]
        problems.clear()  # what the address got wrong is replaced by what was just chosen
        try:
            search = booking_search.checked(replace(current.search, **changes))
        except InvalidInput as error:
            problems[error.field or "q"] = error.message
            show_problems()
            return
        show_problems()
        await reload(replace(current, search=search, page=1))
        show_student()

    async def on_course(value: str) -> None:
        async with database().read() as session:
            choices = await _session_choices(session, ctx, value or None)
        session_select.set_options({"": "All dates", **choices}, value="")
        session_select.set_enabled(bool(value))
        await apply(course_id=value or None, session_id=None)

    def on_date(name: str, value: str) -> Any:
        try:
            day = filter_day(name, value)
        except InvalidInput as error:
            problems[name] = error.message
            show_problems()
            return None
        return apply(**{"starts_from" if name == "from" else "starts_to": day})

    async def on_request(e: Any) -> None:
        """The table asks for another page, page size or sort."""
        asked = e.args.get("pagination", {}) if isinstance(e.args, dict) else {}
        current: ListView = state["view"]
        sort = asked.get("sortBy") if asked.get("sortBy") in SORTS else current.search.sort
        per_page = asked.get("rowsPerPage") if asked.get("rowsPerPage") in PER_PAGE_CHOICES else current.per_page
        page = asked.get("page") if isinstance(asked.get("page"), int) and asked.get("page", 0) > 0 else 1
        descending = bool(asked.get("descending", current.search.descending))
        if sort != current.search.sort or per_page != current.per_page:
            page = 1
        await reload(ListView(replace(current.search, sort=sort, descending=descending), page, per_page))

    async def clear() -> None:
        problems.clear()
        for field in (search_box, starts_from, starts_to):
            field.value = ""
        for select in (status_select, payment_select, course_select):
            select.value = ""
        session_select.set_options({"": "All dates"}, value="")
        session_select.set_enabled(False)
        show_problems()
        await reload(ListView(BookingSearch(), 1, state["view"].per_page))
        show_student()

    def export() -> None:
        ui.download.from_url(with_query(f"/{slug}/admin/bookings.csv", view_query(state["view"], with_page=False)))

    async def on_text() -> None:
        if (search_box.value or "").strip() != state["view"].search.text:
            await apply(text=search_box.value or "")

    search_box.on("keydown.enter", on_text)
    search_box.on("blur", on_text)
    search_box.on("clear", lambda: apply(text=""))
    status_select.on_value_change(lambda e: apply(status=BookingStatus(e.value.upper()) if e.value else None))
    payment_select.on_value_change(lambda e: apply(payment=PaymentState(e.value) if e.value else None))
    course_select.on_value_change(lambda e: on_course(e.value))
    session_select.on_value_change(lambda e: apply(session_id=e.value or None))
    starts_from.on("change", lambda: on_date("from", starts_from.value))
    starts_to.on("change", lambda: on_date("to", starts_to.value))
    table.on("request", on_request)
    clear_button.on_click(clear)
    export_button.on_click(export)

    show_problems()
    show_student()
    show(found)
    return None


async def _session_choices(session: Any, ctx: TenantContext, course_id: str | None) -> dict[str, str]:
    if not course_id:
        return {}
    try:
        sessions, _ = await list_sessions(session, ctx, course_id, public=False, include_past=True, limit=500)
    except NotFound:
        return {}
    return {s.id: session_dates(s, ctx.tenant.locale) for s in reversed(sessions)}


async def _student_name(session: Any, ctx: TenantContext, customer_id: str) -> str | None:
    try:
        return (await get_student(session, ctx, customer_id)).full_name
    except NotFound:
        return None


# --- the CSV of the whole filtered list ------------------------------------------------------------


@router.get("/{slug}/admin/bookings.csv", include_in_schema=False)
async def bookings_csv(slug: str, request: Request) -> Response:
    """Every booking of the filtered list, streamed from one query a thousand rows at a time."""
    access = await file_access(slug, Permission.BOOKINGS, request)
    if not isinstance(access, StaffAccess):
        return access
    view, problems = read_view(dict(request.query_params))
    if problems:
        return PlainTextResponse("; ".join(f"{k}: {v}" for k, v in problems.items()), status_code=422)
    ctx = staff_context(access)

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + booking_search.csv_text([], header=True)  # the BOM: Excel then reads UTF-8 names right
        async with database().read() as session:
            async for batch in booking_search.export_lines(session, ctx, view.search):
                yield booking_search.csv_text(batch)

    return csv_download(lines(), f"{access.tenant.slug}-bookings-{ctx.now():%Y-%m-%d}.csv")
