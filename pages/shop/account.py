"""My account at /{slug}/account: the student's bookings (pay, cancel, invoices), certificates, details
and password, their data to download, and erasing it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import BookingStatus, Customer, PaymentKind, Tenant
from trainhub_ui.auth import signed_in_student
from trainhub_ui.client_address import client_address
from trainhub_ui.components.fields import show_password_button, student_details
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.db import database
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import clock_text, day_text, money
from trainhub_ui.payments import provider
from trainhub_ui.services import accounts, my_account, students, workflows
from trainhub_ui.services.certificates import certificates_of
from trainhub_ui.services.invoice_pdf import credit_note_number
from trainhub_ui.services.payments import amount_due
from trainhub_ui.services.student_records import student_actor

from .erase_my_data import erase_my_data_card
from .loading import load_tenant

router = APIRouter()


@router.page("/{slug}/account")
async def account(slug: str) -> RedirectResponse | None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    student = await signed_in_student(tenant)
    if student is None:
        return RedirectResponse(f"/{slug}/login?next=/{slug}/account", status_code=303)
    ctx = TenantContext(tenant=tenant, actor=student_actor(student))
    with public_frame(tenant, student, "My account"):
        ui.label(f"Hello, {student.first_name}").classes("text-2xl font-bold")
        bookings_panel = ui.column().classes("w-full gap-3")
        await _my_certificates(ctx, student)
        with ui.row().classes("w-full gap-4 items-start"):
            _my_details(tenant, ctx, student)
            _my_password(ctx, student)
        with ui.card().classes("w-full gap-1").props("flat bordered").mark("my-data"):
            ui.label("Your data").classes("text-lg font-semibold")
            ui.label(
                f"Everything {tenant.name} holds about you: a file with every record, and a copy to read."
            ).classes("text-slate-600")
            with ui.row().classes("gap-4"):
                ui.link("Download all of it (JSON)", f"/{slug}/account/my-data.json").mark("my-data-json")
                ui.link("A copy to read (PDF)", f"/{slug}/account/my-data.pdf").mark("my-data-pdf")
        await erase_my_data_card(ctx, student)

    async def show() -> None:
        async with database().read() as session:
            mine = await my_account.my_bookings(session, ctx, student.id)
        bookings_panel.clear()
        with bookings_panel:
            upcoming = [b for b in mine if b.upcoming]
            past = [b for b in mine if not b.upcoming]
            ui.label("Your upcoming bookings").classes("text-xl font-semibold")
            if not upcoming:
                with ui.row().classes("items-center gap-2"):
                    ui.label("Nothing booked yet.").classes("text-slate-600")
                    ui.link("Find a course", f"/{slug}/courses")
            for item in upcoming:
                _my_booking(tenant, item, cancel)
            if past:
                ui.label("Past and cancelled").classes("text-xl font-semibold pt-2")
                for item in past:
                    _my_booking(tenant, item, None)

    async def cancel(item: my_account.MyBooking) -> None:
        back = money(item.refund_on_cancel, item.booking.currency, tenant.locale)
        with ui.dialog() as dialog, ui.card():
            ui.label(
                f"Cancel {item.course_title} on {day_text(item.course_session.start_date, tenant.locale, 'long_date')}?"
            ).classes("text-lg font-semibold")
            ui.label(
                f"Under {tenant.name}'s policy you get {back} back."
                if item.refund_on_cancel
                else "Nothing is refunded for this booking under the centre's policy."
            ).mark("refund-preview")
            with ui.row():
                ui.button("Yes, cancel it", on_click=lambda: dialog.submit(True)).props("color=negative no-caps").mark(
                    "confirm-cancel"
                )
                ui.button("Keep it", on_click=lambda: dialog.submit(False)).props("flat no-caps")
        if not await dialog:
            return
        try:
            cancelled = await workflows.cancel_my_booking(database(), ctx, provider(), student.id, item.booking.id)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        if cancelled.refund_problem is not None:
            ui.notify("Cancelled. The refund could not be made yet: the centre will be in touch.", type="warning")
        elif cancelled.refunded:
            ui.notify(f"Cancelled. {money(cancelled.refunded, item.booking.currency, tenant.locale)} refunded.")
        else:
            ui.notify("Cancelled.")
        await show()

    await show()
    return None


def _my_booking(tenant: Tenant, item: my_account.MyBooking, cancel: Callable | None) -> None:  # type: ignore[type-arg]
    booking = item.booking
    with ui.card().classes("w-full").props("flat bordered").mark(f"my-booking-{booking.reference}"):
        locale = tenant.locale
        with ui.row().classes("w-full justify-between items-start gap-2"):
            with ui.column().classes("gap-0"):
                ui.label(item.course_title).classes("font-semibold text-slate-900")
                ui.label(
                    f"{day_text(item.course_session.start_date, locale, 'day')}, "
                    f"{clock_text(item.course_session.start_time, locale)}"
                ).classes("text-slate-700")
                ui.label(f"Booking {booking.reference} · {booking.status.value.lower()}").classes(
                    "text-sm text-slate-600"
                )
            with ui.row().classes("gap-2 items-center"):
                pay_page = pay_path(tenant.slug, booking)
                due = amount_due(booking)  # None for an invoice: paid by bank transfer
                if due is not None and due.amount > 0:
                    label = "Pay the balance" if due.kind is PaymentKind.BALANCE else "Pay now"
                    price = money(due.amount, booking.currency, locale)
                    ui.button(f"{label} ({price})", on_click=lambda: ui.navigate.to(pay_page)).props(
                        "color=primary no-caps"
                    ).mark(f"pay-{booking.reference}")
                if booking.status is BookingStatus.CONFIRMED:
                    # A confirmed place still owing its balance needs its check-in code as much as any.
                    ui.link("Details and QR code", pay_page)
                if item.has_invoice:
                    ui.link("Invoice (PDF)", pay_path(tenant.slug, booking, "/invoice.pdf")).mark(
                        f"invoice-{booking.reference}"
                    )
                for note in item.credit_notes:
                    ui.link(
                        f"Credit note {credit_note_number(note)} (PDF)",
                        pay_path(tenant.slug, booking, f"/credit-notes/{note.id}.pdf"),
                    ).mark(f"credit-note-{booking.reference}-{note.number}")
                if cancel is not None:
                    ui.button("Cancel", on_click=lambda: cancel(item)).props("flat color=negative no-caps").mark(
                        f"cancel-{booking.reference}"
                    )


def _my_details(tenant: Tenant, ctx: TenantContext, student: Customer) -> None:
    """The student's own details, saved with the same checks staff get; problems show at the field."""
    with ui.card().classes("w-full max-w-xl gap-2").mark("my-details"):
        ui.label("Your details").classes("text-lg font-semibold")
        with ui.row().classes("w-full gap-3 no-wrap"):
            first_name = ui.input("First name", value=student.first_name).props("autocomplete=given-name outlined")
            first_name.classes("flex-1").mark("my-first-name")
            last_name = ui.input("Last name", value=student.last_name).props("autocomplete=family-name outlined")
            last_name.classes("flex-1").mark("my-last-name")
        email = ui.input("Email", value=student.email).props("type=email autocomplete=email outlined")
        email.classes("w-full").mark("my-email")
        phone = ui.input("Phone (optional)", value=student.phone).props("type=tel autocomplete=tel outlined")
        phone.classes("w-full").mark("my-phone")
        ui.label("For company bookings (optional)").classes("text-sm text-slate-600 pt-1")
        company = ui.input("Company name", value=student.company_name).props("autocomplete=organization outlined")
        company.classes("w-full").mark("my-company")
        with ui.row().classes("w-full gap-3 no-wrap"):
            billing = ui.input("Billing email", value=student.billing_email).props("type=email outlined")
            billing.classes("flex-1").mark("my-billing-email")
            po_number = ui.input("PO number", value=student.po_number).props("outlined").classes("flex-1")
            po_number.mark("my-po-number")
        fields = {
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "phone": phone,
            "companyName": company,
            "billingEmail": billing,
            "poNumber": po_number,
        }

        async def save() -> None:
            for field in fields.values():
                field.error = None
            try:
                details = student_details(fields)
                async with database().transaction() as session:
                    saved = await students.update_student(session, ctx, student.id, details)
            except students.CustomerExists:
                email.error = "Another account here uses this email."
                return
            except DomainError as error:
                fields.get(error.field or "email", email).error = error.message
                return
            saved_values = (saved.first_name, saved.last_name, saved.email, saved.phone, saved.company_name)
            saved_values += (saved.billing_email, saved.po_number)
            for field, value in zip(fields.values(), saved_values, strict=True):
                field.value = value  # as stored: trimmed, the email in lower case
            ui.notify("Your details are saved.", type="positive")

        ui.button("Save details", on_click=save).props("unelevated color=primary no-caps").mark("save-details")


