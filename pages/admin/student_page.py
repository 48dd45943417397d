"""One student's profile in the back office: their details (changed in a dialog), bookings, payments
and certificates, and erasing their personal data (or, once erased, when and why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import Customer, PaymentStatus, Tenant
from pages.admin.access import admin_access, staff_context
from pages.admin.student_erase import erase_card, erased_card
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame, not_found_page
from trainhub_ui.components.status_badges import PAYMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from trainhub_ui.components.student_dialog import student_dialog
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.domain.formatting import clock_text, day_and_time, day_text, local, money
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import student_profile
from trainhub_ui.services.booking_search import BookingLine

router = APIRouter()


@router.page("/{slug}/admin/students/{customer_id}")
async def student_page(slug: str, customer_id: str) -> RedirectResponse | None:
    here = f"/{slug}/admin/students/{quote(customer_id)}"
    access = await admin_access(slug, Permission.STUDENTS, here)
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
                    if profile.erasure is not None:
                        erased_card(ctx, profile.erasure)
                    _details_card(profile.student, None if profile.erasure else edit)
                    _data_card(slug, profile.student)
                    if profile.erasure is None:
                        erase_card(ctx, profile.student.id, profile.student.full_name, reopen)
                with ui.column().classes("gap-4 lg:col-span-2 min-w-0"):
                    _bookings_card(tenant, profile)
                    _payments_card(tenant, profile)
                    _certificates_card(tenant, profile, ctx)

    async def refresh() -> None:
        fresh = await load()
        if fresh is not None:
            render(fresh)

    async def reopen() -> None:  # the page's title names the student too
        ui.navigate.to(here)

    def edit(student: Customer) -> None:
        with dialogs:
            student_dialog(tenant, ctx, student, on_saved=lambda _saved: refresh())

    render(profile)
    return None


def _data_card(slug: str, student: Customer) -> None:
    """For a subject access request: the student's data, as they would download it themselves."""
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-data"):
        ui.label("Their data").classes("text-lg font-semibold")
        ui.label("Everything held about them, for a subject access request. Each download is logged.").classes(
            "text-sm text-slate-600"
        )
        base = f"/{slug}/admin/students/{student.id}/data"
        with ui.row().classes("gap-4"):
            ui.link("All of it (JSON)", f"{base}.json").mark("student-data-json")
            ui.link("To read (PDF)", f"{base}.pdf").mark("student-data-pdf")


def _details_card(student: Customer, edit: Callable[[Customer], Any] | None) -> None:
    with ui.card().classes("w-full gap-1").props("flat bordered").mark("student-details"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Details").classes("text-lg font-semibold")
            if edit is not None:  # an erased student has no details to change
                ui.button("Change", icon="edit", on_click=lambda: edit(student)).props("flat dense no-caps").mark(
                    "edit-student"
                )
        ui.label(student.full_name).classes("font-medium text-slate-900").mark("student-name")
        if student.erased_at is not None:
            ui.label("No email, phone or company: erased.").classes("text-sm text-slate-500")
            return
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
    locale = tenant.locale
    with ui.row().classes(LINE):
        with ui.column().classes(LINE_TEXT):
            with ui.element("div").classes(REFERENCE_AND_TITLE):
                ui.link(line.reference, f"/{tenant.slug}/admin/bookings/{line.id}").classes(
                    "text-primary font-semibold"
                ).mark(f"booking-{line.reference}")
                ui.label(line.course_title).classes("text-slate-900 break-words min-w-0")
            ui.label(
                f"{day_text(line.session_start_date, locale, 'day')}, {clock_text(line.session_start_time, locale)}"
            ).classes("text-sm text-slate-600")
        with ui.column().classes("gap-1 items-end shrink-0"):
            with ui.row().classes("gap-1 justify-end"):
                ui.badge(STATUS_LABELS[line.status], color=STATUS_COLOURS[line.status])
                ui.badge(line.payment_state.label, color=PAYMENT_COLOURS[line.payment_state])
            ui.label(money(line.total_amount, line.currency, locale)).classes("text-sm tabular-nums")


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
                    ui.label(money(payment.amount, payment.currency, tenant.locale)).classes("tabular-nums font-medium")
                    if payment.refunded:
                        ui.label(f"{money(payment.refunded, payment.currency, tenant.locale)} refunded").classes(
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
                        if view.holder_erased:  # made out to no one: no PDF
                            ui.label(achievement.number).classes("font-semibold").mark(
                                f"certificate-{achievement.number}"
                            )
                        else:
                            ui.link(
                                achievement.number,
                                f"/{tenant.slug}/admin/certificates/{achievement.id}.pdf",
                                new_tab=True,
                            ).classes("text-primary font-semibold").mark(f"certificate-{achievement.number}")
                        ui.label(view.course).classes("text-slate-900 break-words min-w-0")
                    expiry = (
                        f", expires {day_text(achievement.expires_on, tenant.locale, 'date')}"
                        if achievement.expires_on
                        else ", does not expire"
                    )
                    ui.label(f"Issued {day_text(achievement.issued_on, tenant.locale, 'date')}{expiry}").classes(
                        "text-sm text-slate-600"
                    )
                ui.badge(state_text[state], color=state_colour[state]).classes("shrink-0")
