"""What the demo centres contain: their people, courses, planned bookings and past sessions, read from `data.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import time
from importlib import resources
from typing import Any

from models import BookingStatus, PaymentOption, StaffRole


@dataclass(frozen=True)
class DemoLogin:
    centre_slug: str
    email: str
    role: str  # a StaffRole value, or "STUDENT"


@dataclass(frozen=True)
class StaffSpec:
    email: str
    name: str
    role: StaffRole


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    category: str
    summary: str
    description: str
    requirements: str
    duration_days: int
    duration_hours: int  # total teaching hours
    price: int  # pence
    capacity: int
    validity_months: int | None
    sessions: int
    half_day: bool = False
    venue: str = ""
    instructor_notes: str = ""


@dataclass(frozen=True)
class CustomerSpec:
    first_name: str
    last_name: str
    email: str
    phone: str
    company_name: str = ""
    billing_email: str = ""
    po_number: str = ""
    billing_address: str = ""  # where the company's invoices are addressed
    has_account: bool = False


@dataclass(frozen=True)
class BookingSpec:
    course: str
    session_no: int
    email: str
    status: BookingStatus
    option: PaymentOption = PaymentOption.FULL


@dataclass(frozen=True)
class PastSessionSpec:
    course: str
    days_ago: int
    bookings: int
    # The demo's own student is on it, so that My account shows a certificate.
    with_demo_student: bool = False


@dataclass(frozen=True)
class CentreSpec:
    slug: str
    name: str
    legal_name: str
    vat_number: str
    tagline: str
    brand_colour: str
    contact_email: str
    contact_phone: str
    address: str
    bank_details: str
    location: str
    reference_prefix: str
    currency: str
    timezone: str
    deposit_percent: int
    hold_minutes: int
    vat_rate_basis_points: int
    seed: int
    staff: list[StaffSpec]
    customers: list[CustomerSpec]
    courses: list[CourseSpec]
    bookings: list[BookingSpec]
    full_session: tuple[str, int] | None = None  # (course slug, session number) filled to capacity
    waiting: int = 0  # waiting-list entries on the full session
    past_sessions: list[PastSessionSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Feedback:
    """What a student wrote on the feedback form after one of the demo's past sessions."""

    rating: int
    went_well: str
    to_improve: str


def _hours(pair: list[str]) -> tuple[time, time]:
    start, end = pair
    return time.fromisoformat(start), time.fromisoformat(end)


def _booking(raw: dict[str, Any]) -> BookingSpec:
    return BookingSpec(
        course=raw["course"],
        session_no=raw["session_no"],
        email=raw["email"],
        status=BookingStatus(raw["status"]),
        option=PaymentOption(raw.get("option", PaymentOption.FULL.value)),
    )


def _centre(raw: dict[str, Any]) -> CentreSpec:
    full = raw.get("full_session")
    return CentreSpec(
        **{key: value for key, value in raw.items() if key not in _NESTED},
        staff=[StaffSpec(s["email"], s["name"], StaffRole(s["role"])) for s in raw["staff"]],
        customers=[CustomerSpec(**c) for c in raw["customers"]],
        courses=[CourseSpec(**c) for c in raw["courses"]],
        bookings=[_booking(b) for b in raw["bookings"]],
        full_session=(full["course"], full["session_no"]) if full else None,
        past_sessions=[PastSessionSpec(**p) for p in raw.get("past_sessions", [])],
    )


_NESTED = {"staff", "customers", "courses", "bookings", "full_session", "past_sessions"}

_DATA: dict[str, Any] = json.loads(resources.files(__package__).joinpath("data.json").read_text(encoding="utf-8"))

DEMO_PASSWORD: str = _DATA["password"]
DEMO_STUDENT: str = _DATA["student"]
FULL_DAY = _hours(_DATA["session_hours"]["full_day"])
HALF_DAY = _hours(_DATA["session_hours"]["half_day"])
HOLD_EXPIRED_REASON: str = _DATA["hold_expired_reason"]
CANCELLATION_REASON: str = _DATA["cancellation_reason"]
FEEDBACK = [Feedback(**answer) for answer in _DATA["feedback"]]
CENTRES = tuple(_centre(centre) for centre in _DATA["centres"])
DEMO_LOGINS = [DemoLogin(login["centre"], login["email"], login["role"]) for login in _DATA["logins"]]
