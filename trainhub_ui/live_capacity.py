"""Places left, live in every open browser, at a cost per session rather than per page per booking.

When a date opens, hundreds of students watch its "places left" while others book it. Told of every
booking one by one, each open page would update its own label for each booking: the server's work grows
with pages times bookings, on the event loop that also takes the bookings. Instead:

- A session's committed capacity changes are coalesced: the first goes out at once, later ones at most
  once per `interval` (250 ms), and the last value is always sent. What is sent is read from the
  database at the push: changes relayed from other server processes arrive in their own order, and a
  late one carries an older count.
- Each push is one Socket.IO message, encoded once, to every client showing that session's places; the
  page's own script (`PLACES_SCRIPT`) writes the new text and tone into the label in the browser. On the
  server each label takes the same text quietly (`Shown.show`), so that anything that draws it again
  draws what the browser shows, without a message of its own.
- The same coalesced change is then emitted once to the pages that act on it in Python (the booking
  wizard, the back office's figures, the kiosk), through `events.capacity_changed`.

A page registers the sessions it shows with `watch`; the client is forgotten when NiceGUI deletes it. A
browser that connects (or reconnects) asks for the latest values of what it shows, so a change made
between the page's render and its connection is not missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from nicegui import core

from trainhub_ui.domain.signals import CapacityChanged
from trainhub_ui.services.storefront import FEW_PLACES, places_text

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (tenant id, session id)

MESSAGE = "trainhub_places"
SYNC = "trainhub_places_sync"
INTERVAL = 0.25
# Past this many sessions remembered, those pushed longer ago than `interval` are let go.
REMEMBERED_PUSHES = 1024

PLACE_CLASSES = {
    "full": "text-red-700 font-semibold",
    "few": "text-amber-700 font-semibold",
    "open": "text-emerald-700",
}


def tone(places_left: int) -> str:
    if places_left <= 0:
        return "full"
    return "few" if places_left <= FEW_PLACES else "open"


def places_message(event: CapacityChanged) -> dict[str, str]:
    """What the browsers showing a session's places are sent: its id, the label's text and its tone's classes."""
    left = event.remaining_spots
    return {"s": event.session_id, "t": places_text(left), "c": PLACE_CLASSES[tone(left)]}


# Put into every page that shows places (with the page's nonce, like its other scripts). It finds the labels
# of the session by their `data-session-places` attribute in the page's element store and replaces their
# text and tone there, as NiceGUI's own updates do, so that Vue draws them.
_SCRIPT = """<script>
(() => {
  const tones = new Set(__TONES__);
  function show(m) {
    if (typeof mounted_app === "undefined" || !mounted_app) return;
    const elements = mounted_app.elements;
    for (const id in elements) {
      const e = elements[id];
      if (e && e.props && e.props["data-session-places"] === m.s) {
        const kept = (e.class || []).filter((c) => !tones.has(c));
        elements[id] = { ...e, text: m.t, class: [...kept, ...m.c.split(" ")] };
      }
    }
  }
  function attach() {
    if (!window.socket) return setTimeout(attach, 50);
    window.socket.on("__MESSAGE__", show);
    const sync = () => window.socket.emit("__SYNC__", { client_id: window.clientId });
    window.socket.on("connect", sync);
    if (window.socket.connected) sync();
  }
  attach();
})();
</script>"""
_TONES = json.dumps(sorted({name for classes in PLACE_CLASSES.values() for name in classes.split()}))
PLACES_SCRIPT = _SCRIPT.replace("__TONES__", _TONES).replace("__MESSAGE__", MESSAGE).replace("__SYNC__", SYNC)


class Shown(Protocol):
    """A label of a session's places on one page."""

    def show(self, text: str, classes: str) -> None:
        """Take this text and these tone classes without telling the browser (the broadcast does)."""


