"""Places left on a session, kept live: the page's labels are registered with the capacity hub, which
pushes each session's changes to every browser showing it in one message (`trainhub_ui.live_capacity`)."""

from __future__ import annotations

from nicegui import context, ui

from trainhub_ui import events
from trainhub_ui.live_capacity import PLACE_CLASSES, PLACES_SCRIPT, tone
from trainhub_ui.services.storefront import places_text


class PlacesLabel(ui.label):
    """A session's places left. The browser is told of a change by the hub's broadcast; this element takes
    the same text and tone quietly, sending nothing of its own."""

    _quiet = False
    _tone = ""  # the tone's classes it carries now

    def tone(self, classes: str) -> None:
        self.classes(replace=classes)
        self._tone = classes

    def show(self, text: str, classes: str) -> None:
        self._quiet = True
        try:
            self.set_text(text)
            if classes != self._tone:  # the tone changes twice in a session's life; the text at every push
                self.tone(classes)
        finally:
            self._quiet = False

    def update(self) -> None:
        if not self._quiet:
            super().update()


class LivePlaces:
    """The "places left" labels of one page. Made inside the page function, before its first label: it
    puts the page's script in, and the hub forgets the page when NiceGUI deletes its client."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.client = context.client
        ui.add_head_html(PLACES_SCRIPT)
        self.client.on_delete(lambda: events.capacity_hub.forget(self.client.id))

    def label(self, session_id: str, places_left: int) -> ui.label:
        label = PlacesLabel(places_text(places_left)).mark(f"places-{session_id}")
        label.props(f'data-session-places="{session_id}"')  # how the page's script finds it, and browser tests
        label.tone(PLACE_CLASSES[tone(places_left)])
        events.capacity_hub.watch(self.client.id, self.tenant_id, session_id, label)
        return label
