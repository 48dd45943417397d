"""Bookings in the back office: the list (filtered, sorted and paged in SQL, the view kept in the address,
the whole filtered set as CSV) and one booking's page (payments, refunds, cancelling, bank transfers,
notes and its history)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from nicegui import APIRouter, ui

from models import BookingStatus, PaymentStatus, RefundStatus, StaffRole, Tenant
from pages.admin.access import admin_access, staff_context
from trainhub_ui import events
from trainhub_ui.auth import StaffAccess, require_role
from trainhub_ui.components.formatting import SYMBOLS, day_and_time, local, money, session_dates
from trainhub_ui.components.frames import admin_frame, not_found_page
from trainhub_ui.db import database
from trainhub_ui.notify import emails
from trainhub_ui.payments import provider
from trainhub_ui.services import booking_search, catalog, payments, refunds
from trainhub_ui.services import bookings as booking_engine
from trainhub_ui.services.booking_filters import SORTS, BookingSearch
from trainhub_ui.services.booking_search import BookingLine, BookingRecord, HistoryEntry
from trainhub_ui.services.context import TenantContext
from trainhub_ui.services.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.services.invoices import invoice_number
from trainhub_ui.services.payment_states import PaymentState
from trainhub_ui.services.signals import BookingChanged
from trainhub_ui.services.students import get_student

router = APIRouter()

PER_PAGE_CHOICES = (25, 50, 100)
ID_MAX = 64

STATUS_LABELS = {
    BookingStatus.PENDING: "Held, unpaid",
    BookingStatus.CONFIRMED: "Confirmed",
    BookingStatus.CANCELLED: "Cancelled",
    BookingStatus.EXPIRED: "Hold lapsed",
}
STATUS_COLOURS = {
    BookingStatus.PENDING: "amber-8",
    BookingStatus.CONFIRMED: "green-8",
    BookingStatus.CANCELLED: "grey-7",
    BookingStatus.EXPIRED: "grey-6",
}
PAYMENT_COLOURS = {
    PaymentState.NOT_PAID: "red-8",
    PaymentState.DEPOSIT_PAID: "amber-9",
    PaymentState.PAID: "green-8",
    PaymentState.ON_INVOICE: "indigo-7",
    PaymentState.PART_REFUNDED: "purple-6",
    PaymentState.REFUNDED: "purple-9",
}
SORT_LABELS = {
    "booked": "Booked",
    "reference": "Reference",
    "student": "Student",
    "course": "Course",
    "session": "Session",
    "status": "Status",
    "total": "Total",
    "balance": "Balance due",
}


# --- the list's view, to and from the address ----------------------------------------------------


@dataclass(frozen=True)
class ListView:
    search: BookingSearch
    page: int = 1
    per_page: int = PER_PAGE_CHOICES[0]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def read_view(query: Mapping[str, str]) -> tuple[ListView, dict[str, str]]:
    """The list's filters, sort and page from the address; what cannot be read is dropped and reported
    by its field's name."""
    problems: dict[str, str] = {}
    # A NUL or another control character cannot be stored or searched for: it is dropped.
    given = {name: "".join(c for c in value if c.isprintable()).strip() for name, value in query.items()}

    def day(name: str) -> date | None:
        if not given.get(name):
            return None
        try:
            return date.fromisoformat(given[name])
        except ValueError:
            problems[name] = "Give a date as YYYY-MM-DD."
            return None

    def an_id(name: str) -> str | None:
        value = given.get(name, "")
        if len(value) > ID_MAX:
            problems[name] = "This is not an id of this centre."
            return None
        return value or None

    status = None
    if given.get("status"):
        try:
            status = BookingStatus(given["status"].upper())
        except ValueError:
            problems["status"] = "Choose a status from the list."
    payment = None
    if given.get("payment"):
        try:
            payment = PaymentState(given["payment"].lower())
        except ValueError:
            problems["payment"] = "Choose a payment state from the list."
    sort = given.get("sort") or "booked"
    if sort not in SORTS:
        problems["sort"] = "Sort by one of the table's columns."
        sort = "booked"
    page = int(given["page"]) if given.get("page", "").isdigit() and 0 < int(given["page"]) < 100_000 else 1
    per_page = int(given["per"]) if given.get("per", "").isdigit() else PER_PAGE_CHOICES[0]
    search = BookingSearch(
        status=status,
        payment=payment,
        course_id=an_id("course"),
        session_id=an_id("session"),
        customer_id=an_id("student"),
        starts_from=day("from"),
        starts_to=day("to"),
        text=given.get("q", ""),
        sort=sort,
        descending=given.get("desc", "1") != "0",
    )
    for _ in range(3):  # the text and the date range can each be wrong
        try:
            search = booking_search.checked(search)
            break
        except InvalidInput as error:
            problems[error.field or "q"] = error.message
            search = replace(search, starts_to=None) if error.field == "to" else replace(search, text="")
    return ListView(search, page, per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]), problems


