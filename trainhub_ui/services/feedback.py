"""Feedback after a session: each attendee gets a link to a short form (a 1 to 5 rating, what went
well, what to improve); the answers are summed up per session and per course.

The link carries a keyed hash of the booking id, so nobody can answer for a booking they were not sent;
there is nothing to store for it, and one answer per booking is kept by the database.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, Course, CourseSession, Customer, FeedbackAnswer
from trainhub_ui.config import get_settings
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.notify import certificate_emails

TEXT_MAX = 2000


def feedback_token(booking_id: str) -> str:
    key = get_settings().storage_secret.encode()
    return hmac.new(key, f"feedback:{booking_id}".encode(), hashlib.sha256).hexdigest()[:32]


def feedback_url(slug: str, booking_id: str) -> str:
    return f"{get_settings().base_url}/{slug}/feedback/{booking_id}/{feedback_token(booking_id)}"


async def ask_for_feedback(session: AsyncSession, ctx: TenantContext, booking: Booking) -> None:
    await certificate_emails.feedback_request(session, ctx, booking, feedback_url(ctx.tenant.slug, booking.id))


@dataclass(frozen=True)
class FeedbackForm:
    booking: Booking
    course: str
    first_name: str
    answered: FeedbackAnswer | None


async def feedback_form(session: AsyncSession, ctx: TenantContext, booking_id: str, token: str) -> FeedbackForm:
    """The booking a feedback link is for; a wrong or another centre's link is NotFound."""
    if not hmac.compare_digest(token, feedback_token(booking_id)):
        raise NotFound("Feedback link")
    row = (
        await session.execute(
            select(Booking, Course.title)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .where(Booking.tenant_id == ctx.tenant_id, Booking.id == booking_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("Feedback link")
    booking, title = row
    customer = await session.get(Customer, booking.customer_id)
    if customer is None or customer.erased_at is not None:  # an erased student's link opens nothing
        raise NotFound("Feedback link")
    answered = await session.scalar(select(FeedbackAnswer).where(FeedbackAnswer.booking_id == booking.id))
    return FeedbackForm(booking, title, customer.first_name, answered)


async def give_feedback(
    session: AsyncSession,
    ctx: TenantContext,
    booking_id: str,
    token: str,
    *,
    rating: object,
    went_well: str,
    to_improve: str,
) -> FeedbackAnswer:
    form = await feedback_form(session, ctx, booking_id, token)
    if form.answered is not None:
        raise DomainError("feedback_given", "Thank you: your feedback for this course is in already.")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("rating", "Choose a rating from 1 to 5.")
    went_well, to_improve = went_well.strip(), to_improve.strip()
    for name, text in (("wentWell", went_well), ("toImprove", to_improve)):
        if len(text) > TEXT_MAX:
            raise InvalidInput(name, f"Use at most {TEXT_MAX} characters.")
    answer = FeedbackAnswer(
        tenant_id=ctx.tenant_id,
        session_id=form.booking.session_id,
        booking_id=form.booking.id,
        rating=rating,
        went_well=went_well,
        to_improve=to_improve,
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    try:
        async with session.begin_nested():  # the same link sent twice at once: one answer is kept
            session.add(answer)
            await session.flush()
    except IntegrityError:
        raise DomainError("feedback_given", "Thank you: your feedback for this course is in already.") from None
    audit.record(session, ctx, "feedback.given", "booking", form.booking.id, rating=rating)
    return answer


@dataclass(frozen=True)
class FeedbackSummary:
    answers: int
    average: float | None  # None without answers
    by_rating: dict[int, int]
    comments: list[FeedbackAnswer]


async def feedback_summary(
    session: AsyncSession,
    ctx: TenantContext,
    *,
    session_id: str | None = None,
    course_id: str | None = None,
    comments: int = 20,
) -> FeedbackSummary:
    """Ratings of one session, of one course (all its sessions), or of the whole centre."""
    conditions = [FeedbackAnswer.tenant_id == ctx.tenant_id]
    if session_id is not None:
        conditions.append(FeedbackAnswer.session_id == session_id)
    if course_id is not None:
        conditions.append(
            FeedbackAnswer.session_id.in_(
                select(CourseSession.id).where(
                    CourseSession.tenant_id == ctx.tenant_id, CourseSession.course_id == course_id
                )
            )
        )
    by_rating = dict(
        (
            await session.execute(
                select(FeedbackAnswer.rating, func.count()).where(*conditions).group_by(FeedbackAnswer.rating)
            )
        ).all()
    )
    total = sum(by_rating.values())
    average = sum(r * n for r, n in by_rating.items()) / total if total else None
    latest = list(
        await session.scalars(
            select(FeedbackAnswer)
            .where(*conditions, (FeedbackAnswer.went_well != "") | (FeedbackAnswer.to_improve != ""))
            .order_by(FeedbackAnswer.created_at.desc())
            .limit(comments)
        )
    )
    return FeedbackSummary(total, average, {r: by_rating.get(r, 0) for r in range(1, 6)}, latest)


@dataclass(frozen=True)
class CourseFeedback:
    course_id: str
    course_title: str
    answers: int
    average: float


async def feedback_by_course(session: AsyncSession, ctx: TenantContext, start: date, end: date) -> list[CourseFeedback]:
    """Answers and average rating per course, for its sessions that start between `start` and `end`."""
    rows = await session.execute(
        select(Course.id, Course.title, func.count(FeedbackAnswer.id), func.avg(FeedbackAnswer.rating))
        .join(CourseSession, CourseSession.id == FeedbackAnswer.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            FeedbackAnswer.tenant_id == ctx.tenant_id,
            CourseSession.tenant_id == ctx.tenant_id,
            CourseSession.start_date >= start,
            CourseSession.start_date <= end,
        )
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    )
    return [CourseFeedback(course_id, title, count, float(average)) for course_id, title, count, average in rows.all()]
