"""A payment keeps the course of its booking's session: the check any test that makes payments can ask."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CourseSession, Payment


async def payments_off_their_course(session: AsyncSession) -> list[tuple[str, str, str]]:
    """(payment id, its course, its booking's session's course) for every payment, of any centre, whose
    course is not its booking's session's course. Empty when the rule holds."""
    rows = await session.execute(
        select(Payment.id, Payment.course_id, CourseSession.course_id)
        .join(Booking, Booking.id == Payment.booking_id)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(Payment.course_id != CourseSession.course_id)
    )
    return [(payment_id, kept, actual) for payment_id, kept, actual in rows]