def view_query(view: ListView, *, with_page: bool = True) -> dict[str, str]:
    """The address's query for a view: only what differs from the plain list."""
    s = view.search
    query = {
        "q": s.text,
        "status": s.status.value.lower() if s.status else "",
        "payment": s.payment.value if s.payment else "",
        "course": s.course_id or "",
        "session": s.session_id or "",
        "student": s.customer_id or "",
        "from": s.starts_from.isoformat() if s.starts_from else "",
        "to": s.starts_to.isoformat() if s.starts_to else "",
        "sort": s.sort if s.sort != "booked" else "",
        "desc": "" if s.descending else "0",
    }
    if with_page:
        query["page"] = str(view.page) if view.page > 1 else ""
        query["per"] = str(view.per_page) if view.per_page != PER_PAGE_CHOICES[0] else ""
    return {name: value for name, value in query.items() if value}


def _address(base: str, query: Mapping[str, str]) -> str:
    return base + (f"?{urlencode(query)}" if query else "")


# --- the list ------------------------------------------------------------------------------------

_NO_WRAP = {"classes": "whitespace-nowrap", "headerClasses": "whitespace-nowrap"}
_WIDE = {"style": "min-width: 10rem"}
COLUMNS: list[dict[str, Any]] = [
    {"name": "reference", "label": "Reference", "field": "reference", "align": "left", "sortable": True, **_NO_WRAP},
    {"name": "booked", "label": "Booked", "field": "booked", "align": "left", "sortable": True, **_NO_WRAP},
    {"name": "student", "label": "Student", "field": "student", "align": "left", "sortable": True, **_WIDE},
    # The course's title with the session's date below it; sorting it sorts by the session's start.
    {"name": "session", "label": "Course and session", "field": "course", "align": "left", "sortable": True, **_WIDE},
    {"name": "status", "label": "Status", "field": "status", "align": "left", "sortable": True, **_NO_WRAP},
    {"name": "payment", "label": "Payment", "field": "payment", "align": "left", **_NO_WRAP},
    {"name": "total", "label": "Total", "field": "total", "align": "right", "sortable": True, **_NO_WRAP},
    {"name": "balance", "label": "Balance due", "field": "balance", "align": "right", "sortable": True, **_NO_WRAP},
]

_REFERENCE_CELL = r"""
<q-td :props="props">
  <a :href="props.row.href" class="text-primary font-semibold" style="text-decoration:none">{{ props.value }}</a>
</q-td>
"""
_STUDENT_CELL = r"""
<q-td :props="props">
  <div class="font-medium">{{ props.value }}</div>
  <div class="text-xs text-slate-500" style="overflow-wrap: anywhere">{{ props.row.email }}</div>
</q-td>
"""
_SESSION_CELL = r"""
<q-td :props="props">
  <div>{{ props.row.course }}</div>
  <div class="text-xs text-slate-500">{{ props.row.session }}</div>
</q-td>
"""
_BADGE_CELL = r"""
<q-td :props="props">
  <q-badge :color="props.row.{colour}" :label="props.value" class="text-xs" />
</q-td>
"""
# On a phone the table shows each booking as a card (Quasar's grid mode).
_CARD = r"""
<div class="q-pa-xs col-12">
  <q-card flat bordered>
    <q-card-section class="q-pa-sm">
      <div class="row items-center justify-between no-wrap">
        <a :href="props.row.href" class="text-primary text-base font-semibold" style="text-decoration:none">
          {{ props.row.reference }}</a>
        <div class="text-right font-semibold">{{ props.row.total }}</div>
      </div>
      <div class="font-medium">{{ props.row.student }}</div>
      <div class="text-xs text-slate-500" style="word-break: break-all">{{ props.row.email }}</div>
      <div class="text-sm">{{ props.row.course }}</div>
      <div class="text-sm text-slate-600">{{ props.row.session }}</div>
      <div class="row items-center q-gutter-xs q-mt-xs">
        <q-badge :color="props.row.status_colour" :label="props.row.status" />
        <q-badge :color="props.row.payment_colour" :label="props.row.payment" />
        <span v-if="props.row.balance_due" class="text-xs text-slate-600">Balance {{ props.row.balance }}</span>
      </div>
    </q-card-section>
  </q-card>
</div>
"""


