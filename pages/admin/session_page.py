"""One session at /{slug}/admin/courses/{course_id}/sessions/{session_id}: its facts, places booked kept live,
and its roster with payment status and balance, a booking taken on the phone, moving a booking, money
received, the roster as CSV; then the register, completion and certificates, and the emails to everyone
booked. Staff see all of it; an instructor sees the sessions they lead, read only and without sums of money."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import AttendanceStatus
from pages.admin.access import admin_access, staff_context
from pages.admin.course_parts import session_state, sessions_path
from pages.admin.phone_booking import phone_booking_dialog
from pages.admin.roster import (
    ROSTER_COLUMNS,
    ROSTER_COLUMNS_READ_ONLY,
    ROSTER_HEADINGS,
    ROSTER_HEADINGS_READ_ONLY,
    move_dialog,
    payment_dialog,
    roster_row,
)
from pages.admin.session_cancel import refund_failures_dialog
from trainhub_ui import events
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components import delivery
from trainhub_ui.components.frames import admin_frame, not_found_page, refused_page
from trainhub_ui.components.live_fill import LiveFill
from trainhub_ui.components.tables import badge, pager, table_head
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.formatting import day_text, local, money, session_dates
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.domain.signals import AttendanceChanged, BookingChanged, CapacityChanged
from trainhub_ui.payments import provider
from trainhub_ui.services import attendance, roster, session_cancellation
from trainhub_ui.services.roster import RosterEntry

router = APIRouter()

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
    access = await admin_access(slug, Permission.SESSIONS_TAUGHT, here)
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
    is_staff = ctx.may(Permission.BOOKINGS)
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
            ui.label(session_dates(item, tenant.locale)).mark("session-when")
        with ui.card().classes("w-full").props("flat bordered"):
            with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-4 w-full"):
                _fact("When", session_dates(item, tenant.locale))
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
                    f"Cancelled on {day_text(local(tenant, item.cancelled_at), tenant.locale, 'date')}: "
                    f"{item.cancellation_reason}"
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
        locale = tenant.locale
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
            f"{money(totals.paid, tenant.currency, locale)} received · "
            f"{money(totals.balance_due, tenant.currency, locale)} balance due"
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
                roster_row(tenant, entry, now, is_staff, shows_money, move, receive, attended)
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
        locale = tenant.locale
        try:
            refunded, failures = await session_cancellation.refund_cancelled_session(
                database(), ctx, provider(), course.id, item.id
            )
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        if failures:
            said = f"{money(refunded, tenant.currency, locale)} refunded." if refunded else "No refund went through."
            with dialogs:
                await refund_failures_dialog(ctx, course, item, said, failures)
        else:
            ui.notify(
                f"{money(refunded, tenant.currency, locale)} refunded."
                if refunded
                else "Nothing more is owed on this session."
            )
        await load()

    await load()
    return None


def _fact(label: str, value: str) -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-xs uppercase tracking-wide text-slate-500")
        ui.label(value).classes("text-slate-900 break-words")
