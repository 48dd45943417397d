"""Places left on a session, kept live: every page that shows them subscribes once, for its own labels."""

from __future__ import annotations

from nicegui import ui

from trainhub_ui import events
from trainhub_ui.domain.signals import CapacityChanged
from trainhub_ui.services.storefront import places_text

PLACE_CLASSES = {
    "full": "text-red-700 font-semibold",
    "few": "text-amber-700 font-semibold",
    "open": "text-emerald-700",
}


def _tone(places_left: int) -> str:
    if places_left <= 0:
        return "full"
    return "few" if places_left <= 3 else "open"


class LivePlaces:
    """The "places left" labels of one page, by session id, updated when a session's capacity changes.

    Made inside a page function: the subscription belongs to that client and ends with it, and the
    handler touches only this page's own labels.
    """

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.labels: dict[str, list[ui.label]] = {}
        events.capacity_changed.subscribe(self._changed)

    def label(self, session_id: str, places_left: int) -> ui.label:
        label = ui.label(places_text(places_left)).mark(f"places-{session_id}")
        label.props(f'data-session-places="{session_id}"')  # for browser tests and assistive styling
        self._style(label, places_left)
        self.labels.setdefault(session_id, []).append(label)
        return label

    @staticmethod
    def _style(label: ui.label, places_left: int) -> None:
        label.classes(replace=PLACE_CLASSES[_tone(places_left)])

    def _changed(self, event: CapacityChanged) -> None:
        if event.tenant_id != self.tenant_id:
            return
        places_left = max(event.available_spots - event.booked_spots, 0)
        for label in self.labels.get(event.session_id, []):
            label.set_text(places_text(places_left))
            self._style(label, places_left)