def _row(tenant: Tenant, line: BookingLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "href": f"/{tenant.slug}/admin/bookings/{line.id}",
        "reference": line.reference,
        "booked": f"{local(tenant, line.booked_at):%-d %b %Y}",
        "student": line.student_name,
        "email": line.student_email,
        "course": line.course_title,
        "session": f"{line.session_start_date:%a %-d %b %Y}, {line.session_start_time:%H:%M}",
        "status": STATUS_LABELS[line.status],
        "status_colour": STATUS_COLOURS[line.status],
        "payment": line.payment_state.label,
        "payment_colour": PAYMENT_COLOURS[line.payment_state],
        "total": money(line.total_amount, line.currency),
        "balance": money(line.balance_due, line.currency) if line.balance_due else "–",
        "balance_due": line.balance_due,
    }


@router.page("/{slug}/admin/bookings")
async def bookings_list(slug: str, request: Request) -> RedirectResponse | None:
    here = f"/{slug}/admin/bookings"
    address = here + (f"?{request.url.query}" if request.url.query else "")
    access = await admin_access(slug, StaffRole.STAFF, address)
    if not isinstance(access, StaffAccess):
        return access
    tenant = access.tenant
    ctx = staff_context(access)
    view, problems = read_view(dict(request.query_params))
    async with database().read() as session:
        courses, _ = await catalog.list_courses(session, ctx, public=False, limit=500)
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
        table.add_slot("body-cell-reference", _REFERENCE_CELL)
        table.add_slot("body-cell-student", _STUDENT_CELL)
        table.add_slot("body-cell-session", _SESSION_CELL)
        table.add_slot("body-cell-status", _BADGE_CELL.replace("{colour}", "status_colour"))
        table.add_slot("body-cell-payment", _BADGE_CELL.replace("{colour}", "payment_colour"))
        table.add_slot("item", _CARD)

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
        table.rows = [_row(tenant, line) for line in found.lines]
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
        ui.navigate.history.replace(_address(here, view_query(view)))

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
            day = date.fromisoformat(value) if value else None
        except ValueError:
            problems[name] = "Give a date as YYYY-MM-DD."
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
        ui.download.from_url(_address(f"/{slug}/admin/bookings.csv", view_query(state["view"], with_page=False)))

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
        sessions, _ = await catalog.list_sessions(session, ctx, course_id, public=False, include_past=True, limit=500)
    except NotFound:
        return {}
    return {s.id: session_dates(s) for s in reversed(sessions)}


async def _student_name(session: Any, ctx: TenantContext, customer_id: str) -> str | None:
    try:
        return (await get_student(session, ctx, customer_id)).full_name
    except NotFound:
        return None


# --- the CSV of the whole filtered list ------------------------------------------------------------


@router.get("/{slug}/admin/bookings.csv", include_in_schema=False)
async def bookings_csv(slug: str, request: Request) -> Response:
    """Every booking of the filtered list, streamed from one query a thousand rows at a time."""
    path = f"/{slug}/admin/bookings.csv" + (f"?{request.url.query}" if request.url.query else "")
    access = await require_role(slug, StaffRole.STAFF, path)
    if isinstance(access, RedirectResponse):
        return access
    if not isinstance(access, StaffAccess):
        return PlainTextResponse("Not found" if access.status == 404 else "Not available to your role", access.status)
    view, problems = read_view(dict(request.query_params))
    if problems:
        return PlainTextResponse("; ".join(f"{k}: {v}" for k, v in problems.items()), status_code=422)
    ctx = staff_context(access)

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + booking_search.csv_text([], header=True)  # the BOM: Excel then reads UTF-8 names right
        async with database().read() as session:
            async for batch in booking_search.export_lines(session, ctx, view.search):
                yield booking_search.csv_text(batch)

    name = f"{access.tenant.slug}-bookings-{ctx.now():%Y-%m-%d}.csv"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


