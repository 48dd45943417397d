"""Students in the back office: the search (paged in SQL, kept in the address), adding one, and the list
as CSV."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import APIRouter, ui

from models import Customer, Tenant
from pages.admin.access import admin_access, csv_download, file_access, staff_context
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.components.student_dialog import student_dialog
from trainhub_ui.db import database
from trainhub_ui.domain.formatting import day_text, local
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import student_profile, students
from trainhub_ui.services.booking_filters import TEXT_MAX

router = APIRouter()

PER_PAGE_CHOICES = (25, 50, 100)


def _clean_query(value: str) -> str:
    return "".join(c for c in value if c.isprintable()).strip()


# --- the list ------------------------------------------------------------------------------------

COLUMNS: list[dict[str, Any]] = [
    {"name": "name", "label": "Name", "field": "name", "align": "left"},
    {"name": "email", "label": "Email", "field": "email", "align": "left"},
    {"name": "phone", "label": "Phone", "field": "phone", "align": "left"},
    {"name": "company", "label": "Company", "field": "company", "align": "left"},
    {"name": "bookings", "label": "Bookings", "field": "bookings", "align": "right"},
    {"name": "added", "label": "Added", "field": "added", "align": "left"},
]
_NAME_CELL = r"""
<q-td :props="props">
  <a :href="props.row.href" class="text-primary font-semibold" style="text-decoration:none">{{ props.value }}</a>
</q-td>
"""
_CARD = r"""
<div class="q-pa-xs col-12">
  <q-card flat bordered>
    <q-card-section class="q-pa-sm">
      <div class="row items-center justify-between no-wrap">
        <a :href="props.row.href" class="text-primary text-base font-semibold" style="text-decoration:none">
          {{ props.row.name }}</a>
        <span class="text-xs text-slate-600">{{ props.row.bookings_text }}</span>
      </div>
      <div class="text-sm text-slate-700" style="word-break: break-all">{{ props.row.email }}</div>
      <div v-if="props.row.company" class="text-sm text-slate-600">{{ props.row.company }}</div>
    </q-card-section>
  </q-card>
