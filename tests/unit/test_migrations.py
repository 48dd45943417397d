"""The migrations build exactly the schema the models describe, and undo cleanly, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from models import Base, PaymentOption
from tests import factories
from tests.conftest import in_thread
from tests.payment_courses import payments_off_their_course
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.migrate import downgrade, upgrade
from trainhub_ui.services.bookings import BookingRequest, create_booking


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


async def _differences(url: str) -> list:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await db.dispose()


async def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.read() as session:
            if db.dialect == "sqlite":
                # sqlite_stat1 and its kin are SQLite's own, written by ANALYZE, and stay after a downgrade.
                rows = await session.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                )
            else:
                rows = await session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            return {name for (name,) in rows}
    finally:
        await db.dispose()


def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    assert in_thread(asyncio.run, _differences(migrated_url)) == []


def test_downgrade_then_upgrade(migrated_url: str) -> None:
    in_thread(downgrade, migrated_url, "base")
    assert in_thread(asyncio.run, _tables(migrated_url)) <= {"alembic_version"}
    in_thread(upgrade, migrated_url)
    assert set(Base.metadata.tables) <= in_thread(asyncio.run, _tables(migrated_url))


async def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        async with db.read() as session:
            assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
    finally:
        await db.dispose()


async def _seed_and_count(url: str) -> int:
    from trainhub_ui.demo.seed import seed_demo

    db = Database(url)
    try:
        async with db.transaction() as session:
            await seed_demo(session)
        async with db.read() as session:
            return int(await session.scalar(text("SELECT count(*) FROM bookings")) or 0)
    finally:
        await db.dispose()


async def _bookings_and_orphans(url: str) -> tuple[int, list]:
    db = Database(url)
    try:
        async with db.read() as session:
            count = int(await session.scalar(text("SELECT count(*) FROM bookings")) or 0)
            orphans = (
                list((await session.execute(text("PRAGMA foreign_key_check"))).all()) if db.dialect == "sqlite" else []
            )
            return count, orphans
    finally:
        await db.dispose()


def test_migrations_keep_the_data_of_a_centre_in_use(migrated_url: str) -> None:
    """Down to the first schema with data in it and back: SQLite rebuilds tables that others point at."""
    booked = in_thread(asyncio.run, _seed_and_count(migrated_url))
    assert booked > 0
    in_thread(downgrade, migrated_url, "0001")
    in_thread(upgrade, migrated_url)
    assert in_thread(asyncio.run, _bookings_and_orphans(migrated_url)) == (booked, [])


async def _invoices_as_issued(url: str) -> list[tuple]:
    db = Database(url)
    try:
        async with db.read() as session:
            rows = await session.execute(
                text(
                    "SELECT i.tax_point = i.issued_on, i.supplier_name = t.name, i.customer_name <> '',"
                    " i.bank_details = t.bank_details, i.credited_amount FROM invoices i"
                    " JOIN tenants t ON t.id = i.tenant_id"
                )
            )
            return [tuple(row) for row in rows]
    finally:
        await db.dispose()


async def _an_invoice(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            tenant = await factories.centre(session, "migrating-centre", "Migrating Centre")
            tenant.bank_details = "Sort code 12-34-56"
            course = await factories.course(session, tenant)
            item = await factories.course_session(session, course)
            student = await factories.customer(session, tenant)
            request = BookingRequest(
                customer_id=student.id,
                session_id=item.id,
                payment_option=PaymentOption.INVOICE,
                billing_address="1 Dock Road",
            )
            await create_booking(session, TenantContext(tenant=tenant), request)
    finally:
        await db.dispose()


def test_invoices_issued_before_0011_keep_what_they_showed(migrated_url: str) -> None:
    """0011 fills in what an older invoice showed from the centre and the booking, and its tax point."""
    in_thread(asyncio.run, _an_invoice(migrated_url))
    in_thread(downgrade, migrated_url, "0010")
    in_thread(upgrade, migrated_url)
    rows = in_thread(asyncio.run, _invoices_as_issued(migrated_url))
    assert rows and all(tuple(bool(v) for v in row[:4]) == (True, True, True, True) for row in rows), rows
    assert {row[4] for row in rows} == {0}


_LINKING = "tenant_id = (SELECT id FROM tenants WHERE slug = 'linking-centre')"


async def _bookings_with_emails(url: str) -> None:
    """Two bookings, and for the first an email still to send and one sent, written as before 0013: with
    links to the pay page by the reference alone."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            tenant = await factories.centre(session, "linking-centre", "Linking Centre")
            course = await factories.course(session, tenant)
            item = await factories.course_session(session, course)
            ctx = TenantContext(tenant=tenant)
            for email in ("first@example.com", "second@example.com"):
                student = await factories.customer(session, tenant, email)
                await create_booking(session, ctx, BookingRequest(customer_id=student.id, session_id=item.id))
    finally:
        await db.dispose()


