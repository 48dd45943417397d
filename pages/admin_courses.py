"""Courses and their sessions in the back office.

- `/{slug}/admin/courses`: the course table; create, edit and archive in dialogs.
- `/{slug}/admin/courses/{course_id}/sessions`: a course's sessions with places booked kept live; create
  ("Create Session", once or repeated weekly), edit, activate and deactivate, cancel.
- `/{slug}/admin/courses/{course_id}/sessions/{session_id}`: one session and its roster: payment status
  and balance, a booking taken on the phone, moving a booking, money received, the roster as CSV.
- `/{slug}/admin/my-sessions`: the sessions the signed-in staff member leads as instructor.

Staff see all of it. An instructor sees only the sessions they lead and their rosters, read only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from math import ceil
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import AttendanceStatus, BookingStatus, Course, CourseSession, PaymentOption, StaffRole, StaffUser, Tenant
from pages.admin.access import admin_access, staff_context
from trainhub_ui import events
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components import delivery
from trainhub_ui.components.fields import whole_number
from trainhub_ui.components.formatting import SYMBOLS, local, money, session_dates, time_of_day
from trainhub_ui.components.frames import admin_frame, not_found_page, refused_page
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.payments import provider, shortest_hold
from trainhub_ui.services import attendance, catalog, roster, students
from trainhub_ui.services.bookings import move_booking
from trainhub_ui.services.catalog import (
    CourseChanges,
    NewCourse,
    NewSession,
    Repetition,
    SessionCancellation,
    SessionChanges,
)
from trainhub_ui.services.checkout import pay_page_url
from trainhub_ui.services.context import TenantContext
from trainhub_ui.services.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.services.online_booking import payment_choices
from trainhub_ui.services.payments import record_bank_transfer
from trainhub_ui.services.roster import PhoneBooking, RosterEntry, payment_status
from trainhub_ui.services.signals import AttendanceChanged, BookingChanged, CapacityChanged

router = APIRouter()

PAGE_SIZE = 25
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
STUDENTS_SHOWN = 8


def sessions_path(tenant: Tenant, course_id: str) -> str:
    return f"/{tenant.slug}/admin/courses/{course_id}/sessions"


def session_path(tenant: Tenant, course_id: str, session_id: str) -> str:
    return f"{sessions_path(tenant, course_id)}/{session_id}"


# --- reading what staff typed -------------------------------------------------------------------


def read_day(name: str, text: str | None, *, required: bool = True) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise InvalidInput(name, "Choose a date.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(name, "Give a date as YYYY-MM-DD.") from None


def read_clock(name: str, text: str | None) -> time:
    text = (text or "").strip()
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(name, "Give a time like 09:00.") from None


def read_whole(name: str, value: float | None, what: str, *, required: bool = True) -> int | None:
    """A whole number from a number input; the range is the service's to check."""
    if value is None or value == "":
        if required:
            raise InvalidInput(name, f"Give {what}.")
        return None
    number = float(value)
    if not number.is_integer():
        raise InvalidInput(name, f"Give {what} as a whole number.")
    return int(number)


def read_money(name: str, text: str | None, currency: str, *, allow_zero: bool = True) -> int:
    """ "495", "495.50", "£1,250.00" in the centre's currency, to minor units (pence)."""
    cleaned = (text or "").strip().replace(",", "").removeprefix(SYMBOLS.get(currency.upper(), "")).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(name, "Give an amount like 495.00.") from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(name, "Give an amount above zero." if not allow_zero else "Give an amount of zero or more.")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(name, "Give at most two decimals (pence).")
    if value > 1_000_000:
        raise InvalidInput(name, "That is more than any course here costs.")
    return int(value * 100)


def major(amount: int) -> str:
    return f"{amount / 100:.2f}"


class Form:
    """A dialog's inputs by the field names the services use, so that a service's error shows at its input;
    an error of no input of this form shows in the form's own line."""

    def __init__(self) -> None:
        self.inputs: dict[str, Any] = {}
        self.problem = ui.label().classes("text-sm text-red-700").mark("form-problem")
        self.problem.set_visibility(False)

    def add(self, name: str, element: Any) -> Any:
        self.inputs[name] = element
        return element

    def clear(self) -> None:
        for element in self.inputs.values():
            if hasattr(element, "error"):
                element.error = None
        self.problem.set_visibility(False)

    def show(self, error: DomainError) -> None:
        element = self.inputs.get(error.field or "")
        if element is not None and hasattr(element, "error"):
            element.error = error.message
        else:
            self.problem.set_text(error.message)
            self.problem.set_visibility(True)


# --- small pieces of the tables -----------------------------------------------------------------


def table_head(columns: str, headings: list[str]) -> None:
    """The header row of a grid table. On a phone the rows fold into two columns and each cell carries its
    own caption instead."""
    with ui.element("div").classes(
        f"max-md:hidden grid {columns} w-full gap-x-3 px-3 py-2 border-b border-slate-200 bg-slate-50"
    ):
        for heading in headings:
            ui.label(heading).classes("text-xs font-semibold uppercase tracking-wide text-slate-500")


def table_row(columns: str, marker: str) -> ui.element:
    return (
        ui.element("div")
        .classes(f"grid grid-cols-2 {columns} w-full gap-x-3 gap-y-2 px-3 py-3 border-b border-slate-200 items-center")
        .mark(marker)
    )


def cell(caption: str, *, wide: bool = False) -> ui.column:
    """A cell; a wide one takes the whole row on a phone."""
    column = ui.column().classes("gap-0 min-w-0" + (" col-span-2 md:col-span-1" if wide else ""))
    with column:
        ui.label(caption).classes("md:hidden text-xs uppercase tracking-wide text-slate-500")
    return column


def actions() -> ui.row:
    return ui.row().classes("col-span-2 md:col-span-1 gap-x-1 gap-y-0 items-center md:justify-end flex-wrap")


async def answer_of(dialog: ui.dialog) -> Any:
    """Open a dialog and wait for its answer (None when dismissed); then it goes, unless its page went first."""
    dialog.open()
    try:
        return await dialog
    finally:
        if not dialog.is_deleted and not dialog.client.is_deleted:
            dialog.delete()


def section(text: str) -> ui.label:
    """A small heading inside a dialog."""
    return ui.label(text).classes("text-xs font-semibold uppercase tracking-wide text-slate-500 -mb-2")


def badge(text: str, colour: str, marker: str = "") -> ui.badge:
    item = ui.badge(text, color=colour).classes("text-xs")
    if marker:
        item.mark(marker)
    return item


