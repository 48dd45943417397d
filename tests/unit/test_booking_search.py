"""The back office's booking list: filters, payment states, sorting, paging, CSV and one booking's record,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from models import BookingStatus, PaymentMethod, PaymentOption, Tenant
from tests import factories
from tests.factories import Clock
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import booking_search
from trainhub_ui.services.booking_filters import SORTS, BookingSearch
from trainhub_ui.services.booking_search import BookingLine, booking_record, export_lines, search_bookings
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking
from trainhub_ui.services.payment_states import PaymentState, payment_state
from trainhub_ui.services.payments import open_payment, payment_succeeded, record_bank_transfer
from trainhub_ui.services.refunds import refund_booking, refund_by_policy
from trainhub_ui.services.students import NewStudent, add_student

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@dataclass
class Centre:
    ctx: TenantContext
    clock: Clock
    courses: dict[str, str]  # title -> id
    sessions: dict[str, str]  # name -> id
    bookings: dict[str, str]  # name -> id
    references: dict[str, str]  # name -> reference


async def _student(db: Database, ctx: TenantContext, first: str, last: str, email: str, company: str = "") -> str:
    async with db.transaction() as session:
        customer = await add_student(
            session, ctx, NewStudent(first_name=first, last_name=last, email=email, company_name=company)
        )
    return customer.id


async def _book(db: Database, centre: Centre, name: str, customer_id: str, session: str, **options: object) -> str:
    centre.clock.now += timedelta(minutes=1)  # each booking a moment later: "booked" has one order
    async with db.transaction() as s:
        booking = await create_booking(
            s, centre.ctx, BookingRequest(customer_id=customer_id, session_id=centre.sessions[session], **options)
        )
    centre.bookings[name] = booking.id
    centre.references[name] = booking.reference
    return booking.id


async def _pay(db: Database, ctx: TenantContext, booking_id: str) -> None:
    assert isinstance(ctx.clock, Clock)
    ctx.clock.now += timedelta(seconds=10)  # paid a little after booking: the history has one order
    async with db.transaction() as session:
        payment = await open_payment(session, ctx, booking_id, PaymentMethod.OFFLINE)
    async with db.transaction() as session:
        await payment_succeeded(session, ctx, payment.id, amount=payment.amount, currency=payment.currency)


async def _centre(db: Database, slug: str, name: str) -> Centre:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug, name)
        # Balances due two days before the start: the deposit booked 10 days ahead is still offered.
        tenant.balance_due_days = 2
        boilers = await factories.course(session, tenant, price=10000, slug="boilers")
        boilers.title = "Boiler basics"
        pumps = await factories.course(session, tenant, price=20000, slug="pumps")
        pumps.title = "Heat pumps"
        early = await factories.course_session(session, boilers, start=(NOW + timedelta(days=10)).date())
        late = await factories.course_session(session, boilers, start=(NOW + timedelta(days=40)).date())
        middle = await factories.course_session(session, pumps, start=(NOW + timedelta(days=20)).date())
    clock = Clock(NOW)
    ctx = TenantContext(tenant=tenant, actor="Priya Shah", clock=clock)
    return Centre(
        ctx,
        clock,
        {"Boiler basics": boilers.id, "Heat pumps": pumps.id},
        {"early": early.id, "late": late.id, "middle": middle.id},
        {},
        {},
    )


@pytest.fixture
async def alpha(db: Database) -> Centre:
    """Seven bookings, one in each payment state (two paid), in three sessions of two courses."""
    centre = await _centre(db, "alpha-gas", "Alpha Gas School")
    ctx = centre.ctx
    ann = await _student(db, ctx, "Ann", "Archer", "ann@example.com", "Archer Heating")
    bob = await _student(db, ctx, "Bob", "Baker", "bob.baker@example.com")
    cara = await _student(db, ctx, "Cara", "Cole", "cara@example.com")
    dan = await _student(db, ctx, "Dan", "Dale", "dan@example.com")
    eve = await _student(db, ctx, "Eve", "Evans", "eve@example.com")
    fay = await _student(db, ctx, "Fay", "Ford", "fay@example.com", "100% Gas_Co")
    provider = OfflineProvider()

    await _book(db, centre, "unpaid", ann, "early")
    await _pay(db, ctx, await _book(db, centre, "paid", bob, "early"))
    await _pay(db, ctx, await _book(db, centre, "deposit", cara, "early", payment_option=PaymentOption.DEPOSIT))
    invoice = await _book(
        db, centre, "invoice", dan, "middle", payment_option=PaymentOption.INVOICE, company_name="Dale Plumbing"
    )
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, invoice, 5000)
    part = await _book(db, centre, "part_refunded", eve, "middle")
    await _pay(db, ctx, part)
    await refund_booking(db, ctx, provider, part, 5000, "Goodwill")
    refunded = await _book(db, centre, "refunded", fay, "late")
    await _pay(db, ctx, refunded)
    async with db.transaction() as session:
        await cancel_booking(session, ctx, refunded, "Changed jobs")
    await refund_by_policy(db, ctx, provider, refunded, in_full=True)
    invoice_paid = await _book(db, centre, "invoice_paid", ann, "middle", payment_option=PaymentOption.INVOICE)
    async with db.transaction() as session:
        await record_bank_transfer(session, ctx, invoice_paid, 20000)
    return centre


@pytest.fixture
async def beta(db: Database, alpha: Centre) -> Centre:
    """Another centre with a student of the same name and email: nothing of it may show at Alpha."""
    centre = await _centre(db, "beta-heat", "Beta Heat Academy")
    ann = await _student(db, centre.ctx, "Ann", "Archer", "ann@example.com", "Archer Heating")
    await _pay(db, centre.ctx, await _book(db, centre, "paid", ann, "early"))
    return centre


EXPECTED_STATES = {
    "unpaid": PaymentState.NOT_PAID,
    "paid": PaymentState.PAID,
    "deposit": PaymentState.DEPOSIT_PAID,
    "invoice": PaymentState.ON_INVOICE,
    "part_refunded": PaymentState.PART_REFUNDED,
    "refunded": PaymentState.REFUNDED,
    "invoice_paid": PaymentState.PAID,
}


async def _search(db: Database, centre: Centre, search: BookingSearch, **paging: int) -> booking_search.BookingPage:
    async with db.read() as session:
        return await search_bookings(session, centre.ctx, search, **paging)


def _names(centre: Centre, lines: list[BookingLine]) -> list[str]:
    by_id = {booking_id: name for name, booking_id in centre.bookings.items()}
    return [by_id[line.id] for line in lines]


@pytest.mark.parametrize(
    ("option", "total", "paid", "refunded", "state"),
    [
        (PaymentOption.FULL, 10000, 0, 0, PaymentState.NOT_PAID),
        (PaymentOption.DEPOSIT, 10000, 3000, 0, PaymentState.DEPOSIT_PAID),
        (PaymentOption.FULL, 10000, 10000, 0, PaymentState.PAID),
        (PaymentOption.INVOICE, 10000, 0, 0, PaymentState.ON_INVOICE),
        (PaymentOption.INVOICE, 10000, 4000, 0, PaymentState.ON_INVOICE),
        (PaymentOption.INVOICE, 10000, 10000, 0, PaymentState.PAID),
        (PaymentOption.FULL, 10000, 10000, 2500, PaymentState.PART_REFUNDED),
        (PaymentOption.FULL, 10000, 10000, 10000, PaymentState.REFUNDED),
        (PaymentOption.DEPOSIT, 10000, 3000, 3000, PaymentState.REFUNDED),
        (PaymentOption.FULL, 0, 0, 0, PaymentState.PAID),  # a free course: nothing to pay
    ],
)
def test_payment_state(option: PaymentOption, total: int, paid: int, refunded: int, state: PaymentState) -> None:
    assert payment_state(option, total, paid, refunded) is state


async def test_each_booking_has_its_payment_state_and_the_filter_agrees(db: Database, alpha: Centre) -> None:
    everything = await _search(db, alpha, BookingSearch(), limit=50)
    assert everything.total == len(alpha.bookings) == len(everything.lines)
    names = _names(alpha, everything.lines)
    assert {name: line.payment_state for name, line in zip(names, everything.lines, strict=True)} == EXPECTED_STATES
    # The SQL filter of each state finds exactly the bookings whose state is that (no booking twice, none lost).
    seen: list[str] = []
    for state in PaymentState:
        found = await _search(db, alpha, BookingSearch(payment=state), limit=50)
        names = _names(alpha, found.lines)
        assert found.total == len(names)
        assert sorted(names) == sorted(n for n, s in EXPECTED_STATES.items() if s is state), state
        seen += names
    assert sorted(seen) == sorted(alpha.bookings)


async def test_lines_carry_the_student_session_course_and_money(db: Database, alpha: Centre) -> None:
    found = await _search(db, alpha, BookingSearch(text=alpha.references["part_refunded"]))
    [line] = found.lines
    assert (line.student_name, line.student_email, line.course_title) == ("Eve Evans", "eve@example.com", "Heat pumps")
    assert line.session_start_date == (NOW + timedelta(days=20)).date()
    assert (line.total_amount, line.amount_paid, line.refunded, line.balance_due) == (20000, 20000, 5000, 0)
    assert line.status is BookingStatus.CONFIRMED
    [invoice] = (await _search(db, alpha, BookingSearch(text=alpha.references["invoice"]))).lines
    assert invoice.company_name == "Dale Plumbing"  # the booking's own company comes first
    [unpaid] = (await _search(db, alpha, BookingSearch(text=alpha.references["unpaid"]))).lines
    assert unpaid.company_name == "Archer Heating"  # otherwise the student's


async def test_filters(db: Database, alpha: Centre) -> None:
    async def names(**given: object) -> set[str]:
        found = await _search(db, alpha, BookingSearch(**given), limit=50)
        assert found.total == len(found.lines)
        return set(_names(alpha, found.lines))

    assert await names(status=BookingStatus.CANCELLED) == {"refunded"}
    assert await names(status=BookingStatus.PENDING) == {"unpaid"}
    assert await names(course_id=alpha.courses["Heat pumps"]) == {"invoice", "part_refunded", "invoice_paid"}
    assert await names(session_id=alpha.sessions["early"]) == {"unpaid", "paid", "deposit"}
    assert await names(course_id=alpha.courses["Boiler basics"], session_id=alpha.sessions["late"]) == {"refunded"}
    early, middle = (NOW + timedelta(days=10)).date(), (NOW + timedelta(days=20)).date()
    assert await names(starts_from=middle) == {"invoice", "part_refunded", "invoice_paid", "refunded"}
    assert await names(starts_to=middle) == {"unpaid", "paid", "deposit", "invoice", "part_refunded", "invoice_paid"}
    assert await names(starts_from=early, starts_to=early) == {"unpaid", "paid", "deposit"}
    assert await names(starts_from=middle + timedelta(days=1), starts_to=middle + timedelta(days=2)) == set()
    assert await names(status=BookingStatus.CONFIRMED, payment=PaymentState.PAID) == {"paid", "invoice_paid"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ann", {"unpaid", "invoice_paid"}),  # a first name, in any case
        ("ARCHER", {"unpaid", "invoice_paid"}),  # a last name
        ("ann arch", {"unpaid", "invoice_paid"}),  # the full name
        ("bob.baker@", {"paid"}),  # the email
        ("archer heat", {"unpaid", "invoice_paid"}),  # the student's company
        ("dale plumb", {"invoice"}),  # the booking's company
        ("100%", {"refunded"}),  # a % is a character, not a wildcard
        ("s_co", {"refunded"}),  # and so is an underscore
        ("%", {"refunded"}),
        ("nobody", set()),
    ],
)
async def test_text_search(db: Database, alpha: Centre, text: str, expected: set[str]) -> None:
    found = await _search(db, alpha, BookingSearch(text=text), limit=50)
    assert set(_names(alpha, found.lines)) == expected


async def test_text_finds_a_reference_or_part_of_one(db: Database, alpha: Centre) -> None:
    reference = alpha.references["deposit"]
    for text in (reference, reference.lower(), reference[-4:], f"  {reference}  "):
        found = await _search(db, alpha, BookingSearch(text=text))
        assert "deposit" in _names(alpha, found.lines), text


async def test_a_student_name_does_not_run_into_their_email(db: Database, alpha: Centre) -> None:
    # "Archer" then "ann@": joined for the search, they must not match across the join.
    found = await _search(db, alpha, BookingSearch(text="archerann"))
    assert found.total == 0


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("descending", [False, True])
async def test_every_sort_orders_the_whole_list_and_pages_split_it(
    db: Database, alpha: Centre, sort: str, descending: bool
) -> None:
    search = BookingSearch(sort=sort, descending=descending)
    whole = await _search(db, alpha, search, limit=50)
    keys = {
        "booked": lambda line: line.booked_at,
        "reference": lambda line: line.reference,
        "student": lambda line: (line.student_name.split()[1], line.student_name.split()[0]),
        "course": lambda line: (line.course_title, line.session_start_date),
        "session": lambda line: (line.session_start_date, line.session_start_time),
        "status": lambda line: line.status.value,
        "total": lambda line: line.total_amount,
        "balance": lambda line: line.balance_due,
    }
    values = [keys[sort](line) for line in whole.lines]
    assert values == sorted(values, reverse=descending)
    pages = []
    for offset in range(0, whole.total, 3):
        page = await _search(db, alpha, search, limit=3, offset=offset)
        assert page.total == whole.total
        pages += page.lines
    assert [line.id for line in pages] == [line.id for line in whole.lines]


async def test_an_offset_past_the_end_is_an_empty_page(db: Database, alpha: Centre) -> None:
    page = await _search(db, alpha, BookingSearch(), limit=5, offset=100)
    assert (page.lines, page.total) == ([], len(alpha.bookings))


async def test_one_centre_never_sees_anothers_bookings(db: Database, alpha: Centre, beta: Centre) -> None:
    mine = await _search(db, alpha, BookingSearch(), limit=50)
    assert mine.total == len(alpha.bookings)
    assert not {line.id for line in mine.lines} & set(beta.bookings.values())
    for search in (
        BookingSearch(text=beta.references["paid"]),
        BookingSearch(course_id=beta.courses["Boiler basics"]),
        BookingSearch(session_id=beta.sessions["early"]),
        BookingSearch(text="ann", payment=PaymentState.PAID),
    ):
        found = await _search(db, alpha, search, limit=50)
        assert not {line.id for line in found.lines} & set(beta.bookings.values()), search
    async with db.read() as session:
        with pytest.raises(NotFound):
            await booking_record(session, alpha.ctx, beta.bookings["paid"])


@pytest.mark.parametrize(
    ("search", "paging", "field"),
    [
        (BookingSearch(sort="customer_id; drop table bookings"), {}, "sort"),
        (BookingSearch(text="x" * 201), {}, "q"),
        (BookingSearch(starts_from=date(2027, 1, 2), starts_to=date(2027, 1, 1)), {}, "to"),
        (BookingSearch(), {"limit": 0}, "limit"),
        (BookingSearch(), {"limit": 201}, "limit"),
        (BookingSearch(), {"offset": -1}, "offset"),
    ],
)
async def test_bad_searches_name_their_field(
    db: Database, alpha: Centre, search: BookingSearch, paging: dict[str, int], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _search(db, alpha, search, **paging)
    assert refused.value.field == field


async def test_a_page_costs_two_queries_however_long(db: Database, alpha: Centre) -> None:
    """The count and the page with its students, sessions and courses joined: no query per booking."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        for limit in (1, 50):
            statements.clear()
            await _search(db, alpha, BookingSearch(sort="student", payment=PaymentState.PAID, text="a"), limit=limit)
            assert len(statements) == 2, statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def test_export_streams_the_whole_filtered_list_in_its_order(db: Database, alpha: Centre) -> None:
    search = BookingSearch(sort="reference", descending=False, course_id=alpha.courses["Boiler basics"])
    async with db.read() as session:
        batches = [batch async for batch in export_lines(session, alpha.ctx, search, batch=2)]
    assert [len(batch) for batch in batches] == [2, 2]
    exported = [line.reference for batch in batches for line in batch]
    assert exported == sorted(alpha.references[n] for n in ("unpaid", "paid", "deposit", "refunded"))
    text = booking_search.csv_text(batches[0], header=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(booking_search.CSV_HEADER)
    assert len(rows) == 3
    assert (rows[1][0], rows[1][4], rows[1][5]) == (exported[0], "GBP", "100.00")


def test_csv_cells_cannot_be_formulas() -> None:
    line = BookingLine(
        id="1",
        reference="ABC-12345",
        status=BookingStatus.CONFIRMED,
        payment_state=PaymentState.PAID,
        payment_option=PaymentOption.FULL,
        currency="GBP",
        total_amount=49500,
        amount_paid=49500,
        refunded=0,
        balance_due=0,
        booked_at=NOW,
        customer_id="c",
        student_name='=HYPERLINK("http://x")',
        student_email="@evil",
        company_name='+44 Ltd, "quoted"',
        course_id="k",
        course_title="-Gas",
        session_id="s",
        session_start_date=date(2027, 1, 15),
        session_start_time=datetime(2027, 1, 15, 9, 0).time(),
    )
    [row] = list(csv.reader(io.StringIO(booking_search.csv_text([line]))))
    assert row[5:9] == ["495.00", "495.00", "0.00", "0.00"]
    assert row[10] == '\'=HYPERLINK("http://x")'
    assert row[11] == "'@evil"
    assert row[12] == '\'+44 Ltd, "quoted"'
    assert row[13] == "'-Gas"
    assert row[14:] == ["2027-01-15", "09:00"]


async def test_a_bookings_record(db: Database, alpha: Centre) -> None:
    async with db.read() as session:
        record = await booking_record(session, alpha.ctx, alpha.bookings["part_refunded"])
    assert record.student.email == "eve@example.com"
    assert record.course.title == "Heat pumps" and record.course_session.id == alpha.sessions["middle"]
    assert record.payment_state is PaymentState.PART_REFUNDED
    [payment] = record.payments
    assert payment.payment.amount == 20000 and payment.refundable == 15000
    [refund] = payment.refunds
    assert (refund.amount, refund.reason, refund.created_by) == (5000, "Goodwill", "Priya Shah")
    assert (record.refunded, record.refundable) == (5000, 15000)
    # Policy: more than 14 days before the start (20 days ahead), so what is still refundable comes back.
    assert record.refund_by_policy == 15000
    actions = [entry.action for entry in record.history]
    assert actions[-1] == "booking.created"  # newest first
    assert [e.at for e in record.history] == sorted((e.at for e in record.history), reverse=True)
    assert {"booking.created", "booking.confirmed", "payment.opened", "payment.paid", "refund.made"} <= set(actions)
    assert record.invoice is None and record.is_live


async def test_record_of_an_invoice_and_of_a_cancelled_booking(db: Database, alpha: Centre) -> None:
    async with db.read() as session:
        invoice = await booking_record(session, alpha.ctx, alpha.bookings["invoice"])
        cancelled = await booking_record(session, alpha.ctx, alpha.bookings["refunded"])
    assert invoice.invoice is not None and invoice.booking.balance_due == 15000
    assert "payment.bank_transfer" in [e.action for e in invoice.history]
    assert "invoice.issued" in [e.action for e in invoice.history]
    assert not cancelled.is_live and cancelled.refund_by_policy == 0 and cancelled.refundable == 0
    assert cancelled.payment_state is PaymentState.REFUNDED
    cancelling = next(e for e in cancelled.history if e.action == "booking.cancelled")
    assert cancelling.details["reason"] == "Changed jobs" and cancelling.actor == "Priya Shah"


async def test_a_missing_booking_is_not_found(db: Database, alpha: Centre) -> None:
    async with db.read() as session:
        for missing in ("no-such-id", "x" * 300, ""):
            with pytest.raises(NotFound):
                await booking_record(session, alpha.ctx, missing)


async def test_an_empty_centre_has_an_empty_list(db: Database) -> None:
    async with db.transaction() as session:
        tenant: Tenant = await factories.centre(session, "empty-centre", "Empty")
    ctx = TenantContext(tenant=tenant)
    async with db.read() as session:
        page = await search_bookings(session, ctx, BookingSearch(payment=PaymentState.REFUNDED, text="x"))
        lines = [line async for batch in export_lines(session, ctx, BookingSearch()) for line in batch]
    assert (page.lines, page.total, lines) == ([], 0, [])
