"""What the demo centres' product has already done: the confirmation emails of the latest bookings, and
the past sessions delivered through the register, completion, certificates and feedback."""

from __future__ import annotations

from datetime import timedelta

from models import AttendanceStatus, BookingStatus, CourseSession, StaffRole
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.notify import emails
from trainhub_ui.services import attendance, completion, feedback

from .centres import CentreWriter
from .specs import DEMO_STUDENT, FEEDBACK

DEMO_EMAILS = 6  # confirmations of the latest bookings, for the outbox to show


async def recent_emails(writer: CentreWriter) -> None:
    """The confirmations of the latest bookings, as the product would have queued them: without a mail
    server they wait in the outbox, where the demo shows them."""
    recent = sorted(
        (b for b in writer.bookings if b.status is BookingStatus.CONFIRMED and b.created_at <= writer.now),
        key=lambda b: b.created_at,
    )[-DEMO_EMAILS:]
    for booking in recent:
        moment = booking.confirmed_at or booking.created_at
        ctx = TenantContext(tenant=writer.tenant, actor="system", clock=lambda moment=moment: moment)
        await emails.booking_confirmed(writer.session, ctx, booking)


async def delivered(writer: CentreWriter, item: CourseSession) -> None:
    """A past session as the product records one: the instructor keeps the register each day, then
    completes it, which issues the certificates (emailed) and asks for feedback; most answer."""
    staff = writer.instructor
    role = StaffRole.INSTRUCTOR if staff is not None and item.instructor_id == staff.id else StaffRole.ADMIN
    bookings = [b for b in writer.bookings if b.session_id == item.id and b.status is BookingStatus.CONFIRMED]
    by_id = {c.id: c for c in writer.customers.values()}
    for day in attendance.session_days(item):
        for booking in bookings:
            roll = writer.rng.random()
            status = AttendanceStatus.PRESENT
            if by_id[booking.customer_id].email != DEMO_STUDENT:
                status = AttendanceStatus.ABSENT if roll < 0.07 else AttendanceStatus.LATE if roll < 0.2 else status
            marked = writer.moment(day, item.start_time) + timedelta(minutes=writer.rng.randint(-20, 25))
            ctx = writer.context(role, marked)
            await attendance.record_attendance(writer.session, ctx, booking.id, day, status)
    finished = writer.moment(item.end_date, item.end_time) + timedelta(minutes=25)
    await completion.complete_session(writer.session, writer.context(role, finished), item.id)
    for booking in bookings:
        if writer.rng.random() < 0.75:
            answered = finished + timedelta(hours=writer.rng.randint(3, 60))
            answer = writer.rng.choice(FEEDBACK)
            await feedback.give_feedback(
                writer.session,
                writer.context(None, answered),
                booking.id,
                feedback.feedback_token(booking.id),
                rating=answer.rating,
                went_well=answer.went_well,
                to_improve=answer.to_improve,
            )