def pager(total: int, page: int, go: Callable[[int], Awaitable[None]], what: str) -> None:
    """ "26–50 of 212 sessions" (or "3 sessions" on one page) with the previous and next page; `what` is
    the singular."""
    pages = max(1, ceil(total / PAGE_SIZE))
    named = f"{total:,} {what}{'' if total == 1 else 's'}"
    if pages > 1 or page > 1:
        named = f"{(page - 1) * PAGE_SIZE + 1}–{min(page * PAGE_SIZE, total)} of {named}"
    with ui.row().classes("w-full items-center justify-between gap-2 pt-2"):
        ui.label(named).classes("text-sm text-slate-600").mark("page-count")
        with ui.row().classes("items-center gap-1"):
            back = ui.button(icon="chevron_left", on_click=lambda: go(page - 1))
            back.props("flat round dense aria-label='Previous page'").mark("previous-page")
            back.set_enabled(page > 1)
            ui.label(f"Page {page} of {pages}").classes("text-sm text-slate-600")
            forward = ui.button(icon="chevron_right", on_click=lambda: go(page + 1))
            forward.props("flat round dense aria-label='Next page'").mark("next-page")
            forward.set_enabled(page < pages)


def fill_colour(booked: int, available: int) -> str:
    if available and booked >= available:
        return "negative"
    return "warning" if available and booked / available >= 0.8 else "primary"


class LiveFill:
    """Booked / capacity labels and bars of one page, by session id, moved when a session's places change.

    Made inside the page function: the subscription is this client's and ends with it, and the handler
    touches only this page's own elements. `then` runs after an update (a page that shows more of the
    session reloads it).
    """

    def __init__(self, tenant_id: str, then: Callable[[CapacityChanged], Any] | None = None) -> None:
        self.tenant_id = tenant_id
        self.shown: dict[str, list[tuple[ui.linear_progress, ui.label]]] = {}
        self.then = then
        events.capacity_changed.subscribe(self._changed)

    def add(self, session_id: str, booked: int, available: int) -> None:
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            label = (
                ui.label(f"{booked} / {available}")
                .classes("text-sm font-semibold tabular-nums whitespace-nowrap")
                .mark(f"booked-{session_id}")
            )
            label.props(f'data-session-booked="{session_id}"')
            bar = (
                ui.linear_progress(value=booked / available if available else 0, show_value=False, size="8px")
                .props(f"rounded color={fill_colour(booked, available)} aria-label='Places booked'")
                .classes("min-w-[4rem] flex-grow")
            )
        self.shown.setdefault(session_id, []).append((bar, label))

    def _changed(self, event: CapacityChanged) -> Any:
        if event.tenant_id != self.tenant_id or event.session_id not in self.shown:
            return None
        for bar, label in self.shown[event.session_id]:
            label.set_text(f"{event.booked_spots} / {event.available_spots}")
            bar.set_value(event.booked_spots / event.available_spots if event.available_spots else 0)
            bar.props(f"color={fill_colour(event.booked_spots, event.available_spots)}")
        return self.then(event) if self.then is not None else None


def session_state(item: CourseSession, today: date) -> tuple[str, str]:
    """A session's standing as a badge: its words and colour."""
    if item.cancelled_at is not None:
        return "Cancelled", "grey-7"
    if item.is_completed:
        return "Completed", "blue-grey-7"
    if item.end_date < today:
        return "Ended", "blue-grey-5"
    if not item.is_active:
        return "Not taking bookings", "amber-9"
    return "Taking bookings", "green-8"


def duration_text(course: Course) -> str:
    days = f"{course.duration_days} day{'s' if course.duration_days != 1 else ''}"
    return f"{days} ({course.duration_hours} hours)" if course.duration_hours else days


# --- courses --------------------------------------------------------------------------------------

COURSE_COLUMNS = "md:grid-cols-[minmax(11rem,2fr)_9rem_9rem_6rem_16.5rem]"
COURSE_SHOWN = {"active": True, "archived": False, "all": None}


@dataclass
class CourseListView:
    text: str = ""
    shown: str = "active"
    page: int = 1


@router.page("/{slug}/admin/courses")
async def courses_page(slug: str) -> RedirectResponse | None:
    access = await admin_access(slug, StaffRole.STAFF, f"/{slug}/admin/courses")
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
            courses, total = await catalog.list_courses(
                session,
                ctx,
                public=False,
                q=view.text,
                active=COURSE_SHOWN[view.shown],
                limit=PAGE_SIZE,
                offset=(view.page - 1) * PAGE_SIZE,
            )
            outlooks = await catalog.course_outlooks(session, ctx, [course.id for course in courses])
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
                outlook = (await catalog.course_outlooks(session, ctx, [course.id]))[course.id]
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
                await catalog.set_course_archived(session, ctx, course.id, archived)
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
    outlook: catalog.CourseOutlook,
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
            ui.label(money(course.price, tenant.currency)).classes("tabular-nums font-medium")
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


