"""What each of the centre's reports shows, line by line: revenue, balances owed, refunds, occupancy and completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from models import RefundStatus


@dataclass(frozen=True)
class RevenueLine:
    """Money received in a month or for a course: paid, less refunded of those payments, is `net`."""

    label: str
    key: str  # the month (YYYY-MM) or the course id
    payments: int
    paid: int
    refunded: int

    @property
    def net(self) -> int:
        return self.paid - self.refunded


@dataclass(frozen=True)
class BalanceLine:
    booking_id: str
    reference: str
    customer_name: str
    company_name: str
    course_id: str
    course_title: str
    session_start: date
    balance_due: int
    due_by: date  # the invoice's due date; for a deposit, the centre's balance deadline before the start


@dataclass(frozen=True)
class BalancesOwed:
    lines: list[BalanceLine]  # the page asked for, soonest session first
    bookings: int  # in all
    amount: int  # in all


@dataclass(frozen=True)
class RefundLine:
    made_at: datetime
    booking_id: str
    reference: str
    customer_name: str
    course_title: str
    amount: int
    status: RefundStatus
    reason: str
    made_by: str


@dataclass(frozen=True)
class RefundTotals:
    by_status: dict[str, tuple[int, int]]  # every RefundStatus value: (refunds, amount)

    @property
    def refunded(self) -> int:
        """Given back, or on its way (a pending refund is already taken off its payment)."""
        return sum(self.by_status[s.value][1] for s in (RefundStatus.SUCCEEDED, RefundStatus.PENDING))


@dataclass(frozen=True)
class CourseDelivery:
    """A course's sessions that start in the period (cancelled ones left out).

    Occupancy is places booked of places offered. Session completion is sessions the centre marked
    completed of those that have ended (by the centre's calendar). Student completion is, on the sessions
    marked completed, the confirmed students who completed the course by its rule (the share of days
    attended it asks for and, where it has one, a passed assessment): those issued a certificate that
    still stands.
    """

    course_id: str
    course_title: str
    sessions: int
    booked_places: int
    available_places: int
    ended: int
    completed: int
    students: int = 0
    students_completed: int = 0

    @property
    def occupancy(self) -> float:
        return fraction(self.booked_places, self.available_places)

    @property
    def completion_rate(self) -> float:
        return fraction(self.completed, self.ended)

    @property
    def student_completion_rate(self) -> float:
        return fraction(self.students_completed, self.students)


def fraction(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
