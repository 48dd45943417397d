"""A student's data for a subject access request, on SQLite and PostgreSQL: every kind of record that is
theirs, none that is another student's or another centre's, no password hash; and the PDF to read."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from models import Customer, PaymentOption, WaitingListEntry
from tests.notify.conftest import at, centre_with_sessions
from tests.notify.test_outbox_delivery import book
from tests.pdf_text import pdf_text
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services.personal_data import personal_data, personal_data_pdf
from trainhub_ui.services.refunds import refund_booking
from trainhub_ui.services.tenants import create_tenant
from trainhub_ui.services.waiting_list import join_waiting_list

START, LATER = date(2027, 1, 11), date(2027, 2, 8)


async def test_everything_of_the_students_and_nothing_else(db: Database) -> None:
    centre = await centre_with_sessions(db, [START, LATER], spots=1)
    ctx = TenantContext(tenant=centre.tenant, actor="Priya Shah", clock=lambda: at(date(2026, 11, 24)))
    async with db.transaction() as session:
        gareth = await session.get(Customer, centre.students[0].id)
        assert gareth is not None
        gareth.password_hash = "$argon2id$secret-hash"
    paid = await book(db, ctx, centre, student=0)
    await refund_booking(db, ctx, OfflineProvider(), paid.id, 10000, "Lunch not provided")
    await book(db, ctx, centre, student=1, session=1, option=PaymentOption.INVOICE, pay=False)  # Megan's
    async with db.transaction() as session:
        await join_waiting_list(session, ctx, centre.sessions[1].id, centre.students[0].id)
        other = await create_tenant(session, "leeds-heat", "Leeds Heat")
        session.add(Customer(tenant_id=other.id, first_name="Gareth", last_name="Jones", email="gareth@example.com"))

    async with db.read() as session:
        data = await personal_data(session, ctx, centre.students[0].id)
    parsed = json.loads(data.as_json())
    assert parsed["student"]["email"] == "gareth@example.com" and parsed["student"]["has_account"] is True
    assert "password_hash" not in parsed["student"] and b"secret-hash" not in data.as_json()
    [booking] = parsed["bookings"]
    assert (booking["reference"], booking["course"]) == (paid.reference, "ACS CCN1 Core Gas Safety")
    assert "access_token" not in booking  # a key to the booking, not data about him
    assert [p["amount"] for p in parsed["payments"]] == [89500]
    assert [(r["amount"], r["reason"]) for r in parsed["refunds"]] == [(10000, "Lunch not provided")]
    assert parsed["invoices"] == [] and parsed["credit_notes"] == []  # Megan's invoice is hers
    assert [entry["session_id"] for entry in parsed["waiting_list"]] == [centre.sessions[1].id]
    kinds = {email["kind"] for email in parsed["emails"]}
    assert {"booking_confirmed", "payment_receipt", "refund_made"} <= kinds
    # Sent to him, or about his booking (the centre's notice of it names him).
    assert all(e["to_address"] == "gareth@example.com" or e["booking_id"] == paid.id for e in parsed["emails"])
    assert not any("Megan" in e["body_text"] for e in parsed["emails"])
    confirmation = next(e for e in parsed["emails"] if e["kind"] == "booking_confirmed")
    assert confirmation["attachments"] and confirmation["attachments"][0].endswith(".ics")
    assert "body_html" not in confirmation
    # About him, his booking, its payment and refund, his waiting-list entry: never Megan's booking.
    theirs = {centre.students[0].id, paid.id}
    theirs |= {p["id"] for p in parsed["payments"]} | {r["id"] for r in parsed["refunds"]}
    theirs |= {e["id"] for e in parsed["waiting_list"]} | {e["id"] for e in parsed["emails"]}
    assert {entry["entity_id"] for entry in parsed["audit_log"]} <= theirs
    actions = {entry["action"] for entry in parsed["audit_log"]}
    assert {"booking.created", "payment.paid", "refund.made", "waiting_list.joined"} <= actions

    text = pdf_text(personal_data_pdf(ctx, data))
    for expected in (
        "Your data at Bristol Gas Training",
        "Email: gareth@example.com",
        f"{paid.reference}: ACS CCN1 Core Gas Safety",
        "Refund of £100.00, succeeded: Lunch not provided",
        "Account: yes, with a password",
    ):
        assert expected in text, f"{expected!r} missing from:\n{text}"
    assert "Megan" not in text


async def test_another_centres_student_is_not_found(db: Database) -> None:
    centre = await centre_with_sessions(db, [START])
    async with db.transaction() as session:
        other = await create_tenant(session, "leeds-heat", "Leeds Heat")
    with pytest.raises(NotFound):
        async with db.read() as session:
            await personal_data(session, TenantContext(tenant=other), centre.students[0].id)
    async with db.read() as session:
        assert await session.scalar(select(WaitingListEntry.id)) is None
