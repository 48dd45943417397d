"""Committed domain events -> live UI. One `nicegui.Event` per kind of change.

A page subscribes inside its page function (NiceGUI drops the subscription with the client) and
updates only its own elements. Capacity changes go through `capacity_hub` first: coalesced per session,
pushed to the browsers showing that session's places in one message, then emitted once here.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import Event

from trainhub_ui.db import database, set_publisher
from trainhub_ui.domain.signals import AttendanceChanged, BookingChanged, CapacityChanged, DomainEvent
from trainhub_ui.live_capacity import CapacityHub, install_sync
from trainhub_ui.services.storefront import places_now

capacity_changed: Event[CapacityChanged] = Event()
booking_changed: Event[BookingChanged] = Event()
attendance_changed: Event[AttendanceChanged] = Event()


async def _places_now(change: CapacityChanged) -> CapacityChanged:
    return await places_now(database(), change)


capacity_hub = CapacityHub(capacity_changed.emit, _places_now)


_elsewhere: Callable[[list[DomainEvent]], None] | None = None


def also_send_to(send: Callable[[list[DomainEvent]], None] | None) -> None:
    """Where this process's committed events go besides its own pages (the relay to other processes)."""
    global _elsewhere
    _elsewhere = send


def publish(events: list[DomainEvent]) -> None:
    """Events to this process's pages (from its own commits, or relayed from another process)."""
    for event in events:
        if isinstance(event, CapacityChanged):
            capacity_hub.changed(event)
        elif isinstance(event, BookingChanged):
            booking_changed.emit(event)
        elif isinstance(event, AttendanceChanged):
            attendance_changed.emit(event)


def _committed(events: list[DomainEvent]) -> None:
    publish(events)
    if _elsewhere is not None:
        _elsewhere(events)


def install() -> None:
    set_publisher(_committed)
    install_sync(capacity_hub)
