"""One booking's page in parts: the header with its status, payment state and actions, and the cards
for the booking, its money, its student, notes, payments with their refunds, and its history in the
centre's words."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from nicegui import ui

from models import BookingStatus, PaymentStatus, RefundStatus, Tenant
from pages.admin.booking_actions import BookingActions
from trainhub_ui.components.status_badges import PAYMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.formatting import day_and_time, day_text, money, session_dates
from trainhub_ui.services.booking_search import BookingRecord, HistoryEntry
from trainhub_ui.services.invoice_pdf import credit_note_number
from trainhub_ui.services.invoice_requests import awaits_confirmation
from trainhub_ui.services.invoices import invoice_number

HISTORY_TEXT = {
    "booking.created": "Booked",
    "booking.confirmed": "Confirmed",
    "booking.cancelled": "Cancelled",
    "booking.expired": "Hold lapsed",
    "booking.moved": "Moved to another session",
    "booking.notes_changed": "Notes changed",
    "invoice.issued": "Invoice issued",
    "credit_note.issued": "Credit note issued",
    "payment.opened": "Payment started",
    "payment.checkout_started": "Card checkout opened",
    "payment.paid": "Payment received",
    "payment.failed": "Payment failed",
    "payment.refund_due": "Paid when no place could be given: refund due",
    "payment.attempt_declined": "Card declined in the checkout (the student may try again)",
    "payment.excess_received": "Money received that the booking cannot take: refunded at once",
    "payment.bank_transfer": "Bank transfer recorded",
    "refund.made": "Refund made",
    "refund.failed": "Refund failed",
    "refund.recorded": "Refund made at the payment provider, recorded",
    "refund.issued": "Refund made",
}


def history_text(entry: HistoryEntry, currency: str, locale: str) -> str:
    """An audit entry in the centre's words."""
    text = HISTORY_TEXT.get(entry.action, entry.action)
    details = entry.details
    extra = []
    if isinstance(details.get("amount"), int):
        extra.append(money(details["amount"], currency, locale))
    if entry.action == "booking.created":
        if isinstance(details.get("total"), int):
            extra.append(f"{money(details['total'], currency, locale)}")
        if details.get("option"):
            extra.append(str(details["option"]).lower())
    if entry.action == "invoice.issued" and isinstance(details.get("number"), int):
        extra.append(f"INV-{details['number']:05d}")
    if entry.action == "credit_note.issued" and isinstance(details.get("number"), int):
        extra.append(f"CN-{details['number']:05d}")
        if isinstance(details.get("invoice"), int):
            extra.append(f"crediting INV-{details['invoice']:05d}")
    if entry.action == "booking.notes_changed":
        changed = [name.replace("_", " ") for name in ("staff_notes", "special_requests") if details.get(name)]
        extra.extend(changed)
    for key in ("reason", "note"):
        if details.get(key):
            extra.append(str(details[key]))
    return f"{text}: {', '.join(extra)}" if extra else text


def _badge(text: str, colour: str, marker: str) -> None:
    ui.badge(text, color=colour).classes("text-sm px-2 py-1").mark(marker)


def booking_header(tenant: Tenant, record: BookingRecord, actions: BookingActions) -> None:
    booking = record.booking
    with ui.row().classes("w-full items-center justify-between gap-3"):
        with ui.row().classes("items-center gap-2"):
            _badge(STATUS_LABELS[booking.status], STATUS_COLOURS[booking.status], "booking-status")
            _badge(record.payment_state.label, PAYMENT_COLOURS[record.payment_state], "payment-state")
            if awaits_confirmation(booking):
                _badge("Invoice not yet confirmed", "blue-8", "invoice-awaiting")
        with ui.row().classes("items-center gap-2"):
            if awaits_confirmation(booking):
                ui.button(
                    "Confirm the invoice", icon="task_alt", on_click=lambda: actions.approve_invoice(record)
                ).props("outline no-caps").mark("approve-invoice")
            if booking.status is BookingStatus.CONFIRMED and booking.balance_due > 0:
                ui.button(
                    "Record bank transfer", icon="account_balance", on_click=lambda: actions.bank_transfer(record)
                ).props("outline no-caps").mark("record-transfer")
            if record.refundable > 0:
                if actions.can_refund:
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
        # whitespace-pre-line: an address keeps the lines it was typed on.
        shown = ui.label(value).classes("text-slate-900 break-words min-w-0 whitespace-pre-line")
        if marker:
            shown.mark(marker)


def _accepted_terms(tenant: Tenant, version: int | None, booked_at: datetime) -> None:
    """Which version of the centre's terms the student accepted, linked to that version as it was."""
    if version is None:
        _fact("Terms", "None accepted: booked by staff, or before the centre published terms", "accepted-terms")
        return
    with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
        ui.label("Terms").classes(FACT_LABEL)
        ui.link(
            f"Accepted terms version {version} on {day_and_time(tenant, booked_at)}",
            f"/{tenant.slug}/terms?version={version}",
            new_tab=True,
        ).classes("text-primary").mark("accepted-terms")


