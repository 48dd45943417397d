"""Seeding the demo centres into a database: each missing centre is written in full, once."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Tenant
from trainhub_ui.services.passwords import hash_password

from .bookings import count_places, fill, issue_invoices, past_session, planned_booking
from .centres import CentreWriter
from .delivery import delivered, recent_emails
from .specs import CENTRES, DEMO_PASSWORD, CentreSpec
from .terms import publish_first_terms


async def _write_centre(session: AsyncSession, spec: CentreSpec, password_hash: str, today: date) -> None:
    writer = CentreWriter(session, spec, password_hash, today)
    writer.add(writer.tenant)
    writer.staff()
    writer.students()
    writer.courses_and_sessions()
    for item in spec.bookings:
        planned_booking(writer, item)
    if spec.full_session is not None:
        fill(writer, *spec.full_session)
    for past in spec.past_sessions:
        past_session(writer, past)
    count_places(writer)
    writer.audit(writer.now - timedelta(days=240), "centre.opened", "tenant", writer.tenant.id, name=writer.tenant.name)
    await writer.flush()
    await publish_first_terms(writer)
    # Invoices follow the centre's payment terms, which the database has now filled in from its defaults.
    issue_invoices(writer)
    await writer.flush()
    await recent_emails(writer)
    for item in writer.past:
        await delivered(writer, item)


async def database_is_empty(session: AsyncSession) -> bool:
    """Whether no centre exists at all."""
    return await session.scalar(select(Tenant.id).limit(1)) is None


async def seed_demo(session: AsyncSession, *, today: date | None = None) -> bool:
    """Create the two demo centres if they are missing; True if anything was created. Idempotent."""
    slugs = [centre.slug for centre in CENTRES]
    existing = set(await session.scalars(select(Tenant.slug).where(Tenant.slug.in_(slugs))))
    missing = [centre for centre in CENTRES if centre.slug not in existing]
    if not missing:
        return False
    # argon2 is deliberately slow: hash once, off the event loop, and share it across every demo login.
    password_hash = await asyncio.to_thread(hash_password, DEMO_PASSWORD)
    for centre in missing:
        await _write_centre(session, centre, password_hash, today or date.today())
    return True