async def course_dialog(ctx: TenantContext, course: Course | None) -> Course | None:
    """Create (course None) or edit a course; the service's errors show at their fields. Answers the saved course."""
    currency = ctx.tenant.currency
    symbol = SYMBOLS.get(currency, currency)
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3"):
        ui.label("New course" if course is None else f"Edit “{course.title}”").classes("text-lg font-semibold")
        form = Form()
        title = form.add(
            "title",
            ui.input("Title", value=course.title if course else "").props("outlined").classes("w-full"),
        ).mark("course-title")
        with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
            category = form.add(
                "category", ui.input("Category", value=course.category if course else "").props("outlined")
            ).classes("flex-1 min-w-[12rem]")
            location = form.add(
                "location", ui.input("Location", value=course.location if course else "").props("outlined")
            ).classes("flex-1 min-w-[12rem]")
        summary = form.add(
            "summary",
            ui.input("Summary (one line for the catalogue)", value=course.summary if course else "").props("outlined"),
        ).classes("w-full")
        description = form.add(
            "description",
            ui.textarea("Description", value=course.description if course else "").props("outlined autogrow"),
        ).classes("w-full")
        requirements = form.add(
            "requirements",
            ui.textarea("Requirements", value=course.requirements if course else "").props("outlined autogrow"),
        ).classes("w-full")
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            price = (
                form.add(
                    "price",
                    ui.input(f"Price ({symbol})", value=major(course.price) if course else "").props(
                        "outlined inputmode=decimal"
                    ),
                )
                .classes("w-32")
                .mark("course-price")
            )
            days = form.add(
                "durationDays",
                whole_number("Days", course.duration_days if course else 1, (1, catalog.MAX_DURATION_DAYS)),
            ).classes("w-24")
            hours = form.add(
                "durationHours",
                whole_number("Hours", course.duration_hours if course else 0, (0, catalog.MAX_DURATION_HOURS)),
            ).classes("w-24")
            capacity = form.add(
                "defaultCapacity",
                whole_number(
                    "Places per session", course.default_capacity if course else 12, (1, catalog.MAX_CAPACITY)
                ).classes("w-40"),
            ).mark("course-capacity")
            validity = form.add(
                "certificateValidityMonths",
                whole_number(
                    "Certificate valid (months)",
                    course.certificate_validity_months if course else None,
                    (1, catalog.MAX_CERTIFICATE_MONTHS),
                    "Empty: it does not expire",
                ).props("clearable"),
            ).classes("w-48")
        slug = form.add(
            "slug",
            ui.input("Web address", value=course.slug if course else "").props(
                "outlined hint='Lowercase words and hyphens; left blank, it is made from the title'"
            ),
        ).classes("w-full")
        on_sale = ui.switch("On sale on the public site", value=course.is_active if course else True).mark(
            "course-on-sale"
        )
        form.problem.move()  # below the fields

        async def save() -> None:
            form.clear()
            try:
                values: dict[str, Any] = {
                    "title": title.value or "",
                    "category": category.value or "",
                    "summary": summary.value or "",
                    "description": description.value or "",
                    "requirements": requirements.value or "",
                    "location": location.value or "",
                    "duration_days": read_whole("durationDays", days.value, "the number of days"),
                    "duration_hours": read_whole("durationHours", hours.value, "the number of hours"),
                    "price": read_money("price", price.value, currency),
                    "default_capacity": read_whole("defaultCapacity", capacity.value, "the places per session"),
                    "certificate_validity_months": read_whole(
                        "certificateValidityMonths", validity.value, "the months", required=False
                    ),
                    "is_active": bool(on_sale.value),
                }
                chosen_slug = (slug.value or "").strip()
                async with database().transaction() as session:
                    if course is None:
                        saved = await catalog.create_course(session, ctx, NewCourse(slug=chosen_slug or None, **values))
                    else:
                        changes = CourseChanges(**values, **({"slug": chosen_slug} if chosen_slug else {}))
                        saved = await catalog.update_course(session, ctx, course.id, changes)
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(saved)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Save course", on_click=save).props("unelevated color=primary no-caps").mark("save-course")
    result = await answer_of(dialog)
    return result


# --- a course's sessions --------------------------------------------------------------------------

SESSION_COLUMNS = "md:grid-cols-[minmax(11rem,1.6fr)_8rem_minmax(9rem,1.4fr)_9.5rem_13.5rem]"
SESSION_WHEN = {"upcoming": "Upcoming", "past": "Past", "all": "All"}


@dataclass
class SessionListView:
    when: str = "upcoming"
    page: int = 1