class CapacityHub:
    """Coalesces capacity changes per session and fans each out once: to the browsers, then to `emit`."""

    def __init__(
        self,
        emit: Callable[[CapacityChanged], Any],
        now: Callable[[CapacityChanged], Awaitable[CapacityChanged]] | None = None,
    ) -> None:
        self.emit = emit  # the coalesced change, to the pages that act on it in Python
        # The session's places as committed at the moment of the push: changes from several processes
        # arrive in their own order, and the last one heard is not always the last one made.
        self.now = now
        self.interval = INTERVAL
        self._waiting: dict[Key, CapacityChanged] = {}  # newest change not pushed yet, per session
        self._scheduled: set[Key] = set()
        self._pushed_at: dict[Key, float] = {}
        self._latest: dict[Key, CapacityChanged] = {}  # last pushed, for browsers that connect later
        self._shown_by: dict[Key, dict[str, list[Shown]]] = {}  # per session, its labels by client id
        self._shows: dict[str, set[Key]] = {}  # per client id, what it shows
        self._pushing: set[asyncio.Task[None]] = set()

    # --- pages ------------------------------------------------------------------------------------------

    def watch(self, client_id: str, tenant_id: str, session_id: str, label: Shown) -> None:
        """The client's page shows this session's places in `label` (which carries `data-session-places`)."""
        key = (tenant_id, session_id)
        self._shown_by.setdefault(key, {}).setdefault(client_id, []).append(label)
        self._shows.setdefault(client_id, set()).add(key)

    def forget(self, client_id: str) -> None:
        """The client is gone: nothing more is sent to it, and nothing of it is kept."""
        for key in self._shows.pop(client_id, ()):
            watchers = self._shown_by.get(key)
            if watchers is not None:
                watchers.pop(client_id, None)
                if not watchers:
                    del self._shown_by[key]
                    self._latest.pop(key, None)

    def watched(self) -> int:
        """How many clients are watching something (for tests of what closing pages leaves behind)."""
        return len(self._shows)

    async def sync(self, client_id: str) -> None:
        """A browser is ready: the latest pushed value of each session it shows, to it alone."""
        for key in self._shows.get(client_id, ()):
            if (event := self._latest.get(key)) is not None:
                await core.sio.emit(MESSAGE, places_message(event), room=client_id)

    # --- changes ----------------------------------------------------------------------------------------

    def changed(self, event: CapacityChanged) -> None:
        """A committed change (this process's, or relayed from another): pushed now, or with the next push."""
        key = (event.tenant_id, event.session_id)
        self._waiting[key] = event
        if key in self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a command-line tool): nobody is watching
            self._waiting.pop(key)
            self.emit(event)
            return
        wait = self._pushed_at.get(key, 0.0) + self.interval - time.monotonic()
        self._scheduled.add(key)
        if wait <= 0:
            self._start_push(loop, key)
        else:
            loop.call_later(wait, self._start_push, loop, key)

    def _start_push(self, loop: asyncio.AbstractEventLoop, key: Key) -> None:
        task = loop.create_task(self._push(key))
        self._pushing.add(task)  # held until done: the loop keeps only a weak reference to a task
        task.add_done_callback(self._pushing.discard)

    async def _push(self, key: Key) -> None:
        self._scheduled.discard(key)
        event = self._waiting.pop(key, None)
        if event is None:
            return
        now = time.monotonic()
        if len(self._pushed_at) > REMEMBERED_PUSHES:
            self._pushed_at = {k: at for k, at in self._pushed_at.items() if now - at < self.interval}
        self._pushed_at[key] = now
        if self.now is not None:
            try:
                event = await self.now(event)
            except Exception:  # the database did not answer: the change as heard is still news
                log.exception("reading the places of session %s", key[1])
        try:
            watchers = self._shown_by.get(key)
            if watchers:
                self._latest[key] = event
                message = places_message(event)
                for labels in watchers.values():
                    for label in labels:
                        label.show(message["t"], message["c"])
                await core.sio.emit(MESSAGE, message, room=list(watchers))
        finally:
            self.emit(event)


def install_sync(hub: CapacityHub) -> None:
    """Answer a browser's request for the latest places of what its page shows (see `PLACES_SCRIPT`)."""

    async def sync(_sid: str, data: Any) -> None:
        client_id = data.get("client_id") if isinstance(data, dict) else None
        if isinstance(client_id, str):
            await hub.sync(client_id)  # sent to that client's own room: asking for another's gets nothing

    core.sio.on(SYNC, sync)