</div>
"""


def _row(tenant: Tenant, customer: Customer, bookings: int) -> dict[str, Any]:
    return {
        "id": customer.id,
        "href": f"/{tenant.slug}/admin/students/{customer.id}",
        "name": f"{customer.last_name}, {customer.first_name}" if customer.last_name else customer.first_name,
        "email": customer.email,
        "phone": customer.phone,
        "company": customer.company_name,
        "bookings": bookings,
        "bookings_text": f"{bookings} booking{'s' if bookings != 1 else ''}",
        "added": f"{day_text(local(tenant, customer.created_at), tenant.locale, 'date')}",
    }


@router.page("/{slug}/admin/students")
async def students_list(slug: str, request: Request) -> RedirectResponse | None:
    here = f"/{slug}/admin/students"
    address = here + (f"?{request.url.query}" if request.url.query else "")
    access = await admin_access(slug, Permission.STUDENTS, address)
    if not isinstance(access, StaffAccess):
        return access
    tenant = access.tenant
    ctx = staff_context(access)
    query = {name: _clean_query(value) for name, value in request.query_params.items()}
    problem = None
    text = query.get("q", "")
    if len(text) > TEXT_MAX:
        problem, text = f"Search for at most {TEXT_MAX} characters.", ""
    page = int(query["page"]) if query.get("page", "").isdigit() and 0 < int(query["page"]) < 100_000 else 1
    per_page = int(query["per"]) if query.get("per", "").isdigit() else PER_PAGE_CHOICES[0]
    per_page = per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]
    state: dict[str, Any] = {"text": text, "page": page, "per_page": per_page}

    async def read() -> tuple[list[dict[str, Any]], int]:
        async with database().read() as session:
            found = await students.search_students(
                session,
                ctx,
                query=state["text"],
                limit=state["per_page"],
                offset=(state["page"] - 1) * state["per_page"],
            )
            if not found.items and found.total and state["page"] > 1:
                state["page"] = (found.total + state["per_page"] - 1) // state["per_page"]
                found = await students.search_students(
                    session,
                    ctx,
                    query=state["text"],
                    limit=state["per_page"],
                    offset=(state["page"] - 1) * state["per_page"],
                )
            counts = await student_profile.booking_counts(session, ctx, [c.id for c in found.items])
        return [_row(tenant, c, counts[c.id]) for c in found.items], found.total

    rows, total = await read()

    with admin_frame(tenant, access.user, "Students", "Students"):
        with ui.row().classes("w-full items-start gap-3"):
            search_box = (
                ui.input("Search students", value=text, placeholder="Name, email or company")
                .props("outlined dense clearable")
                .classes("grow min-w-[16rem]")
                .mark("filter-q")
            )
            with search_box.add_slot("prepend"):
                ui.icon("search")
            search_box.error = problem
            ui.button("Add student", icon="person_add", on_click=lambda: add_dialog()).props(
                "unelevated color=primary no-caps"
            ).mark("add-student")
        with ui.row().classes("w-full items-center justify-between gap-2"):
            count_label = ui.label().classes("text-slate-600").mark("result-count")
            export_button = ui.button("Export CSV", icon="download").props("outline no-caps").mark("export-csv")
        table = (
            ui.table(columns=COLUMNS, rows=[], row_key="id", pagination={"rowsPerPage": per_page})
            .props(
                f"flat bordered wrap-cells :rows-per-page-options='{list(PER_PAGE_CHOICES)}'"
                " rows-per-page-label='Per page'"
                " :grid='Quasar.Screen.lt.md' no-data-label='No student matches this search.'"
            )
            .classes("w-full")
            .mark("students-table")
        )
        table.add_slot("body-cell-name", _NAME_CELL)
        table.add_slot("item", _CARD)
        dialogs = ui.element("div")

    def show(rows: list[dict[str, Any]], total: int) -> None:
        table.rows = rows
        table.pagination = {"page": state["page"], "rowsPerPage": state["per_page"], "rowsNumber": total}
        count_label.set_text(f"{total:,} student{'s' if total != 1 else ''}")
        export_button.set_text(f"Export {total:,} as CSV" if total else "Export CSV")
        export_button.set_enabled(total > 0)

    def list_query(with_page: bool = True) -> dict[str, str]:
        given = {"q": state["text"]}
        if with_page:
            given["page"] = str(state["page"]) if state["page"] > 1 else ""
            given["per"] = str(state["per_page"]) if state["per_page"] != PER_PAGE_CHOICES[0] else ""
        return {name: value for name, value in given.items() if value}

    async def reload() -> None:
        show(*await read())
        kept = list_query()
        ui.navigate.history.replace(here + (f"?{urlencode(kept)}" if kept else ""))

    async def on_text() -> None:
        value = _clean_query(search_box.value or "")
        if value == state["text"]:
            return
        if len(value) > TEXT_MAX:
            search_box.error = f"Search for at most {TEXT_MAX} characters."
            return
        search_box.error = None
        state.update(text=value, page=1)
        await reload()

    async def on_request(e: Any) -> None:
        asked = e.args.get("pagination", {}) if isinstance(e.args, dict) else {}
        per = asked.get("rowsPerPage") if asked.get("rowsPerPage") in PER_PAGE_CHOICES else state["per_page"]
        asked_page = asked.get("page")
        page = asked_page if isinstance(asked_page, int) and asked_page > 0 else 1
        state.update(page=1 if per != state["per_page"] else page, per_page=per)
        await reload()

    def export() -> None:
        kept = list_query(with_page=False)
        ui.download.from_url(f"/{slug}/admin/students.csv" + (f"?{urlencode(kept)}" if kept else ""))

    def add_dialog() -> None:
        with dialogs:
            student_dialog(tenant, ctx, None, on_saved=lambda c: ui.navigate.to(f"{here}/{c.id}"))

    search_box.on("keydown.enter", on_text)
    search_box.on("blur", on_text)
    search_box.on("clear", on_text)
    table.on("request", on_request)
    export_button.on_click(export)
    show(rows, total)
    return None


# --- the CSV -------------------------------------------------------------------------------------


@router.get("/{slug}/admin/students.csv", include_in_schema=False)
async def students_csv(slug: str, request: Request) -> Response:
    """Every student matching the list's search, a thousand at a time."""
    access = await file_access(slug, Permission.STUDENTS, request)
    if not isinstance(access, StaffAccess):
        return access
    text = _clean_query(request.query_params.get("q", ""))
    if len(text) > TEXT_MAX:
        return PlainTextResponse(f"q: Search for at most {TEXT_MAX} characters.", status_code=422)
    ctx = staff_context(access)

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + student_profile.students_csv([], header=True)  # the BOM: Excel then reads UTF-8 right
        async with database().read() as session:
            async for batch in student_profile.export_students(session, ctx, text):
                yield student_profile.students_csv(batch)

    return csv_download(lines(), f"{access.tenant.slug}-students-{ctx.now():%Y-%m-%d}.csv")
