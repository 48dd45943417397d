"""Lists of a centre's bookings for the API: a page of them filtered by status, session, customer, start
dates or a balance still owed, newest first, and the course each booking is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, CourseSession
from trainhub_ui.domain.context import TenantContext


@dataclass
class BookingFilters:
    status: BookingStatus | None = None
    session_id: str | None = None
    customer_id: str | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    outstanding: bool = False  # confirmed with a balance still to pay (deposits, invoices)
    limit: int = 50
    offset: int = 0


def _filtered(ctx: TenantContext, filters: BookingFilters, statement: Select) -> Select:
    statement = statement.where(Booking.tenant_id == ctx.tenant_id)
    if filters.status is not None:
        statement = statement.where(Booking.status == filters.status)
    if filters.session_id is not None:
        statement = statement.where(Booking.session_id == filters.session_id)
    if filters.customer_id is not None:
        statement = statement.where(Booking.customer_id == filters.customer_id)
    if filters.outstanding:
        statement = statement.where(Booking.status == BookingStatus.CONFIRMED, Booking.balance_due > 0)
    if filters.starts_from is not None or filters.starts_to is not None:
        conditions = [CourseSession.id == Booking.session_id]
        if filters.starts_from is not None:
            conditions.append(CourseSession.start_date >= filters.starts_from)
        if filters.starts_to is not None:
            conditions.append(CourseSession.start_date <= filters.starts_to)
        statement = statement.join(CourseSession, and_(*conditions))
    return statement


async def list_bookings(
    session: AsyncSession, ctx: TenantContext, filters: BookingFilters
) -> tuple[list[Booking], int]:
    """A page of the centre's bookings, newest first, and how many match in all."""
    total = await session.scalar(_filtered(ctx, filters, select(func.count(Booking.id))))
    rows = await session.scalars(
        _filtered(ctx, filters, select(Booking))
        .order_by(Booking.created_at.desc(), Booking.id)
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return list(rows), total or 0


async def course_ids_of(session: AsyncSession, ctx: TenantContext, bookings: list[Booking]) -> dict[str, str]:
    """The course of each booking's session, in one query (none when the sessions are loaded already)."""
    wanted = {b.session_id for b in bookings}
    loaded = [*session.identity_map.values(), *(b.__dict__.get("session") for b in bookings)]
    known = {obj.id: obj.course_id for obj in loaded if isinstance(obj, CourseSession) and obj.id in wanted}
    missing = wanted - known.keys()
    if missing:
        rows = await session.execute(
            select(CourseSession.id, CourseSession.course_id).where(
                CourseSession.tenant_id == ctx.tenant_id, CourseSession.id.in_(missing)
            )
        )
        known.update({session_id: course_id for session_id, course_id in rows})
    return {b.id: known.get(b.session_id, "") for b in bookings}
