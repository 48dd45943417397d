"""Money and times as a centre's students read them, and money as staff type it: one module for both.

Money and dates are written with Babel in the centre's locale (`Tenant.locale`, British English by
default), so a currency's own symbol, grouping and number of decimals come from the locale data, not from
a table here: £495.00 in Britain, US$495.00 for dollars there, $495.00 in the United States. The order of
day and month and the clock (24-hour or am/pm) follow the locale's `DateStyle`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, get_currency_precision, get_currency_symbol

from models import Course, Tenant

from .errors import InvalidInput

LOCALE = "en_GB"


@dataclass(frozen=True)
class DateStyle:
    """Babel patterns for the ways a day (and a time of day) is written here."""

    day: str  # Mon 21 Dec 2026
    day_no_year: str  # Mon 21 Dec
    long_day: str  # Monday 21 December 2026
    clock: str  # 09:00
    date: str  # 21 Dec 2026
    long_date: str  # 21 December 2026
    day_month: str  # 21 Dec
    weekday_day_month: str  # Monday 21 December


_DAY_FIRST = DateStyle(
    "EEE d MMM y", "EEE d MMM", "EEEE d MMMM y", "HH:mm", "d MMM y", "d MMMM y", "d MMM", "EEEE d MMMM"
)
_DAY_FIRST_12_HOUR = DateStyle(
    "EEE d MMM y", "EEE d MMM", "EEEE d MMMM y", "h:mm a", "d MMM y", "d MMMM y", "d MMM", "EEEE d MMMM"
)
_MONTH_FIRST = DateStyle(
    "EEE, MMM d, y", "EEE, MMM d", "EEEE, MMMM d, y", "h:mm a", "MMM d, y", "MMMM d, y", "MMM d", "EEEE, MMMM d"
)

# The locales a centre can choose: the product speaks English; these decide how its money and dates read.
LOCALES: dict[str, tuple[str, DateStyle]] = {
    "en_GB": ("English (United Kingdom)", _DAY_FIRST),
    "en_IE": ("English (Ireland)", _DAY_FIRST),
    "en_AU": ("English (Australia)", _DAY_FIRST_12_HOUR),
    "en_NZ": ("English (New Zealand)", _DAY_FIRST_12_HOUR),
    "en_ZA": ("English (South Africa)", _DAY_FIRST),
    "en_CA": ("English (Canada)", _MONTH_FIRST),
    "en_US": ("English (United States)", _MONTH_FIRST),
}


def locale_of(tenant: Tenant) -> str:
    return _known(tenant.locale)


def _style(locale: str) -> DateStyle:
    return LOCALES[locale][1]


MAX_AMOUNT = Decimal(1_000_000)  # in major units: more than any course or booking costs


def _known(locale: str | None) -> str:
    """The locale if a centre can choose it; British English otherwise (a centre not yet saved has none)."""
    return locale if locale in LOCALES else LOCALE


def currency_symbol(currency: str, locale: str | None = LOCALE) -> str:
    """£ for GBP, € for EUR, US$ for USD (in British English; $ in American English)."""
    return get_currency_symbol(currency.upper(), locale=_known(locale))


def money(amount: int, currency: str, locale: str | None = LOCALE) -> str:
    """Minor units to a price in the centre's locale: 49500 GBP -> £495.00."""
    code = currency.upper()
    return format_currency(Decimal(amount).scaleb(-get_currency_precision(code)), code, locale=_known(locale))


def major(amount: int, currency: str = "GBP") -> str:
    """Minor units as a person types them back: 49500 -> 495.00 (no symbol, no grouping)."""
    places = get_currency_precision(currency.upper())
    return format_decimal(Decimal(amount).scaleb(-places), format="0." + "0" * places, locale=LOCALE)


def parse_money(
    field: str,
    text: str | None,
    currency: str,
    *,
    locale: str | None = LOCALE,
    allow_zero: bool = False,
    example: str = "49.50",
) -> int:
    """ "49.50", "£1,049" or "1049" typed in the centre's currency, to minor units; InvalidInput at `field`.
    The currency's symbol in the centre's locale ($ in the United States, US$ in Britain) may lead."""
    code = currency.upper()
    cleaned = (text or "").strip().replace(",", "").removeprefix(currency_symbol(code, locale)).strip()
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
    """Tue 24 Nov 2026, 09:00, in the centre's own timezone and locale."""
    locale = locale_of(tenant)
    style = _style(locale)
    return format_datetime(local(tenant, moment), f"{style.day}, {style.clock}", locale=locale)


def time_of_day(tenant: Tenant, moment: datetime) -> str:
    locale = locale_of(tenant)
    return format_time(local(tenant, moment), _style(locale).clock, locale=locale)


DayForm = Literal["day", "day_no_year", "long_day", "date", "long_date", "day_month", "weekday_day_month"]


def day_text(day: date, locale: str | None, form: DayForm = "date") -> str:
    """A day as the centre writes it: `form` names the way (21 Dec 2026 by default, see DateStyle)."""
    locale = _known(locale)
    return format_date(day, getattr(_style(locale), form), locale=locale)


def clock_text(at: time, locale: str | None) -> str:
    """A time of day as the centre writes it: 09:00, or 9:00 AM."""
    locale = _known(locale)
    return format_time(at, _style(locale).clock, locale=locale)


def long_day(day: date, locale: str | None = LOCALE) -> str:
    """Tuesday 24 November 2026."""
    locale = _known(locale)
    return format_date(day, _style(locale).long_day, locale=locale)


class Dated(Protocol):
    start_date: date
    end_date: date
    start_time: time
    end_time: time


def session_dates(session: Dated, locale: str | None = LOCALE) -> str:
    """Mon 21 Dec 2026, 09:00–17:00, or a range of days for a longer session."""
    locale = _known(locale)
    style = _style(locale)
    first = format_date(session.start_date, style.day_no_year, locale=locale)
    last = format_date(session.end_date, style.day, locale=locale)
    days = f"{first} – {last}" if session.end_date != session.start_date else last
    starts, ends = (format_time(at, style.clock, locale=locale) for at in (session.start_time, session.end_time))
    return f"{days}, {starts}–{ends}"


def course_duration(course: Course) -> str:
    """2 days, 14 hours; the days alone when the hours are not given."""
    days = f"{course.duration_days} day{'s' if course.duration_days != 1 else ''}"
    return f"{days}, {course.duration_hours} hours" if course.duration_hours else days
