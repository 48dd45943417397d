"""Today's courses at the kiosk: how many are booked, checked in and still expected for each session,
kept live by the centre's attendance, booking and capacity events."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

from nicegui import ui

from models import Tenant
from trainhub_ui import events
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.signals import AttendanceChanged, BookingChanged, CapacityChanged
from trainhub_ui.services import attendance
from trainhub_ui.services.attendance import TodaysSession

log = logging.getLogger(__name__)

REFRESH_SECONDS = 120.0  # today's list is read again this often (a session added for today appears)
GATHER_SECONDS = 0.25  # events arriving together (a session cancelled) are read as one


class _SessionCard:
    """One of today's sessions, with its live figures."""

    def __init__(self, item: TodaysSession) -> None:
        with ui.column().classes("kiosk-card").mark(f"session-{item.id}") as self.element:
            ui.label(item.course).classes("kiosk-card-title")
            when = f"{item.starts} · {item.venue}" if item.venue else item.starts
            if item.days > 1:
                when += f" · day {item.day_number} of {item.days}"
            ui.label(when).classes("kiosk-card-when")
            with ui.element("div").classes("kiosk-figures"):
                self.booked = self._figure("Booked", item.id, "booked")
                self.checked_in = self._figure("Checked in", item.id, "checked-in")
                self.expected = self._figure("Expected", item.id, "expected")
            with ui.element("div").classes("kiosk-bar"):
                self.bar = ui.element("div")
        self.show(item)

    @staticmethod
    def _figure(label: str, session_id: str, name: str) -> ui.label:
        with ui.column().classes("gap-1"):
            figure = ui.label("").classes("kiosk-figure").mark(f"{name}-{session_id}")
            figure.props(f'data-{name}="{session_id}"')
            ui.label(label).classes("kiosk-figure-label")
        return figure

    def show(self, item: TodaysSession) -> None:
        self.booked.set_text(str(item.booked))
        self.checked_in.set_text(str(item.checked_in))
        self.expected.set_text(str(item.expected))
        share = 0 if item.booked == 0 else min(100, round(100 * item.checked_in / item.booked))
        self.bar.style(f"width: {share}%")


class TodaysCourses:
    """The list of today's sessions beside the check-in, one card each."""

    def __init__(self, tenant: Tenant, ctx: Callable[[], TenantContext]) -> None:
        self.tenant = tenant
        self.ctx = ctx
        self.cards: dict[str, _SessionCard] | None = None  # None: not shown yet
        self.changed: set[str] = set()
        self.reading = False
        self.last_refresh = time.monotonic()
        self.today: date | None = None

    def build(self) -> None:
        ui.label("Today's courses").classes("kiosk-section")
        self.sessions = ui.element("div").classes("kiosk-sessions").mark("kiosk-sessions")

    async def start(self, today: date) -> None:
        self.today = today
        events.attendance_changed.subscribe(self._attendance_changed)
        events.booking_changed.subscribe(self._booking_changed)
        events.capacity_changed.subscribe(self._capacity_changed)
        await self.read()

    async def keep_current(self, today: date, now: float) -> None:
        if today != self.today:  # past midnight at the centre: a new day's sessions
            self.today = today
            await self.read()
        elif now - self.last_refresh >= REFRESH_SECONDS:
            await self.read()

    async def read(self) -> None:
        """Read today's list again; rebuild the cards only when the list itself changed."""
        self.last_refresh = time.monotonic()
        try:
            async with database().read() as session:
                found = await attendance.todays_sessions(session, self.ctx())
        except Exception:  # the database away for a moment: the cards keep their figures until the next read
            log.exception("kiosk: today's sessions could not be read")
            return
        if self.cards is not None and [item.id for item in found] == list(self.cards):
            for item in found:
                self.cards[item.id].show(item)
            return
        self.sessions.clear()
        self.cards = {}
        with self.sessions:
            if not found:
                with ui.column().classes("kiosk-card"):
                    ui.label("No courses are running today.").classes("kiosk-card-title").mark("kiosk-no-sessions")
                    ui.label("If you have come for a course, please see the reception staff.").classes(
                        "kiosk-card-when"
                    )
            for item in found:
                self.cards[item.id] = _SessionCard(item)

    def _attendance_changed(self, event: AttendanceChanged) -> None:
        if event.tenant_id == self.tenant.id and (self.today is None or event.day == self.today.isoformat()):
            self._figures_changed(event.session_id)

    def _booking_changed(self, event: BookingChanged) -> None:
        if event.tenant_id == self.tenant.id:
            self._figures_changed(event.session_id)

    def _capacity_changed(self, event: CapacityChanged) -> None:
        if event.tenant_id == self.tenant.id:
            self._figures_changed(event.session_id)

    def _figures_changed(self, session_id: str) -> None:
        if self.cards is None or session_id not in self.cards:
            return
        self.changed.add(session_id)
        if not self.reading:
            self.reading = True
            ui.timer(GATHER_SECONDS, self._read_changed, once=True)

    async def _read_changed(self) -> None:
        """Read again only the figures of the sessions whose bookings or attendance changed."""
        try:
            while self.changed:
                wanted, self.changed = self.changed, set()
                async with database().read() as session:
                    found = {
                        session_id: await attendance.todays_sessions(session, self.ctx(), session_id=session_id)
                        for session_id in wanted
                    }
                for session_id, items in found.items():
                    if not items:  # cancelled or deactivated meanwhile: the whole list is read again
                        await self.read()
                        return
                    if self.cards is not None and session_id in self.cards:
                        self.cards[session_id].show(items[0])
        except Exception:
            log.exception("kiosk: figures could not be read")
        finally:
            self.reading = False
