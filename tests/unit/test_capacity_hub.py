"""The capacity hub: a session's changes coalesced (the first at once, then at most one push per interval,
always ending on the last value), one message per push for every browser showing the session, and nothing
kept of a page once its client is gone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from trainhub_ui import live_capacity
from trainhub_ui.domain.signals import CapacityChanged
from trainhub_ui.live_capacity import MESSAGE, CapacityHub

TENANT, OTHER = "tenant-a", "tenant-b"


class _Socket:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str], Any]] = []

    async def emit(self, message: str, data: dict[str, str], room: Any = None) -> None:
        self.sent.append((message, data, room))


class _Label:
    def __init__(self) -> None:
        self.shown: list[str] = []

    def show(self, text: str, classes: str) -> None:
        self.shown.append(text)


@pytest.fixture
def socket(monkeypatch: pytest.MonkeyPatch) -> _Socket:
    fake = _Socket()
    monkeypatch.setattr(live_capacity.core, "sio", fake)
    return fake


def _change(booked: int, session: str = "s1", tenant: str = TENANT) -> CapacityChanged:
    return CapacityChanged(tenant, "course", session, booked, 10)


async def test_a_burst_is_pushed_at_once_then_once_more_with_its_last_value(socket: _Socket) -> None:
    emitted: list[CapacityChanged] = []
    hub = CapacityHub(emitted.append)
    hub.interval = 0.1
    labels = [_Label() for _ in range(3)]
    for n, label in enumerate(labels):
        hub.watch(f"client-{n}", TENANT, "s1", label)
    for booked in range(1, 51):  # fifty bookings in a moment
        hub.changed(_change(booked))
        await asyncio.sleep(0)
    await asyncio.sleep(0.25)
    # One push at once (the first booking), one after the interval (the last): never fifty.
    assert [event.booked_spots for event in emitted] == [1, 50]
    assert len(socket.sent) == 2
    message, data, room = socket.sent[-1]
    assert message == MESSAGE and data["s"] == "s1" and data["t"] == "Full — join the waiting list"
    assert sorted(room) == ["client-0", "client-1", "client-2"]  # one message for every watcher
    assert all(label.shown == ["9 places left", "Full — join the waiting list"] for label in labels)


async def test_sessions_are_coalesced_each_on_their_own(socket: _Socket) -> None:
    emitted: list[CapacityChanged] = []
    hub = CapacityHub(emitted.append)
    hub.interval = 0.1
    hub.watch("client-0", TENANT, "s1", _Label())
    hub.changed(_change(1, "s1"))
    hub.changed(_change(1, "s2"))
    hub.changed(_change(1, "s1", OTHER))  # another centre's session of the same id is another session
    await asyncio.sleep(0.05)
    assert len(emitted) == 3
    assert [room for _message, _data, room in socket.sent] == [["client-0"]]  # nobody watches the others


async def test_a_closed_page_is_forgotten(socket: _Socket) -> None:
    hub = CapacityHub(lambda _event: None)
    for n in range(500):
        hub.watch(f"client-{n}", TENANT, "s1", _Label())
        hub.watch(f"client-{n}", TENANT, "s2", _Label())
    hub.changed(_change(3))
    await asyncio.sleep(0.01)
    assert hub.watched() == 500
    for n in range(500):
        hub.forget(f"client-{n}")
    assert hub.watched() == 0
    assert hub._shown_by == {} and hub._latest == {}  # nothing of the closed pages is kept
    hub.changed(_change(4))
    await asyncio.sleep(0.3)
    assert len(socket.sent) == 1  # the second change had nobody to go to


async def test_a_browser_that_connects_late_is_sent_the_latest(socket: _Socket) -> None:
    hub = CapacityHub(lambda _event: None)
    hub.watch("early", TENANT, "s1", _Label())
    hub.changed(_change(8))
    await asyncio.sleep(0.01)
    hub.watch("late", TENANT, "s1", _Label())
    await hub.sync("late")
    assert socket.sent[-1] == (MESSAGE, {"s": "s1", "t": "Only 2 left", "c": "text-amber-700 font-semibold"}, "late")
    await hub.sync("nobody")  # a client showing nothing is sent nothing
    assert len(socket.sent) == 2


def test_without_an_event_loop_the_change_goes_straight_on() -> None:
    emitted: list[CapacityChanged] = []
    CapacityHub(emitted.append).changed(_change(1))
    assert [event.booked_spots for event in emitted] == [1]


async def test_a_change_heard_late_is_pushed_as_committed_now(socket: _Socket) -> None:
    """Another process's change relayed after a newer one of this process: its older count is never shown."""
    committed = {"booked": 7}

    async def now(event: CapacityChanged) -> CapacityChanged:
        return _change(committed["booked"], event.session_id, event.tenant_id)

    emitted: list[CapacityChanged] = []
    hub = CapacityHub(emitted.append, now)
    hub.watch("client-0", TENANT, "s1", _Label())
    hub.changed(_change(5))  # heard late: the database says 7 by now
    await asyncio.sleep(0.01)
    assert socket.sent[-1][1]["t"] == "Only 3 left" and emitted[-1].booked_spots == 7


async def test_when_the_database_does_not_answer_the_change_as_heard_is_pushed(socket: _Socket) -> None:
    async def now(_event: CapacityChanged) -> CapacityChanged:
        raise OSError("database gone")

    hub = CapacityHub(lambda _event: None, now)
    hub.watch("client-0", TENANT, "s1", _Label())
    hub.changed(_change(9))
    await asyncio.sleep(0.01)
    assert socket.sent[-1][1]["t"] == "Only 1 left"
