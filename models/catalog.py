"""Courses and their dated sessions."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantOwned, TimestampsMixin, UTCDateTime
from .people import StaffUser


class Course(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug", name="uq_courses_tenant_slug"),
        CheckConstraint("price >= 0", name="price_nonnegative"),
        CheckConstraint("duration_days >= 1", name="duration_days_positive"),
        CheckConstraint("duration_hours >= 0", name="duration_hours_nonnegative"),
        CheckConstraint("default_capacity BETWEEN 1 AND 500", name="default_capacity_range"),
        CheckConstraint(
            "certificate_validity_months IS NULL OR certificate_validity_months >= 1",
            name="certificate_validity_positive",
        ),
        CheckConstraint("min_attendance_percent BETWEEN 1 AND 100", name="min_attendance_percent_range"),
        Index("ix_courses_tenant_active_category", "tenant_id", "is_active", "category"),
    )

    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    duration_days: Mapped[int] = mapped_column(Integer, default=1)
    duration_hours: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[int] = mapped_column(Integer)
    default_capacity: Mapped[int] = mapped_column(Integer, default=12)
    certificate_validity_months: Mapped[int | None] = mapped_column(Integer)
    # Who completes the course: attended at least this share of its days (100: every day) and, when
    # `requires_result`, passed the instructor's assessment.
    min_attendance_percent: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    requires_result: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CourseSession(IdMixin, TenantOwned, TimestampsMixin, Base):
    """One dated run of a course. `booked_spots` counts held and confirmed places."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        CheckConstraint("available_spots BETWEEN 1 AND 500", name="available_spots_range"),
        CheckConstraint("booked_spots >= 0", name="booked_spots_nonnegative"),
        CheckConstraint("booked_spots <= available_spots", name="not_overbooked"),
        CheckConstraint("end_date >= start_date", name="end_not_before_start"),
        Index("ix_course_sessions_tenant_start", "tenant_id", "start_date", "is_active"),
        Index("ix_course_sessions_course_start", "course_id", "start_date"),
        Index("ix_course_sessions_instructor", "instructor_id"),
    )

    course_id: Mapped[str] = mapped_column(String(36), ForeignKey("courses.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    # The first moment of the session in UTC, derived from the local date, time and the centre's
    # timezone: "has it started?" is then one comparison, independent of the viewer's timezone.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    available_spots: Mapped[int] = mapped_column(Integer)
    booked_spots: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    instructor_notes: Mapped[str] = mapped_column(Text, default="")
    instructor_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("staff_users.id", ondelete="SET NULL"))
    venue: Mapped[str] = mapped_column(String(300), default="")

    course: Mapped[Course] = relationship(lazy="raise")
    instructor: Mapped[StaffUser | None] = relationship(lazy="raise")

    @property
    def remaining_spots(self) -> int:
        return max(self.available_spots - self.booked_spots, 0)
