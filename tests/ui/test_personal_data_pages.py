"""Downloading a student's data: the student from My account, staff from the student's profile (logged);
nobody else's, and never without the sign-in."""

from __future__ import annotations

import json

from nicegui.testing import User
from sqlalchemy import select

from models import AuditEntry, Customer, StaffRole
from tests.pdf_text import pdf_text
from tests.ui.conftest import CENTRE_A, CENTRE_B
from tests.ui.test_admin_settings import signed_in
from tests.ui.test_my_account import _jamies_bookings, _sign_in
from trainhub_ui.db import Database


async def test_a_student_downloads_their_own_data(user: User, centres: Database) -> None:
    _, made = await _jamies_bookings(centres)
    assert (await user.http_client.get(f"/{CENTRE_B}/account/my-data.json")).status_code == 404  # not signed in
    await _sign_in(user)
    await user.open(f"/{CENTRE_B}/account")
    await user.should_see(marker="my-data-json")
    response = await user.http_client.get(f"/{CENTRE_B}/account/my-data.json")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    data = json.loads(response.content)
    assert data["student"]["email"] == "jamie@example.com"
    assert {b["reference"] for b in data["bookings"]} == {b.reference for b in made.values()}
    pdf = await user.http_client.get(f"/{CENTRE_B}/account/my-data.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "Email: jamie@example.com" in pdf_text(pdf.content)
    # Signed in at centre B says nothing at centre A.
    assert (await user.http_client.get(f"/{CENTRE_A}/account/my-data.json")).status_code == 404


async def test_staff_download_a_students_data_and_it_is_logged(user: User, centres: Database) -> None:
    async with centres.read() as session:
        jamie = await session.scalar(select(Customer).where(Customer.email == "jamie@example.com"))
    assert jamie is not None
    await signed_in(user, StaffRole.STAFF, CENTRE_B)
    await user.open(f"/{CENTRE_B}/admin/students/{jamie.id}")
    await user.should_see(marker="student-data-pdf")
    response = await user.http_client.get(f"/{CENTRE_B}/admin/students/{jamie.id}/data.json")
    assert response.status_code == 200 and json.loads(response.content)["student"]["id"] == jamie.id
    async with centres.read() as session:
        logged = await session.scalar(select(AuditEntry).where(AuditEntry.action == "student.data_exported"))
    assert logged is not None and logged.entity_id == jamie.id and logged.details == {"format": "json"}
    assert (await user.http_client.get(f"/{CENTRE_B}/admin/students/{jamie.id}/data.xml")).status_code == 404
    assert (await user.http_client.get(f"/{CENTRE_B}/admin/students/not-a-student/data.json")).status_code == 404
