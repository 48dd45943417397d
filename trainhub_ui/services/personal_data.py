"""Everything a centre holds about one student, for the student's right of access (UK GDPR, article 15): as
JSON, every record with its fields, and as a PDF a person can read.

Which records are theirs is `student_records.py`'s (the same description their erasure follows). Secrets
are left out: the password hash, a booking's access token (the emails keep their links as sent), and each
file attached to an email (its name is listed). Once a student is erased, the invoices and credit notes
kept for the law show only their numbers, dates and amounts here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from fpdf import FPDF
from sqlalchemy.ext.asyncio import AsyncSession

from models import Base
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time, money, session_dates

from .student_records import student_records
from .students import get_student

LEFT_OUT = {"password_hash", "access_token", "tenant_id"}
# What an invoice or credit note copied about the person it was billed to (and a credit note's reason, a
# cancellation's): kept as issued, for the law, but no longer shown as the erased student's data.
BILLED_TO = frozenset(
    {"company_name", "billing_email", "po_number", "customer_name", "billing_address", "description", "reason"}
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _record(row: Base, *, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        column.key: _plain(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in LEFT_OUT and column.key not in leave_out
    }


@dataclass(frozen=True)
class PersonalData:
    """One student's data as plain values, by kind; `as_json` is the file they download."""

    sections: dict[str, Any]

    def as_json(self) -> bytes:
        return json.dumps(self.sections, indent=2, ensure_ascii=False, default=str).encode("utf-8")


async def personal_data(session: AsyncSession, ctx: TenantContext, customer_id: str) -> PersonalData:
    """All this centre holds about the student (NotFound for another centre's or an unknown id)."""
    student = await get_student(session, ctx, customer_id)
    found = await student_records(session, ctx, student)
    billed_to = BILLED_TO if student.erased_at is not None else frozenset()
    sections: dict[str, Any] = {
        "centre": {"name": ctx.tenant.name, "address": ctx.tenant.address, "email": ctx.tenant.contact_email},
        "exported_at": ctx.now().isoformat(),
        "student": _record(student) | {"has_account": bool(student.password_hash)},
        "bookings": [
            _record(booking) | {"course": course.title, "session_dates": session_dates(item, ctx.tenant.locale)}
            for booking, item, course in found.booked
        ],
        "payments": [_record(payment) for payment in found.payments],
        "refunds": [_record(refund) for refund in found.refunds],
        "invoices": [_record(invoice, leave_out=billed_to) for invoice in found.invoices],
        "credit_notes": [_record(note, leave_out=billed_to) for note in found.credit_notes],
        "waiting_list": [_record(entry) for entry in found.waiting_list],
        "attendance": [_record(mark) for mark in found.attendance],
        "certificates": [_record(achievement) for achievement in found.certificates],
        "feedback": [_record(answer) for answer in found.feedback],
        "emails": [
            _record(email, leave_out=frozenset({"attachments", "body_html"}))
            | {"attachments": [item.get("filename", "") for item in email.attachments or []]}
            for email in found.emails
        ],
        "sign_in_counts": [_record(count) for count in found.sign_in_counts],
        "audit_log": [_record(entry) for entry in found.audit_log],
    }
    return PersonalData(sections)


# --- the readable copy ----------------------------------------------------------------------------------

ENCODING = "windows-1252"


