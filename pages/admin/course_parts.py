"""What the course and session pages share: their addresses, the upcoming or past sessions a list shows,
a session's standing and a course's length as staff read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models import Course, CourseSession, Tenant


def sessions_path(tenant: Tenant, course_id: str) -> str:
    return f"/{tenant.slug}/admin/courses/{course_id}/sessions"


def session_path(tenant: Tenant, course_id: str, session_id: str) -> str:
    return f"{sessions_path(tenant, course_id)}/{session_id}"


@dataclass
class SessionListView:
    when: str = "upcoming"
    page: int = 1


def session_state(item: CourseSession, today: date) -> tuple[str, str]:
    """A session's standing as a badge: its words and colour."""
    if item.cancelled_at is not None:
        return "Cancelled", "grey-7"
    if item.is_completed:
        return "Completed", "blue-grey-7"
    if item.end_date < today:
        return "Ended", "blue-grey-5"
    if not item.is_active:
        return "Not taking bookings", "amber-9"
    return "Taking bookings", "green-8"


def duration_text(course: Course) -> str:
    days = f"{course.duration_days} day{'s' if course.duration_days != 1 else ''}"
    return f"{days} ({course.duration_hours} hours)" if course.duration_hours else days
