"""Erasing a student's personal data (UK GDPR, article 17): at their request, through staff or from My account,
or at the end of the centre's retention period (`retention.py`).

What goes, from every record `student_records.py` counts as theirs: their name, email, phone, company and
billing details and password (the record stays, as "Erased student" with an address that is no one's); the
special requests, staff notes, billing details and cancellation reason of their bookings (whose links stop
working); the notes on their attendance; the text of their feedback (its rating stays in the course's
figures, and its link stops working); the subject, body, attachments and their address on every email to
them or about their bookings (that an email of its kind was sent, and when, stays; one not yet sent is not
sent); the sign-in counts kept under their email; and their name, email and phone wherever a kept text
holds them (the audit log, a refund's reason, a payment's failure, a certificate's revocation). A live
waiting-list entry is left (an offer in hand passes on).

What stays, as the law asks or the centre's figures need: the facts of each booking, payment and refund
(references, dates, statuses, amounts), attendance marks, certificates with their numbers, courses and
dates (their check then says "Issued, holder erased"), and invoices and credit notes exactly as issued,
which are kept for six years and never edited.

Nothing may be outstanding first (`outstanding`). Each erasure is recorded in `erasures`, with who asked
and why but nothing personal; erasing a student twice is refused (409 `already_erased`).
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    ErasedBy,
    Erasure,
    OutboxStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    SignInThrottle,
    StaffUser,
    WaitingListStatus,
)
from models.booking import new_access_token
from trainhub_ui.booking.rules import Refused
from trainhub_ui.db import Database
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.erased import ERASED_FIRST_NAME, ERASED_LAST_NAME, ERASED_TEXT, erased_email
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.formatting import day_text, local, money
from trainhub_ui.domain.inputs import ServiceInput, words
from trainhub_ui.domain.permissions import Permission

from .accounts import CUSTOMER, find_customer, prove_customer_password
from .sign_in_throttle import take_back_try
from .student_records import StudentRecords, student_actor, student_records
from .waiting_list import leave_waiting_list

REASON_MAX = 500
# What an erasure takes and what it keeps, as the dialogs that ask for one say it.
WHAT_GOES = (
    "Name, email, phone, company and billing details, and the password: the account is closed",
    "Special requests, notes and billing details on bookings; notes on attendance; the words of feedback",
    "What the emails said (that each was sent, and when, stays); emails not yet sent are not sent",
)
WHAT_STAYS = (
    "Bookings, payments and refunds as facts: references, dates and amounts",
    "Invoices and credit notes exactly as issued: the law asks for them to be kept for six years",
    "Certificate numbers, courses and dates: a check of one says “Issued, holder erased”",
)
# How the audit log names the student once erased (their email is no one's): acting for themself before,
# and erasing their own data.
ERASED_STUDENT = "Student (erased)"
STUDENT_HIMSELF = "Student (own request)"
NOT_SENT = "Not sent: the student's data was erased first."


class ErasureRequest(ServiceInput):
    """Why staff erase a student's data: the API's body of POST /students/{id}/erase."""

    reason: words(REASON_MAX, required="Say why their data is erased, like “asked by email on 3 March”.")


class AlreadyErased(DomainError):
    def __init__(self, ctx: TenantContext, erased_at: datetime) -> None:
        when = day_text(local(ctx.tenant, erased_at).date(), ctx.tenant.locale, "long_date")
        super().__init__("already_erased", f"This student's personal data was erased on {when} already.")


TO_COME = "Cancel a booking still to come first, or wait until its course is over."
OWED = "Settle what is owed first."
ON_ITS_WAY = "Wait for money on its way (usually minutes)."


@dataclass(frozen=True)
class Outstanding:
    """What is still open with a student, each thing in words, and what would settle them."""

    things: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.things)

    def said(self) -> str:
        return "; ".join(self.things) + ". " + " ".join(self.advice)


class StillOutstanding(DomainError):
    """Something is still open between the centre and the student; `problems` names each thing."""

    def __init__(self, found: Outstanding) -> None:
        super().__init__("student_has_outstanding", "Their data cannot be erased yet: " + found.said())
        self.problems = list(found.things)


async def outstanding(session: AsyncSession, ctx: TenantContext, customer_id: str) -> Outstanding:
    """What is still open with the student: nothing (false) when their data may be erased.

    Outstanding is: a live (held or confirmed) booking on a session not yet over (its last day is today or
    later) and not completed; a confirmed booking that still owes money (a balance, or an unpaid invoice,
    which is the same amount owed); a payment still open (a checkout that may yet be paid); a refund still
    on its way. A cancelled or lapsed booking owes nothing (its balance is cleared, an invoice's unpaid part
    credited), and a live booking of a session that is over is history.
    """
    tid, locale, today = ctx.tenant_id, ctx.tenant.locale, ctx.today()
    things: dict[str, str] = {}  # each thing, and its advice
    rows = await session.execute(
        select(Booking, CourseSession, Course.title)
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == tid))
        .join(Course, and_(Course.id == CourseSession.course_id, Course.tenant_id == tid))
        .where(Booking.tenant_id == tid, Booking.customer_id == customer_id, Booking.status.in_(LIVE_BOOKING_STATUSES))
        .order_by(CourseSession.start_date, Booking.reference)
    )
    for booking, course_session, title in rows:
        what = f"booking {booking.reference} ({title}, {day_text(course_session.start_date, locale, 'date')})"
        if course_session.end_date >= today and not course_session.is_completed:
            things[f"{what} is still to come"] = TO_COME
        elif booking.status is BookingStatus.CONFIRMED and booking.balance_due > 0:
            things[f"{what} still owes {money(booking.balance_due, booking.currency, locale)}"] = OWED
    open_money = await session.execute(
        select(Booking.reference, Payment.status, Refund.status)
        .join(Payment, and_(Payment.booking_id == Booking.id, Payment.tenant_id == tid))
        .outerjoin(Refund, and_(Refund.payment_id == Payment.id, Refund.status == RefundStatus.PENDING))
        .where(
            Booking.tenant_id == tid,
            Booking.customer_id == customer_id,
            (Payment.status == PaymentStatus.PENDING) | (Refund.id.is_not(None)),
        )
        .order_by(Booking.reference)
    )
    for reference, payment_status, refund_status in open_money:
        if refund_status is not None:
            things[f"a refund on booking {reference} is still on its way"] = ON_ITS_WAY
        elif payment_status is PaymentStatus.PENDING:
            things[f"a payment on booking {reference} is still open"] = ON_ITS_WAY
    return Outstanding(tuple(things), tuple(dict.fromkeys(things.values())))


@dataclass(frozen=True)
class Scrubber:
    """Takes the student's own strings (name, email, phone, company) out of a kept text, as whole words
    in any case, and leaves the rest of it as it was."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, strings: list[str]) -> Scrubber:
        needles = sorted({s.strip() for s in strings if len(s.strip()) >= 2}, key=len, reverse=True)
        if not needles:
            return cls(None)
        return cls(re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, needles)) + r")(?!\w)", re.IGNORECASE))

    def text(self, value: str) -> str:
        return self.pattern.sub(ERASED_TEXT, value) if self.pattern is not None and value else value

    def value(self, value: Any) -> Any:
        """A JSON value (an audit entry's details) with every text in it scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


def _their_addresses(found: StudentRecords) -> set[str]:
    student = found.student
    addresses = {student.email, student.billing_email, *(b.billing_email for b in found.bookings)}
    return {address.lower() for address in addresses if address}


def _their_strings(found: StudentRecords) -> list[str]:
    student = found.student
    return [
        student.full_name,
        student.first_name,
        student.last_name,
        student.phone,
        student.company_name,
        *_their_addresses(found),
        *(booking.company_name for booking in found.bookings),
    ]


async def _locked_student(session: AsyncSession, ctx: TenantContext, customer_id: str) -> Customer:
    # FOR UPDATE, not NO KEY UPDATE: a booking made for the student meanwhile (its foreign key takes a key
    # share of this row) waits for the erasure, and one made first is seen by the check that follows.
    student = await session.scalar(
        select(Customer)
        .where(Customer.tenant_id == ctx.tenant_id, Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if student is None:
        raise NotFound("Student")
    return student


def _check_reason(reason: str, requested_by: ErasedBy, ctx: TenantContext) -> str:
    if requested_by is ErasedBy.STAFF:
        if not ctx.may(Permission.ERASE_STUDENTS):
            raise DomainError("not_allowed", "Only an admin or the owner can erase a student's data.")
        return ErasureRequest(reason=reason).reason
    return reason.strip()[:REASON_MAX]


async def erase_student(
    db: Database, ctx: TenantContext, customer_id: str, reason: str, requested_by: ErasedBy
) -> Erasure:
    """Erase the student's personal data at this centre, in one transaction, and record that it was done.

    Refused (409) while something is outstanding (`StillOutstanding`) or when it was done already
    (`AlreadyErased`); staff need the permission to erase and must say why."""
    reason = _check_reason(reason, requested_by, ctx)
    async with db.transaction() as session:
        return await erase(session, ctx, customer_id, reason, requested_by)


MY_OWN_REQUEST = "At the student's own request, from My account"


async def erase_my_data(db: Database, ctx: TenantContext, customer_id: str, password: str, *, address: str) -> Erasure:
    """A signed-in student erases their own data at this centre, proving their password first (InvalidInput
    at `password`, throttled as a sign-in is)."""
    async with db.read() as session:
        student = await find_customer(session, ctx.tenant, customer_id)
    if student is None or student.erased_at is not None:
        raise NotFound("Student")
    now = ctx.now()
    await prove_customer_password(db, ctx.tenant, student, password, now, address=address, field="password")
    async with db.transaction() as session:
        await take_back_try(session, ctx.tenant, CUSTOMER, student.email, address, now)
    async with db.transaction() as session:
        return await erase(session, ctx, customer_id, MY_OWN_REQUEST, ErasedBy.STUDENT)


async def erase(
    session: AsyncSession, ctx: TenantContext, customer_id: str, reason: str, requested_by: ErasedBy
) -> Erasure:
    """The erasure as a step of the caller's transaction (see `erase_student`)."""
    student = await _locked_student(session, ctx, customer_id)
    if student.erased_at is not None:
        raise AlreadyErased(ctx, student.erased_at)
    if still := await outstanding(session, ctx, student.id):
        raise StillOutstanding(still)
    acting = replace(ctx, actor=STUDENT_HIMSELF) if requested_by is ErasedBy.STUDENT else ctx
    found = await student_records(session, acting, student)
    for entry in found.waiting_list:
        if entry.status in (WaitingListStatus.WAITING, WaitingListStatus.OFFERED):
            # An offer that had lapsed is refused, having been expired and passed on by the step that refused.
            with suppress(Refused):
                await leave_waiting_list(session, acting, entry.id)
    scrub = Scrubber.of(_their_strings(found))
    await _anonymise(session, acting, found, scrub)
    erasure = Erasure(
        tenant_id=ctx.tenant_id,
        customer_id=student.id,
        requested_by=requested_by,
        staff_user_id=ctx.user_id if requested_by is ErasedBy.STAFF else None,
        reason=scrub.text(reason),
        counts=_counts(found),
        created_at=acting.now(),
    )
    session.add(erasure)
    await session.flush()
    audit.record(
        session, acting, "student.erased", "customer", student.id, requested_by=requested_by.value, erasure=erasure.id
    )
    return erasure


