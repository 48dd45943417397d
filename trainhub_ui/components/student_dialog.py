"""The dialog where staff add a student or change one's details, with each problem shown at its field
and a link to the student who already has the email given."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from nicegui import ui

from models import Customer, Tenant
from trainhub_ui.components.fields import student_details
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.services import students
from trainhub_ui.services.students import CustomerExists

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
            try:
                details = student_details(fields)
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
