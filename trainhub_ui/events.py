"""Committed domain events -> live UI. One `nicegui.Event` per kind of change.

A page subscribes inside its page function (NiceGUI drops the subscription with the client) and
updates only its own elements.
"""

from __future__ import annotations

from nicegui import Event

from trainhub_ui.db import set_publisher
from trainhub_ui.services.signals import BookingChanged, CapacityChanged, DomainEvent

capacity_changed: Event[CapacityChanged] = Event()
booking_changed: Event[BookingChanged] = Event()


def publish(events: list[DomainEvent]) -> None:
    for event in events:
        if isinstance(event, CapacityChanged):
            capacity_changed.emit(event)
        elif isinstance(event, BookingChanged):
            booking_changed.emit(event)


def install() -> None:
    set_publisher(publish)