def _counts(found: StudentRecords) -> dict[str, int]:
    return {
        "bookings": len(found.booked),
        "payments": len(found.payments),
        "refunds": len(found.refunds),
        "waiting_list": len(found.waiting_list),
        "attendance": len(found.attendance),
        "certificates": len(found.certificates),
        "feedback": len(found.feedback),
        "emails": len(found.emails),
        "sign_in_counts": len(found.sign_in_counts),
        "audit_entries": len(found.audit_log),
    }


async def _anonymise(session: AsyncSession, ctx: TenantContext, found: StudentRecords, scrub: Scrubber) -> None:
    now = ctx.now()
    addresses = _their_addresses(found)
    student = found.student
    their_actor = student_actor(student)
    no_ones = erased_email(student.id)
    student.first_name, student.last_name, student.email = ERASED_FIRST_NAME, ERASED_LAST_NAME, no_ones
    student.phone = student.company_name = student.billing_email = student.po_number = ""
    student.password_hash = None
    student.last_signed_in_at = None
    student.erased_at = student.updated_at = now
    for booking in found.bookings:
        booking.special_requests = booking.staff_notes = booking.cancellation_reason = ""
        booking.company_name = booking.billing_email = booking.po_number = booking.billing_address = ""
        booking.access_token = new_access_token()  # the links in old emails open nothing any more
        booking.updated_at = now
    for payment in found.payments:
        payment.failure_reason = scrub.text(payment.failure_reason)
    for refund in found.refunds:
        refund.reason, refund.created_by = scrub.text(refund.reason), scrub.text(refund.created_by)
    for mark in found.attendance:
        mark.notes = ""
    for achievement in found.certificates:
        achievement.revocation_reason = scrub.text(achievement.revocation_reason)
    for answer in found.feedback:
        answer.went_well = answer.to_improve = ""
    for email in found.emails:
        if email.to_address.lower() in addresses:
            email.to_address = no_ones
        email.subject, email.body_text, email.body_html, email.attachments = ERASED_TEXT, "", "", []
        if email.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING):
            email.status, email.next_attempt_at, email.last_error = OutboxStatus.FAILED, None, NOT_SENT
        else:
            email.last_error = scrub.text(email.last_error)
        email.updated_at = now
    if found.sign_in_counts:
        await session.execute(
            delete(SignInThrottle).where(
                SignInThrottle.tenant_id == ctx.tenant_id,
                SignInThrottle.id.in_([count.id for count in found.sign_in_counts]),
            )
        )
    # The only change an audit entry ever gets: the erased student's own strings taken out of it.
    for entry in found.audit_log:
        entry.actor = ERASED_STUDENT if entry.actor == their_actor else scrub.text(entry.actor)
        entry.details = scrub.value(entry.details)


@dataclass(frozen=True)
class ErasureView:
    erasure: Erasure
    by: str  # who asked, in words: a member of staff's name, the student, the retention period


async def erasure_of(session: AsyncSession, ctx: TenantContext, customer_id: str) -> ErasureView | None:
    """The record of the student's erasure at this centre, if they were erased."""
    row = (
        await session.execute(
            select(Erasure, StaffUser.name)
            .outerjoin(StaffUser, and_(StaffUser.id == Erasure.staff_user_id, StaffUser.tenant_id == ctx.tenant_id))
            .where(Erasure.tenant_id == ctx.tenant_id, Erasure.customer_id == customer_id)
        )
    ).one_or_none()
    if row is None:
        return None
    erasure, staff_name = row
    by = {
        ErasedBy.STAFF: staff_name or "a member of staff",
        ErasedBy.STUDENT: "the student, from My account",
        ErasedBy.RETENTION: "the centre's retention period",
    }[erasure.requested_by]
    return ErasureView(erasure, by)
