"""Money and times as a centre's students read them, and money as staff type it: one module for both.

Money and dates are written with Babel in the centre's locale (British English by default), so a
currency's own symbol, grouping and number of decimals come from the locale data, not from a table here.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, get_currency_precision, get_currency_symbol

from models import Course, Tenant

from .errors import InvalidInput

LOCALE = "en_GB"
MAX_AMOUNT = Decimal(1_000_000)  # in major units: more than any course or booking costs


def currency_symbol(currency: str, locale: str = LOCALE) -> str:
    """£ for GBP, € for EUR, US$ for USD (in British English)."""
    return get_currency_symbol(currency.upper(), locale=locale)


def money(amount: int, currency: str, locale: str = LOCALE) -> str:
    """Minor units to a price: 49500 GBP -> £495.00."""
    code = currency.upper()
    return format_currency(Decimal(amount).scaleb(-get_currency_precision(code)), code, locale=locale)


def major(amount: int, currency: str = "GBP") -> str:
    """Minor units as a person types them back: 49500 -> 495.00 (no symbol, no grouping)."""
    places = get_currency_precision(currency.upper())
    return format_decimal(Decimal(amount).scaleb(-places), format="0." + "0" * places, locale=LOCALE)


def parse_money(
    field: str, text: str | None, currency: str, *, allow_zero: bool = False, example: str = "49.50"
) -> int:
    """ "49.50", "£1,049" or "1049" typed in the centre's currency, to minor units; InvalidInput at `field`."""
    code = currency.upper()
    cleaned = (text or "").strip().replace(",", "").removeprefix(currency_symbol(code)).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(field, f"Give an amount like {example}.") from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(field, "Give an amount of zero or more." if allow_zero else "Give an amount above zero.")
    places = get_currency_precision(code)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise InvalidInput(
            field, "Give at most two decimals (pence)." if places == 2 else f"Give at most {places} decimals."
        )
    if value > MAX_AMOUNT:
        raise InvalidInput(field, "That is more than anything here costs.")
    return int(value.scaleb(places))


def local(tenant: Tenant, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(tenant.timezone))


def day_and_time(tenant: Tenant, moment: datetime) -> str:
    """Tue 24 Nov 2026, 09:00, in the centre's own timezone."""
    return format_datetime(local(tenant, moment), "EEE d MMM y, HH:mm", locale=LOCALE)


def time_of_day(tenant: Tenant, moment: datetime) -> str:
    return format_time(local(tenant, moment), "HH:mm", locale=LOCALE)


def long_day(day: date) -> str:
    """Tuesday 24 November 2026."""
    return format_date(day, "EEEE d MMMM y", locale=LOCALE)


class Dated(Protocol):
    start_date: date
    end_date: date
    start_time: time
    end_time: time


def session_dates(session: Dated) -> str:
    """Mon 21 Dec 2026, 09:00–17:00, or a range of days for a longer session."""
    first = format_date(session.start_date, "EEE d MMM", locale=LOCALE)
    last = format_date(session.end_date, "EEE d MMM y", locale=LOCALE)
    days = f"{first} – {last}" if session.end_date != session.start_date else last
    starts, ends = (format_time(at, "HH:mm", locale=LOCALE) for at in (session.start_time, session.end_time))
    return f"{days}, {starts}–{ends}"


def course_duration(course: Course) -> str:
    """2 days, 14 hours; the days alone when the hours are not given."""
    days = f"{course.duration_days} day{'s' if course.duration_days != 1 else ''}"
    return f"{days}, {course.duration_hours} hours" if course.duration_hours else days
