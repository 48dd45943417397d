"""One booking's page in the back office: its cards (booking, money, student, notes, payments and
refunds, history), its actions, and a live refresh when someone else changes it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from pages.admin.access import admin_access, staff_context
from pages.admin.booking_actions import BookingActions
from pages.admin.booking_cards import (
    booking_card,
    booking_header,
    history_card,
    money_card,
    notes_card,
    payments_card,
    student_card,
)
from trainhub_ui import events
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame, not_found_page
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.permissions import Permission, role_may
from trainhub_ui.domain.signals import BookingChanged
from trainhub_ui.services import booking_search, workflows
from trainhub_ui.services.booking_search import BookingRecord

router = APIRouter()


@router.page("/{slug}/admin/bookings/{booking_id}")
async def booking_page(slug: str, booking_id: str) -> RedirectResponse | None:
    here = f"/{slug}/admin/bookings/{quote(booking_id)}"
    access = await admin_access(slug, Permission.BOOKINGS, here)
    if not isinstance(access, StaffAccess):
        return access
    tenant = access.tenant
    ctx = staff_context(access)
    can_refund = role_may(access.role, Permission.REFUNDS)

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
            booking_header(tenant, record, actions)
            with ui.element("div").classes("grid gap-4 w-full lg:grid-cols-3"):
                with ui.column().classes("gap-4 lg:col-span-2 min-w-0"):
                    booking_card(tenant, record)
                    payments_card(tenant, record)
                    history_card(tenant, record)
                with ui.column().classes("gap-4 min-w-0"):
                    money_card(tenant, record)
                    student_card(tenant, record)
                    notes_card(record, save_notes)

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
            await workflows.set_notes(
                database(), ctx, booking_id, staff_notes=changed_notes, special_requests=changed_requests
            )
        except DomainError as error:
            staff_notes.error = error.message
            return
        ui.notify("Notes saved.", type="positive")
        await refresh()

    actions = BookingActions(ctx, booking_id, dialogs, refresh, can_refund)

    async def changed(event: BookingChanged) -> None:
        # Someone else (the student paying, another member of staff) changed this booking: show it.
        if event.tenant_id == tenant.id and event.booking_id == booking_id:
            await refresh()

    events.booking_changed.subscribe(changed)
    render(record)
    return None
