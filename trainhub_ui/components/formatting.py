"""Money and times as a centre's students read them."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from models import Course, Tenant

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def money(amount: int, currency: str) -> str:
    """Minor units to a price: 49500 GBP -> £495.00."""
    symbol = SYMBOLS.get(currency.upper())
    text = f"{amount / 100:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def local(tenant: Tenant, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(tenant.timezone))


def day_and_time(tenant: Tenant, moment: datetime) -> str:
    """Tue 24 Nov 2026, 09:00, in the centre's own timezone."""
    return local(tenant, moment).strftime("%a %-d %b %Y, %H:%M")


def time_of_day(tenant: Tenant, moment: datetime) -> str:
    return local(tenant, moment).strftime("%H:%M")


class Dated(Protocol):
    start_date: date
    end_date: date
    start_time: time
    end_time: time


def session_dates(session: Dated) -> str:
    """Mon 21 Dec 2026, 09:00–17:00, or a range of days for a longer session."""
    if session.end_date != session.start_date:
        days = f"{session.start_date:%a %-d %b} – {session.end_date:%a %-d %b %Y}"
    else:
        days = f"{session.start_date:%a %-d %b %Y}"
    return f"{days}, {session.start_time:%H:%M}–{session.end_time:%H:%M}"


def course_duration(course: Course) -> str:
    """2 days, 14 hours; the days alone when the hours are not given."""
    days = f"{course.duration_days} day{'s' if course.duration_days != 1 else ''}"
    return f"{days}, {course.duration_hours} hours" if course.duration_hours else days
