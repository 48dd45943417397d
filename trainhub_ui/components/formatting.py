"""Money and times as a centre's students read them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models import Tenant

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
