"""Money and dates as a centre shows them (Babel, British English), and the one parser of typed amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest

from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import currency_symbol, day_and_time, major, money, parse_money, session_dates


def test_money_in_the_centres_currency() -> None:
    assert money(49500, "GBP") == "£495.00"
    assert money(123456789, "eur") == "€1,234,567.89"
    assert money(5, "USD") == "US$0.05"
    assert money(5000, "JPY") == "JP¥5,000"  # no minor unit
    assert currency_symbol("GBP") == "£"
    assert (major(49500), major(5000, "JPY")) == ("495.00", "5000")


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("495", 49500), ("495.5", 49550), ("£1,049.99", 104999), (" 0.01 ", 1)],
)
def test_amounts_as_people_type_them(typed: str, pence: int) -> None:
    assert parse_money("amount", typed, "GBP") == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lots", "Give an amount like 49.50."),
        ("", "Give an amount like 49.50."),
        ("0", "Give an amount above zero."),
        ("-5", "Give an amount above zero."),
        ("10.005", "Give at most two decimals (pence)."),
        ("NaN", "Give an amount above zero."),
        ("Infinity", "Give an amount above zero."),
        ("2000000", "That is more than anything here costs."),
    ],
)
def test_bad_amounts_are_refused_at_their_field(typed: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_money("amount", typed, "GBP")
    assert (refused.value.field, refused.value.message) == ("amount", message)


def test_zero_is_allowed_where_asked() -> None:
    assert parse_money("price", "0", "GBP", allow_zero=True) == 0


def test_dates_and_times_at_the_centre() -> None:
    centre = SimpleNamespace(timezone="Europe/London", locale="en_GB")
    assert day_and_time(centre, datetime(2026, 7, 1, 8, 0, tzinfo=UTC)) == "Wed 1 Jul 2026, 09:00"  # type: ignore[arg-type]
    one_day = SimpleNamespace(
        start_date=date(2026, 12, 21), end_date=date(2026, 12, 21), start_time=time(9), end_time=time(17)
    )
    assert session_dates(one_day) == "Mon 21 Dec 2026, 09:00–17:00"  # type: ignore[arg-type]
    three = SimpleNamespace(
        start_date=date(2026, 12, 21), end_date=date(2026, 12, 23), start_time=time(9), end_time=time(16, 30)
    )
    assert session_dates(three) == "Mon 21 Dec – Wed 23 Dec 2026, 09:00–16:30"  # type: ignore[arg-type]


def test_a_centres_locale_decides_how_its_money_and_dates_read() -> None:
    american = SimpleNamespace(timezone="America/New_York", locale="en_US")
    assert day_and_time(american, datetime(2026, 7, 1, 13, 0, tzinfo=UTC)) == "Wed, Jul 1, 2026, 9:00 AM"  # type: ignore[arg-type]
    three = SimpleNamespace(
        start_date=date(2026, 12, 21), end_date=date(2026, 12, 23), start_time=time(9), end_time=time(16, 30)
    )
    assert session_dates(three, "en_US") == "Mon, Dec 21 – Wed, Dec 23, 2026, 9:00 AM–4:30 PM"  # type: ignore[arg-type]
    assert session_dates(three, "en_IE") == "Mon 21 Dec – Wed 23 Dec 2026, 09:00–16:30"  # type: ignore[arg-type]
    assert money(49500, "USD", "en_US") == "$495.00"
    assert money(49500, "USD", "en_GB") == "US$495.00"
    assert money(49500, "EUR", "en_IE") == "€495.00"
    # A symbol typed as the centre writes it is read back.
    assert parse_money("amount", "$1,049.50", "USD", locale="en_US") == 104950
    # A locale no centre can choose (or none, for a centre not yet saved) reads as British English.
    assert money(49500, "GBP", "xx_YY") == money(49500, "GBP", None) == "£495.00"
