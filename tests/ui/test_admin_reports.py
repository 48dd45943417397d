"""Reports through the User harness: the period in the address, errors at the field, tables, CSVs, paging, roles."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import BookingStatus, PaymentOption, RefundStatus, StaffRole, Tenant
from pages.admin import report_accounting
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, staff_email
from tests.ui.test_sign_in_pages import SLOW, expect_refused, sign_in_staff
from tests.unit.test_reports import ReportBuilder
from trainhub_ui.db import Database
from trainhub_ui.payments import ProviderError, ProviderPayout
from trainhub_ui.services.payout_report import PAYOUTS_HEADER

YEAR = date.today().year
REPORTS = f"/{CENTRE_A}/admin/reports"


@dataclass
class Built:
    owing_ids: list[str]


async def _tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert tenant is not None
    return tenant


async def _centre(db: Database, *, owing: int = 1, slug: str = CENTRE_A) -> Built:
    """This year: £495 paid in February, £195 in March of which £50 refunded; `owing` balances of £136.50."""
    async with db.transaction() as session:
        b = ReportBuilder(session, await _tenant(session, slug))
        ccn1 = await b.course("ACS CCN1 Core Gas Safety", 49500)
        g3 = await b.course("Unvented Hot Water G3", 19500)
        done = await b.session_of(ccn1, date(YEAR, 2, 9), days=3, spots=10, booked=4, completed=True)
        later = await b.session_of(g3, date(YEAR, 12, 14), spots=8, booked=2)
        paid = await b.booking(done, BookingStatus.CONFIRMED, 49500, paid=49500)
        await b.paid(paid, 49500, datetime(YEAR, 2, 2, 10, tzinfo=UTC))
        partly = await b.booking(later, BookingStatus.CONFIRMED, 19500, paid=19500)
        payment = await b.paid(partly, 19500, datetime(YEAR, 3, 3, 10, tzinfo=UTC), refunded=5000)
        await b.refund(payment, 5000, datetime(YEAR, 3, 4, 10, tzinfo=UTC), RefundStatus.SUCCEEDED, "Goodwill")
        owing_ids = []
        for n in range(owing):
            booking = await b.booking(
                later, BookingStatus.CONFIRMED, 19500, option=PaymentOption.DEPOSIT, deposit=5850, paid=5850
            )
            booking.balance_due = 13650
            booking.reference = f"OWE-{n:05d}" if slug == CENTRE_A else f"OWB-{n:05d}"
            owing_ids.append(booking.id)
        await session.flush()
    return Built(owing_ids)


async def _signed_in(user: User, role: StaffRole = StaffRole.STAFF, slug: str = CENTRE_A) -> None:
    await sign_in_staff(user, staff_email(role, slug), PASSWORD, slug)
    await user.should_see("Welcome back", retries=SLOW)


def _rows(user: User, marker: str) -> list[dict]:
    """The rows a report table was drawn from (it is drawn as HTML: each row's cells are in its content too)."""
    table = user.find(marker=marker).elements.pop()
    assert isinstance(table, ui.html)
    for row in table.rows:  # type: ignore[attr-defined]
        assert all(html.escape(str(value)) in table.content for key, value in row.items() if key != "key")
    return table.rows  # type: ignore[attr-defined]


def _value(user: User, figure: str) -> str:
    summary = user.find(marker="summary").elements.pop()
    assert isinstance(summary, ui.html)
    found = re.search(rf'data-figure="{figure}">([^<]*)<', summary.content)
    assert found is not None
    return html.unescape(found.group(1))


async def _csv(user: User, what: str) -> list[list[str]]:
    user.find(marker=f"csv-{what}").click()
    response = await user.download.next(timeout=5)
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_this_years_report_by_default(user: User, centres: Database, role: StaffRole) -> None:
    built = await _centre(centres)
    await _signed_in(user, role)
    await user.open(REPORTS)
    await user.should_see(f"1 January {YEAR} to 31 December {YEAR}")
    assert user.find(marker="from").elements.pop().value == f"{YEAR}-01-01"
    assert user.find(marker="to").elements.pop().value == f"{YEAR}-12-31"
    assert _value(user, "summary-revenue") == "£640.00"
    assert _value(user, "summary-refunds") == "£50.00"
    assert _value(user, "summary-owed") == "£136.50"
    assert _value(user, "summary-occupancy") == "33%"  # 6 of 18 places
    assert _value(user, "summary-completion") == "100%"
    months = _rows(user, "revenue-by-month")
    assert len(months) == 13  # twelve months and the total
    assert [(m["label"], m["net"]) for m in months if m["payments"]] == [
        (f"Feb {YEAR}", "£495.00"),
        (f"Mar {YEAR}", "£145.00"),
        ("Total", "£640.00"),
    ]
    await user.should_see(marker="revenue-by-course")  # added up once the page is on screen
    assert [(c["label"], c["paid"], c["refunded"]) for c in _rows(user, "revenue-by-course")] == [
        ("ACS CCN1 Core Gas Safety", "£495.00", "£0.00"),
        ("Unvented Hot Water G3", "£195.00", "£50.00"),
    ]
    owed = _rows(user, "balances-owed")
    assert [(r["reference"], r["href"], r["amount"]) for r in owed] == [
        ("OWE-00000", f"/{CENTRE_A}/admin/bookings/{built.owing_ids[0]}", "£136.50")
    ]
    assert [(r["amount"], r["status"], r["reason"]) for r in _rows(user, "refunds-table")] == [
        ("£50.00", "Refunded", "Goodwill")
    ]
    assert [(r["course"], r["booked"], r["available"]) for r in _rows(user, "occupancy-table")] == [
        ("ACS CCN1 Core Gas Safety", 4, 10),
        ("Unvented Hot Water G3", 2, 8),
    ]
    # February's session was marked completed; its one student was issued no certificate.
    rows = _rows(user, "completion-table")
    completion = [(r["course"], r["ended"], r["completed"], r["students"], r["passed"]) for r in rows]
    assert completion == [("ACS CCN1 Core Gas Safety", 1, 1, 1, 0)]
    await user.should_see("No invoice is overdue.")


async def test_the_period_comes_from_the_address(user: User, centres: Database) -> None:
    await _centre(centres)
    await _signed_in(user)
    await user.open(f"{REPORTS}?from={YEAR}-03-01&to={YEAR}-03-31")
    await user.should_see(f"1 March {YEAR} to 31 March {YEAR}")
    assert user.find(marker="from").elements.pop().value == f"{YEAR}-03-01"
    assert [m["label"] for m in _rows(user, "revenue-by-month")] == [f"Mar {YEAR}", "Total"]
    assert _value(user, "summary-revenue") == "£145.00"
    await user.should_see(marker="revenue-by-course")
    assert [c["label"] for c in _rows(user, "revenue-by-course")] == ["Unvented Hot Water G3"]
    await user.should_see("No session that starts in this period has ended yet.")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (f"from={YEAR}-13-01", "from", "Enter the first date as YYYY-MM-DD"),
        ("to=31/12/2026", "to", "Enter the last date as YYYY-MM-DD"),
        (f"from={YEAR}-05-01&to={YEAR}-04-01", "to", "The last date must be on or after the first date."),
        (f"from={YEAR - 9}-01-01&to={YEAR}-01-01", "to", "Choose a period of at most 5 years."),
    ],
)
async def test_bad_dates_in_the_address_are_marked_at_the_field(
    user: User, centres: Database, query: str, field: str, message: str
) -> None:
    await _centre(centres)
    await _signed_in(user)
    response = await user.http_client.get(f"{REPORTS}?{query}")
    assert response.status_code == 200
    await user.open(f"{REPORTS}?{query}")
    await user.should_see("Correct the dates above to see the reports.")
    assert user.find(marker=field).elements.pop().props["error-message"].startswith(message)
    await user.should_not_see(marker="summary")