# --- one booking ---------------------------------------------------------------------------------


def parse_amount(text: str, currency: str) -> int:
    """ "49.50" (or "£49.50", "1,049") in the centre's currency to minor units; InvalidInput("amount") if not."""
    cleaned = text.strip().replace(",", "").removeprefix(SYMBOLS.get(currency.upper(), "")).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput("amount", "Give an amount like 49.50.") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput("amount", "Give an amount above zero.")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput("amount", "Give at most two decimals (pence).")
    if value > 1_000_000:
        raise InvalidInput("amount", "That is more than any booking here.")
    return int(value * 100)


def _major(amount: int) -> str:
    return f"{amount / 100:.2f}"


HISTORY_TEXT = {
    "booking.created": "Booked",
    "booking.confirmed": "Confirmed",
    "booking.cancelled": "Cancelled",
    "booking.expired": "Hold lapsed",
    "booking.moved": "Moved to another session",
    "booking.notes_changed": "Notes changed",
    "invoice.issued": "Invoice issued",
    "payment.opened": "Payment started",
    "payment.checkout_started": "Card checkout opened",
    "payment.paid": "Payment received",
    "payment.failed": "Payment failed",
    "payment.refund_due": "Paid after the hold lapsed: refund due",
    "payment.bank_transfer": "Bank transfer recorded",
    "refund.made": "Refund made",
    "refund.failed": "Refund failed",
    "refund.recorded": "Refund made at the payment provider, recorded",
    "refund.issued": "Refund made",
}


def history_text(entry: HistoryEntry, currency: str) -> str:
    """An audit entry in the centre's words."""
    text = HISTORY_TEXT.get(entry.action, entry.action)
    details = entry.details
    extra = []
    if isinstance(details.get("amount"), int):
        extra.append(money(details["amount"], currency))
    if entry.action == "booking.created":
        if isinstance(details.get("total"), int):
            extra.append(f"{money(details['total'], currency)}")
        if details.get("option"):
            extra.append(str(details["option"]).lower())
    if entry.action == "invoice.issued" and isinstance(details.get("number"), int):
        extra.append(f"INV-{details['number']:05d}")
    if entry.action == "booking.notes_changed":
        changed = [name.replace("_", " ") for name in ("staff_notes", "special_requests") if details.get(name)]
        extra.extend(changed)
    for key in ("reason", "note"):
        if details.get(key):
            extra.append(str(details[key]))
    return f"{text}: {', '.join(extra)}" if extra else text


