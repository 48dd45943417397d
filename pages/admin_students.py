"""Students in the back office: search (paged in SQL, kept in the address), adding one, their profile
with bookings, payments and certificates, changing their details, and the list as CSV."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from nicegui import APIRouter, ui

from models import Customer, PaymentStatus, StaffRole, Tenant
from pages.admin.access import admin_access, staff_context
from pages.admin_bookings import PAYMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from trainhub_ui.auth import StaffAccess, require_role
from trainhub_ui.components.fields import student_details
from trainhub_ui.components.formatting import day_and_time, local, money
from trainhub_ui.components.frames import admin_frame, not_found_page
from trainhub_ui.db import database
from trainhub_ui.services import student_profile, students
from trainhub_ui.services.booking_filters import TEXT_MAX
from trainhub_ui.services.booking_search import BookingLine
from trainhub_ui.services.context import TenantContext
from trainhub_ui.services.errors import DomainError, NotFound
from trainhub_ui.services.students import CustomerExists

router = APIRouter()

PER_PAGE_CHOICES = (25, 50, 100)

# The service names fields as the API does; the form's inputs are found by those names.
FIELD_LABELS = {
    "firstName": "First name",
    "lastName": "Last name",
    "email": "Email",
    "phone": "Phone (optional)",
    "companyName": "Company (optional)",
    "billingEmail": "Billing email (optional)",
    "poNumber": "PO number (optional)",
}


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
        "added": f"{local(tenant, customer.created_at):%-d %b %Y}",
    }


@router.page("/{slug}/admin/students")
async def students_list(slug: str, request: Request) -> RedirectResponse | None:
    here = f"/{slug}/admin/students"
    address = here + (f"?{request.url.query}" if request.url.query else "")
    access = await admin_access(slug, StaffRole.STAFF, address)
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


def student_dialog(
    tenant: Tenant, ctx: TenantContext, student: Customer | None, on_saved: Callable[[Customer], Any]
) -> None:
    """Add a student (`student` None) or change one's details, in a dialog with problems at the field."""
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-2"):
        ui.label("Add a student" if student is None else "Change details").classes("text-lg font-semibold")
        with ui.row().classes("w-full gap-3 no-wrap"):
            first_name = ui.input(FIELD_LABELS["firstName"], value=student.first_name if student else "")
            first_name.props("outlined dense autofocus maxlength=100").classes("flex-1").mark("student-first-name")
            last_name = ui.input(FIELD_LABELS["lastName"], value=student.last_name if student else "")
            last_name.props("outlined dense maxlength=100").classes("flex-1").mark("student-last-name")
        email = ui.input(FIELD_LABELS["email"], value=student.email if student else "")
        email.props("outlined dense type=email maxlength=320").classes("w-full").mark("student-email")
        existing_link = ui.row().classes("w-full -mt-1 pl-3")
        phone = ui.input(FIELD_LABELS["phone"], value=student.phone if student else "")
        phone.props("outlined dense type=tel maxlength=50").classes("w-full").mark("student-phone")
        company = ui.input(FIELD_LABELS["companyName"], value=student.company_name if student else "")
        company.props("outlined dense maxlength=200").classes("w-full").mark("student-company")
        with ui.row().classes("w-full gap-3 no-wrap"):
            billing = ui.input(FIELD_LABELS["billingEmail"], value=student.billing_email if student else "")
            billing.props("outlined dense type=email maxlength=320").classes("flex-1").mark("student-billing-email")
            po_number = ui.input(FIELD_LABELS["poNumber"], value=student.po_number if student else "")
            po_number.props("outlined dense maxlength=100").classes("flex-1").mark("student-po-number")
        fields = {
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "phone": phone,
            "companyName": company,
            "billingEmail": billing,
            "poNumber": po_number,
        }
        with ui.row().classes("w-full justify-end gap-2 pt-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            save = ui.button("Add student" if student is None else "Save details").props(
                "unelevated color=primary no-caps"
            )
            save.mark("save-student")

        async def submit() -> None:
            for field in fields.values():
                field.error = None
            existing_link.clear()
            details = student_details(fields)
            try:
                async with database().transaction() as session:
                    if student is None:
                        saved = await students.add_student(session, ctx, details)
                    else:
                        saved = await students.update_student(session, ctx, student.id, details)
            except CustomerExists as exists:
                email.error = "Another student of this centre has this email."
                with existing_link:
                    ui.link(
                        "Open that student's profile", f"/{tenant.slug}/admin/students/{exists.customer_id}"
                    ).classes("text-primary text-sm").mark("existing-student")
                return
            except DomainError as error:
                fields.get(error.field or "email", email).error = error.message
                return
            dialog.close()
            ui.notify("Student added." if student is None else "Details saved.", type="positive")
            result = on_saved(saved)
            if inspect.isawaitable(result):
                await result

        save.on_click(submit)
    dialog.open()


