"""Places booked out of a session's capacity, as a figure and a bar kept live on the back office's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from trainhub_ui import events
from trainhub_ui.domain.signals import CapacityChanged


def fill_colour(booked: int, available: int) -> str:
    if available and booked >= available:
        return "negative"
    return "warning" if available and booked / available >= 0.8 else "primary"


class LiveFill:
    """Booked / capacity labels and bars of one page, by session id, moved when a session's places change.

    Made inside the page function: the subscription is this client's and ends with it, and the handler
    touches only this page's own elements. `then` runs after an update (a page that shows more of the
    session reloads it).
    """

    def __init__(self, tenant_id: str, then: Callable[[CapacityChanged], Any] | None = None) -> None:
        self.tenant_id = tenant_id
        self.shown: dict[str, list[tuple[ui.linear_progress, ui.label]]] = {}
        self.then = then
        events.capacity_changed.subscribe(self._changed)

    def add(self, session_id: str, booked: int, available: int) -> None:
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            label = (
                ui.label(f"{booked} / {available}")
                .classes("text-sm font-semibold tabular-nums whitespace-nowrap")
                .mark(f"booked-{session_id}")
            )
            label.props(f'data-session-booked="{session_id}"')
            bar = (
                ui.linear_progress(value=booked / available if available else 0, show_value=False, size="8px")
                .props(f"rounded color={fill_colour(booked, available)} aria-label='Places booked'")
                .classes("min-w-[4rem] flex-grow")
            )
        self.shown.setdefault(session_id, []).append((bar, label))

    def _changed(self, event: CapacityChanged) -> Any:
        if event.tenant_id != self.tenant_id or event.session_id not in self.shown:
            return None
        for bar, label in self.shown[event.session_id]:
            label.set_text(f"{event.booked_spots} / {event.available_spots}")
            bar.set_value(event.booked_spots / event.available_spots if event.available_spots else 0)
            bar.props(f"color={fill_colour(event.booked_spots, event.available_spots)}")
        return self.then(event) if self.then is not None else None
