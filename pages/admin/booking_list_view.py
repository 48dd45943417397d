"""The bookings list's view kept in the address: its filters, sort and page read from the query (what
cannot be read is reported by field) and written back, only what differs from the plain list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from models import BookingStatus
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.inputs import IsoDate, checked
from trainhub_ui.services import booking_search
from trainhub_ui.services.booking_filters import SORTS, BookingSearch
from trainhub_ui.services.payment_states import PaymentState

PER_PAGE_CHOICES = (25, 50, 100)
ID_MAX = 64

SORT_LABELS = {
    "booked": "Booked",
    "reference": "Reference",
    "student": "Student",
    "course": "Course",
    "session": "Session",
    "status": "Status",
    "total": "Total",
    "balance": "Balance due",
}


@dataclass(frozen=True)
class ListView:
    search: BookingSearch
    page: int = 1
    per_page: int = PER_PAGE_CHOICES[0]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def filter_day(name: str, text: str | None) -> date | None:
    """A day of the date range, read as the services read a day; None when left empty."""
    return checked(IsoDate, name, text) if (text or "").strip() else None


def read_view(query: Mapping[str, str]) -> tuple[ListView, dict[str, str]]:
    """The list's filters, sort and page from the address; what cannot be read is dropped and reported
    by its field's name."""
    problems: dict[str, str] = {}
    # A NUL or another control character cannot be stored or searched for: it is dropped.
    given = {name: "".join(c for c in value if c.isprintable()).strip() for name, value in query.items()}

    def day(name: str) -> date | None:
        try:
            return filter_day(name, given.get(name))
        except InvalidInput as error:
            problems[name] = error.message
            return None

    def an_id(name: str) -> str | None:
        value = given.get(name, "")
        if len(value) > ID_MAX:
            problems[name] = "This is not an id of this centre."
            return None
        return value or None

    status = None
    if given.get("status"):
        try:
            status = BookingStatus(given["status"].upper())
        except ValueError:
            problems["status"] = "Choose a status from the list."
    payment = None
    if given.get("payment"):
        try:
            payment = PaymentState(given["payment"].lower())
        except ValueError:
            problems["payment"] = "Choose a payment state from the list."
    sort = given.get("sort") or "booked"
    if sort not in SORTS:
        problems["sort"] = "Sort by one of the table's columns."
        sort = "booked"
    page = int(given["page"]) if given.get("page", "").isdigit() and 0 < int(given["page"]) < 100_000 else 1
    per_page = int(given["per"]) if given.get("per", "").isdigit() else PER_PAGE_CHOICES[0]
    search = BookingSearch(
        status=status,
        payment=payment,
        course_id=an_id("course"),
        session_id=an_id("session"),
        customer_id=an_id("student"),
        starts_from=day("from"),
        starts_to=day("to"),
        text=given.get("q", ""),
        sort=sort,
        descending=given.get("desc", "1") != "0",
    )
    for _ in range(3):  # the text and the date range can each be wrong
        try:
            search = booking_search.checked(search)
            break
        except InvalidInput as error:
            problems[error.field or "q"] = error.message
            search = replace(search, starts_to=None) if error.field == "to" else replace(search, text="")
    return ListView(search, page, per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]), problems


def view_query(view: ListView, *, with_page: bool = True) -> dict[str, str]:
    """The address's query for a view: only what differs from the plain list."""
    s = view.search
    query = {
        "q": s.text,
        "status": s.status.value.lower() if s.status else "",
        "payment": s.payment.value if s.payment else "",
        "course": s.course_id or "",
        "session": s.session_id or "",
        "student": s.customer_id or "",
        "from": s.starts_from.isoformat() if s.starts_from else "",
        "to": s.starts_to.isoformat() if s.starts_to else "",
        "sort": s.sort if s.sort != "booked" else "",
        "desc": "" if s.descending else "0",
    }
    if with_page:
        query["page"] = str(view.page) if view.page > 1 else ""
        query["per"] = str(view.per_page) if view.per_page != PER_PAGE_CHOICES[0] else ""
    return {name: value for name, value in query.items() if value}


def with_query(base: str, query: Mapping[str, str]) -> str:
    """The page at `base` with that query, or `base` alone when there is none."""
    return base + (f"?{urlencode(query)}" if query else "")
