"""The kiosk's page at /{slug}/kiosk: the unlock screen, or checking in beside today's courses, kept
current by a clock that also brings the start screen back."""

from __future__ import annotations

import time

from nicegui import APIRouter, ui

from models import Tenant
from trainhub_ui.components.frames import apply_branding, not_found_page
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.tenants import find_tenant

from .check_in import CheckInPanel
from .screen import KEEP_FOCUS, header, refocus, show_time
from .style import KIOSK_STYLE
from .today import TodaysCourses
from .unlock import LockDialog, unlock_screen, unlocked_by

router = APIRouter()

# A reception network that drops for a few minutes (a router restart, a tablet's Wi-Fi waking up) must
# not cost the kiosk its page: the server keeps this client, its live subscriptions and the messages it
# missed for five minutes, and a scan made meanwhile is sent when the connection is back. Longer
# outages end in a reload, which finds the kiosk still unlocked (the marker is in the browser's cookie).
RECONNECT_SECONDS = 300.0
VIEWPORT = "width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no"


@router.page("/{slug}/kiosk", reconnect_timeout=RECONNECT_SECONDS, viewport=VIEWPORT)
async def kiosk(slug: str) -> None:
    async with database().read() as session:
        tenant = await find_tenant(session, slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    ui.add_head_html(KIOSK_STYLE)
    ui.page_title(f"Check-in · {tenant.name}")
    ui.query(".nicegui-content").classes("p-0 gap-0")
    if await unlocked_by(tenant) is None:
        unlock_screen(tenant)
        return
    ui.add_head_html(KEEP_FOCUS)
    await KioskScreen(tenant).build()


class KioskScreen:
    """One kiosk's page: the check-in, its answers, today's sessions, and the timers that bring the
    start screen back. Made per client, so its subscriptions and timers end with the page."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.check_in = CheckInPanel(tenant, self.ctx)
        self.todays = TodaysCourses(tenant, self.ctx)

    def ctx(self) -> TenantContext:
        return TenantContext(tenant=self.tenant, actor="Kiosk", at_kiosk=True)

    async def build(self) -> None:
        with ui.column().classes("kiosk w-full min-h-screen gap-0"):
            self.clock, self.date = header(self.tenant, self._open_lock)
            with ui.element("div").classes("kiosk-main kiosk-layout"):
                with ui.column().classes("kiosk-left"):
                    self.check_in.build()
                with ui.column().classes("gap-4 w-full"):
                    self.todays.build()
        self.lock = LockDialog(self.tenant, self.check_in.touch)
        self.check_in.confirm_dialog()
        await self.todays.start(show_time(self.tenant, self.clock, self.date))
        ui.timer(1.0, self._tick)

    def _open_lock(self) -> None:
        self.lock.open()

    async def _tick(self) -> None:
        now = time.monotonic()
        await self.todays.keep_current(show_time(self.tenant, self.clock, self.date), now)
        self.check_in.clear_answer_when_due(now)
        if self.check_in.idle(now):
            self._back_to_start()

    def _back_to_start(self) -> None:
        """Whatever was left half done goes: typing, a name search, an open dialog."""
        if not (self.check_in.half_done() or self.lock.is_open):
            return
        self.check_in.back_to_start()
        self.lock.dismiss()
        self.check_in.touch()
        refocus()
