"""The bookings list and a booking's page through the User harness: roles, the view in the address, sorting and
paging, CSV, payments, refunds, cancelling, bank transfers, notes and history."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, OutboxEmail, PaymentMethod, PaymentOption, StaffRole, Tenant
from tests import factories
from tests.factories import PASSWORD
from tests.pdf_text import pdf_text
from tests.ui.conftest import CENTRE_A, CENTRE_B, staff_email
from tests.ui.test_sign_in_pages import SLOW, expect_refused, sign_in_staff
from trainhub_ui.db import Database, database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking
from trainhub_ui.services.payments import open_payment, payment_succeeded
from trainhub_ui.services.students import NewStudent, add_student

LIST = f"/{CENTRE_A}/admin/bookings"


@dataclass
class Seeded:
    ids: dict[str, str] = field(default_factory=dict)  # name -> booking id
    references: dict[str, str] = field(default_factory=dict)
    courses: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    students: dict[str, str] = field(default_factory=dict)


async def _tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert tenant is not None
    return tenant


async def seed_bookings(db: Database, slug: str = CENTRE_A, extra: int = 0) -> Seeded:
    """A course with a session 40 days ahead and one 5 days ahead, and bookings: `paid` (£495 by card),
    `held` (unpaid), `deposit` (30 % paid), `invoice` (a company's, nothing paid yet), `soon` (paid, in the
    session 5 days ahead) and `extra` more paid ones to fill pages."""
    seeded = Seeded()
    async with db.transaction() as session:
        tenant = await _tenant(session, slug)
        course = await factories.course(session, tenant, price=49500)
        course.title = "ACS CCN1 Core Gas Safety"
        later = await factories.course_session(session, course, spots=200, start=date.today() + timedelta(days=40))
        soon = await factories.course_session(session, course, spots=20, start=date.today() + timedelta(days=5))
    seeded.courses["ccn1"] = course.id
    seeded.sessions.update(later=later.id, soon=soon.id)
    ctx = TenantContext(tenant=tenant, actor="Test set-up")

    async def student(name: str, first: str, last: str, email: str, company: str = "") -> str:
        async with db.transaction() as session:
            customer = await add_student(
                session, ctx, NewStudent(first_name=first, last_name=last, email=email, company_name=company)
            )
        seeded.students[name] = customer.id
        return customer.id

    async def book(name: str, customer_id: str, session_id: str, *, pay: bool, **options: Any) -> None:
        async with db.transaction() as session:
            booking = await create_booking(
                session, ctx, BookingRequest(customer_id=customer_id, session_id=session_id, **options)
            )
        if pay:
            async with db.transaction() as session:
                payment = await open_payment(session, ctx, booking.id, PaymentMethod.OFFLINE)
            async with db.transaction() as session:
                await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)
        seeded.ids[name] = booking.id
        seeded.references[name] = booking.reference

    await book("paid", await student("gareth", "Gareth", "Jones", "gareth@example.com"), later.id, pay=True)
    await book("held", await student("amy", "Amy", "Price", "amy@example.com"), later.id, pay=False)
    cara = await student("cara", "Cara", "Cole", "cara@example.com")
    await book("deposit", cara, later.id, pay=True, payment_option=PaymentOption.DEPOSIT)
    dan = await student("dan", "Dan", "Dale", "dan@severn.example", "Severn Heating")
    await book("invoice", dan, later.id, pay=False, payment_option=PaymentOption.INVOICE, po_number="PO-77")
    await book("soon", await student("sol", "Sol", "Soon", "sol@example.com"), soon.id, pay=True)
    for n in range(extra):
        await book(
            f"extra{n}", await student(f"x{n}", f"Extra{n:02d}", "Filler", f"x{n}@example.com"), later.id, pay=True
        )
    return seeded


async def signed_in(user: User, role: StaffRole = StaffRole.STAFF, slug: str = CENTRE_A) -> None:
    await sign_in_staff(user, staff_email(role, slug), PASSWORD, slug)
    await user.should_see("Welcome back", retries=SLOW)


def table_rows(user: User, marker: str = "bookings-table") -> list[dict[str, Any]]:
    table = user.find(marker=marker).elements.pop()
    assert isinstance(table, ui.table)
    return table.rows


def element(user: User, marker: str) -> Any:
    found = user.find(marker=marker).elements
    assert len(found) == 1, marker
    return next(iter(found))


async def wait_for(check: Any, what: str) -> None:
    for _ in range(SLOW):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


async def booking_of(db: Database, booking_id: str) -> Booking:
    async with db.read() as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    return booking


# --- roles and centres ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_staff_and_above_see_every_booking(user: User, centres: Database, role: StaffRole) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, role)
    await user.open(LIST)
    await user.should_see("5 bookings")
    rows = table_rows(user)
    assert {row["reference"] for row in rows} == set(seeded.references.values())
    paid = next(row for row in rows if row["reference"] == seeded.references["paid"])
    assert (paid["student"], paid["email"], paid["course"]) == (
        "Gareth Jones",
        "gareth@example.com",
        "ACS CCN1 Core Gas Safety",
    )
    assert (paid["status"], paid["payment"], paid["total"], paid["balance"]) == ("Confirmed", "Paid", "£495.00", "–")
    assert paid["href"] == f"{LIST}/{seeded.ids['paid']}"
    await user.open(f"{LIST}/{seeded.ids['paid']}")
    await user.should_see(f"Booking {seeded.references['paid']}")


async def test_an_instructor_is_refused_the_list_the_booking_and_the_csv(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, StaffRole.INSTRUCTOR)
    await expect_refused(user, LIST)
    await expect_refused(user, f"{LIST}/{seeded.ids['paid']}")
    response = await user.http_client.get(f"/{CENTRE_A}/admin/bookings.csv")
    assert response.status_code == 403
    assert seeded.references["paid"] not in response.text


async def test_signing_in_first(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    response = await user.http_client.get(f"{LIST}/{seeded.ids['paid']}")
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]
    response = await user.http_client.get(f"/{CENTRE_A}/admin/bookings.csv?status=confirmed")
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


async def test_another_centres_staff_see_nothing_of_this_centre(user: User, centres: Database) -> None:
    theirs = await seed_bookings(centres, CENTRE_A)
    await seed_bookings(centres, CENTRE_B)
    await signed_in(user, StaffRole.OWNER, CENTRE_B)
    # Their own back office, asked for this centre's booking: not found, and nothing of it shown.
    response = await user.http_client.get(f"/{CENTRE_B}/admin/bookings/{theirs.ids['paid']}")
    assert response.status_code == 404
    assert theirs.references["paid"] not in response.text
    await user.open(f"/{CENTRE_B}/admin/bookings")
    assert not {row["reference"] for row in table_rows(user)} & set(theirs.references.values())
    await user.open(f"/{CENTRE_B}/admin/bookings?course={theirs.courses['ccn1']}")
    await user.should_see("That course is not one of this centre's.")
    await user.open(f"/{CENTRE_B}/admin/bookings?q={theirs.references['paid']}")
    await user.should_see("0 bookings")
    csv_text = (await user.http_client.get(f"/{CENTRE_B}/admin/bookings.csv")).text
    assert theirs.references["paid"] not in csv_text
    # And this centre's back office wants its own sign-in.
    await user.open(LIST)
    await user.should_see("Staff sign-in")


async def test_a_missing_booking_is_a_404_page(user: User, centres: Database) -> None:
    await signed_in(user)
    for missing in ("no-such-booking", "x" * 200):
        response = await user.http_client.get(f"{LIST}/{missing}")
        assert response.status_code == 404
        assert "There is no such booking at this centre." in response.text


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", {"held"}),
        ("payment=deposit_paid", {"deposit"}),
        ("payment=on_invoice", {"invoice"}),
        ("payment=paid&sort=reference&desc=0", {"paid", "soon"}),
        ("q=severn", {"invoice"}),
        ("q=GARETH", {"paid"}),
        ("from={soon}&to={soon}", {"soon"}),
    ],
)
async def test_the_view_comes_from_the_address(user: User, centres: Database, query: str, expected: set[str]) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    soon = (date.today() + timedelta(days=5)).isoformat()
    await user.open(f"{LIST}?{query.format(soon=soon)}")
    by_reference = {reference: name for name, reference in seeded.references.items()}
    await user.should_see(f"{len(expected)} booking")
    assert {by_reference[row["reference"]] for row in table_rows(user)} == expected


async def test_course_and_session_filters_from_the_address(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}?course={seeded.courses['ccn1']}&session={seeded.sessions['soon']}")
    assert [row["reference"] for row in table_rows(user)] == [seeded.references["soon"]]
    assert element(user, "filter-course").value == seeded.courses["ccn1"]
    assert element(user, "filter-session").value == seeded.sessions["soon"]
    await user.open(f"{LIST}?student={seeded.students['cara']}")
    await user.should_see("Student: Cara Cole")
    assert [row["reference"] for row in table_rows(user)] == [seeded.references["deposit"]]


@pytest.mark.parametrize(
    ("query", "marker", "message"),
    [
        ("from=2026-13-45", "filter-from", "Give a date as YYYY-MM-DD."),
        ("to=tomorrow", "filter-to", "Give a date as YYYY-MM-DD."),
        ("from=2020-02-01&to=2020-01-01", "filter-to", "The end of the date range is before its start."),
        ("q=" + "x" * 201, "filter-q", "Search for at most 200 characters."),
        ("status=lost", "filter-status", "Choose a status from the list."),
        ("payment=free", "filter-payment", "Choose a payment state from the list."),
        ("course=not-ours", "filter-course", "That course is not one of this centre's."),
    ],
)
async def test_a_bad_address_is_marked_at_the_field_and_the_rest_still_shows(
    user: User, centres: Database, query: str, marker: str, message: str
) -> None:
    await seed_bookings(centres)
    await signed_in(user)
    response = await user.http_client.get(f"{LIST}?{query}&sort=nonsense&page=-3&per=7")
    assert response.status_code == 200
    await user.open(f"{LIST}?{query}")
    assert element(user, marker).error == message
    await user.should_see("5 bookings")


async def test_sorting_and_paging_ask_the_database(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres, extra=24)  # 29 bookings: two pages of 25
    await signed_in(user)
    await user.open(LIST)
    await user.should_see("29 bookings")
    table = element(user, "bookings-table")
    assert len(table.rows) == 25 and table.pagination["rowsNumber"] == 29
    everything = sorted(seeded.references.values())

    def ask(page: int, per_page: int, descending: bool) -> None:
        pagination = {"page": page, "rowsPerPage": per_page, "sortBy": "reference", "descending": descending}
        user.find(marker="bookings-table").trigger("request", {"pagination": pagination})

    ask(1, 25, False)  # a new sort starts at the first page
    await wait_for(lambda: [r["reference"] for r in table.rows] == everything[:25], "the first page by reference")
    ask(2, 25, False)
    await wait_for(lambda: [r["reference"] for r in table.rows] == everything[25:], "the second page by reference")
    assert table.pagination == {
        "page": 2,
        "rowsPerPage": 25,
        "sortBy": "reference",
        "descending": False,
        "rowsNumber": 29,
    }
    ask(1, 50, True)
    await wait_for(lambda: [r["reference"] for r in table.rows] == everything[::-1], "all of them, newest reference")
    # A page past the end, asked by a hand-made address: the last page instead.
    await user.open(f"{LIST}?page=9&sort=reference&desc=0")
    assert [r["reference"] for r in table_rows(user)] == everything[25:]


async def test_choosing_filters_on_the_page(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(LIST)
    await user.should_see("5 bookings")
    element(user, "filter-status").set_value("confirmed")
    await user.should_see("4 bookings")
    element(user, "filter-payment").set_value("paid")
    await user.should_see("2 bookings")
    user.find(marker="filter-q").type("sol").trigger("keydown.enter")
    await user.should_see("1 booking")
    assert [r["reference"] for r in table_rows(user)] == [seeded.references["soon"]]
    element(user, "filter-from").set_value("not a date")
    user.find(marker="filter-from").trigger("change")
    await wait_for(lambda: element(user, "filter-from").error == "Give a date as YYYY-MM-DD.", "the date error")
    user.find(marker="clear-filters").click()
    await user.should_see("5 bookings")
    element(user, "filter-course").set_value(seeded.courses["ccn1"])
    await wait_for(lambda: seeded.sessions["soon"] in element(user, "filter-session").options, "the sessions")
    element(user, "filter-session").set_value(seeded.sessions["later"])
    await user.should_see("4 bookings")


async def test_the_csv_holds_the_whole_filtered_list_not_only_the_page(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres, extra=24)
    await signed_in(user)
    await user.open(f"{LIST}?payment=paid&sort=reference&desc=0")
    await user.should_see("26 bookings")  # the 24 extra, "paid" and "soon"
    assert len(table_rows(user)) == 25
    user.find(marker="export-csv").click()
    response = await user.download.next(timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Status", "Payment"]
    paid_names = [n for n in seeded.references if n not in ("held", "deposit", "invoice")]
    assert [row[0] for row in rows[1:]] == sorted(seeded.references[n] for n in paid_names)
    assert {row[2] for row in rows[1:]} == {"Paid"}


async def test_a_bad_csv_address_is_refused_with_the_reason(user: User, centres: Database) -> None:
    await signed_in(user)
    response = await user.http_client.get(f"/{CENTRE_A}/admin/bookings.csv?from=someday")
    assert response.status_code == 422
    assert "from: Give a date as YYYY-MM-DD." in response.text


# --- one booking ---------------------------------------------------------------------------------


async def test_the_booking_page_shows_the_booking_student_payments_and_history(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['deposit']}")
    await user.should_see(f"Booking {seeded.references['deposit']}")
    await user.should_see("Deposit paid")
    assert element(user, "money-paid").text == "£148.50"
    assert element(user, "money-balance-due").text == "£346.50"
    assert element(user, "student-link").text == "Cara Cole"
    await user.should_see("Deposit · offline")
    await user.should_see("Booked: £495.00, deposit")
    await user.should_see("Payment received: £148.50")
    await user.should_see("Test set-up")  # who did it
    await user.should_see("Refunds are made by an admin.")  # STAFF
    await user.should_not_see(marker="refund")


async def test_a_cancelled_invoice_booking_shows_its_credit_note_to_download(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    async with centres.transaction() as session:
        ctx = TenantContext(tenant=await _tenant(session, CENTRE_A), actor="Test set-up")
        await cancel_booking(session, ctx, seeded.ids["invoice"], "The company withdrew")
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['invoice']}")
    await user.should_see(marker="invoice-link")
    await user.should_see(marker="credit-note-1")
    await user.should_see("Credit note issued: £495.00, CN-00001, crediting INV-00001")
    link = element(user, "credit-note-1")
    assert link.text.startswith("CN-00001 (PDF), £495.00")
    pdf = await user.http_client.get(link.props["href"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf_text(pdf.content).count("CN-00001") == 1
    elsewhere = await user.http_client.get(link.props["href"].replace(CENTRE_A, CENTRE_B, 1))
    assert elsewhere.status_code == 404


async def test_the_booking_page_shows_the_company_billing_address_on_its_lines(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    async with centres.transaction() as session:
        booking = await session.get(Booking, seeded.ids["invoice"])
        assert booking is not None
        booking.billing_address = "Unit 4, Riverside Park\nBristol BS1 6AA"
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['invoice']}")
    await user.should_see(marker="billing-address")
    shown = element(user, "billing-address")
    assert shown.text == "Unit 4, Riverside Park\nBristol BS1 6AA"
    assert "whitespace-pre-line" in shown.classes


async def test_staff_notes_are_saved(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['paid']}")
    user.find(marker="staff-notes").type("Called about parking.")
    user.find(marker="special-requests").type("Vegetarian lunch")
    user.find(marker="save-notes").click()
    await user.should_see("Notes saved.")
    booking = await booking_of(centres, seeded.ids["paid"])
    assert (booking.staff_notes, booking.special_requests) == ("Called about parking.", "Vegetarian lunch")
    await user.should_see("Notes changed: staff notes, special requests")
    user.find(marker="save-notes").click()
    await user.should_see("Nothing to save: the notes are as they were.")
    user.find(marker="staff-notes").clear().type("Parking sorted.")
    user.find(marker="save-notes").click()
    for _ in range(SLOW):
        if (await booking_of(centres, seeded.ids["paid"])).staff_notes == "Parking sorted.":
            break
        await asyncio.sleep(0.1)
    booking = await booking_of(centres, seeded.ids["paid"])
    assert (booking.staff_notes, booking.special_requests) == ("Parking sorted.", "Vegetarian lunch")


async def test_recording_a_bank_transfer_with_errors_at_the_field(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['invoice']}")
    await user.should_see("On invoice")
    user.find(marker="record-transfer").click()
    await user.should_see("Balance due: £495.00.")
    for typed, message in (
        ("lots", "Give an amount like 49.50."),
        ("0", "Give an amount above zero."),
        ("10.005", "Give at most two decimals (pence)."),
        ("495.01", "At most the balance due, £495.00, can be recorded."),
    ):
        user.find(marker="transfer-amount").clear().type(typed)
        user.find(marker="confirm-transfer").click()
        await wait_for(lambda m=message: element(user, "transfer-amount").error == m, message)
    assert (await booking_of(centres, seeded.ids["invoice"])).amount_paid == 0
    user.find(marker="transfer-amount").clear().type("£200")
    user.find(marker="transfer-note").type("BACS 1234")
    user.find(marker="confirm-transfer").click()
    await user.should_see("£200.00 recorded.")
    booking = await booking_of(centres, seeded.ids["invoice"])
    assert (booking.amount_paid, booking.balance_due) == (20000, 29500)
    await user.should_see("Bank transfer recorded: £200.00, BACS 1234")
    assert element(user, "money-balance-due").text == "£295.00"


async def test_an_admin_refunds_part_never_more_than_was_paid(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, StaffRole.ADMIN)
    await user.open(f"{LIST}/{seeded.ids['paid']}")
    user.find(marker="refund").click()
    await user.should_see("Up to £495.00 can be refunded")
    user.find(marker="refund-amount").clear().type("495.50")
    user.find(marker="confirm-refund").click()
    await wait_for(
        lambda: (element(user, "refund-amount").error or "").startswith("At most £495.00 can be refunded"),
        "the service's refusal at the field",
    )
    user.find(marker="refund-amount").clear().type("100")
    user.find(marker="refund-reason").type("Goodwill")
    user.find(marker="confirm-refund").click()
    await user.should_see("£100.00 refunded.")
    await user.should_see("Part refunded")
    assert element(user, "money-refunded").text == "£100.00"
    await user.should_see("Refund made: £100.00")
    booking = await booking_of(centres, seeded.ids["paid"])
    assert booking.status is BookingStatus.CONFIRMED
    user.find(marker="refund").click()
    await user.should_see("Up to £395.00 can be refunded")


async def test_cancelling_shows_the_policys_refund_first_and_can_override_it(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, StaffRole.ADMIN)
    # Five days before the start: the policy keeps the deposit (30 % of £495 = £148.50).
    await user.open(f"{LIST}/{seeded.ids['soon']}")
    user.find(marker="cancel-booking").click()
    await user.should_see("By the centre's policy: £346.50 back")
    await user.should_see("In full, the centre cancels: £495.00 back")
    element(user, "refund-choice").set_value("FULL")
    user.find(marker="cancel-reason").type("Course moved")
    user.find(marker="confirm-cancel").click()
    await user.should_see("Booking cancelled; £495.00 refunded.")
    booking = await booking_of(centres, seeded.ids["soon"])
    assert (booking.status, booking.cancellation_reason) == (BookingStatus.CANCELLED, "Course moved")
    await user.should_see("Refunded")
    await user.should_not_see(marker="cancel-booking")


async def test_cancelling_without_a_refund(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, StaffRole.ADMIN)
    await user.open(f"{LIST}/{seeded.ids['paid']}")
    user.find(marker="cancel-booking").click()
    await user.should_see("By the centre's policy: £495.00 back")  # 40 days ahead: everything back
    element(user, "refund-choice").set_value("NONE")
    user.find(marker="confirm-cancel").click()
    await user.should_see("Booking cancelled.")
    booking = await booking_of(centres, seeded.ids["paid"])
    assert booking.status is BookingStatus.CANCELLED
    await user.should_see("Cancelled")
    await user.should_see("Paid")  # nothing was given back


async def test_staff_cancel_by_the_policy_only(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user, StaffRole.STAFF)
    await user.open(f"{LIST}/{seeded.ids['soon']}")
    user.find(marker="cancel-booking").click()
    await user.should_see("the other choices need an admin")
    assert not element(user, "refund-choice").enabled
    user.find(marker="confirm-cancel").click()
    await user.should_see("Booking cancelled; £346.50 refunded.")


async def test_a_booking_cancelled_elsewhere_shows_here_without_a_reload(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['held']}")
    await user.should_see("Held, unpaid")
    # Through the app's own database, so the change is published to its pages as any other would be.
    async with database().transaction() as session:
        tenant = await _tenant(session, CENTRE_A)
        await cancel_booking(session, TenantContext(tenant=tenant, actor="Elsewhere"), seeded.ids["held"], "Phoned")
    await user.should_see("Cancelled: Phoned", retries=SLOW)


async def test_staff_resend_the_confirmation_by_email(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    await signed_in(user)
    await user.open(f"{LIST}/{seeded.ids['paid']}")
    async with centres.read() as session:
        before = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "booking_confirmed")))
    user.find(marker="resend-confirmation").click()
    await user.should_see("The confirmation is on its way to", retries=SLOW)
    async with centres.read() as session:
        after = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "booking_confirmed")))
    [again] = [email for email in after if email.id not in {e.id for e in before}]
    assert again.booking_id == seeded.ids["paid"] and again.dedupe_key is None
    assert again.attachments and again.attachments[0]["filename"].endswith(".ics")
