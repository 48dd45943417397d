"""A booking as a calendar entry (.ics, RFC 5545), so a student can put the course in their diary."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from models import Booking, Course, CourseSession, Tenant


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > 74:
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def booking_calendar(
    tenant: Tenant, booking: Booking, course: Course, course_session: CourseSession, now: datetime
) -> str:
    """One event per day of the session (a daily repeat), in the centre's timezone, with the reference."""
    zone = ZoneInfo(tenant.timezone)
    starts = datetime.combine(course_session.start_date, course_session.start_time, tzinfo=zone)
    ends = datetime.combine(course_session.start_date, course_session.end_time, tzinfo=zone)
    days = (course_session.end_date - course_session.start_date).days + 1
    where = course_session.venue or course.location
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//TrainHub//Booking//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.id}@trainhub",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(starts)}",
        f"DTEND:{_utc(ends)}",
        f"SUMMARY:{_escape(course.title)}",
        f"DESCRIPTION:{_escape(f'{tenant.name}, booking {booking.reference}')}",
    ]
    if days > 1:
        lines.append(f"RRULE:FREQ=DAILY;COUNT={days}")
    if where:
        lines.append(f"LOCATION:{_escape(where)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
