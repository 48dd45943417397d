"""Students through the User harness: roles, search kept in the address, paging, adding one with errors at
the field, the profile with bookings, payments and certificates, changing details, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from nicegui.testing import User
from sqlalchemy import func, select

from models import Achievement, Customer, StaffRole
from tests.ui.conftest import CENTRE_A, CENTRE_B
from tests.ui.test_admin_bookings import (
    _tenant,
    element,
    expect_refused,
    seed_bookings,
    signed_in,
    table_rows,
    wait_for,
)
from tests.ui.test_sign_in_pages import SLOW
from trainhub_ui.db import Database

LIST = f"/{CENTRE_A}/admin/students"


async def customer_by_email(db: Database, email: str, slug: str = CENTRE_A) -> Customer | None:
    async with db.read() as session:
        tenant = await _tenant(session, slug)
        return await session.scalar(select(Customer).where(Customer.tenant_id == tenant.id, Customer.email == email))


# --- roles and centres ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_staff_and_above_see_the_students(user: User, centres: Database, role: StaffRole) -> None:
    await seed_bookings(centres)
    await signed_in(user, role)
    await user.open(LIST)
    await user.should_see("5 students")
    rows = table_rows(user, "students-table")
    assert [row["name"] for row in rows] == [
        "Cole, Cara",
        "Dale, Dan",
        "Jones, Gareth",
        "Price, Amy",
        "Soon, Sol",
    ]
    dan = next(row for row in rows if row["name"] == "Dale, Dan")
    assert (dan["email"], dan["company"], dan["bookings"]) == ("dan@severn.example", "Severn Heating", 1)


async def test_an_instructor_is_refused_the_students(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, StaffRole.INSTRUCTOR)
    await expect_refused(user, LIST)
    await expect_refused(user, f"{LIST}/{seeded.students['gareth']}")
    response = await user.http_client.get(f"/{CENTRE_A}/admin/students.csv")
    assert response.status_code == 403
    assert "gareth@example.com" not in response.text


async def test_another_centres_student_is_not_found(user: User, centres: Database) -> None:
    theirs = await seed_bookings(centres, CENTRE_A)
    await signed_in(user, StaffRole.OWNER, CENTRE_B)
    response = await user.http_client.get(f"/{CENTRE_B}/admin/students/{theirs.students['gareth']}")
    assert response.status_code == 404
    assert "gareth@example.com" not in response.text
    await user.open(f"/{CENTRE_B}/admin/students?q=gareth")
    await user.should_see("0 students")
    csv_text = (await user.http_client.get(f"/{CENTRE_B}/admin/students.csv")).text
    assert "gareth@example.com" not in csv_text
    await user.open(LIST)
    await user.should_see("Staff sign-in")


# --- the list ------------------------------------------------------------------------------------


async def test_the_search_comes_from_the_address_and_from_the_box(user: User, centres: Database) -> None:
    await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}?q=severn")
    assert [row["name"] for row in table_rows(user, "students-table")] == ["Dale, Dan"]
    user.find(marker="filter-q").clear().type("cole").trigger("keydown.enter")
    await user.should_see("1 student")
    await wait_for(lambda: [r["name"] for r in table_rows(user, "students-table")] == ["Cole, Cara"], "Cara")
    await user.open(f"{LIST}?q=" + "x" * 201)
    assert element(user, "filter-q").error == "Search for at most 200 characters."
    await user.should_see("5 students")


async def test_paging_asks_the_database(user: User, centres: Database) -> None:
    await seed_bookings(centres, extra=24)  # 29 students
    await signed_in(user)
    await user.open(LIST)
    await user.should_see("29 students")
    table = element(user, "students-table")
    assert len(table.rows) == 25
    user.find(marker="students-table").trigger("request", {"pagination": {"page": 2, "rowsPerPage": 25}})
    await wait_for(lambda: len(table.rows) == 4 and table.pagination["page"] == 2, "the second page")
    assert [row["name"] for row in table.rows] == ["Filler, Extra23", "Jones, Gareth", "Price, Amy", "Soon, Sol"]
    await user.open(f"{LIST}?page=2")
    assert len(table_rows(user, "students-table")) == 4


async def test_the_csv_holds_every_matching_student(user: User, centres: Database) -> None:
    await seed_bookings(centres, extra=24)
    await signed_in(user)
    await user.open(f"{LIST}?q=filler")
    await user.should_see("24 students")
    user.find(marker="export-csv").click()
    response = await user.download.next(timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["First name", "Last name", "Email"]
    assert sorted(row[2] for row in rows[1:]) == sorted(f"x{n}@example.com" for n in range(24))


# --- adding and changing -------------------------------------------------------------------------


async def test_adding_a_student_with_errors_at_the_field(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(LIST)
    user.find(marker="add-student").click()
    user.find(marker="save-student").click()
    await wait_for(lambda: element(user, "student-first-name").error == "Enter a first name.", "first name")
    user.find(marker="student-first-name").type("Ada")
    user.find(marker="save-student").click()
    await wait_for(lambda: element(user, "student-last-name").error == "Enter a last name.", "last name")
    user.find(marker="student-last-name").type("Lovelace")
    user.find(marker="student-email").type("not-an-email")
    user.find(marker="save-student").click()
    await wait_for(lambda: bool(element(user, "student-email").error), "the email's problem")
    user.find(marker="student-email").clear().type("GARETH@example.com")
    user.find(marker="save-student").click()
    await wait_for(
        lambda: element(user, "student-email").error == "Another student of this centre has this email.",
        "the duplicate",
    )
    assert element(user, "existing-student").props["href"] == f"{LIST}/{seeded.students['gareth']}"
    user.find(marker="student-email").clear().type(" Ada@Example.com ")
    user.find(marker="student-billing-email").type("accounts@")
    user.find(marker="save-student").click()
    await wait_for(lambda: bool(element(user, "student-billing-email").error), "the billing email's problem")
    user.find(marker="student-billing-email").clear()
    user.find(marker="student-company").type("Analytical Engines Ltd")
    user.find(marker="save-student").click()
    await user.should_see("Ada Lovelace", retries=SLOW)
    added = await customer_by_email(centres, "ada@example.com")
    assert added is not None and (added.company_name, added.password_hash) == ("Analytical Engines Ltd", None)
    await user.should_see("No bookings yet.")


async def test_the_profile_shows_bookings_payments_and_certificates(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    async with centres.transaction() as session:
        tenant = await _tenant(session, CENTRE_A)
        session.add(
            Achievement(
                tenant_id=tenant.id,
                customer_id=seeded.students["gareth"],
                course_id=seeded.courses["ccn1"],
                number="CA-000042",
                issued_on=date(2025, 3, 1),
                expires_on=date(2030, 3, 1),
                verification_code="verify-ca-000042",
            )
        )
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.students['gareth']}")
    await user.should_see("Gareth Jones")
    await user.should_see("Bookings (1)")
    assert element(user, f"booking-{seeded.references['paid']}").props["href"] == (
        f"/{CENTRE_A}/admin/bookings/{seeded.ids['paid']}"
    )
    await user.should_see("Offline, paid")
    await user.should_see("£495.00")
    await user.should_see("CA-000042")
    pdf = await user.http_client.get(element(user, "certificate-CA-000042").props["href"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    await user.should_see("Issued 1 Mar 2025, expires 1 Mar 2030")
    await user.should_see("Valid")
    assert element(user, "all-bookings").props["href"] == (
        f"/{CENTRE_A}/admin/bookings?student={seeded.students['gareth']}"
    )


async def test_changing_a_students_details(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.students['amy']}")
    user.find(marker="edit-student").click()
    user.find(marker="student-email").clear().type("cara@example.com")
    user.find(marker="save-student").click()
    await wait_for(
        lambda: element(user, "student-email").error == "Another student of this centre has this email.",
        "the email of another student",
    )
    user.find(marker="student-email").clear().type("amy.price@example.com")
    user.find(marker="student-phone").type("07700 900999")
    user.find(marker="save-student").click()
    await user.should_see("Details saved.")
    await user.should_see("amy.price@example.com")
    changed = await customer_by_email(centres, "amy.price@example.com")
    assert changed is not None and changed.phone == "07700 900999"
    async with centres.read() as session:
        old = select(func.count()).select_from(Customer).where(Customer.email == "amy@example.com")
        assert await session.scalar(old) == 0


async def test_a_missing_student_is_a_404_page(user: User, centres: Database) -> None:
    await signed_in(user)
    response = await user.http_client.get(f"{LIST}/no-such-student")
    assert response.status_code == 404
    assert "There is no such student at this centre." in response.text
