"""Domain events. A service queues them on its session; they are published only after it commits.

Publishing is wired by `trainhub_ui.events` (the live UI); without a publisher they are dropped,
which is what the CLI and the jobs want.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

PENDING_EVENTS = "trainhub_pending_events"


@dataclass(frozen=True)
class CapacityChanged:
    """A session's booked places changed (a booking, a cancellation, an expired hold, an offer...)."""

    tenant_id: str
    course_id: str
    session_id: str
    booked_spots: int
    available_spots: int

    @property
    def remaining_spots(self) -> int:
        return max(self.available_spots - self.booked_spots, 0)


@dataclass(frozen=True)
class BookingChanged:
    tenant_id: str
    booking_id: str
    session_id: str
    status: str


@dataclass(frozen=True)
class AttendanceChanged:
    """A student's attendance on a day of a session was recorded (a check-in at the kiosk, a register)."""

    tenant_id: str
    session_id: str
    booking_id: str
    day: str  # ISO date: events cross processes as JSON
    status: str


DomainEvent = CapacityChanged | BookingChanged | AttendanceChanged


def queue(session: AsyncSession, event: DomainEvent) -> None:
    session.info.setdefault(PENDING_EVENTS, []).append(event)


def take_pending(session: AsyncSession) -> list[DomainEvent]:
    return session.info.pop(PENDING_EVENTS, [])


_KINDS: dict[str, type[CapacityChanged] | type[BookingChanged] | type[AttendanceChanged]] = {
    "capacity": CapacityChanged,
    "booking": BookingChanged,
    "attendance": AttendanceChanged,
}
_KIND_OF = {event_type: kind for kind, event_type in _KINDS.items()}


def to_wire(event: DomainEvent) -> dict[str, object]:
    """An event as plain JSON values, to cross to another server process."""
    kind = _KIND_OF[type(event)]
    data = {name: (str(value) if name == "status" else value) for name, value in vars(event).items()}
    return {"kind": kind, "data": data}


def from_wire(item: object) -> DomainEvent | None:
    """The event `to_wire` made, or None for anything else."""
    if not isinstance(item, dict) or item.get("kind") not in _KINDS or not isinstance(item.get("data"), dict):
        return None
    try:
        return _KINDS[item["kind"]](**item["data"])
    except TypeError:
        return None