@router.page("/{slug}/admin/bookings/{booking_id}")
async def booking_page(slug: str, booking_id: str) -> RedirectResponse | None:
    here = f"/{slug}/admin/bookings/{quote(booking_id)}"
    access = await admin_access(slug, StaffRole.STAFF, here)
    if not isinstance(access, StaffAccess):
        return access
    tenant = access.tenant
    ctx = staff_context(access)
    can_refund = access.role.at_least(StaffRole.ADMIN)

    async def load() -> BookingRecord | None:
        try:
            async with database().read() as session:
                return await booking_search.booking_record(session, ctx, booking_id)
        except NotFound:
            return None

    record = await load()
    if record is None:
        not_found_page("There is no such booking at this centre.")
        return None

    with admin_frame(tenant, access.user, "Bookings", f"Booking {record.booking.reference}"):
        ui.link("← All bookings", f"/{slug}/admin/bookings").classes("text-primary").mark("back-to-list")
        content = ui.column().classes("w-full gap-4")
    dialogs = ui.element("div")  # dialogs live outside the content, which is rebuilt under them

    def render(record: BookingRecord) -> None:
        content.clear()
        with content:
            _header(tenant, record, actions)
            with ui.element("div").classes("grid gap-4 w-full lg:grid-cols-3"):
                with ui.column().classes("gap-4 lg:col-span-2 min-w-0"):
                    _booking_card(tenant, record)
                    _payments_card(tenant, record)
                    _history_card(tenant, record)
                with ui.column().classes("gap-4 min-w-0"):
                    _money_card(record)
                    _student_card(tenant, record)
                    _notes_card(record, save_notes)

    async def refresh() -> None:
        fresh = await load()
        if fresh is not None:
            render(fresh)

    async def save_notes(record: BookingRecord, staff_notes: ui.textarea, special_requests: ui.textarea) -> None:
        # Only what was changed is saved, so the history says which of the two changed.
        notes = staff_notes.value or ""
        requests = special_requests.value or ""
        changed_notes = notes if notes != record.booking.staff_notes else None
        changed_requests = requests if requests != record.booking.special_requests else None
        if changed_notes is None and changed_requests is None:
            ui.notify("Nothing to save: the notes are as they were.")
            return
        try:
            async with database().transaction() as session:
                await booking_engine.set_booking_notes(
                    session, ctx, booking_id, staff_notes=changed_notes, special_requests=changed_requests
                )
        except DomainError as error:
            staff_notes.error = error.message
            return
        ui.notify("Notes saved.", type="positive")
        await refresh()

    async def cancel(record: BookingRecord) -> None:
        booking = record.booking
        currency = booking.currency
        with dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
            ui.label(f"Cancel booking {booking.reference}?").classes("text-lg font-semibold")
            ui.label(
                f"{record.student.full_name} on {record.course.title}, {session_dates(record.course_session)}. "
                "The place goes to the waiting list or back on sale."
            ).classes("text-slate-700")
            reason = ui.input("Reason (kept on the booking)").props("outlined dense maxlength=2000").classes("w-full")
            reason.mark("cancel-reason")
            choices = {
                "POLICY": f"By the centre's policy: {money(record.refund_by_policy, currency)} back",
                "FULL": f"In full, the centre cancels: {money(record.refundable, currency)} back",
                "NONE": "No refund",
            }
            if record.refundable <= 0:
                ui.label("Nothing has been paid that could be refunded.").classes("text-slate-600")
                refund_choice = None
            else:
                ui.label("Refund").classes("font-medium")
                refund_choice = ui.radio(choices, value="POLICY").mark("refund-choice")
                if not can_refund:
                    ui.label("The policy's refund is made automatically; the other choices need an admin.").classes(
                        "text-sm text-slate-600"
                    )
                    refund_choice.set_value("POLICY")
                    refund_choice.disable()
            problem = ui.label().classes("text-red-700").mark("cancel-problem")
            problem.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep the booking", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Cancel the booking").props("color=negative no-caps unelevated")
                confirm.mark("confirm-cancel")

            async def do_cancel() -> None:
                confirm.disable()
                refund = refund_choice.value if refund_choice is not None else "NONE"
                try:
                    # The cancel commits first; only then is money sent back (as the API does).
                    async with database().transaction() as session:
                        await booking_engine.cancel_booking(session, ctx, booking_id, (reason.value or "").strip())
                except DomainError as error:
                    problem.set_text(error.message)
                    problem.set_visibility(True)
                    confirm.enable()
                    return
                message = "Booking cancelled."
                if refund != "NONE":
                    try:
                        result = await refunds.refund_by_policy(
                            database(), ctx, provider(), booking_id, in_full=refund == "FULL"
                        )
                    except DomainError as error:
                        dialog.close()
                        ui.notify(f"Booking cancelled, but the refund failed: {error.message}", type="warning")
                        await refresh()
                        return
                    if result is not None and result.amount:
                        message = f"Booking cancelled; {money(result.amount, currency)} refunded."
                dialog.close()
                ui.notify(message, type="positive")
                await refresh()

            confirm.on_click(do_cancel)
        dialog.open()

    async def refund(record: BookingRecord) -> None:
        booking = record.booking
        currency = booking.currency
        with dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Refund on {booking.reference}").classes("text-lg font-semibold")
            ui.label(
                f"Up to {money(record.refundable, currency)} can be refunded: what was paid, less earlier refunds. "
                "The balance payment is refunded before the deposit."
            ).classes("text-slate-700")
            amount = (
                ui.input("Amount", value=_major(record.refundable))
                .props(f"outlined dense inputmode=decimal prefix={SYMBOLS.get(currency, '')!r}")
                .classes("w-full")
                .mark("refund-amount")
            )
            reason = ui.input("Reason", value="").props("outlined dense maxlength=200").classes("w-full")
            reason.mark("refund-reason")
            problem = ui.label().classes("text-red-700").mark("refund-problem")
            problem.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Refund").props("color=primary no-caps unelevated").mark("confirm-refund")

            async def do_refund() -> None:
                amount.error = None
                problem.set_visibility(False)
                try:
                    pence = parse_amount(amount.value or "", currency)
                    confirm.disable()
                    result = await refunds.refund_booking(
                        database(),
                        ctx,
                        provider(),
                        booking_id,
                        pence,
                        (reason.value or "").strip() or "Refund by staff",
                    )
                except InvalidInput as error:
                    amount.error = error.message
                    confirm.enable()
                    return
                except DomainError as error:
                    problem.set_text(error.message)
                    problem.set_visibility(True)
                    confirm.enable()
                    await refresh()
                    return
                dialog.close()
                ui.notify(f"{money(result.amount, currency)} refunded.", type="positive")
                await refresh()

            confirm.on_click(do_refund)
        dialog.open()

    async def bank_transfer(record: BookingRecord) -> None:
        booking = record.booking
        currency = booking.currency
        with dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Record a bank transfer on {booking.reference}").classes("text-lg font-semibold")
            ui.label(f"Balance due: {money(booking.balance_due, currency)}.").classes("text-slate-700")
            amount = (
                ui.input("Amount received", value=_major(booking.balance_due))
                .props(f"outlined dense inputmode=decimal prefix={SYMBOLS.get(currency, '')!r}")
                .classes("w-full")
                .mark("transfer-amount")
            )
            note = ui.input("Note (e.g. the bank's reference)").props("outlined dense maxlength=200").classes("w-full")
            note.mark("transfer-note")
            problem = ui.label().classes("text-red-700").mark("transfer-problem")
            problem.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Record payment").props("color=primary no-caps unelevated")
                confirm.mark("confirm-transfer")

            async def do_record() -> None:
                amount.error = None
                problem.set_visibility(False)
                try:
                    pence = parse_amount(amount.value or "", currency)
                    async with database().transaction() as session:
                        await payments.record_bank_transfer(session, ctx, booking_id, pence, (note.value or "").strip())
                except InvalidInput as error:
                    amount.error = error.message
                    return
                except DomainError as error:
                    problem.set_text(error.message)
                    problem.set_visibility(True)
                    return
                dialog.close()
                ui.notify(f"{money(pence, currency)} recorded.", type="positive")
                await refresh()

            confirm.on_click(do_record)
        dialog.open()

    async def resend(record: BookingRecord) -> None:
        async with database().transaction() as session:
            await emails.booking_confirmed(session, ctx, record.booking, again=True)
        ui.notify(f"The confirmation is on its way to {record.student.email}.", type="positive")

    actions = _Actions(cancel=cancel, refund=refund if can_refund else None, bank_transfer=bank_transfer, resend=resend)

    async def changed(event: BookingChanged) -> None:
        # Someone else (the student paying, another member of staff) changed this booking: show it.
        if event.tenant_id == tenant.id and event.booking_id == booking_id:
            await refresh()

    events.booking_changed.subscribe(changed)
    render(record)
    return None


