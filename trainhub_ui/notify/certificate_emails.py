"""The emails after a course: the certificate, the request for feedback, and the reminder to renew the
certificate before it expires. Each is queued in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Achievement, Booking, Course, CourseSession, Customer, OutboxEmail
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_text, session_dates

from .facts import booking_facts, site_url, student_values, to_student
from .outbox import Attachment, queue
from .render import render


def _certificate(ctx: TenantContext, achievement: Achievement, course: Course) -> dict[str, str]:
    return {
        "course": course.title,
        "number": achievement.number,
        "issued_on": day_text(achievement.issued_on, ctx.tenant.locale, "day"),
        "expires_on": day_text(achievement.expires_on, ctx.tenant.locale, "day") if achievement.expires_on else "",
        "verify_url": f"{site_url(ctx)}/verify/{achievement.verification_code}",
    }


async def certificate_issued(
    session: AsyncSession, ctx: TenantContext, achievement: Achievement, pdf: bytes
) -> OutboxEmail | None:
    customer = await session.get(Customer, achievement.customer_id)
    course = await session.get(Course, achievement.course_id)
    assert customer is not None and course is not None
    email = render(
        "certificate_issued",
        ctx.tenant,
        customer.email,
        {"student": student_values(customer), "certificate": _certificate(ctx, achievement, course)},
        [Attachment(f"certificate-{achievement.number}.pdf", "application/pdf", pdf)],
    )
    return await queue(
        session, ctx, email, booking_id=achievement.booking_id, dedupe_key=f"certificate:{achievement.id}"
    )


async def certificate_renewal(
    session: AsyncSession, ctx: TenantContext, achievement: Achievement, days: int, next_sessions: list[CourseSession]
) -> OutboxEmail | None:
    customer = await session.get(Customer, achievement.customer_id)
    course = await session.get(Course, achievement.course_id)
    assert customer is not None and course is not None
    email = render(
        "certificate_renewal",
        ctx.tenant,
        customer.email,
        {
            "student": student_values(customer),
            "certificate": _certificate(ctx, achievement, course),
            "days": days,
            "course_url": f"{site_url(ctx)}/courses/{course.id}",
            "next_sessions": [
                {
                    "dates": session_dates(s, ctx.tenant.locale),
                    "venue": s.venue or course.location,
                    "places": "full, join the waiting list"
                    if s.booked_spots >= s.available_spots
                    else f"{s.available_spots - s.booked_spots} places left",
                }
                for s in next_sessions
            ],
        },
    )
    return await queue(session, ctx, email, dedupe_key=f"renewal-{days}d:{achievement.id}")


async def feedback_request(session: AsyncSession, ctx: TenantContext, booking: Booking, url: str) -> OutboxEmail | None:
    facts = await booking_facts(session, ctx, booking)
    return await to_student(
        session, ctx, "feedback_request", facts, {"feedback_url": url}, dedupe_key=f"feedback:{booking.id}"
    )