@router.page("/{slug}/admin/courses/{course_id}/sessions")
async def sessions_page(slug: str, course_id: str) -> RedirectResponse | None:
    access = await admin_access(slug, StaffRole.STAFF, f"/{slug}/admin/courses/{course_id}/sessions")
    if not isinstance(access, StaffAccess):
        return access
    tenant, ctx = access.tenant, staff_context(access)
    try:
        async with database().read() as session:
            course = await catalog.get_course(session, ctx, course_id)
            staff = await catalog.instructors(session, ctx)
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
                f"{money(course.price, tenant.currency)} · {duration_text(course)} · "
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
            items, total = await catalog.list_sessions(
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
                await catalog.set_session_active(session, ctx, course.id, item.id, active)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        ui.notify(
            f"{session_dates(item)} is {'taking bookings' if active else 'no longer taking bookings'}.",
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
            ui.link(session_dates(item), session_path(tenant, item.course_id, item.id)).classes(
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


async def session_dialog(
    ctx: TenantContext, course: Course, staff: list[StaffUser], item: CourseSession | None
) -> str | None:
    """Create (item None: once, or repeated weekly) or edit a session. Answers what was done, to say so."""
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3"):
        ui.label("Create Session" if item is None else f"Edit the session of {session_dates(item)}").classes(
            "text-lg font-semibold"
        )
        form = Form()
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            start_date = (
                form.add(
                    "startDate",
                    ui.input("Start date", value=item.start_date.isoformat() if item else "").props(
                        "outlined type=date stack-label"
                    ),
                )
                .classes("flex-1 min-w-[10rem]")
                .mark("start-date")
            )
            end_hint = (
                f"Blank: {course.duration_days} days, as the course"
                if course.duration_days > 1
                else "Blank: the same day"
            )
            end_date = (
                form.add(
                    "endDate",
                    ui.input("End date", value=item.end_date.isoformat() if item else "").props(
                        f"outlined type=date stack-label hint='{end_hint if item is None else ''}'"
                    ),
                )
                .classes("flex-1 min-w-[10rem]")
                .mark("end-date")
            )
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            start_time = (
                form.add(
                    "startTime",
                    ui.input("Start time", value=f"{item.start_time:%H:%M}" if item else "09:00").props(
                        "outlined type=time stack-label"
                    ),
                )
                .classes("flex-1 min-w-[8rem]")
                .mark("start-time")
            )
            end_time = (
                form.add(
                    "endTime",
                    ui.input("End time", value=f"{item.end_time:%H:%M}" if item else "17:00").props(
                        "outlined type=time stack-label"
                    ),
                )
                .classes("flex-1 min-w-[8rem]")
                .mark("end-time")
            )
            capacity = (
                form.add(
                    "availableSpots",
                    whole_number(
                        "Capacity (places)",
                        item.available_spots if item else course.default_capacity,
                        (1, catalog.MAX_CAPACITY),
                    ),
                )
                .classes("flex-1 min-w-[8rem]")
                .mark("capacity")
            )
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            people = {"": "No instructor yet"} | {
                person.id: f"{person.name} ({person.role.value.title()})" for person in staff
            }
            if item is not None and item.instructor_id and item.instructor_id not in people:
                people[item.instructor_id] = item.instructor.name if item.instructor else "A former colleague"
            instructor = (
                form.add(
                    "instructorId",
                    ui.select(people, label="Instructor", value=(item.instructor_id or "") if item else "").props(
                        "outlined"
                    ),
                )
                .classes("flex-1 min-w-[12rem]")
                .mark("instructor")
            )
            venue = (
                form.add("venue", ui.input("Venue", value=item.venue if item else course.location).props("outlined"))
                .classes("flex-1 min-w-[12rem]")
                .mark("venue")
            )
        notes = (
            form.add(
                "instructorNotes",
                ui.textarea("Instructor notes (internal)", value=item.instructor_notes if item else "").props(
                    "outlined autogrow"
                ),
            )
            .classes("w-full")
            .mark("instructor-notes")
        )
        taking = ui.switch("Taking bookings", value=item.is_active if item else True).mark("taking-bookings")
        repeat_on = repeat_weekday = repeat_every = repeat_count = repeat_summary = None
        if item is None:
            repeat_on = ui.switch("Repeat weekly").mark("repeat")
            with ui.row().classes("w-full gap-3 items-start max-sm:flex-wrap") as repeat_box:
                repeat_weekday = (
                    form.add(
                        "repeatWeekday",
                        ui.select(
                            {-1: "The start date's weekday"} | dict(enumerate(WEEKDAYS)), label="On", value=-1
                        ).props("outlined"),
                    )
                    .classes("flex-1 min-w-[12rem]")
                    .mark("repeat-weekday")
                )
                repeat_every = (
                    form.add(
                        "repeatEveryWeeks",
                        ui.select(
                            {1: "Every week"} | {n: f"Every {n} weeks" for n in range(2, catalog.MAX_REPEAT_WEEKS + 1)},
                            label="How often",
                            value=1,
                        ).props("outlined"),
                    )
                    .classes("flex-1 min-w-[10rem]")
                    .mark("repeat-every")
                )
                repeat_count = (
                    form.add(
                        "repeatCount",
                        whole_number("Sessions in all", 8, (1, catalog.MAX_REPEATS)),
                    )
                    .classes("w-36")
                    .mark("repeat-count")
                )
            repeat_summary = ui.label().classes("text-sm text-slate-600").mark("repeat-summary")
            repeat_box.bind_visibility_from(repeat_on, "value")
            repeat_summary.bind_visibility_from(repeat_on, "value")
        form.problem.move()

        def repetition() -> Repetition | None:
            if repeat_on is None or not repeat_on.value:
                return None
            assert repeat_weekday is not None and repeat_every is not None and repeat_count is not None
            weekday = None if repeat_weekday.value in (-1, None) else int(repeat_weekday.value)
            count = read_whole("repeatCount", repeat_count.value, "the number of sessions")
            return Repetition(count=count or 0, every_weeks=int(repeat_every.value or 1), weekday=weekday)

        def describe() -> None:
            """The run of dates, as staff set it up, and the save button's words to match."""
            if repeat_summary is None:
                return
            try:
                plan = repetition()
                first = read_day("startDate", start_date.value)
                dates = catalog.repeat_dates(first, plan) if plan and first else []
            except DomainError:
                dates = []
            if repeat_on is not None and repeat_on.value and dates:
                repeat_summary.set_text(
                    f"{len(dates)} session{'s' if len(dates) != 1 else ''}: "
                    f"{dates[0]:%a %-d %b %Y} to {dates[-1]:%a %-d %b %Y}."
                )
                save_button.set_text(f"Save {len(dates)} sessions" if len(dates) > 1 else "Save session")
            else:
                repeat_summary.set_text("Choose the start date, the weekday and how many sessions.")
                save_button.set_text("Save session")

        async def save() -> None:
            form.clear()
            try:
                first = read_day("startDate", start_date.value)
                last = read_day("endDate", end_date.value, required=item is not None)
                starts = read_clock("startTime", start_time.value)
                ends = read_clock("endTime", end_time.value)
                spots = read_whole("availableSpots", capacity.value, "the number of places")
                plan = repetition()
                async with database().transaction() as session:
                    if item is not None:
                        assert first is not None and last is not None and spots is not None
                        changes = SessionChanges(
                            start_date=first,
                            end_date=last,
                            start_time=starts,
                            end_time=ends,
                            available_spots=spots,
                            instructor_id=instructor.value or None,
                            venue=venue.value or "",
                            instructor_notes=notes.value or "",
                            is_active=bool(taking.value),
                        )
                        await catalog.update_session(session, ctx, course.id, item.id, changes)
                        done = "The session is saved."
                    else:
                        assert first is not None
                        details = NewSession(
                            start_date=first,
                            end_date=last,
                            start_time=starts,
                            end_time=ends,
                            available_spots=spots,
                            instructor_id=instructor.value or None,
                            venue=venue.value or "",
                            instructor_notes=notes.value or "",
                            is_active=bool(taking.value),
                        )
                        if plan is None:
                            made = await catalog.create_session(session, ctx, course.id, details)
                            done = f"Session saved: {session_dates(made)}."
                        else:
                            series = await catalog.create_repeated_sessions(session, ctx, course.id, details, plan)
                            first_day, last_day = series[0].start_date, series[-1].start_date
                            done = f"{len(series)} sessions saved, {first_day:%-d %b} to {last_day:%-d %b %Y}."
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(done)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            save_button = (
                ui.button("Save session", on_click=save).props("unelevated color=primary no-caps").mark("save-session")
            )
        if repeat_on is not None:
            for element in (repeat_on, repeat_weekday, repeat_every, repeat_count, start_date):
                assert element is not None
                element.on_value_change(describe)
            describe()
    result = await answer_of(dialog)
    return result


async def cancel_session_dialog(ctx: TenantContext, course: Course, item: CourseSession) -> SessionCancellation | None:
    """Say what cancelling will do, take the reason, then cancel; answers the cancellation, if made."""
    async with database().read() as session:
        outlook = await catalog.cancellation_outlook(session, ctx, course.id, item.id)
    currency = ctx.tenant.currency
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
        ui.label(f"Cancel the session of {session_dates(item)}?").classes("text-lg font-semibold")
        if outlook.bookings:
            what = (
                f"{outlook.bookings} booking{'s' if outlook.bookings != 1 else ''} will be cancelled and refunded "
                f"in full"
            )
            what += f" ({money(outlook.paid, currency)} paid back)." if outlook.paid else " (nothing has been paid)."
        else:
            what = "Nobody is booked on it."
        ui.label(what).classes("text-slate-800").mark("cancel-outlook")
        if outlook.waiting:
            ui.label(
                f"{outlook.waiting} {'person' if outlook.waiting == 1 else 'people'} on its waiting list "
                f"will be taken off it."
            ).classes("text-slate-800")
        ui.label("It stops taking bookings at once. This cannot be undone.").classes("text-sm text-slate-600")
        form = Form()
        reason = (
            form.add(
                "reason",
                ui.textarea("Reason (kept with each booking)", placeholder="e.g. the instructor is ill").props(
                    "outlined autogrow"
                ),
            )
            .classes("w-full")
            .mark("cancel-reason")
        )
        form.problem.move()

        async def confirm() -> None:
            form.clear()
            confirm_button.props("loading")
            try:
                result = await catalog.cancel_session(
                    database(), ctx, provider(), course.id, item.id, reason.value or ""
                )
            except DomainError as error:
                form.show(error)
                return
            finally:
                confirm_button.props(remove="loading")
            dialog.submit(result)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Keep the session", on_click=dialog.close).props("flat no-caps").mark("keep-session")
            confirm_button = (
                ui.button("Cancel the session", on_click=confirm)
                .props("unelevated color=negative no-caps")
                .mark("confirm-cancel-session")
            )
    result: SessionCancellation | None = await answer_of(dialog)
    if result is not None:
        await show_cancellation(ctx, course, result)
    return result


async def show_cancellation(ctx: TenantContext, course: Course, result: SessionCancellation) -> None:
    """What the cancellation did; refunds that failed are listed, to be tried again."""
    cancelled = len(result.cancelled)
    said = f"Session cancelled: {cancelled} booking{'s' if cancelled != 1 else ''} cancelled"
    said += f", {money(result.refunded, ctx.tenant.currency)} refunded." if result.refunded else "."
    if not result.refund_failures:
        ui.notify(said, type="positive", multi_line=True)
        return
    await refund_failures_dialog(ctx, course, result.course_session, said, result.refund_failures)


async def refund_failures_dialog(
    ctx: TenantContext, course: Course, item: CourseSession, said: str, failures: list[catalog.RefundFailure]
) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-2"):
        ui.label(said).classes("font-semibold")
        ui.label("These refunds did not go through:").classes("text-red-800")
        listing = ui.column().classes("gap-1")

        def show(now_failing: list[catalog.RefundFailure]) -> None:
            listing.clear()
            with listing:
                for failure in now_failing:
                    ui.label(f"{failure.reference}: {failure.reason}").classes("text-sm").mark("refund-failure")

        async def again() -> None:
            refunded, still = await catalog.refund_cancelled_session(database(), ctx, provider(), course.id, item.id)
            if refunded:
                ui.notify(f"{money(refunded, ctx.tenant.currency)} refunded.", type="positive")
            if not still:
                dialog.close()
            show(still)

        show(failures)
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Try the refunds again", on_click=again).props("unelevated color=primary no-caps").mark(
                "retry-refunds"
            )
    await answer_of(dialog)


# --- one session and its roster -----------------------------------------------------------------

ROSTER_COLUMNS = "md:grid-cols-[minmax(12rem,2fr)_6.5rem_minmax(8.5rem,1fr)_5.5rem_5.5rem_7.5rem_8rem]"
ROSTER_HEADINGS = ["Student", "Reference", "Payment", "Paid", "Balance due", "Attendance", ""]
# An instructor's roster: no sums of money, and nothing to do to a booking.
ROSTER_COLUMNS_READ_ONLY = "md:grid-cols-[minmax(12rem,2fr)_6.5rem_minmax(8.5rem,1fr)_minmax(7.5rem,1fr)]"
ROSTER_HEADINGS_READ_ONLY = ["Student", "Reference", "Payment", "Attendance"]
STATUS_WORDS = {
    BookingStatus.PENDING: ("Held", "amber-8"),
    BookingStatus.CONFIRMED: ("Confirmed", "green-8"),
    BookingStatus.CANCELLED: ("Cancelled", "grey-7"),
    BookingStatus.EXPIRED: ("Hold lapsed", "grey-6"),
}
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass
class RosterView:
    page: int = 1
    with_cancelled: bool = False
    reload_pending: bool = False
    totals: roster.RosterTotals | None = None
    entries: list[RosterEntry] = field(default_factory=list)


@router.page("/{slug}/admin/courses/{course_id}/sessions/{session_id}")
async def session_page(slug: str, course_id: str, session_id: str) -> RedirectResponse | None:
    here = f"/{slug}/admin/courses/{course_id}/sessions/{session_id}"
    access = await admin_access(slug, StaffRole.INSTRUCTOR, here)
    if not isinstance(access, StaffAccess):
        return access
    tenant, ctx = access.tenant, staff_context(access)
    try:
        async with database().read() as session:
            found = await roster.session_for_roster(session, ctx, course_id, session_id)
    except roster.NotYourSession:
        refused_page(tenant, access.user)
        return None
    except NotFound:
        not_found_page("There is no such session at this centre.")
        return None
    course, item = found.course, found.course_session
    is_staff = ctx.has_role(StaffRole.STAFF)
    shows_money = roster.sees_money(ctx)
    view = RosterView()
    today = ctx.today()

    async def capacity_moved(_event: CapacityChanged) -> None:
        await reload_soon()

    async def booking_moved(event: BookingChanged) -> None:
        if event.tenant_id == tenant.id and event.session_id == item.id:
            await reload_soon()

    async def attendance_moved(event: AttendanceChanged) -> None:
        if event.tenant_id == tenant.id and event.session_id == item.id:
            await reload_soon()

    live = LiveFill(tenant.id, then=capacity_moved)
    events.booking_changed.subscribe(booking_moved)
    events.attendance_changed.subscribe(attendance_moved)
    state, colour = session_state(item, today)
    with admin_frame(tenant, access.user, "Courses" if is_staff else "My sessions", course.title):
        dialogs = ui.element("div")
        with ui.row().classes("w-full items-center gap-2 -mt-2 text-sm text-slate-600 flex-wrap"):
            if is_staff:
                ui.link("Courses", f"/{slug}/admin/courses").classes("text-primary")
                ui.label("›")
                ui.link("Sessions", sessions_path(tenant, course.id)).classes("text-primary").mark("back-to-sessions")
            else:
                ui.link("My sessions", f"/{slug}/admin/my-sessions").classes("text-primary")
            ui.label("›")
            ui.label(session_dates(item)).mark("session-when")
        with ui.card().classes("w-full").props("flat bordered"):
            with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-4 w-full"):
                _fact("When", session_dates(item))
                _fact("Venue", item.venue or "—")
                _fact("Instructor", item.instructor.name if item.instructor else "No instructor yet")
                with ui.column().classes("gap-1"):
                    ui.label("Places booked").classes("text-xs uppercase tracking-wide text-slate-500")
                    live.add(item.id, item.booked_spots, item.available_spots)
                    badge(state, colour, "session-state")
            totals_line = ui.label().classes("text-sm text-slate-700").mark("roster-totals")
            totals_line.set_visibility(shows_money)
            if item.instructor_notes:
                with ui.column().classes("gap-0 w-full"):
                    ui.label("Instructor notes").classes("text-xs uppercase tracking-wide text-slate-500")
                    ui.label(item.instructor_notes).classes("whitespace-pre-line text-slate-800").mark(
                        "instructor-notes"
                    )
            if item.cancelled_at is not None:
                ui.label(
                    f"Cancelled on {local(tenant, item.cancelled_at):%-d %b %Y}: {item.cancellation_reason}"
                ).classes("text-red-800").mark("cancelled-note")
        bookable = item.cancelled_at is None and not item.is_completed and item.starts_at > ctx.now()
        with ui.row().classes("w-full items-center gap-2 flex-wrap"):
            ui.label("Roster").classes("text-xl font-semibold text-slate-900")
            ui.switch("Show cancelled bookings", on_change=lambda e: show_cancelled(bool(e.value))).mark(
                "show-cancelled"
            )
            ui.space()
            if is_staff and bookable:
                ui.button("Add a booking", icon="call", on_click=lambda: add_booking()).props(
                    "unelevated color=primary no-caps"
                ).mark("add-booking")
            ui.button("Export CSV", icon="download", on_click=lambda: export()).props("outline no-caps").mark(
                "export-roster"
            )
            if is_staff and item.cancelled_at is not None:
                ui.button("Refund anything still owed", on_click=lambda: refund_owed()).props("outline no-caps").mark(
                    "refund-owed"
                )
        with ui.card().classes("w-full p-0 gap-0").props("flat bordered"):
            table = ui.column().classes("w-full gap-0").mark("roster")
        delivery.email_actions(ctx, item)
        await delivery.register_panel(ctx, item, course)
        await delivery.certificates_and_feedback_panel(ctx, item)

    async def load() -> None:
        async with database().read() as session:
            entries, total = await roster.session_roster(
                session,
                ctx,
                item.id,
                include_cancelled=view.with_cancelled,
                limit=roster.ROSTER_PAGE,
                offset=(view.page - 1) * roster.ROSTER_PAGE,
            )
            totals = await roster.roster_totals(session, ctx, item.id)
            marks = await attendance.register(session, ctx, item.id)
        view.entries, view.totals = entries, totals
        days = attendance.session_days(item)
        came = {
            booking_id: sum(1 for day in days if per_day.get(day) and per_day[day].status in ATTENDED)
            for booking_id, per_day in marks.items()
        }
        totals_line.set_text(
            f"{totals.confirmed} confirmed · {totals.awaiting_payment} awaiting payment · "
            f"{money(totals.paid, tenant.currency)} received · {money(totals.balance_due, tenant.currency)} "
            "balance due"
        )
        now = ctx.now()
        table.clear()
        with table:
            if shows_money:
                table_head(ROSTER_COLUMNS, ROSTER_HEADINGS)
            else:
                table_head(ROSTER_COLUMNS_READ_ONLY, ROSTER_HEADINGS_READ_ONLY)
            if not entries:
                ui.label("Nobody is booked on this session yet.").classes("p-4 text-slate-600").mark("roster-empty")
            for entry in entries:
                recorded = entry.booking_id in marks
                of_days = f"{len(days)} day{'s' if len(days) != 1 else ''}"
                attended = f"{came.get(entry.booking_id, 0)} of {of_days}" if recorded else "Not yet recorded"
                _roster_row(tenant, entry, now, is_staff, shows_money, move, receive, attended)
            with ui.element("div").classes("px-3 pb-2 w-full"):
                pager(total, view.page, go_to, "booking")

    async def reload_soon() -> None:
        """Several changes in a row (a session cancelled, say) reload the roster once."""
        if view.reload_pending:
            return
        view.reload_pending = True
        await asyncio.sleep(0.2)
        view.reload_pending = False
        await load()

    async def go_to(page: int) -> None:
        view.page = max(page, 1)
        await load()

    async def show_cancelled(shown: bool) -> None:
        view.with_cancelled, view.page = shown, 1
        await load()

    async def export() -> None:
        async with database().read() as session:
            data = await roster.roster_csv(session, ctx, item.id, include_cancelled=view.with_cancelled)
        ui.download.content(data, f"roster-{course.slug}-{item.start_date.isoformat()}.csv", "text/csv")

    async def add_booking() -> None:
        with dialogs:
            booked = await phone_booking_dialog(ctx, course, item)
        if booked:
            await load()

    async def move(entry: RosterEntry) -> None:
        with dialogs:
            moved = await move_dialog(ctx, entry)
        if moved:
            await load()

    async def receive(entry: RosterEntry) -> None:
        with dialogs:
            recorded = await payment_dialog(ctx, entry)
        if recorded:
            await load()

    async def refund_owed() -> None:
        try:
            refunded, failures = await catalog.refund_cancelled_session(database(), ctx, provider(), course.id, item.id)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        if failures:
            said = f"{money(refunded, tenant.currency)} refunded." if refunded else "No refund went through."
            with dialogs:
                await refund_failures_dialog(ctx, course, item, said, failures)
        else:
            ui.notify(
                f"{money(refunded, tenant.currency)} refunded." if refunded else "Nothing more is owed on this session."
            )
        await load()

    await load()
    return None


def _fact(label: str, value: str) -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-xs uppercase tracking-wide text-slate-500")
        ui.label(value).classes("text-slate-900 break-words")


def _roster_row(
    tenant: Tenant,
    entry: RosterEntry,
    now: datetime,
    is_staff: bool,
    shows_money: bool,
    move: Callable[[RosterEntry], Awaitable[None]],
    receive: Callable[[RosterEntry], Awaitable[None]],
    attended: str,
) -> None:
    words, colour = STATUS_WORDS[entry.status]
    with table_row(ROSTER_COLUMNS if shows_money else ROSTER_COLUMNS_READ_ONLY, f"booking-{entry.reference}"):
        with cell("Student", wide=True):
            ui.label(entry.student).classes("font-semibold text-slate-900 break-words")
            if entry.company_name:
                ui.label(entry.company_name).classes("text-xs text-slate-500")
            ui.link(entry.email, f"mailto:{entry.email}").classes(
                "text-sm th-link text-slate-700 [overflow-wrap:anywhere]"
            )
            if entry.phone:
                ui.link(entry.phone, f"tel:{entry.phone.replace(' ', '')}").classes("text-sm th-link text-slate-700")
            if entry.special_requests:
                ui.label(entry.special_requests).classes("text-xs text-amber-900 break-words")
        with cell("Reference"):
            if is_staff:
                ui.link(entry.reference, f"/{tenant.slug}/admin/bookings/{entry.booking_id}").classes(
                    "font-mono font-semibold text-primary th-link"
                )
            else:
                ui.label(entry.reference).classes("font-mono font-semibold")
        with cell("Payment"):
            with ui.row().classes("gap-1 items-center"):
                badge(words, colour, f"status-{entry.reference}")
            ui.label(payment_status(entry, now)).classes("text-sm text-slate-700").mark(f"payment-{entry.reference}")
            if entry.status is BookingStatus.PENDING and entry.hold_expires_at and entry.hold_expires_at > now:
                ui.label(f"Held until {time_of_day(tenant, entry.hold_expires_at)}").classes("text-xs text-slate-500")
        if shows_money:
            with cell("Paid"):
                ui.label(money(entry.paid, entry.currency)).classes("tabular-nums")
            with cell("Balance due"):
                due = entry.balance_due if entry.status is BookingStatus.CONFIRMED else 0
                ui.label(money(due, entry.currency) if due else "—").classes(
                    "tabular-nums font-semibold text-red-800" if due else "tabular-nums"
                ).mark(f"balance-{entry.reference}")
        with cell("Attendance"):
            ui.label(attended if entry.status is BookingStatus.CONFIRMED else "—").classes("text-sm").mark(
                f"attended-{entry.reference}"
            )
        if not is_staff:
            return
        with actions():
            if entry.live:
                ui.button("Move", on_click=lambda: move(entry)).props("flat dense no-caps").mark(
                    f"move-{entry.reference}"
                )
            if entry.status is BookingStatus.CONFIRMED and entry.balance_due > 0:
                ui.button("Record payment", on_click=lambda: receive(entry)).props("flat dense no-caps").mark(
                    f"record-payment-{entry.reference}"
                )


async def move_dialog(ctx: TenantContext, entry: RosterEntry) -> bool:
    """Move a booking to another session of the same course with a place free."""
    async with database().read() as session:
        targets = await roster.move_targets(session, ctx, entry.booking_id)
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
        ui.label(f"Move {entry.student}'s booking {entry.reference}").classes("text-lg font-semibold")
        form = Form()
        if not targets:
            ui.label("No other session of this course is taking bookings with a place free.").classes(
                "text-slate-700"
            ).mark("no-move-targets")
        choices = {
            target.id: f"{session_dates(target)} · {target.remaining_spots} place"
            f"{'s' if target.remaining_spots != 1 else ''} left"
            for target in targets
        }
        target = (
            form.add(
                "sessionId", ui.select(choices, label="Move to", value=next(iter(choices), None)).props("outlined")
            )
            .classes("w-full")
            .mark("move-target")
        )
        target.set_visibility(bool(targets))
        ui.label("What has been paid moves with the booking; the place here is freed.").classes(
            "text-sm text-slate-600"
        )
        form.problem.move()

        async def confirm() -> None:
            form.clear()
            if not target.value:
                form.show(InvalidInput("sessionId", "Choose the session to move to."))
                return
            try:
                async with database().transaction() as session:
                    await move_booking(session, ctx, entry.booking_id, target.value)
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(True)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Move booking", on_click=confirm).props("unelevated color=primary no-caps").mark(
                "confirm-move"
            ).set_enabled(bool(targets))
    moved = bool(await answer_of(dialog))
    if moved:
        ui.notify(f"{entry.reference} moved to {choices[target.value].split(' · ')[0]}.", type="positive")
    return moved


async def payment_dialog(ctx: TenantContext, entry: RosterEntry) -> bool:
    """Record money received for a confirmed booking's balance (a bank transfer, cash at the desk)."""
    currency = ctx.tenant.currency
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
        ui.label(f"Payment received for {entry.reference}").classes("text-lg font-semibold")
        ui.label(f"{entry.student} · balance due {money(entry.balance_due, currency)}").classes("text-slate-700")
        form = Form()
        amount = (
            form.add(
                "amount",
                ui.input(f"Amount ({SYMBOLS.get(currency, currency)})", value=major(entry.balance_due)).props(
                    "outlined inputmode=decimal"
                ),
            )
            .classes("w-full")
            .mark("payment-amount")
        )
        note = ui.input("How it came (e.g. BACS reference, cash)").props("outlined").classes("w-full")
        note.mark("payment-note")
        form.problem.move()

        async def confirm() -> None:
            form.clear()
            try:
                pence = read_money("amount", amount.value, currency, allow_zero=False)
                async with database().transaction() as session:
                    await record_bank_transfer(session, ctx, entry.booking_id, pence, note.value or "")
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(pence)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Record payment", on_click=confirm).props("unelevated color=primary no-caps").mark(
                "confirm-payment"
            )
    received = await answer_of(dialog)
    if received:
        ui.notify(f"{money(received, currency)} recorded for {entry.reference}.", type="positive")
    return bool(received)