# --- the CSV -------------------------------------------------------------------------------------


@router.get("/{slug}/admin/students.csv", include_in_schema=False)
async def students_csv(slug: str, request: Request) -> Response:
    """Every student matching the list's search, a thousand at a time."""
    path = f"/{slug}/admin/students.csv" + (f"?{request.url.query}" if request.url.query else "")
    access = await require_role(slug, StaffRole.STAFF, path)
    if isinstance(access, RedirectResponse):
        return access
    if not isinstance(access, StaffAccess):
        return PlainTextResponse("Not found" if access.status == 404 else "Not available to your role", access.status)
    text = _clean_query(request.query_params.get("q", ""))
    if len(text) > TEXT_MAX:
        return PlainTextResponse(f"q: Search for at most {TEXT_MAX} characters.", status_code=422)
    ctx = staff_context(access)

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + student_profile.students_csv([], header=True)  # the BOM: Excel then reads UTF-8 right
        async with database().read() as session:
            async for batch in student_profile.export_students(session, ctx, text):
                yield student_profile.students_csv(batch)

    name = f"{access.tenant.slug}-students-{ctx.now():%Y-%m-%d}.csv"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


# --- one student ---------------------------------------------------------------------------------


@router.page("/{slug}/admin/students/{customer_id}")
async def student_page(slug: str, customer_id: str) -> RedirectResponse | None:
    here = f"/{slug}/admin/students/{quote(customer_id)}"
    access = await admin_access(slug, StaffRole.STAFF, here)
    if not isinstance(access, StaffAccess):
        return access
    tenant = access.tenant
    ctx = staff_context(access)

    async def load() -> student_profile.StudentProfile | None:
        try:
            async with database().read() as session:
                return await student_profile.student_profile(session, ctx, customer_id)
        except NotFound:
            return None

    profile = await load()
    if profile is None:
        not_found_page("There is no such student at this centre.")
        return None

    with admin_frame(tenant, access.user, "Students", profile.student.full_name):
        ui.link("← All students", f"/{slug}/admin/students").classes("text-primary").mark("back-to-list")
        content = ui.column().classes("w-full gap-4")
    dialogs = ui.element("div")

    def render(profile: student_profile.StudentProfile) -> None:
        content.clear()
        with content:
            with ui.element("div").classes("grid gap-4 w-full lg:grid-cols-3"):
                with ui.column().classes("gap-4 min-w-0"):
                    _details_card(profile.student, edit)
                with ui.column().classes("gap-4 lg:col-span-2 min-w-0"):
                    _bookings_card(tenant, profile)
                    _payments_card(tenant, profile)
                    _certificates_card(tenant, profile, ctx)

    async def refresh() -> None:
        fresh = await load()
        if fresh is not None:
            render(fresh)

    def edit(student: Customer) -> None:
        with dialogs:
            student_dialog(tenant, ctx, student, on_saved=lambda _saved: refresh())

    render(profile)
    return None


def _details_card(student: Customer, edit: Callable[[Customer], Any]) -> None:
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-details"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Details").classes("text-lg font-semibold")
            ui.button("Change", icon="edit", on_click=lambda: edit(student)).props("flat dense no-caps").mark(
                "edit-student"
            )
        ui.label(student.full_name).classes("font-medium text-slate-900").mark("student-name")
        ui.link(student.email, f"mailto:{student.email}").classes("text-slate-700 break-all").mark("student-email-link")
        if student.phone:
            ui.link(student.phone, f"tel:{student.phone}").classes("text-slate-700")
        if student.company_name or student.billing_email or student.po_number:
            ui.label("Company billing").classes("text-sm text-slate-500 pt-2")
            for value in (student.company_name, student.billing_email, student.po_number):
                if value:
                    ui.label(value).classes("text-slate-700 break-all")
        ui.label(
            "Has an account (signs in online)"
            if student.password_hash
            else "No account yet (booked by staff or as a guest)"
        ).classes("text-sm text-slate-500 pt-2")


# A line of the profile's lists: the reference beside the course's title on wide screens, above it on phones.
LINE = "w-full items-center justify-between gap-2 border-t border-slate-100 pt-2 no-wrap"
LINE_TEXT = "gap-0 min-w-0 flex-1"
REFERENCE_AND_TITLE = "flex flex-col sm:flex-row sm:items-baseline sm:gap-2 min-w-0"