async def test_choosing_a_period_on_the_page(user: User, centres: Database) -> None:
    await _centre(centres)
    await _signed_in(user)
    await user.open(REPORTS)
    user.find(marker="from").clear().type(f"{YEAR}-04-01")
    user.find(marker="to").clear().type(f"{YEAR}-03-01")
    user.find(marker="show").click()
    await user.should_see("The last date must be on or after the first date.")
    await user.should_see(f"1 January {YEAR} to 31 December {YEAR}")  # still the report it was showing
    user.find(marker="to").clear().type(f"{YEAR}-04-30")
    user.find(marker="show").click()
    await user.should_see(f"1 April {YEAR} to 30 April {YEAR}")
    assert _value(user, "summary-revenue") == "£0.00"
    await user.should_see("No payments were received in this period.")
    user.find("Last year").click()
    await user.should_see(f"1 January {YEAR - 1} to 31 December {YEAR - 1}")


async def test_every_table_downloads_as_csv(user: User, centres: Database) -> None:
    await _centre(centres)
    await _signed_in(user)
    await user.open(f"{REPORTS}?from={YEAR}-01-01&to={YEAR}-06-30")
    by_month = await _csv(user, "revenue-by-month")
    assert by_month[0] == ["Month", "Payments", "Paid (GBP)", "Refunded (GBP)", "Revenue (GBP)"]
    assert by_month[2:4] == [
        [f"{YEAR}-02", "1", "495.00", "0.00", "495.00"],
        [f"{YEAR}-03", "1", "195.00", "50.00", "145.00"],
    ]
    assert by_month[-1] == ["total", "2", "690.00", "50.00", "640.00"]
    assert (await _csv(user, "revenue-by-course"))[1] == ["ACS CCN1 Core Gas Safety", "1", "495.00", "0.00", "495.00"]
    assert (await _csv(user, "balances-by-course"))[1:] == [["Unvented Hot Water G3", "1", "136.50"]]
    owed = await _csv(user, "balances-owed")
    assert owed[1][0] == "OWE-00000"
    assert owed[1][-1] == "136.50"
    assert (await _csv(user, "overdue-invoices")) == [
        ["Invoice", "Company", "Booking", "Student", "Course", "Due", "Days overdue", "Owed (GBP)"]
    ]
    refunds = await _csv(user, "refunds")
    assert [row[4:7] for row in refunds[1:]] == [["50.00", "Refunded", "Goodwill"]]
    assert (await _csv(user, "occupancy"))[1] == ["ACS CCN1 Core Gas Safety", "1", "4", "10", "0.4000"]
    assert (await _csv(user, "completion"))[1] == ["ACS CCN1 Core Gas Safety", "1", "1", "1.0000", "1", "0", "0.0000"]