# --- a booking taken on the phone ---------------------------------------------------------------

PAID_BY_LINK = "link"
PAID_NOW = "now"


async def phone_booking_dialog(ctx: TenantContext, course: Course, item: CourseSession) -> bool:
    """Book a place for a customer on the phone or at the desk: an existing student or a new one, how they
    pay, then the pay link to read to them (or the payment recorded). Answers whether a booking was made."""
    tenant = ctx.tenant
    choices = payment_choices(ctx, course, item.start_date, for_company=True)
    hold_minutes = int(max(timedelta(minutes=tenant.hold_minutes), shortest_hold()).total_seconds() // 60)
    chosen: dict[str, Any] = {"student": None, "booked": False}
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3"):
        ui.label(f"Add a booking: {session_dates(item)}").classes("text-lg font-semibold")
        body = ui.column().classes("w-full gap-3")
        with body:
            form = Form()
            section("Who is booking")
            who = (
                ui.toggle({"known": "Existing student", "new": "New student"}, value="known")
                .props("no-caps unelevated toggle-color=primary")
                .mark("student-kind")
            )
            with ui.column().classes("w-full gap-2") as known_box:
                search = form.add(
                    "customerId",
                    ui.input("Find a student by name, email or company", on_change=lambda e: find(e.value or ""))
                    .props("outlined dense clearable debounce=250")
                    .classes("w-full")
                    .mark("student-search"),
                )
                found_list = ui.column().classes("w-full gap-1")
                picked = ui.label().classes("text-sm font-semibold text-green-800").mark("picked-student")
            with ui.column().classes("w-full gap-2") as new_box:
                with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
                    first_name = form.add("firstName", ui.input("First name").props("outlined dense")).classes("flex-1")
                    first_name.mark("new-first-name")
                    last_name = form.add("lastName", ui.input("Last name").props("outlined dense")).classes("flex-1")
                    last_name.mark("new-last-name")
                with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
                    email = form.add("email", ui.input("Email").props("outlined dense type=email")).classes("flex-1")
                    email.mark("new-email")
                    phone = form.add("phone", ui.input("Phone").props("outlined dense type=tel")).classes("flex-1")
                    phone.mark("new-phone")
            known_box.bind_visibility_from(who, "value", value="known")
            new_box.bind_visibility_from(who, "value", value="new")
            section("What they pay")
            if not choices:
                ui.label(f"{tenant.name} offers no way to pay: set the payment options in Settings.").classes(
                    "text-red-800"
                )
            option = form.add(
                "paymentOption",
                ui.radio(
                    {
                        c.option.value: f"{c.title} — {money(c.due_now, tenant.currency)} now"
                        if c.option is not PaymentOption.INVOICE
                        else f"{c.title} — confirmed now, paid by bank transfer"
                        for c in choices
                    },
                    value=choices[0].option.value if choices else None,
                ),
            ).mark("payment-option")
            how_caption = section("How they pay")
            how = form.add(
                "paidNow",
                ui.radio(
                    {
                        PAID_BY_LINK: f"By card at the pay link (the place is held {hold_minutes} minutes)",
                        PAID_NOW: "Paid now: cash, card machine or bank transfer (recorded with the booking)",
                    },
                    value=PAID_BY_LINK,
                ),
            ).mark("paid-how")
            with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap") as company_box:
                company = form.add("companyName", ui.input("Company billed").props("outlined dense")).classes("flex-1")
                company.mark("company-name")
                po_number = form.add("poNumber", ui.input("PO number").props("outlined dense")).classes("w-40")
            how.bind_visibility_from(option, "value", backward=lambda v: v != PaymentOption.INVOICE.value)
            how_caption.bind_visibility_from(option, "value", backward=lambda v: v != PaymentOption.INVOICE.value)
            company_box.bind_visibility_from(option, "value", value=PaymentOption.INVOICE.value)
            requests = form.add(
                "specialRequests", ui.input("Special requests (optional)").props("outlined dense")
            ).classes("w-full")
            form.problem.move()
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                book_button = ui.button("Book the place", on_click=lambda: book()).props(
                    "unelevated color=primary no-caps"
                )
                book_button.mark("confirm-booking").set_enabled(bool(choices))

        async def find(text: str) -> None:
            found_list.clear()
            if len(text.strip()) < 2:
                return
            async with database().read() as session:
                page = await students.search_students(session, ctx, query=text, limit=STUDENTS_SHOWN)
            with found_list:
                if not page.items:
                    ui.label("No student matches; add them as a new student.").classes("text-sm text-slate-600")
                for person in page.items:
                    line = f"{person.full_name} · {person.email}" + (
                        f" · {person.company_name}" if person.company_name else ""
                    )
                    ui.button(line, on_click=lambda p=person: pick(p)).props("flat dense no-caps align=left").classes(
                        "w-full text-left"
                    ).mark(f"pick-{person.email}")

        def pick(person: Any) -> None:
            chosen["student"] = person
            picked.set_text(f"Booking for {person.full_name} ({person.email})")
            search.error = None
            if not company.value:
                company.value = person.company_name
            if not po_number.value:
                po_number.value = person.po_number

        async def book() -> None:
            form.clear()
            new_student = None
            customer_id = None
            if who.value == "known":
                customer_id = chosen["student"].id if chosen["student"] is not None else None
            else:
                new_student = students.NewStudent(
                    first_name=first_name.value or "",
                    last_name=last_name.value or "",
                    email=email.value or "",
                    phone=phone.value or "",
                )
            request = PhoneBooking(
                session_id=item.id,
                payment_option=PaymentOption(option.value),
                customer_id=customer_id,
                new_student=new_student,
                paid_now=option.value != PaymentOption.INVOICE.value and how.value == PAID_NOW,
                special_requests=requests.value or "",
                company_name=company.value or "",
                po_number=po_number.value or "",
            )
            book_button.props("loading")
            try:
                booked = await roster.book_for_customer(database(), ctx, request)
            except DomainError as error:
                form.show(error)
                return
            finally:
                book_button.props(remove="loading")
            chosen["booked"] = True
            body.clear()
            with body:
                _phone_booking_done(tenant, booked)
                with ui.row().classes("w-full justify-end"):
                    ui.button("Done", on_click=lambda: dialog.submit(True)).props(
                        "unelevated color=primary no-caps"
                    ).mark("booking-done")

    await answer_of(dialog)
    return bool(chosen.get("booked"))


def _phone_booking_done(tenant: Tenant, booked: roster.PhoneBooked) -> None:
    booking = booked.booking
    with ui.column().classes("gap-2 w-full").mark("phone-booked"):
        with ui.row().classes("items-center gap-2"):
            ui.icon("check_circle").classes("text-3xl text-green-700")
            ui.label(f"Booked for {booked.student.full_name}: {booking.reference}").classes(
                "text-lg font-semibold"
            ).mark("booked-reference")
        if booking.status is BookingStatus.PENDING:
            link = pay_page_url(get_settings().base_url, tenant.slug, booking.reference)
            held = ""
            if booking.hold_expires_at is not None:
                held = f" The place is held until {time_of_day(tenant, booking.hold_expires_at)}."
            ui.label(f"Read them the pay link, or send it to {booked.student.email}.{held}").classes("text-slate-700")
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.input("Pay link", value=link).props("outlined dense readonly").classes("flex-1").mark("pay-link")
                ui.button(icon="content_copy", on_click=lambda: ui.clipboard.write(link)).props(
                    "flat round aria-label='Copy the pay link'"
                )
            ui.label(f"Their reference is {' '.join(booking.reference)} — spelled out for the phone.").classes(
                "text-sm text-slate-600"
            )
        elif booked.paid_now:
            ui.label(
                f"{money(booked.paid_now, booking.currency)} recorded as received; the place is confirmed."
                + (f" {money(booking.balance_due, booking.currency)} is still due." if booking.balance_due else "")
            ).classes("text-slate-700").mark("paid-now")
        else:
            ui.label(
                f"Confirmed on a company invoice of {money(booking.total_amount, booking.currency)}, paid by bank "
                "transfer; record it on the roster when it comes."
            ).classes("text-slate-700")


# --- an instructor's own sessions ---------------------------------------------------------------

MINE_COLUMNS = "md:grid-cols-[minmax(11rem,1.5fr)_minmax(11rem,1.5fr)_minmax(8rem,1fr)_8rem_9.5rem_6rem]"


@router.page("/{slug}/admin/my-sessions")
async def my_sessions_page(slug: str) -> RedirectResponse | None:
    access = await admin_access(slug, StaffRole.INSTRUCTOR, f"/{slug}/admin/my-sessions")
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
                        ui.link(session_dates(item), target).classes("text-primary th-link").mark(f"open-{item.id}")
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