def _text(value: object) -> str:
    # The PDF's core fonts print Windows-1252; anything beyond prints as "?" rather than failing.
    return str(value).encode(ENCODING, "replace").decode(ENCODING)


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING  # dashes in session dates, the euro sign
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, 18)
        self.set_title(_text(title))
        self.add_page()
        self.set_font("helvetica", "B", 18)
        self.multi_cell(0, 9, _text(title), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font("helvetica", "B", 13)
        self.multi_cell(0, 7, _text(text), new_x="LMARGIN", new_y="NEXT")

    def say(self, text: str, *, bold: bool = False) -> None:
        self.set_font("helvetica", "B" if bold else "", 10)
        self.multi_cell(0, 5.5, _text(text), new_x="LMARGIN", new_y="NEXT")


def personal_data_pdf(ctx: TenantContext, data: PersonalData) -> bytes:
    """The same data as a document a person reads: each kind under its heading, in the centre's words."""
    tenant, locale, currency = ctx.tenant, ctx.tenant.locale, ctx.tenant.currency
    sections = data.sections
    student = sections["student"]
    sheet = _Document(f"Your data at {tenant.name}")
    sheet.say(
        f"Everything {tenant.name} holds about {student['first_name']} {student['last_name']}, as of "
        f"{day_and_time(tenant, ctx.now())}. The JSON file from the same page has every field."
    )
    sheet.heading("Your details")
    for label, key in (
        ("Name", None),
        ("Email", "email"),
        ("Phone", "phone"),
        ("Company", "company_name"),
        ("Billing email", "billing_email"),
        ("PO number", "po_number"),
    ):
        value = f"{student['first_name']} {student['last_name']}" if key is None else student.get(key)
        if value:
            sheet.say(f"{label}: {value}")
    sheet.say(f"Account: {'yes, with a password' if student.get('has_account') else 'no password set'}")

    def when(text: str | None) -> str:
        return day_and_time(tenant, datetime.fromisoformat(text)) if text else ""

    sheet.heading(f"Bookings ({len(sections['bookings'])})")
    for booking in sections["bookings"]:
        sheet.say(f"{booking['reference']}: {booking['course']}, {booking['session_dates']}", bold=True)
        sheet.say(
            f"{booking['status'].title()}, {booking['payment_option'].lower()}; "
            f"price {money(booking['total_amount'], currency, locale)}, "
            f"paid {money(booking['amount_paid'], currency, locale)}; booked {when(booking['created_at'])}"
            + (f"; accepted terms version {booking['terms_version']}" if booking.get("terms_version") else "")
        )
    sheet.heading(f"Payments ({len(sections['payments'])}) and refunds ({len(sections['refunds'])})")
    for payment in sections["payments"]:
        sheet.say(
            f"{money(payment['amount'], currency, locale)} by {payment['payment_method'].lower().replace('_', ' ')}, "
            f"{payment['status'].lower()}" + (f", paid {when(payment['paid_at'])}" if payment.get("paid_at") else "")
        )
    for refund in sections["refunds"]:
        sheet.say(
            f"Refund of {money(refund['amount'], currency, locale)}, {refund['status'].lower()}: {refund['reason']}"
        )
    sheet.heading(f"Certificates ({len(sections['certificates'])})")
    for achievement in sections["certificates"]:
        sheet.say(f"{achievement['number']}, issued {achievement['issued_on']}")
    sheet.heading(f"Attendance ({len(sections['attendance'])}) and feedback ({len(sections['feedback'])})")
    for mark in sections["attendance"]:
        sheet.say(f"{mark['day']}: {mark['status'].lower()}")
    for answer in sections["feedback"]:
        sheet.say(f"Rated {answer['rating']} of 5. {answer['went_well']} {answer['to_improve']}".strip())
    sheet.heading(f"Emails sent to you ({len(sections['emails'])})")
    for email in sections["emails"]:
        sheet.say(f"{when(email['created_at'])}: {email['subject']} (to {email['to_address']})")
    sheet.heading("Other records")
    sheet.say(
        f"Waiting-list entries: {len(sections['waiting_list'])}. Invoices: {len(sections['invoices'])}, credit "
        f"notes: {len(sections['credit_notes'])}. Sign-in counts: {len(sections['sign_in_counts'])}. "
        f"Entries in the centre's audit log about you or your bookings: {len(sections['audit_log'])}."
    )
    sheet.say(f"Questions about your data: {tenant.contact_email or tenant.name}.")
    return bytes(sheet.output())