async def test_long_lists_page_through_the_database(user: User, centres: Database) -> None:
    built = await _centre(centres, owing=23)
    await _signed_in(user)
    await user.open(REPORTS)
    assert [r["reference"] for r in _rows(user, "balances-owed")] == [f"OWE-{n:05d}" for n in range(20)]
    await user.should_see("1–20 of 23")
    user.find(marker="balances-next").click()
    await user.should_see("21–23 of 23")
    assert [r["key"] for r in _rows(user, "balances-owed")] == built.owing_ids[20:]
    user.find(marker="balances-previous").click()
    await user.should_see("1–20 of 23")
    assert len(await _csv(user, "balances-owed")) == 24


async def test_instructors_are_refused_and_other_centres_see_nothing(user: User, centres: Database) -> None:
    await _centre(centres)
    await user.open(REPORTS)
    await user.should_see("Staff sign-in")
    await _signed_in(user, StaffRole.OWNER, CENTRE_B)
    await user.open(f"/{CENTRE_B}/admin/reports")
    assert _value(user, "summary-revenue") == "£0.00"  # centre A's money is not theirs
    await user.should_not_see("ACS CCN1")
    await user.open(REPORTS)
    await user.should_see("Staff sign-in")
    await user.should_not_see("ACS CCN1")
    await _signed_in(user, StaffRole.INSTRUCTOR)
    await expect_refused(user, REPORTS)


