"""The centre's audit log as its owners read it: every change recorded by `domain.audit` (who, when, what,
and the before and after where the change has them), filtered by area, person and period, paged in the
database, and exported as CSV.

Entries about a student name the student by id, not by their details: the log keeps what changed, and the
student's record keeps who they are. Where an entry holds a detail all the same (a new student's email, a
student acting in My account, named by their email), erasing the student's personal data takes it out
(`erasure.py`), and that is the only change an entry ever gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import day_and_time, money

from .report_csv import csv_bytes

# What an owner looks for, by the first word of the recorded action.
AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bookings": ("Bookings", ("booking", "waiting_list")),
    "payments": ("Payments and invoices", ("payment", "invoice", "credit_note")),
    "refunds": ("Refunds", ("refund",)),
    "certificates": ("Certificates and results", ("certificate", "attendance", "feedback")),
    "timetable": ("Courses and sessions", ("course", "session")),
    "students": ("Students", ("student",)),
    "settings": ("Settings", ("centre",)),
    "staff": ("Staff", ("staff",)),
    "tokens": ("API tokens", ("api_token",)),
    "emails": ("Emails", ("email",)),
}
NOUNS = {
    "api_token": "API token",
    "waiting_list": "Waiting list",
    "credit_note": "Credit note",
    "centre": "Centre",
    "session": "Session",
    "staff": "Staff member",
}
LIST_PAGE = 50
EXPORT_BATCH = 1000
CSV_HEADER = ("When", "Who", "What", "On", "Id", "Details")


@dataclass(frozen=True)
class AuditFilter:
    area: str = ""
    who: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def read(cls, area: str = "", who: str = "", start: str = "", end: str = "") -> AuditFilter:
        """The filter from the page's or the CSV link's query; InvalidInput names the field refused."""
        if area and area not in AREAS:
            raise InvalidInput("area", "Choose one of the areas listed.")
        if len(who) > 200:
            raise InvalidInput("who", "Use at most 200 characters.")
        first, last = _day("from", start), _day("to", end)
        if first and last and last < first:
            raise InvalidInput("to", "The last day cannot be before the first.")
        return cls(area, who.strip(), first, last)


def _day(field: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, "Give a date as YYYY-MM-DD.") from None


@dataclass(frozen=True)
class AuditPage:
    total: int
    entries: list[AuditEntry]


def _filtered(ctx: TenantContext, wanted: AuditFilter) -> Select[tuple[AuditEntry]]:
    query = select(AuditEntry).where(AuditEntry.tenant_id == ctx.tenant_id)
    if wanted.area:
        _, prefixes = AREAS[wanted.area]
        query = query.where(or_(*(AuditEntry.action.like(f"{prefix}.%") for prefix in prefixes)))
    if wanted.who:
        query = query.where(func.lower(AuditEntry.actor).contains(wanted.who.lower(), autoescape=True))
    zone = ZoneInfo(ctx.tenant.timezone)
    if wanted.start:
        query = query.where(AuditEntry.created_at >= _utc(wanted.start, zone))
    if wanted.end:
        query = query.where(AuditEntry.created_at < _utc(wanted.end + timedelta(days=1), zone))
    return query


def _utc(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` on the centre's clock, as a UTC moment."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _newest_first(query: Select[tuple[AuditEntry]]) -> Select[tuple[AuditEntry]]:
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


async def list_audit(
    session: AsyncSession, ctx: TenantContext, wanted: AuditFilter, *, limit: int = LIST_PAGE, offset: int = 0
) -> AuditPage:
    """One page of the filtered log, newest first, and how many entries match in all."""
    query = _filtered(ctx, wanted)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    entries = list(await session.scalars(_newest_first(query).limit(limit).offset(offset)))
    return AuditPage(int(total or 0), entries)


def what_happened(entry: AuditEntry) -> str:
    """The action in words: "Booking cancelled", "API token created"."""
    noun, _, verb = entry.action.partition(".")
    return f"{NOUNS.get(noun, noun.replace('_', ' ').capitalize())} {verb.replace('_', ' ')}".strip()


def _value(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def details_text(entry: AuditEntry, ctx: TenantContext) -> str:
    """The entry's details in words: a change reads "field: before → after", an amount as money."""
    details = dict(entry.details or {})
    parts: list[str] = []
    changes = details.pop("changes", None)
    if isinstance(changes, dict):
        for field, pair in changes.items():
            if isinstance(pair, list | tuple) and len(pair) == 2:
                parts.append(f"{field}: {_value(pair[0])} → {_value(pair[1])}")
            else:
                parts.append(f"{field}: {_value(pair)}")
    if "before" in details and "after" in details:
        parts.append(f"{_value(details.pop('before'))} → {_value(details.pop('after'))}")
    for key, value in details.items():
        # Amounts are recorded in minor units of the centre's currency.
        is_amount = key == "amount" or key.endswith("_amount")
        shown = money(value, ctx.tenant.currency, ctx.tenant.locale) if is_amount and isinstance(value, int) else value
        parts.append(f"{key}: {_value(shown)}")
    return "; ".join(parts)


async def export_audit(session: AsyncSession, ctx: TenantContext, wanted: AuditFilter) -> AsyncIterator[bytes]:
    """The whole filtered log as CSV (newest first), a thousand entries a query, so a year of it streams.
    Each batch starts after the last entry of the one before, so entries written meanwhile shift nothing."""
    yield csv_bytes(CSV_HEADER, [])
    query = _newest_first(_filtered(ctx, wanted)).limit(EXPORT_BATCH)
    batch = list(await session.scalars(query))
    while batch:
        rows = [
            (
                day_and_time(ctx.tenant, entry.created_at),
                entry.actor,
                what_happened(entry),
                entry.entity_type,
                entry.entity_id,
                details_text(entry, ctx),
            )
            for entry in batch
        ]
        yield csv_bytes(CSV_HEADER, rows).split(b"\n", 1)[1]  # the rows only: the header came first
        last = batch[-1]
        older = or_(
            AuditEntry.created_at < last.created_at,
            and_(AuditEntry.created_at == last.created_at, AuditEntry.id < last.id),
        )
        batch = list(await session.scalars(query.where(older)))
