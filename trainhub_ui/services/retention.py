"""The centre's retention period (`Tenant.retention_months`): past students with nothing outstanding are
anonymised once that many months have gone by since their last activity, by the job `jobs.py` runs.

A student's last activity is the latest of: a change to their record (made, or their details or password
changed), their last sign-in, their last booking made, the last day of the last session they were booked on
(whatever became of the booking), and their last waiting-list entry's last change. Each centre is done on its
own, under its own period; a student erased already is never chosen again, so running the job twice
erases no one twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, CourseSession, Customer, ErasedBy, Tenant, WaitingListEntry
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError

from .certificates import add_months
from .erasure import erase_student

ACTOR = "Retention job"
log = logging.getLogger(__name__)


def quiet_since(ctx: TenantContext, months: int) -> datetime:
    """The start (at the centre's midnight) of the day `months` before today: activity before it is old."""
    day = add_months(ctx.today(), -months)
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(ctx.tenant.timezone))


async def past_students(session: AsyncSession, ctx: TenantContext, since: datetime) -> list[str]:
    """The ids of the centre's students, not erased, with no activity since `since` and owing nothing."""
    tid = ctx.tenant_id
    since_day = since.date()
    booked_lately = (
        select(Booking.id)
        .join(CourseSession, and_(CourseSession.id == Booking.session_id, CourseSession.tenant_id == tid))
        .where(
            Booking.tenant_id == tid,
            Booking.customer_id == Customer.id,
            or_(Booking.created_at >= since, CourseSession.end_date >= since_day),
        )
    )
    # Money owed keeps a record as it is; `erasure.outstanding` has the last word on everything else.
    owing = select(Booking.id).where(
        Booking.tenant_id == tid,
        Booking.customer_id == Customer.id,
        Booking.status == BookingStatus.CONFIRMED,
        Booking.balance_due > 0,
    )
    waiting_lately = select(WaitingListEntry.id).where(
        WaitingListEntry.tenant_id == tid,
        WaitingListEntry.customer_id == Customer.id,
        WaitingListEntry.updated_at >= since,
    )
    rows = await session.scalars(
        select(Customer.id)
        .where(
            Customer.tenant_id == tid,
            Customer.erased_at.is_(None),
            Customer.updated_at < since,
            or_(Customer.last_signed_in_at.is_(None), Customer.last_signed_in_at < since),
            ~exists(booked_lately),
            ~exists(owing),
            ~exists(waiting_lately),
        )
        .order_by(Customer.updated_at, Customer.id)
    )
    return list(rows)


async def apply_retention(db: Database, now: datetime) -> int:
    """Anonymise, centre by centre, the past students whose centre's retention period has run out; answers
    how many were erased. A student found to have something outstanding is left for a later run."""
    async with db.read() as session:
        centres = list(
            await session.scalars(
                select(Tenant).where(Tenant.is_active.is_(True), Tenant.retention_months.is_not(None))
            )
        )
    erased = 0
    for tenant in centres:
        months = tenant.retention_months or 0
        ctx = TenantContext(tenant=tenant, actor=ACTOR, clock=lambda: now)
        async with db.read() as session:
            chosen = await past_students(session, ctx, quiet_since(ctx, months))
        reason = f"No activity for {months} months: the centre's retention period"
        for customer_id in chosen:
            try:
                await erase_student(db, ctx, customer_id, reason, ErasedBy.RETENTION)
            except DomainError as refused:
                log.info("retention: student %s of %s left as it is: %s", customer_id, tenant.slug, refused.message)
                continue
            erased += 1
    return erased