def _my_password(ctx: TenantContext, student: Customer) -> None:
    """Change the password: the current one first, then the new one twice."""
    with ui.card().classes("w-full max-w-md gap-2").mark("my-password"):
        ui.label("Password").classes("text-lg font-semibold")
        current = ui.input("Current password", password=True).props("autocomplete=current-password outlined")
        current.classes("w-full").mark("current-password")
        new = ui.input("New password", password=True).props(
            "autocomplete=new-password outlined hint='At least 8 characters'"
        )
        show_password_button(new)
        new.classes("w-full").mark("new-password")
        repeat = ui.input("Repeat new password", password=True).props("autocomplete=new-password outlined")
        repeat.classes("w-full").mark("repeat-new-password")
        address = client_address(ui.context.client.request)

        async def change() -> None:
            for field in (current, new, repeat):
                field.error = None
            if new.value != repeat.value:
                repeat.error = "The two new passwords differ."
                return
            try:
                await accounts.change_customer_password(
                    database(), ctx.tenant, student.id, current.value or "", new.value or "", ctx.now(), address=address
                )
            except DomainError as error:
                (current if error.field == "currentPassword" else new).error = error.message
                return
            for field in (current, new, repeat):
                field.value = ""
            ui.notify("Your password is changed.", type="positive")

        repeat.on("keydown.enter", change)
        ui.button("Change password", on_click=change).props("unelevated color=primary no-caps").mark("change-password")