@dataclass(frozen=True)
class _Actions:
    cancel: Any
    refund: Any
    bank_transfer: Any
    resend: Any


def _badge(text: str, colour: str, marker: str) -> None:
    ui.badge(text, color=colour).classes("text-sm px-2 py-1").mark(marker)


def _header(tenant: Tenant, record: BookingRecord, actions: _Actions) -> None:
    booking = record.booking
    with ui.row().classes("w-full items-center justify-between gap-3"):
        with ui.row().classes("items-center gap-2"):
            _badge(STATUS_LABELS[booking.status], STATUS_COLOURS[booking.status], "booking-status")
            _badge(record.payment_state.label, PAYMENT_COLOURS[record.payment_state], "payment-state")
        with ui.row().classes("items-center gap-2"):
            if booking.status is BookingStatus.CONFIRMED and booking.balance_due > 0:
                ui.button(
                    "Record bank transfer", icon="account_balance", on_click=lambda: actions.bank_transfer(record)
                ).props("outline no-caps").mark("record-transfer")
            if record.refundable > 0:
                if actions.refund is not None:
                    ui.button("Refund", icon="undo", on_click=lambda: actions.refund(record)).props(
                        "outline no-caps"
                    ).mark("refund")
                else:
                    ui.label("Refunds are made by an admin.").classes("text-sm text-slate-500").mark(
                        "refund-admin-only"
                    )
            if record.is_live:
                ui.button("Cancel booking", icon="event_busy", on_click=lambda: actions.cancel(record)).props(
                    "outline color=negative no-caps"
                ).mark("cancel-booking")
            if booking.status is BookingStatus.CONFIRMED:
                ui.button(
                    "Resend confirmation", icon="forward_to_inbox", on_click=lambda: actions.resend(record)
                ).props("outline no-caps").mark("resend-confirmation")