async def test_a_neighbours_figures_never_count(user: User, centres: Database) -> None:
    await _centre(centres)
    await _centre(centres, owing=3, slug=CENTRE_B)
    await _signed_in(user)
    await user.open(REPORTS)
    assert _value(user, "summary-revenue") == "£640.00"
    assert _value(user, "summary-owed") == "£136.50"
    await user.should_see(marker="revenue-by-course")
    assert len(_rows(user, "revenue-by-course")) == 2
    assert len(_rows(user, "balances-owed")) == 1


async def test_the_accountants_files_download_with_the_periods_money(user: User, centres: Database) -> None:
    await _centre(centres)
    await _signed_in(user)
    await user.open(f"{REPORTS}?from={YEAR}-01-01&to={YEAR}-06-30")
    await user.should_see("For your accountant")
    xero = await _csv(user, "xero-bank-statement")
    assert xero[0] == ["*Date", "*Amount", "Payee", "Description", "Reference"]
    # The revenue CSV above: 690.00 paid and 50.00 refunded in these months.
    assert sorted(row[1] for row in xero[1:]) == ["-50.00", "195.00", "495.00"]
    quickbooks = await _csv(user, "quickbooks-bank-statement")
    assert sorted(row[2] for row in quickbooks[1:]) == ["-50.00", "195.00", "495.00"]
    assert (await _csv(user, "xero-sales-invoices"))[0][0] == "*ContactName"
    assert (await _csv(user, "quickbooks-invoices"))[0][0] == "InvoiceNo"
    assert (await _csv(user, "quickbooks-credit-notes"))[0][0] == "InvoiceNo"


class _Payouts:
    """Stands in for Stripe's payouts on the reports page: answers the payouts given, or refuses as Stripe would."""

    def __init__(self, answer: list[ProviderPayout] | ProviderError) -> None:
        self.answer = answer

    async def payouts(self, arrived_from: date, arrived_to: date) -> list[ProviderPayout]:
        if isinstance(self.answer, ProviderError):
            raise self.answer
        return self.answer


async def test_the_stripe_payouts_file_only_where_students_pay_by_card(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _centre(centres)
    await _signed_in(user, StaffRole.ADMIN)
    period = f"{REPORTS}?from={YEAR}-01-01&to={YEAR}-06-30"
    await user.open(period)  # the offline mode: no money moves, so no payouts
    await user.should_see("For your accountant")
    await user.should_not_see(marker="csv-stripe-payouts")

    by_hand = ProviderPayout("po_1", date(YEAR, 3, 6), 19500, "GBP", "paid", not_itemised="made by hand")
    stripe = _Payouts([by_hand])
    monkeypatch.setattr(report_accounting, "provider", lambda: stripe)
    await user.open(period)
    rows = await _csv(user, "stripe-payouts")
    assert rows[0] == PAYOUTS_HEADER
    assert rows[1] == [
        "po_1",
        f"06/03/{YEAR}",
        "",
        "",
        "payout not itemised (made by hand)",
        "195.00",
        "",
        "195.00",
        "GBP",
    ]
    # Stripe did not say what was in it, so both card payments of the period are listed as in no payout.
    assert sorted((row[4], row[5]) for row in rows[2:]) == [
        ("card payment in none of these payouts", "195.00"),
        ("card payment in none of these payouts", "495.00"),
    ]

    stripe.answer = ProviderError("Stripe did not list its payouts for these dates.")
    user.find(marker="csv-stripe-payouts").click()
    await user.should_see("Stripe did not list its payouts for these dates.")