def booking_card(tenant: Tenant, record: BookingRecord) -> None:
    locale = tenant.locale
    booking, course_session, course = record.booking, record.course_session, record.course
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("booking-card"):
        ui.label("Booking").classes("text-lg font-semibold")
        with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
            ui.label("Course").classes(FACT_LABEL)
            ui.link(course.title, f"/{tenant.slug}/admin/courses/{course.id}/sessions").classes("text-primary")
        _fact("Session", session_dates(course_session, locale), "session-dates")
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
        _accepted_terms(tenant, booking.terms_version, booking.created_at)
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
        if booking.billing_address:
            _fact("Billing address", booking.billing_address, "billing-address")
        if record.invoice is not None:
            with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
                ui.label("Invoice").classes(FACT_LABEL)
                ui.link(
                    f"{invoice_number(record.invoice)} (PDF), due {day_text(record.invoice.due_on, locale, 'date')}",
                    pay_path(tenant.slug, booking, "/invoice.pdf"),
                    new_tab=True,
                ).classes("text-primary").mark("invoice-link")
            for note in record.credit_notes:
                with ui.row().classes("w-full gap-2 no-wrap items-baseline"):
                    ui.label("Credit note").classes(FACT_LABEL)
                    ui.link(
                        f"{credit_note_number(note)} (PDF), {money(note.total_amount, note.currency, locale)}"
                        f" on {day_text(note.issued_on, locale, 'date')}",
                        pay_path(tenant.slug, booking, f"/credit-notes/{note.id}.pdf"),
                        new_tab=True,
                    ).classes("text-primary").mark(f"credit-note-{note.number}")


def money_card(tenant: Tenant, record: BookingRecord) -> None:
    locale = tenant.locale
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
                ui.label(money(amount, currency, locale)).classes("tabular-nums font-medium").mark(f"money-{marker}")
        if record.refundable and record.refundable != booking.amount_paid:
            ui.label(f"{money(record.refundable, currency, locale)} can still be refunded.").classes(
                "text-sm text-slate-500"
            )


def student_card(tenant: Tenant, record: BookingRecord) -> None:
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


def notes_card(record: BookingRecord, save: Any) -> None:
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


def payments_card(tenant: Tenant, record: BookingRecord) -> None:
    locale = tenant.locale
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
                    ui.label(money(payment.amount, payment.currency, locale)).classes("tabular-nums font-semibold")
                if payment.paid_at is not None:
                    status = f"Paid {day_and_time(tenant, payment.paid_at)}"
                elif payment.status is PaymentStatus.FAILED:
                    status = f"Failed {day_and_time(tenant, payment.created_at)}"
                else:
                    status = f"Started {day_and_time(tenant, payment.created_at)}, not paid"
                if payment.amount_refunded >= payment.amount:
                    status += " · refunded in full"
                elif payment.amount_refunded:
                    status += f" · {money(payment.amount_refunded, payment.currency, locale)} refunded"
                ui.label(status).classes("text-sm text-slate-600").mark(f"payment-status-{payment.id}")
                if payment.failure_reason:
                    ui.label(payment.failure_reason).classes("text-sm text-red-700 break-words")
                for refund in item.refunds:
                    text = (
                        f"↩ {money(refund.amount, refund.currency, locale)} refund {REFUND_STATUS_TEXT[refund.status]}"
                        f" · {day_and_time(tenant, refund.created_at)}"
                    )
                    if refund.created_by:
                        text += f" · by {refund.created_by}"
                    ui.label(text).classes("text-sm text-purple-900 pl-4").mark(f"refund-{refund.id}")
                    if refund.reason:
                        ui.label(refund.reason).classes("text-xs text-slate-500 pl-8 break-words")
                    if refund.failure_reason:
                        ui.label(refund.failure_reason).classes("text-xs text-red-700 pl-8 break-words")


def history_card(tenant: Tenant, record: BookingRecord) -> None:
    locale = tenant.locale
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("history-card"):
        ui.label("History").classes("text-lg font-semibold")
        if not record.history:
            ui.label("Nothing recorded yet.").classes("text-slate-600")
        for entry in record.history:
            with ui.element("div").classes("w-full flex flex-col sm:flex-row sm:gap-3 border-t border-slate-100 pt-1"):
                ui.label(day_and_time(tenant, entry.at)).classes("text-xs text-slate-500 sm:w-40 shrink-0 sm:pt-0.5")
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label(history_text(entry, record.booking.currency, locale)).classes(
                        "text-sm text-slate-900 break-words"
                    )
                    ui.label(entry.actor).classes("text-xs text-slate-500")