FACT_LABEL = "text-sm text-slate-500 w-28 sm:w-36 shrink-0"


def _fact(label: str, value: str, marker: str | None = None) -> None:
    with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
        ui.label(label).classes(FACT_LABEL)
        shown = ui.label(value).classes("text-slate-900 break-words min-w-0")
        if marker:
            shown.mark(marker)


def _booking_card(tenant: Tenant, record: BookingRecord) -> None:
    booking, course_session, course = record.booking, record.course_session, record.course
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("booking-card"):
        ui.label("Booking").classes("text-lg font-semibold")
        with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
            ui.label("Course").classes(FACT_LABEL)
            ui.link(course.title, f"/{tenant.slug}/admin/courses/{course.id}/sessions").classes("text-primary")
        _fact("Session", session_dates(course_session), "session-dates")
        if course_session.venue or course.location:
            _fact("Where", course_session.venue or course.location)
        if course_session.cancelled_at is not None:
            _fact("Session", "Cancelled by the centre")
        with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
            ui.label("").classes(FACT_LABEL)
            query = urlencode({"course": course.id, "session": course_session.id})
            ui.link("Everyone booked on this session", f"/{tenant.slug}/admin/bookings?{query}").classes(
                "text-primary text-sm"
            )
        _fact("Payment option", booking.payment_option.value.title())
        _fact("Booked", day_and_time(tenant, booking.created_at))
        if booking.status is BookingStatus.PENDING and booking.hold_expires_at:
            _fact("Hold until", day_and_time(tenant, booking.hold_expires_at))
        if booking.confirmed_at:
            _fact("Confirmed", day_and_time(tenant, booking.confirmed_at))
        if booking.cancelled_at:
            _fact("Cancelled", day_and_time(tenant, booking.cancelled_at))
            if booking.cancellation_reason:
                _fact("Why", booking.cancellation_reason, "cancellation-reason")
        if booking.company_name:
            _fact("Company", booking.company_name)
        if booking.po_number:
            _fact("PO number", booking.po_number)
        if booking.billing_email:
            _fact("Billing email", booking.billing_email)
        if record.invoice is not None:
            with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
                ui.label("Invoice").classes(FACT_LABEL)
                ui.link(
                    f"{invoice_number(record.invoice)} (PDF), due {record.invoice.due_on:%-d %b %Y}",
                    f"/{tenant.slug}/pay/{booking.reference}/invoice.pdf",
                    new_tab=True,
                ).classes("text-primary").mark("invoice-link")


def _money_card(record: BookingRecord) -> None:
    booking = record.booking
    currency = booking.currency
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("money-card"):
        ui.label("Money").classes("text-lg font-semibold")
        rows = [("Total", booking.total_amount, "total")]
        if booking.deposit_amount:
            rows.append(("Deposit", booking.deposit_amount, "deposit"))
        rows += [("Paid", booking.amount_paid, "paid"), ("Refunded", record.refunded, "refunded")]
        rows.append(("Balance due", booking.balance_due, "balance-due"))
        for label, amount, marker in rows:
            with ui.row().classes("w-full justify-between"):
                ui.label(label).classes("text-slate-600")
                ui.label(money(amount, currency)).classes("tabular-nums font-medium").mark(f"money-{marker}")
        if record.refundable and record.refundable != booking.amount_paid:
            ui.label(f"{money(record.refundable, currency)} can still be refunded.").classes("text-sm text-slate-500")


