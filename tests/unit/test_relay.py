"""The LISTEN/NOTIFY relay's messages: what crosses between processes, and what is ignored."""

from __future__ import annotations

import json

from trainhub_ui import relay
from trainhub_ui.domain.signals import BookingChanged, CapacityChanged

CAPACITY = CapacityChanged("t1", "c1", "s1", booked_spots=3, available_spots=12)
BOOKING = BookingChanged("t1", "b1", "s1", status="CONFIRMED")


def _from_elsewhere(payload: str) -> str:
    message = json.loads(payload)
    message["origin"] = "another-process"
    return json.dumps(message)


def test_events_cross_and_come_back_the_same() -> None:
    [payload] = relay.payloads([CAPACITY, BOOKING])
    assert relay.events_of(_from_elsewhere(payload)) == [CAPACITY, BOOKING]


def test_a_process_ignores_its_own_notifications_and_garbage() -> None:
    [payload] = relay.payloads([CAPACITY])
    assert relay.events_of(payload) == []  # sent by this process: its pages have it already
    for garbage in ("", "not json", "[]", '{"origin": "x"}', '{"origin": "x", "events": [{"kind": "nope"}]}'):
        assert relay.events_of(garbage) == []
    odd = json.dumps({"origin": "x", "events": [{"kind": "capacity", "data": {"unknown": 1}}]})
    assert relay.events_of(odd) == []


def test_many_events_are_split_under_the_size_limit() -> None:
    events = [CapacityChanged("t" * 30, "c" * 36, f"s{n:034d}", n, 500) for n in range(200)]
    payloads = relay.payloads(events)
    assert len(payloads) > 1
    assert all(len(p.encode()) < 8000 for p in payloads)
    received = [event for p in payloads for event in relay.events_of(_from_elsewhere(p))]
    assert received == events