async def _my_certificates(ctx: TenantContext, student: Customer) -> None:
    locale = ctx.tenant.locale
    async with database().read() as session:
        mine = await certificates_of(session, ctx, student.id)
    today = ctx.today()
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("my-certificates"):
        ui.label("Your certificates").classes("text-lg font-semibold")
        if not mine:
            ui.label("Certificates appear here when you complete a course.").classes("text-slate-600")
        for view in mine:
            achievement = view.achievement
            state = view.state(today)
            with ui.row().classes("w-full items-center justify-between gap-2"):
                with ui.column().classes("gap-0"):
                    ui.label(view.course).classes("font-semibold")
                    until = (
                        f", valid until {day_text(achievement.expires_on, locale, 'date')}"
                        if achievement.expires_on
                        else ""
                    )
                    ui.label(
                        f"{achievement.number} · issued {day_text(achievement.issued_on, locale, 'date')}{until}"
                    ).classes("text-sm text-slate-600")
                if state == "revoked":
                    ui.label("Revoked").classes("text-red-700 font-semibold")
                else:
                    if state == "expired":
                        ui.label("Expired").classes("text-amber-700 font-semibold")
                    ui.link("Download (PDF)", f"/{ctx.tenant.slug}/account/certificates/{achievement.id}.pdf").mark(
                        f"certificate-{achievement.number}"
                    ).props("target=_blank")
