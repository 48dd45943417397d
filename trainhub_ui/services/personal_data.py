"""Everything a centre holds about one student, for the student's right of access (UK GDPR, article 15): as
JSON, every record with its fields, and as a PDF a person can read.

One student of one centre: their record, bookings (with the course and dates), payments and refunds,
invoices and credit notes, waiting-list entries, attendance, certificates, feedback, the emails sent to
them, the sign-in counts kept under their email, and the audit entries about them and their bookings.
Secrets are left out: the password hash, a booking's access token (the emails keep their links as sent), and
each file attached to an email (its name is listed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from fpdf import FPDF
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    AuditEntry,
    Base,
    Booking,
    Course,
    CourseSession,
    CreditNote,
    FeedbackAnswer,
    Invoice,
    OutboxEmail,
    Payment,
    Refund,
    SessionAttendance,
    SignInThrottle,
    WaitingListEntry,
)
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time, money, session_dates

from .students import get_student

LEFT_OUT = {"password_hash", "access_token", "tenant_id"}


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


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list(await session.scalars(query))


async def _records(session: AsyncSession, ctx: TenantContext, model: type[Base], *where: Any) -> list[dict[str, Any]]:
    """Every row of `model` at this centre that matches, as plain values."""
    rows = await _rows(session, select(model).where(model.tenant_id == ctx.tenant_id, *where))  # type: ignore[attr-defined]
    return [_record(row) for row in rows]


async def personal_data(session: AsyncSession, ctx: TenantContext, customer_id: str) -> PersonalData:
    """All this centre holds about the student (NotFound for another centre's or an unknown id)."""
    student = await get_student(session, ctx, customer_id)
    tid = ctx.tenant_id
    booked = (
        await session.execute(
            select(Booking, CourseSession, Course)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .where(
                Booking.tenant_id == tid,
                CourseSession.tenant_id == tid,
                Course.tenant_id == tid,
                Booking.customer_id == student.id,
            )
            .order_by(Booking.created_at)
        )
    ).all()
    booking_ids = [booking.id for booking, _, _ in booked]
    payments = await _rows(
        session, select(Payment).where(Payment.tenant_id == tid, Payment.booking_id.in_(booking_ids))
    )
    payment_ids = [payment.id for payment in payments]
    invoices = await _rows(
        session, select(Invoice).where(Invoice.tenant_id == tid, Invoice.booking_id.in_(booking_ids))
    )
    emails = await _rows(
        session,
        select(OutboxEmail)
        .where(
            OutboxEmail.tenant_id == tid,
            or_(OutboxEmail.to_address == student.email, OutboxEmail.booking_id.in_(booking_ids)),
        )
        .order_by(OutboxEmail.created_at),
    )
    about = [student.id, *booking_ids]
    sections: dict[str, Any] = {
        "centre": {"name": ctx.tenant.name, "address": ctx.tenant.address, "email": ctx.tenant.contact_email},
        "exported_at": ctx.now().isoformat(),
        "student": _record(student) | {"has_account": bool(student.password_hash)},
        "bookings": [
            _record(booking) | {"course": course.title, "session_dates": session_dates(item, ctx.tenant.locale)}
            for booking, item, course in booked
        ],
        "payments": [_record(payment) for payment in payments],
        "refunds": await _records(session, ctx, Refund, Refund.payment_id.in_(payment_ids)),
        "invoices": [_record(invoice) for invoice in invoices],
        "credit_notes": await _records(session, ctx, CreditNote, CreditNote.invoice_id.in_([i.id for i in invoices])),
        "waiting_list": await _records(session, ctx, WaitingListEntry, WaitingListEntry.customer_id == student.id),
        "attendance": await _records(session, ctx, SessionAttendance, SessionAttendance.booking_id.in_(booking_ids)),
        "certificates": await _records(session, ctx, Achievement, Achievement.customer_id == student.id),
        "feedback": await _records(session, ctx, FeedbackAnswer, FeedbackAnswer.booking_id.in_(booking_ids)),
        "emails": [
            _record(email, leave_out=frozenset({"attachments", "body_html"}))
            | {"attachments": [item.get("filename", "") for item in email.attachments or []]}
            for email in emails
        ],
        # The failed sign-ins counted under their email, and the addresses they have signed in from.
        "sign_in_counts": await _records(
            session,
            ctx,
            SignInThrottle,
            SignInThrottle.audience == "customer",
            or_(SignInThrottle.key == student.email, SignInThrottle.key.endswith(f" {student.email}")),
        ),
        "audit_log": [
            _record(entry)
            for entry in await _rows(
                session,
                select(AuditEntry)
                .where(AuditEntry.tenant_id == tid, AuditEntry.entity_id.in_(about))
                .order_by(AuditEntry.created_at),
            )
        ],
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