async def _as_before_0013(url: str) -> str:
    db = Database(url)
    try:
        async with db.transaction() as session:
            booking_id, reference, tenant_id = (
                await session.execute(
                    text(f"SELECT id, reference, tenant_id FROM bookings WHERE {_LINKING} ORDER BY reference")
                )
            ).first()
            link = f"http://test/linking-centre/pay/{reference}"
            for status in ("QUEUED", "SENT"):
                await session.execute(
                    text(
                        "INSERT INTO email_outbox (id, tenant_id, kind, to_address, subject, body_text, body_html,"
                        " attachments, booking_id, status, attempts, last_error, created_at, updated_at) VALUES"
                        " (:id, :tenant, 'hold_expiring', 'first@example.com', 'Held', :text, :html, '[]', :booking,"
                        " :status, 0, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": f"email-{status}",
                        "tenant": tenant_id,
                        "text": f"Pay now:\n{link}\n\nReference: {reference}\n",
                        "html": f'<a href="{link}">Pay now</a> <a href="{link}/invoice.pdf">x</a>',
                        "booking": booking_id,
                        "status": status,
                    },
                )
            return reference
    finally:
        await db.dispose()


async def _tokens_and_emails(url: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    db = Database(url)
    try:
        async with db.read() as session:
            tokens = dict(
                (await session.execute(text(f"SELECT reference, access_token FROM bookings WHERE {_LINKING}"))).all()
            )
            emails = {
                status: (body_text, body_html)
                for status, body_text, body_html in await session.execute(
                    text("SELECT status, body_text, body_html FROM email_outbox WHERE id LIKE 'email-%'")
                )
            }
            return tokens, emails
    finally:
        await db.dispose()


def test_0013_gives_every_booking_a_token_and_unsent_emails_their_links(migrated_url: str) -> None:
    in_thread(asyncio.run, _bookings_with_emails(migrated_url))
    in_thread(downgrade, migrated_url, "0012")
    reference = in_thread(asyncio.run, _as_before_0013(migrated_url))
    in_thread(upgrade, migrated_url)
    tokens, emails = in_thread(asyncio.run, _tokens_and_emails(migrated_url))
    assert len(tokens) == 2 and len(set(tokens.values())) == 2
    assert all(len(token) >= 32 for token in tokens.values())
    link = f"http://test/linking-centre/pay/{reference}"
    carried = f"{link}?t={tokens[reference]}"
    assert emails["QUEUED"] == (
        f"Pay now:\n{carried}\n\nReference: {reference}\n",
        f'<a href="{carried}">Pay now</a> <a href="{link}/invoice.pdf">x</a>',
    )
    # What was sent stays as it was: its link now leads to the page that says how to get a new one.
    assert emails["SENT"] == (
        f"Pay now:\n{link}\n\nReference: {reference}\n",
        f'<a href="{link}">Pay now</a> <a href="{link}/invoice.pdf">x</a>',
    )


async def _payments_and_courses(url: str) -> tuple[int, int, list]:
    db = Database(url)
    try:
        async with db.read() as session:
            count, courses = (
                await session.execute(text("SELECT count(*), count(DISTINCT course_id) FROM payments"))
            ).one()
            return int(count), int(courses), await payments_off_their_course(session)
    finally:
        await db.dispose()


def test_0017_gives_every_payment_its_course(migrated_url: str) -> None:
    """The demo's payments, written with their courses, lose them going down to 0016; 0017 finds each
    payment's course again through its booking's session."""
    in_thread(asyncio.run, _seed_and_count(migrated_url))
    before = in_thread(asyncio.run, _payments_and_courses(migrated_url))
    in_thread(downgrade, migrated_url, "0016")
    in_thread(upgrade, migrated_url)
    payments, courses, misplaced = in_thread(asyncio.run, _payments_and_courses(migrated_url))
    assert (payments, courses, misplaced) == before
    assert payments > 0 and courses > 1 and misplaced == []
