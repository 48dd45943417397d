"""Running a session: attendance, certificates (achievements) and feedback."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TenantOwned, TimestampsMixin, UTCDateTime, str_enum


class AttendanceStatus(enum.StrEnum):
    PRESENT = "PRESENT"
    LATE = "LATE"
    ABSENT = "ABSENT"


class SessionAttendance(IdMixin, TenantOwned, TimestampsMixin, Base):
    """Whether one booked student attended one day of a session."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("booking_id", "day", name="uq_session_attendance_booking_day"),
        Index("ix_session_attendance_session_day", "session_id", "day"),
    )

    session_id: Mapped[str] = mapped_column(String(36), ForeignKey("course_sessions.id", ondelete="CASCADE"))
    booking_id: Mapped[str] = mapped_column(String(36), ForeignKey("bookings.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, "attendance_status"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))  # "kiosk" or the staff member's name
    recorded_by_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    notes: Mapped[str] = mapped_column(Text, default="")


class Achievement(IdMixin, TenantOwned, TimestampsMixin, Base):
    """A certificate awarded to a student for a course."""

    __tablename__ = "achievements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_achievements_tenant_number"),
        CheckConstraint("expires_on IS NULL OR expires_on >= issued_on", name="expiry_after_issue"),
        Index("ix_achievements_customer", "customer_id"),
        Index("ix_achievements_tenant_expires", "tenant_id", "expires_on"),
    )

    customer_id: Mapped[str] = mapped_column(String(36), ForeignKey("customers.id", ondelete="RESTRICT"))
    course_id: Mapped[str] = mapped_column(String(36), ForeignKey("courses.id", ondelete="RESTRICT"))
    session_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("course_sessions.id", ondelete="SET NULL"))
    booking_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("bookings.id", ondelete="SET NULL"))
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    verification_code: Mapped[str] = mapped_column(String(40), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str] = mapped_column(Text, default="")


class FeedbackAnswer(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "feedback_answers"
    __table_args__ = (
        UniqueConstraint("booking_id", name="uq_feedback_answers_booking_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_feedback_answers_session", "session_id"),
    )

    session_id: Mapped[str] = mapped_column(String(36), ForeignKey("course_sessions.id", ondelete="CASCADE"))
    booking_id: Mapped[str] = mapped_column(String(36), ForeignKey("bookings.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    went_well: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