def _booking_line(tenant: Tenant, line: BookingLine) -> None:
    with ui.row().classes(LINE):
        with ui.column().classes(LINE_TEXT):
            with ui.element("div").classes(REFERENCE_AND_TITLE):
                ui.link(line.reference, f"/{tenant.slug}/admin/bookings/{line.id}").classes(
                    "text-primary font-semibold"
                ).mark(f"booking-{line.reference}")
                ui.label(line.course_title).classes("text-slate-900 break-words min-w-0")
            ui.label(f"{line.session_start_date:%a %-d %b %Y}, {line.session_start_time:%H:%M}").classes(
                "text-sm text-slate-600"
            )
        with ui.column().classes("gap-1 items-end shrink-0"):
            with ui.row().classes("gap-1 justify-end"):
                ui.badge(STATUS_LABELS[line.status], color=STATUS_COLOURS[line.status])
                ui.badge(line.payment_state.label, color=PAYMENT_COLOURS[line.payment_state])
            ui.label(money(line.total_amount, line.currency)).classes("text-sm tabular-nums")


def _bookings_card(tenant: Tenant, profile: student_profile.StudentProfile) -> None:
    found = profile.bookings
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-bookings"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"Bookings ({found.total})").classes("text-lg font-semibold")
            if found.total:
                ui.link(
                    "Open in the bookings list",
                    f"/{tenant.slug}/admin/bookings?{urlencode({'student': profile.student.id})}",
                ).classes("text-primary text-sm").mark("all-bookings")
        if not found.lines:
            ui.label("No bookings yet.").classes("text-slate-600")
        for line in found.lines:
            _booking_line(tenant, line)
        if found.total > len(found.lines):
            ui.label(f"The newest {len(found.lines)} are shown here.").classes("text-sm text-slate-500")


def _payments_card(tenant: Tenant, profile: student_profile.StudentProfile) -> None:
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-payments"):
        ui.label("Payments").classes("text-lg font-semibold")
        if not profile.payments:
            ui.label("No payments yet.").classes("text-slate-600")
        for payment in profile.payments:
            with ui.row().classes(LINE):
                with ui.column().classes(LINE_TEXT):
                    with ui.element("div").classes(REFERENCE_AND_TITLE):
                        ui.link(payment.reference, f"/{tenant.slug}/admin/bookings/{payment.booking_id}").classes(
                            "text-primary font-semibold"
                        )
                        ui.label(payment.course_title).classes("text-slate-900 break-words min-w-0")
                    method = payment.method.value.replace("_", " ").capitalize()
                    if payment.paid_at is not None:
                        status = f"paid {day_and_time(tenant, payment.paid_at)}"
                    elif payment.status is PaymentStatus.FAILED:
                        status = f"failed {day_and_time(tenant, payment.created_at)}"
                    else:
                        status = f"started {day_and_time(tenant, payment.created_at)}, not paid"
                    ui.label(f"{method}, {status}").classes("text-sm text-slate-600")
                with ui.column().classes("gap-0 items-end shrink-0"):
                    ui.label(money(payment.amount, payment.currency)).classes("tabular-nums font-medium")
                    if payment.refunded:
                        ui.label(f"{money(payment.refunded, payment.currency)} refunded").classes(
                            "text-xs text-purple-900"
                        )


def _certificates_card(tenant: Tenant, profile: student_profile.StudentProfile, ctx: TenantContext) -> None:
    today = local(tenant, ctx.now()).date()
    state_text = {"valid": "Valid", "expired": "Expired", "revoked": "Revoked"}
    state_colour = {"valid": "green-8", "expired": "grey-7", "revoked": "red-8"}
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-certificates"):
        ui.label("Certificates").classes("text-lg font-semibold")
        if not profile.certificates:
            ui.label("No certificates yet: they are issued when a session of a course is completed.").classes(
                "text-slate-600"
            )
        for view in profile.certificates:
            achievement = view.achievement
            state = view.state(today)
            with ui.row().classes(LINE):
                with ui.column().classes(LINE_TEXT):
                    with ui.element("div").classes(REFERENCE_AND_TITLE):
                        ui.link(
                            achievement.number, f"/{tenant.slug}/admin/certificates/{achievement.id}.pdf", new_tab=True
                        ).classes("text-primary font-semibold").mark(f"certificate-{achievement.number}")
                        ui.label(view.course).classes("text-slate-900 break-words min-w-0")
                    expiry = (
                        f", expires {achievement.expires_on:%-d %b %Y}"
                        if achievement.expires_on
                        else ", does not expire"
                    )
                    ui.label(f"Issued {achievement.issued_on:%-d %b %Y}{expiry}").classes("text-sm text-slate-600")
                ui.badge(state_text[state], color=state_colour[state]).classes("shrink-0")
