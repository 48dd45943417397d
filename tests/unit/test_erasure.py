"""Erasing a student's personal data, on SQLite and PostgreSQL: every record that is theirs loses what is
personal (checked over every table of the centre), financial records and certificate numbers stay, the
erasure is recorded without anything personal, and what is outstanding refuses it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from models import (
    Achievement,
    AttendanceStatus,
    AuditEntry,
    Base,
    Booking,
    Course,
    CreditNote,
    Customer,
    ErasedBy,
    Erasure,
    FeedbackAnswer,
    Invoice,
    OutboxEmail,
    OutboxStatus,
    PaymentOption,
    SignInThrottle,
    StaffRole,
    WaitingListEntry,
    WaitingListStatus,
)
from tests.notify.conftest import Centre, at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from tests.pdf_text import pdf_text
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.notify.outbox import send_again
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import workflows
from trainhub_ui.services.accounts import sign_in_customer
from trainhub_ui.services.attendance import record_attendance
from trainhub_ui.services.certificates import verify
from trainhub_ui.services.completion import complete_session
from trainhub_ui.services.erasure import erase_student, erasure_of, outstanding
from trainhub_ui.services.feedback import feedback_form, feedback_token, give_feedback
from trainhub_ui.services.passwords import hash_password
from trainhub_ui.services.personal_data import personal_data, personal_data_pdf
from trainhub_ui.services.refunds import refund_booking
from trainhub_ui.services.students import NewStudent, search_students, update_student
from trainhub_ui.services.waiting_list import join_waiting_list

BOOKED = date(2026, 11, 2)
START = date(2026, 11, 23)  # two days: 23 and 24 November
LAST_DAY = START + timedelta(days=1)
LATER = date(2027, 1, 11)
FULL = date(2027, 2, 8)
ERASED_ON = date(2026, 12, 10)

NAME, SURNAME = "Zebedee", "Quartermaine"
EMAIL, PHONE, COMPANY = "zebedee.q@example.com", "07700 900123", "Quartermaine Plumbing"
BILLING_EMAIL = "accounts@quartermaine.example"
PERSONAL = (NAME, SURNAME, EMAIL, PHONE, COMPANY, BILLING_EMAIL)
# Kept as issued, for the law: they may name him.
KEPT_AS_ISSUED = {Invoice.__tablename__, CreditNote.__tablename__}


def _ctx(
    centre: Centre, day: date, *, role: StaffRole | None = StaffRole.ADMIN, actor: str = "Priya Shah"
) -> TenantContext:
    moment = at(day, 17)
    return TenantContext(tenant=centre.tenant, actor=actor, role=role, clock=lambda: moment)


async def _zebedee_with_everything(db: Database) -> tuple[Centre, dict[str, Any]]:
    """A student with a record in every kind `personal_data` lists: a completed, attended, certified,
    reviewed and part-refunded booking; an invoice booking cancelled (its credit note); a place on a waiting
    list; emails; sign-in counts; audit entries, his own among them; and notes that name him."""
    centre = await centre_with_sessions(db, [START, LATER, FULL], spots=1)
    him = centre.students[0]
    async with db.transaction() as session:
        course = await session.get(Course, centre.course.id)
        assert course is not None
        course.certificate_validity_months = 60
        student = await session.get(Customer, him.id)
        assert student is not None
        student.first_name, student.last_name, student.email = NAME, SURNAME, EMAIL
        student.phone, student.company_name, student.billing_email = PHONE, COMPANY, BILLING_EMAIL
        student.password_hash = hash_password("zebedee-passphrase")
    ctx = _ctx(centre, BOOKED)
    paid = await book(db, ctx, centre, student=0)
    await book(db, ctx, centre, student=1, session=2)  # Megan fills the last session
    invoiced = await book(db, ctx, centre, student=0, session=1, option=PaymentOption.INVOICE, pay=False)
    await workflows.change_booking(
        db,
        ctx,
        OfflineProvider(),
        invoiced.id,
        workflows.BookingChanges(
            staff_notes=f"{NAME} rang about parking", special_requests=f"Vegetarian lunch for {NAME} {SURNAME}"
        ),
    )
    await workflows.change_booking(
        db, ctx, OfflineProvider(), invoiced.id, workflows.BookingChanges(cancel_reason=f"{NAME} is ill")
    )
    await refund_booking(db, ctx, OfflineProvider(), paid.id, 10000, f"Lunch not provided for {NAME} {SURNAME}")
    async with db.transaction() as session:
        await join_waiting_list(session, ctx, centre.sessions[2].id, him.id)
        # His own change, from My account: the audit log names him by his email.
        own = TenantContext(tenant=centre.tenant, actor=f"Student {EMAIL}", clock=ctx.clock)
        await update_student(
            session,
            own,
            him.id,
            NewStudent(first_name=NAME, last_name=SURNAME, email=EMAIL, phone=PHONE, company_name=COMPANY),
        )
    assert not (await sign_in_customer(db, centre.tenant, EMAIL, "not it", at(BOOKED), address="203.0.113.9")).ok
    assert (
        await sign_in_customer(db, centre.tenant, EMAIL, "zebedee-passphrase", at(BOOKED), address="203.0.113.7")
    ).ok

    register = _ctx(centre, LAST_DAY, role=StaffRole.STAFF)
    async with db.transaction() as session:
        for day in (START, LAST_DAY):
            await record_attendance(
                session, register, paid.id, day, AttendanceStatus.PRESENT, notes=f"{NAME} arrived early"
            )
        completed = await complete_session(session, register, centre.sessions[0].id)
    [certificate] = completed.certificates
    async with db.transaction() as session:
        await give_feedback(
            session,
            register,
            paid.id,
            feedback_token(paid.id),
            rating=5,
            went_well=f"Great, thanks - {NAME}",
            to_improve=f"Call me on {PHONE}",
        )
    async with db.transaction() as session:
        # An email still waiting to go, and one that failed naming his address.
        waiting, failed = list(
            await session.scalars(
                select(OutboxEmail).where(OutboxEmail.to_address == EMAIL).order_by(OutboxEmail.created_at).limit(2)
            )
        )
        failed.status, failed.last_error = OutboxStatus.FAILED, f"550 {EMAIL}: no such user"
        waiting.status = OutboxStatus.QUEUED
    return centre, {
        "paid": paid,
        "invoiced": invoiced,
        "certificate": certificate,
        "failed": failed.id,
        "queued": waiting.id,
    }


async def _every_row(db: Database, tenant_id: str) -> dict[str, list[str]]:
    """Every row of every table that belongs to the centre, as text, by table."""
    found: dict[str, list[str]] = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            if "tenant_id" not in table.columns:
                continue
            rows = await session.execute(select(table).where(table.c.tenant_id == tenant_id))
            found[table.name] = [json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows]
    return found


async def test_every_record_of_his_loses_what_is_personal_and_the_law_keeps_the_rest(db: Database) -> None:
    centre, made = await _zebedee_with_everything(db)
    him = centre.students[0].id
    before = await _every_row(db, centre.tenant.id)
    assert any(NAME in row for rows in before.values() for row in rows)
    async with db.read() as session:
        [invoice] = await session.scalars(select(Invoice))
        credit_notes_before = [n.reason for n in await session.scalars(select(CreditNote))]

    erasure = await erase_student(
        db, _ctx(centre, ERASED_ON), him, f"{NAME} asked by email on 9 December", ErasedBy.STAFF
    )

    after = await _every_row(db, centre.tenant.id)
    left = {
        (table, needle)
        for table, rows in after.items()
        if table not in KEPT_AS_ISSUED
        for row in rows
        for needle in PERSONAL
        if needle.lower() in row.lower()
    }
    assert left == set(), f"personal data left behind: {sorted(left)}"
    # Financial records exactly as issued; Megan's data untouched.
    async with db.read() as session:
        [kept_invoice] = await session.scalars(select(Invoice))
        assert (kept_invoice.customer_name, kept_invoice.total_amount) == (f"{NAME} {SURNAME}", invoice.total_amount)
        assert [n.reason for n in await session.scalars(select(CreditNote))] == credit_notes_before
        megan = await session.get(Customer, centre.students[1].id)
        assert megan is not None and megan.email == "megan@example.com"
        student = await session.get(Customer, him)
        assert student is not None
        assert (student.full_name, student.email) == ("Erased student", f"erased-{him}@erased.invalid")
        assert student.password_hash is None and student.erased_at == at(ERASED_ON, 17)
        paid = await session.get(Booking, made["paid"].id)
        assert paid is not None and (paid.reference, paid.amount_paid) == (made["paid"].reference, 89500)
        assert paid.access_token != made["paid"].access_token  # links in old emails open nothing
        certificate = await session.get(Achievement, made["certificate"].id)
        assert certificate is not None and certificate.number == made["certificate"].number
        feedback = await session.scalar(select(FeedbackAnswer))
        assert feedback is not None and (feedback.rating, feedback.went_well, feedback.to_improve) == (5, "", "")
        entry = await session.scalar(select(WaitingListEntry))
        assert entry is not None and entry.status is WaitingListStatus.CANCELLED  # taken off the list
        emails = {e.id: e for e in await session.scalars(select(OutboxEmail))}
        assert emails[made["queued"]].status is OutboxStatus.FAILED  # never sent to no one
        assert emails[made["failed"]].last_error == "550 (erased): no such user"
        assert await session.scalar(select(SignInThrottle).where(SignInThrottle.key.contains("@"))) is None
        record = await session.scalar(select(Erasure))
        erased_entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "student.erased"))
    assert record is not None and record.id == erasure.id
    assert (record.customer_id, record.requested_by, record.reason) == (
        him,
        ErasedBy.STAFF,
        "(erased) asked by email on 9 December",
    )
    # A record of every kind was his, and was gone through.
    assert {kind for kind, count in record.counts.items() if count == 0} == set()
    assert (record.counts["bookings"], record.counts["certificates"], record.counts["attendance"]) == (2, 1, 2)
    assert erased_entry is not None and erased_entry.actor == "Priya Shah" and erased_entry.entity_id == him

    # His data, asked for again, shows nothing personal, the invoice's billing details included.
    async with db.read() as session:
        data = await personal_data(session, _ctx(centre, ERASED_ON), him)
        assert await erasure_of(session, _ctx(centre, ERASED_ON), him) is not None
    exported = data.as_json().decode()
    assert not any(needle.lower() in exported.lower() for needle in PERSONAL)
    text_of_pdf = pdf_text(personal_data_pdf(_ctx(centre, ERASED_ON), data))
    assert NAME not in text_of_pdf and "Erased student" in text_of_pdf

    # His certificate still checks, naming no one; his feedback link opens nothing.
    async with db.read() as session:
        checked = await verify(session, centre.tenant, made["certificate"].verification_code)
        assert checked is not None and checked.holder_erased and checked.student == ""
        with pytest.raises(NotFound):
            await feedback_form(session, _ctx(centre, ERASED_ON), made["paid"].id, feedback_token(made["paid"].id))
        assert [s.id for s in (await search_students(session, _ctx(centre, ERASED_ON))).items] == [
            centre.students[1].id,
            centre.students[2].id,
        ]
    with pytest.raises(DomainError) as retried:
        async with db.transaction() as session:
            await send_again(session, _ctx(centre, ERASED_ON), made["failed"])
    assert retried.value.code == "recipient_erased"


async def test_erasing_twice_is_refused_plainly(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    ctx = _ctx(centre, ERASED_ON)
    await erase_student(db, ctx, centre.students[2].id, "", ErasedBy.STUDENT)
    with pytest.raises(DomainError) as twice:
        await erase_student(db, ctx, centre.students[2].id, "Asked again", ErasedBy.STAFF)
    assert (twice.value.code, twice.value.status) == ("already_erased", 409)
    assert twice.value.message == "This student's personal data was erased on 10 December 2026 already."
    async with db.read() as session:
        [record] = await session.scalars(select(Erasure))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "student.erased"))
    assert record.requested_by is ErasedBy.STUDENT and record.staff_user_id is None
    assert entry is not None and entry.actor == "Student (own request)"


async def test_what_is_outstanding_refuses_it(db: Database) -> None:
    centre = await centre_with_sessions(db, [START, LATER])
    ctx = _ctx(centre, BOOKED)
    to_come = await book(db, ctx, centre, student=0, session=1)
    owing = await book(db, ctx, centre, student=1, session=0, option=PaymentOption.INVOICE, pay=False)
    after = _ctx(centre, ERASED_ON)
    async with db.read() as session:
        assert not await outstanding(session, after, centre.students[2].id)
        [coming] = (await outstanding(session, after, centre.students[0].id)).things
        [owes] = (await outstanding(session, after, centre.students[1].id)).things
    assert coming == f"booking {to_come.reference} (ACS CCN1 Core Gas Safety, 11 Jan 2027) is still to come"
    assert owes == f"booking {owing.reference} (ACS CCN1 Core Gas Safety, 23 Nov 2026) still owes £895.00"
    with pytest.raises(DomainError) as refused:
        await erase_student(db, after, centre.students[0].id, "Asked by phone", ErasedBy.STAFF)
    assert (refused.value.code, refused.value.status) == ("student_has_outstanding", 409)
    assert refused.value.message == (
        f"Their data cannot be erased yet: {coming}. "
        "Cancel a booking still to come first, or wait until its course is over."
    )
    async with db.read() as session:
        assert await session.scalar(select(Erasure)) is None
        student = await session.get(Customer, centre.students[0].id)
    assert student is not None and student.first_name == "Gareth"  # nothing changed


async def test_staff_need_the_permission_and_a_reason(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    with pytest.raises(DomainError) as not_allowed:
        await erase_student(
            db, _ctx(centre, ERASED_ON, role=StaffRole.STAFF), centre.students[0].id, "Asked", ErasedBy.STAFF
        )
    assert not_allowed.value.code == "not_allowed"
    with pytest.raises(InvalidInput) as no_reason:
        await erase_student(db, _ctx(centre, ERASED_ON), centre.students[0].id, "  ", ErasedBy.STAFF)
    assert no_reason.value.field == "reason" and "Say why" in no_reason.value.message
    with pytest.raises(InvalidInput) as too_long:
        await erase_student(db, _ctx(centre, ERASED_ON), centre.students[0].id, "x" * 501, ErasedBy.STAFF)
    assert too_long.value.message == "Use at most 500 characters."
    with pytest.raises(NotFound):
        await erase_student(db, _ctx(centre, ERASED_ON), "no-such-student", "Asked", ErasedBy.STAFF)
    async with db.read() as session:
        assert await session.scalar(select(text("count(*)")).select_from(Erasure)) == 0


async def test_an_erased_student_is_booked_no_more_and_their_details_stay_erased(db: Database) -> None:
    centre = await centre_with_sessions(db, [LATER])
    ctx = _ctx(centre, ERASED_ON)
    await erase_student(db, ctx, centre.students[0].id, "Asked", ErasedBy.STAFF)
    with pytest.raises(NotFound):
        await book(db, ctx, centre, student=0)
    with pytest.raises(DomainError) as changed:
        async with db.transaction() as session:
            await update_student(
                session,
                ctx,
                centre.students[0].id,
                NewStudent(first_name="Gareth", last_name="Jones", email="gareth@example.com"),
            )
    assert changed.value.code == "student_erased"


@pytest.mark.parametrize(
    ("erased_on", "hers"),
    [(BOOKED, WaitingListStatus.DECLINED), (ERASED_ON, WaitingListStatus.EXPIRED)],  # her offer lasts a day
)
async def test_a_place_on_offer_passes_on_when_its_holder_is_erased(
    db: Database, erased_on: date, hers: WaitingListStatus
) -> None:
    centre = await centre_with_sessions(db, [LATER], spots=1)
    ctx = _ctx(centre, BOOKED)
    taken = await book(db, ctx, centre, student=0)
    async with db.transaction() as session:
        megan = await join_waiting_list(session, ctx, centre.sessions[0].id, centre.students[1].id)
        later = _ctx(centre, BOOKED + timedelta(days=1))  # Megan waits first
        rhys = await join_waiting_list(session, later, centre.sessions[0].id, centre.students[2].id)
    await workflows.change_booking(db, ctx, OfflineProvider(), taken.id, workflows.BookingChanges(cancel_reason="Ill"))
    async with db.read() as session:
        offered = await session.get(WaitingListEntry, megan.id)
    assert offered is not None and offered.status is WaitingListStatus.OFFERED
    await erase_student(db, _ctx(centre, erased_on), centre.students[1].id, "Asked", ErasedBy.STAFF)
    async with db.read() as session:
        statuses = {e.id: e.status for e in await session.scalars(select(WaitingListEntry))}
    assert statuses == {megan.id: hers, rhys.id: WaitingListStatus.OFFERED}
