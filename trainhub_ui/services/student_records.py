"""Which records at a centre are one student's: the one description that their right of access
(`personal_data.py`) and their erasure (`erasure.py`) both read, so that what is erased is exactly what
the student is shown they have here.

Their record, bookings (with the session and course), the payments and refunds of those bookings, their
invoices and credit notes, waiting-list entries, attendance, certificates, feedback, the emails sent to
them or about their bookings, the sign-in counts kept under their email, and the audit entries about any
of these or made by the student themself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Achievement,
    AuditEntry,
    Booking,
    Course,
    CourseSession,
    CreditNote,
    Customer,
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

from .accounts import CUSTOMER


def student_actor(student: Customer) -> str:
    """How the audit log names a student acting for themself (in My account)."""
    return f"Student {student.email}"


@dataclass(frozen=True)
class StudentRecords:
    student: Customer
    booked: list[tuple[Booking, CourseSession, Course]]  # oldest first
    payments: list[Payment]
    refunds: list[Refund]
    invoices: list[Invoice]
    credit_notes: list[CreditNote]
    waiting_list: list[WaitingListEntry]
    attendance: list[SessionAttendance]
    certificates: list[Achievement]
    feedback: list[FeedbackAnswer]
    emails: list[OutboxEmail]  # oldest first
    sign_in_counts: list[SignInThrottle]
    audit_log: list[AuditEntry]  # oldest first

    @property
    def bookings(self) -> list[Booking]:
        return [booking for booking, _, _ in self.booked]


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list(await session.scalars(query))


async def student_records(session: AsyncSession, ctx: TenantContext, student: Customer) -> StudentRecords:
    """Every record of this centre that is the student's (see the module's description)."""
    tid = ctx.tenant_id
    booked = [
        (booking, course_session, course)
        for booking, course_session, course in await session.execute(
            select(Booking, CourseSession, Course)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .where(
                Booking.tenant_id == tid,
                CourseSession.tenant_id == tid,
                Course.tenant_id == tid,
                Booking.customer_id == student.id,
            )
            .order_by(Booking.created_at, Booking.id)
        )
    ]
    booking_ids = [booking.id for booking, _, _ in booked]
    payments: list[Payment] = await _rows(
        session, select(Payment).where(Payment.tenant_id == tid, Payment.booking_id.in_(booking_ids))
    )
    refunds: list[Refund] = await _rows(
        session, select(Refund).where(Refund.tenant_id == tid, Refund.payment_id.in_([p.id for p in payments]))
    )
    invoices: list[Invoice] = await _rows(
        session, select(Invoice).where(Invoice.tenant_id == tid, Invoice.booking_id.in_(booking_ids))
    )
    credit_notes: list[CreditNote] = await _rows(
        session,
        select(CreditNote).where(CreditNote.tenant_id == tid, CreditNote.invoice_id.in_([i.id for i in invoices])),
    )
    waiting_list: list[WaitingListEntry] = await _rows(
        session,
        select(WaitingListEntry).where(WaitingListEntry.tenant_id == tid, WaitingListEntry.customer_id == student.id),
    )
    attendance: list[SessionAttendance] = await _rows(
        session,
        select(SessionAttendance).where(
            SessionAttendance.tenant_id == tid, SessionAttendance.booking_id.in_(booking_ids)
        ),
    )
    certificates: list[Achievement] = await _rows(
        session, select(Achievement).where(Achievement.tenant_id == tid, Achievement.customer_id == student.id)
    )
    feedback: list[FeedbackAnswer] = await _rows(
        session,
        select(FeedbackAnswer).where(FeedbackAnswer.tenant_id == tid, FeedbackAnswer.booking_id.in_(booking_ids)),
    )
    emails: list[OutboxEmail] = await _rows(
        session,
        select(OutboxEmail)
        .where(
            OutboxEmail.tenant_id == tid,
            or_(OutboxEmail.to_address == student.email, OutboxEmail.booking_id.in_(booking_ids)),
        )
        .order_by(OutboxEmail.created_at, OutboxEmail.id),
    )
    # The failed sign-ins counted under their email, and the addresses they have signed in from.
    sign_in_counts: list[SignInThrottle] = await _rows(
        session,
        select(SignInThrottle).where(
            SignInThrottle.tenant_id == tid,
            SignInThrottle.audience == CUSTOMER,
            or_(SignInThrottle.key == student.email, SignInThrottle.key.endswith(f" {student.email}")),
        ),
    )
    about = [
        student.id,
        *booking_ids,
        *(row.id for row in (*payments, *refunds, *waiting_list, *certificates, *emails)),
    ]
    audit_log: list[AuditEntry] = await _rows(
        session,
        select(AuditEntry)
        .where(
            AuditEntry.tenant_id == tid,
            or_(AuditEntry.entity_id.in_(about), AuditEntry.actor == student_actor(student)),
        )
        .order_by(AuditEntry.created_at, AuditEntry.id),
    )
    return StudentRecords(
        student,
        booked,
        payments,
        refunds,
        invoices,
        credit_notes,
        waiting_list,
        attendance,
        certificates,
        feedback,
        emails,
        sign_in_counts,
        audit_log,
    )
