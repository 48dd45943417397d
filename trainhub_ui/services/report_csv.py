"""The reports as CSV files a spreadsheet opens as the centre expects: names and pounds intact, no formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file as spreadsheets open it: UTF-8 with a byte-order mark, so "£" and names survive Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else _safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @) is quoted so it stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def decimal_amount(amount: int) -> str:
    """Minor units as a plain decimal for a spreadsheet: 49500 -> 495.00 (the currency is in the header)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def amount_cell(minor_units: int) -> Decimal:
    """Minor units as a number with two decimals for the accountant's files: a number, not text, because the
    CSV writer would guard a text "-12.00" against formulas with a quote."""
    return Decimal(minor_units).scaleb(-2)


def uk_date(day: date) -> str:
    """A day as DD/MM/YYYY, the UK layout Xero and QuickBooks Online read."""
    return f"{day:%d/%m/%Y}"
