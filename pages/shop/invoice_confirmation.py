"""Where the email to whoever pays a guest's company invoice leads: /{slug}/invoice-confirmation/{reference}?c=.

It shows what the invoice will ask for and who the place is for, and asks for a click: "Confirm" issues the
invoice and confirms the place, "Not ours" cancels the booking. Opening the link changes nothing, so a mail
scanner that follows links confirms nothing.
"""

from __future__ import annotations

from fastapi.responses import Response
from nicegui import APIRouter, ui

from models import Booking, BookingStatus, Tenant
from trainhub_ui.components.banners import banner
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.rate_limited import refused_page
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.formatting import day_and_time, money
from trainhub_ui.rate_limits import Door
from trainhub_ui.services.invoice_confirmation import (
    InvoiceToConfirm,
    confirm_invoice,
    decline_invoice,
    invoice_to_confirm,
)

from .loading import load_tenant

router = APIRouter()


@router.page("/{slug}/invoice-confirmation/{reference}")
async def invoice_confirmation_page(slug: str, reference: str, c: str = "") -> Response | None:
    if refused := await refused_page(Door.PAY_PAGE, slug):
        return refused
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    ctx = TenantContext(tenant=tenant, actor="Billing contact (invoice confirmation)")
    try:
        shown = await invoice_to_confirm(database(), ctx, reference, c)
    except NotFound:
        not_found_page(
            "This confirmation link is not valid: a newer one may have been sent. Use the link in the latest email."
        )
        return None
    _show(tenant, ctx, shown, reference, c)
    return None


def _row(label: str, value: str, marker: str = "") -> None:
    with ui.row().classes("w-full justify-between gap-4 no-wrap"):
        ui.label(label).classes("text-slate-600 shrink-0")
        shown = ui.label(value).classes("text-right whitespace-pre-line")
        if marker:
            shown.mark(marker)


def _show(tenant: Tenant, ctx: TenantContext, shown: InvoiceToConfirm, reference: str, code: str) -> None:
    booking = shown.booking
    title = f"Invoice for booking {booking.reference}"
    with public_frame(tenant, None, title):
        with ui.column().classes("w-full max-w-xl mx-auto gap-4"):
            ui.label("Please confirm the invoice").classes("text-2xl font-bold text-slate-900")
            ui.label(
                f"{shown.student_name} has booked a place at {tenant.name} and asked for the invoice to be sent "
                f"to {booking.company_name}. We issue it only once you confirm that {booking.company_name} will pay it."
            ).classes("text-slate-700")
            with ui.card().classes("w-full gap-2"):
                _row("Company", booking.company_name, "company")
                _row("Billing address", booking.billing_address)
                if booking.po_number:
                    _row("Purchase order", booking.po_number)
                _row("Attendee", shown.student_name)
                _row("Course", shown.course_title)
                _row("Starts", day_and_time(tenant, shown.starts_at))
                if shown.venue:
                    _row("Venue", shown.venue)
                ui.separator()
                _row("Amount", money(booking.total_amount, booking.currency, tenant.locale), "amount")
            body = ui.column().classes("w-full gap-3")

    def render(booking: Booking, after_confirming: bool = False) -> None:
        body.clear()
        with body:
            _state(tenant, booking, after_confirming)
            if booking.status in (BookingStatus.PENDING, BookingStatus.EXPIRED) and not after_confirming:
                with ui.row().classes("w-full gap-2"):
                    ui.button(f"Confirm: {booking.company_name} will pay", on_click=confirm).props(
                        "color=primary size=lg no-caps"
                    ).mark("confirm-invoice")
                    ui.button("Not ours", on_click=decline).props("outline color=negative size=lg no-caps").mark(
                        "decline-invoice"
                    )

    async def confirm() -> None:
        try:
            render(await confirm_invoice(database(), ctx, reference, code), after_confirming=True)
        except DomainError as error:
            ui.notify(error.message, type="warning")

    async def decline() -> None:
        try:
            render(await decline_invoice(database(), ctx, reference, code))
        except DomainError as error:
            ui.notify(error.message, type="warning")

    render(booking)


def _state(tenant: Tenant, booking: Booking, after_confirming: bool) -> None:
    contact = tenant.contact_email or tenant.contact_phone or tenant.name
    status = booking.status
    if status is BookingStatus.CONFIRMED:
        text = (
            f"Confirmed, thank you. The invoice is on its way to {booking.billing_email or 'the student'}, "
            "and the place is booked."
        )
        banner("check_circle", text, "green", "invoice-confirmed")
    elif status is BookingStatus.CANCELLED:
        banner(
            "cancel",
            f"This booking is cancelled and nothing is invoiced. Questions: {contact}.",
            "slate",
            "invoice-closed",
        )
    elif status is BookingStatus.EXPIRED and after_confirming:
        text = (
            "The place was released when its hold ran out, and the course has filled since, so nothing has been "
            f"invoiced. Ask {contact} about the waiting list or another date."
        )
        banner("event_busy", text, "amber", "invoice-filled")
    elif status is BookingStatus.EXPIRED:
        text = "The place's hold has run out. Confirm now and it is booked again if a place is still free."
        banner("timer_off", text, "amber", "invoice-lapsed")
    else:
        until = day_and_time(tenant, booking.hold_expires_at) if booking.hold_expires_at else ""
        text = "The place is held" + (f" until {until}" if until else "") + " for your answer."
        banner("schedule", text, "blue", "invoice-held")
