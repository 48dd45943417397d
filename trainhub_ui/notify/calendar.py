"""A booking as a calendar entry (.ics, RFC 5545), so a student can put the course in their diary."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from models import Booking, Course, CourseSession, Tenant


def booking_calendar(
    tenant: Tenant, booking: Booking, course: Course, course_session: CourseSession, now: datetime
) -> str:
    """One event per day of the session, each at the session's local times in the centre's timezone.

    Separate events rather than a daily repeat: a calendar shows each day's hours, and a session that
    spans a change of clocks keeps its local start time on every day. The timezone is embedded, so a
    calendar in another zone shows the right moment.
    """
    zone = ZoneInfo(tenant.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//TrainHub//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{course.title} ({tenant.name})")
    where = course_session.venue or course.location
    days = (course_session.end_date - course_session.start_date).days + 1
    for number in range(days):
        day = course_session.start_date + timedelta(days=number)
        event = Event()
        event.add("uid", f"{booking.id}-{number + 1}@trainhub")
        event.add("dtstamp", now)
        event.add("dtstart", datetime.combine(day, course_session.start_time, tzinfo=zone))
        event.add("dtend", datetime.combine(day, course_session.end_time, tzinfo=zone))
        title = course.title if days == 1 else f"{course.title} (day {number + 1} of {days})"
        event.add("summary", title)
        event.add("description", f"{tenant.name}, booking {booking.reference}")
        if where:
            event.add("location", where)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()