def _student_card(tenant: Tenant, record: BookingRecord) -> None:
    student = record.student
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-card"):
        ui.label("Student").classes("text-lg font-semibold")
        ui.link(student.full_name, f"/{tenant.slug}/admin/students/{student.id}").classes(
            "text-primary font-medium"
        ).mark("student-link")
        ui.link(student.email, f"mailto:{student.email}").classes("text-slate-700 break-all")
        if student.phone:
            ui.link(student.phone, f"tel:{student.phone}").classes("text-slate-700")
        if student.company_name:
            ui.label(student.company_name).classes("text-slate-700")
        if record.booking.special_requests:
            ui.label("Special requests").classes("text-sm text-slate-500 pt-2")
            ui.label(record.booking.special_requests).classes("text-slate-800 whitespace-pre-line break-words")


def _notes_card(record: BookingRecord, save: Any) -> None:
    booking = record.booking
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("notes-card"):
        ui.label("Notes").classes("text-lg font-semibold")
        staff_notes = (
            ui.textarea("Staff notes", value=booking.staff_notes)
            .props("outlined autogrow maxlength=5000 hint='Not shown to the student'")
            .classes("w-full")
            .mark("staff-notes")
        )
        special_requests = (
            ui.textarea("Special requests", value=booking.special_requests)
            .props("outlined autogrow maxlength=5000")
            .classes("w-full")
            .mark("special-requests")
        )
        ui.button("Save notes", on_click=lambda: save(record, staff_notes, special_requests)).props(
            "unelevated color=primary no-caps"
        ).mark("save-notes")


REFUND_STATUS_TEXT = {
    RefundStatus.PENDING: "under way",
    RefundStatus.SUCCEEDED: "made",
    RefundStatus.FAILED: "failed",
}


def _payments_card(tenant: Tenant, record: BookingRecord) -> None:
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("payments-card"):
        ui.label("Payments").classes("text-lg font-semibold")
        if not record.payments:
            ui.label("No payments yet.").classes("text-slate-600")
        for item in record.payments:
            payment = item.payment
            with ui.column().classes("w-full gap-0 border-t border-slate-200 pt-2").mark(f"payment-{payment.id}"):
                with ui.row().classes("w-full justify-between items-baseline gap-2"):
                    method = payment.payment_method.value.replace("_", " ")
                    ui.label(f"{payment.kind.value.title()} · {method}").classes("font-medium")
                    ui.label(money(payment.amount, payment.currency)).classes("tabular-nums font-semibold")
                if payment.paid_at is not None:
                    status = f"Paid {day_and_time(tenant, payment.paid_at)}"
                elif payment.status is PaymentStatus.FAILED:
                    status = f"Failed {day_and_time(tenant, payment.created_at)}"
                else:
                    status = f"Started {day_and_time(tenant, payment.created_at)}, not paid"
                if payment.amount_refunded >= payment.amount:
                    status += " · refunded in full"
                elif payment.amount_refunded:
                    status += f" · {money(payment.amount_refunded, payment.currency)} refunded"
                ui.label(status).classes("text-sm text-slate-600").mark(f"payment-status-{payment.id}")
                if payment.failure_reason:
                    ui.label(payment.failure_reason).classes("text-sm text-red-700 break-words")
                for refund in item.refunds:
                    text = (
                        f"↩ {money(refund.amount, refund.currency)} refund {REFUND_STATUS_TEXT[refund.status]}"
                        f" · {day_and_time(tenant, refund.created_at)}"
                    )
                    if refund.created_by:
                        text += f" · by {refund.created_by}"
                    ui.label(text).classes("text-sm text-purple-900 pl-4").mark(f"refund-{refund.id}")
                    if refund.reason:
                        ui.label(refund.reason).classes("text-xs text-slate-500 pl-8 break-words")
                    if refund.failure_reason:
                        ui.label(refund.failure_reason).classes("text-xs text-red-700 pl-8 break-words")


def _history_card(tenant: Tenant, record: BookingRecord) -> None:
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("history-card"):
        ui.label("History").classes("text-lg font-semibold")
        if not record.history:
            ui.label("Nothing recorded yet.").classes("text-slate-600")
        for entry in record.history:
            with ui.element("div").classes("w-full flex flex-col sm:flex-row sm:gap-3 border-t border-slate-100 pt-1"):
                ui.label(day_and_time(tenant, entry.at)).classes("text-xs text-slate-500 sm:w-40 shrink-0 sm:pt-0.5")
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label(history_text(entry, record.booking.currency)).classes("text-sm text-slate-900 break-words")
                    ui.label(entry.actor).classes("text-xs text-slate-500")
