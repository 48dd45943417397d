"""The reception kiosk at /{slug}/kiosk: students check themselves in for today's course.

A member of staff unlocks the kiosk once on the device (their email and password, STAFF or above);
the browser then stays a kiosk for that centre until a member of staff locks it again. Unlocking
marks this browser in NiceGUI's per-browser user storage; it signs nobody in to the back office, and
the kiosk has no way there.

Students scan the QR code of their booking (a keyboard-wedge scanner types the reference and Enter),
type the reference, or find their name. Today's sessions show how many are booked, checked in and
still expected, kept live by the attendance, booking and capacity events of this centre.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date
from zoneinfo import ZoneInfo

from nicegui import APIRouter, app, ui

from models import StaffRole, StaffUser, Tenant, utcnow
from trainhub_ui import events
from trainhub_ui.auth import STAFF_KEY, forget_sign_in
from trainhub_ui.components.frames import apply_branding, not_found_page
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.signals import AttendanceChanged, BookingChanged, CapacityChanged
from trainhub_ui.services import attendance
from trainhub_ui.services.accounts import find_staff_user, sign_in_staff
from trainhub_ui.services.attendance import CheckIn, NameMatch, TodaysSession
from trainhub_ui.services.tenants import find_tenant, logo_url

router = APIRouter()
log = logging.getLogger(__name__)

KIOSK_KEY = "kiosk"  # app.storage.user[KIOSK_KEY] = {slug: {"by": staff user id, "at": ISO time}}
# A reception network that drops for a few minutes (a router restart, a tablet's Wi-Fi waking up) must
# not cost the kiosk its page: the server keeps this client, its live subscriptions and the messages it
# missed for five minutes, and a scan made meanwhile is sent when the connection is back. Longer
# outages end in a reload, which finds the kiosk still unlocked (the marker is in the browser's cookie).
RECONNECT_SECONDS = 300.0
# Then the reference field has the focus back at once, for the next scan.
FULL_SCREEN_TOGGLE = (
    "() => (document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen())"
    ".catch(() => {}).finally(() => window.kioskFocus && window.kioskFocus())"
)
RESULT_SECONDS = 8.0  # a check-in's answer stays this long, then the start screen is back
IDLE_SECONDS = 30.0  # half-typed input, a name search or an open dialog is cleared after this long untouched
REFRESH_SECONDS = 120.0  # today's list is read again this often (a session added for today appears)
GATHER_SECONDS = 0.25  # events arriving together (a session cancelled) are read as one
VIEWPORT = "width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no"
ONLY_STAFF = "Only reception staff, admins and owners can unlock or lock the kiosk."
TRY_AGAIN = "Sorry, that did not work. Please try again, or see the reception staff."

_KIOSK_STYLE = """
<style>
  body { background: #f1f5f9; overflow-x: hidden; }
  .kiosk { font-size: 24px; line-height: 1.3; color: #0f172a;
           -webkit-user-select: none; user-select: none; -webkit-touch-callout: none; }
  .kiosk input { -webkit-user-select: text; user-select: text; }
  .kiosk-header { padding: 18px 32px; }
  .kiosk-centre { font-size: 32px; font-weight: 700; line-height: 1.1; }
  .kiosk-subtitle { font-size: 20px; opacity: .85; }
  .kiosk-clock { font-size: 40px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1; }
  .kiosk-date { font-size: 20px; opacity: .85; }
  .kiosk-main { width: 100%; max-width: 1400px; margin: 0 auto; padding: 24px 32px 48px; gap: 24px; }
  /* Landscape: checking in on the left, today's courses beside it; portrait: one above the other. */
  .kiosk-layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); align-items: start; }
  .kiosk-left { position: sticky; top: 24px; gap: 24px; }
  .kiosk-panel { background: white; border-radius: 20px; padding: 28px 32px; width: 100%;
                 box-shadow: 0 1px 3px rgba(15,23,42,.08), 0 8px 24px rgba(15,23,42,.06); }
  .kiosk-title { font-size: 36px; font-weight: 800; line-height: 1.15; }
  .kiosk-hint { font-size: 22px; color: #475569; }
  .kiosk-field .q-field__control { height: 88px; border-radius: 14px; }
  .kiosk-field .q-field__native { font-size: 40px; font-weight: 700; letter-spacing: .04em; }
  .kiosk-reference .q-field__native { text-transform: uppercase; }
  .kiosk-field .q-field__native::placeholder { text-transform: none; letter-spacing: 0; font-weight: 400;
                                               font-size: 26px; color: #94a3b8; opacity: 1; }
  .kiosk-go { height: 88px; min-width: 180px; font-size: 28px; font-weight: 700; border-radius: 14px; }
  .kiosk-link { font-size: 22px; font-weight: 600; }
  .kiosk-result { border-radius: 20px; padding: 28px 32px; width: 100%; }
  .kiosk-result-heading { font-size: 44px; font-weight: 800; line-height: 1.1; }
  .kiosk-result-body { font-size: 26px; line-height: 1.35; }
  .kiosk-result-icon { font-size: 72px; }
  .kiosk-ok { background: #2e7d32; color: white; }
  .kiosk-again { background: #0369a1; color: white; }
  .kiosk-problem { background: #fef3c7; color: #78350f; border: 4px solid #f59e0b; }
  .kiosk-section { font-size: 26px; font-weight: 700; color: #334155; }
  .kiosk-sessions { display: grid; gap: 16px; width: 100%; grid-template-columns: minmax(0, 1fr); }
  .kiosk-card { background: white; border-radius: 18px; padding: 20px 24px; gap: 4px;
                box-shadow: 0 1px 3px rgba(15,23,42,.08); border-left: 10px solid var(--q-primary); }
  .kiosk-card-title { font-size: 26px; font-weight: 700; line-height: 1.2; }
  .kiosk-card-when { font-size: 20px; color: #475569; }
  .kiosk-figures { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin-top: 10px; }
  .kiosk-figure { font-size: 44px; font-weight: 800; line-height: 1; font-variant-numeric: tabular-nums; }
  .kiosk-figure-label { font-size: 17px; color: #64748b; line-height: 1.2; }
  .kiosk-bar { width: 100%; height: 12px; border-radius: 6px; background: #e2e8f0; overflow: hidden; margin-top: 12px; }
  .kiosk-bar > div { height: 100%; background: #2e7d32; transition: width .4s ease; }
  .kiosk-match { width: 100%; padding: 16px 24px; border-radius: 16px; }
  .kiosk-match .q-btn__content { justify-content: flex-start; text-align: left; }
  .kiosk-match-name { font-size: 32px; font-weight: 700; line-height: 1.2; color: #0f172a; }
  .kiosk-match-course { font-size: 20px; line-height: 1.3; color: #475569; }
  .kiosk-lock { opacity: .55; margin-right: -8px; }
  .kiosk-control { opacity: .55; }
  .kiosk-dialog { width: min(640px, 94vw); max-width: 94vw; border-radius: 20px; padding: 28px; gap: 16px; }
  .kiosk-dialog .q-field__native { font-size: 22px; }
  @media (max-width: 1000px), (orientation: portrait) {
    .kiosk-layout { grid-template-columns: minmax(0, 1fr); }
    .kiosk-left { position: static; }
    .kiosk-sessions { grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); }
  }
  @media (max-width: 820px) {
    .kiosk-header { padding: 14px 20px; }
    .kiosk-main { padding: 18px 18px 40px; gap: 18px; }
    .kiosk-panel { padding: 22px; }
    .kiosk-title { font-size: 32px; }
    .kiosk-result-heading { font-size: 38px; }
    .kiosk-go { min-width: 150px; }
  }
  /* A phone held upright: the reference gets the whole width, the button goes under it. */
  @media (max-width: 520px) {
    .kiosk-header { padding: 12px 16px; gap: 8px; }
    .kiosk-centre { font-size: 22px; }
    .kiosk-subtitle, .kiosk-date { font-size: 15px; }
    .kiosk-clock { font-size: 28px; }
    .kiosk-main { padding: 14px 12px 32px; }
    .kiosk-panel, .kiosk-result { padding: 18px; }
    .kiosk-title { font-size: 26px; }
    .kiosk-hint { font-size: 18px; }
    .kiosk-entry { flex-wrap: wrap !important; }
    .kiosk-entry > .kiosk-field { flex-basis: 100%; }
    .kiosk-entry > .kiosk-go { width: 100%; }
    .kiosk-field .q-field__native { font-size: 32px; }
    .kiosk-field .q-field__native::placeholder { font-size: 17px; }
    .kiosk-result-heading { font-size: 30px; }
    .kiosk-result-body { font-size: 20px; }
    .kiosk-result-icon { font-size: 48px; }
    .kiosk-sessions { grid-template-columns: minmax(0, 1fr); }
  }
</style>
"""

# The reference field keeps the focus, so a scan always lands in it: whatever takes the focus away (a
# tap on empty space, a closed dialog) hands it back, unless a dialog is open or another field has it.
_KEEP_FOCUS = """
<script>
  window.kioskFocus = () => {
    if (document.querySelector('.q-dialog')) return;
    const active = document.activeElement;
    if (active && active.matches('input, textarea') && active.offsetParent !== null) return;
    const target = [...document.querySelectorAll('input[data-kiosk-focus]')].find(el => el.offsetParent !== null);
    if (target) target.focus();
  };
  document.addEventListener('focusout', () => setTimeout(window.kioskFocus, 150));
  setInterval(window.kioskFocus, 1000);
  // No way back to whatever page this browser showed before it became a kiosk.
  history.pushState(null, '', location.href);
  window.addEventListener('popstate', () => history.pushState(null, '', location.href));
</script>
"""


# --- the unlock marker ----------------------------------------------------------------------------------


def _markers() -> dict[str, dict[str, str]]:
    return dict(app.storage.user.get(KIOSK_KEY, {}))


def _remember_unlock(slug: str, user_id: str) -> None:
    markers = _markers()
    markers[slug] = {"by": user_id, "at": utcnow().isoformat()}
    app.storage.user[KIOSK_KEY] = markers


def _forget_unlock(slug: str) -> None:
    markers = _markers()
    markers.pop(slug, None)
    app.storage.user[KIOSK_KEY] = markers


async def _unlocked_by(tenant: Tenant) -> StaffUser | None:
    """Who unlocked this browser's kiosk for this centre, while they are still staff here.

    A marker whose staff member was deactivated, or is no longer STAFF or above, no longer counts."""
    marker = _markers().get(tenant.slug)
    if not isinstance(marker, dict) or not isinstance(marker.get("by"), str):
        return None
    async with database().read() as session:
        user = await find_staff_user(session, tenant, marker["by"])
    if user is None or not user.role.at_least(StaffRole.STAFF):
        _forget_unlock(tenant.slug)
        return None
    return user


async def _staff_member(tenant: Tenant, email: str, password: str) -> tuple[StaffUser | None, str]:
    """A member of staff (STAFF or above) of this centre by email and password, or why not.

    Through the staff sign-in's own check, so a wrong password here counts towards its lockout."""
    result = await sign_in_staff(database(), tenant, email, password, now=utcnow())
    if not isinstance(result.account, StaffUser):
        return None, result.message or TRY_AGAIN
    if not result.account.role.at_least(StaffRole.STAFF):
        return None, ONLY_STAFF
    return result.account, ""


# --- the page -------------------------------------------------------------------------------------------


@router.page("/{slug}/kiosk", reconnect_timeout=RECONNECT_SECONDS, viewport=VIEWPORT)
async def kiosk(slug: str) -> None:
    async with database().read() as session:
        tenant = await find_tenant(session, slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    ui.add_head_html(_KIOSK_STYLE)
    ui.page_title(f"Check-in · {tenant.name}")
    ui.query(".nicegui-content").classes("p-0 gap-0")
    if await _unlocked_by(tenant) is None:
        _unlock_screen(tenant)
        return
    ui.add_head_html(_KEEP_FOCUS)
    await KioskScreen(tenant).build()


def _header(tenant: Tenant, on_lock: Callable[[], None] | None = None) -> tuple[ui.label, ui.label]:
    """The centre's band across the top, with the staff's discreet lock control when `on_lock` is given;
    answers the clock and date labels."""
    with ui.row().classes("kiosk-header w-full bg-primary text-white items-center justify-between no-wrap gap-4"):
        with ui.row().classes("items-center no-wrap gap-4"):
            logo = logo_url(tenant)
            if logo:
                ui.image(logo).classes("w-16 h-16 rounded-lg bg-white").props("fit=contain no-spinner")
            with ui.column().classes("gap-0"):
                ui.label(tenant.name).classes("kiosk-centre")
                ui.label("Reception check-in").classes("kiosk-subtitle")
        with ui.row().classes("items-center no-wrap gap-2"):
            with ui.column().classes("gap-1 items-end"):
                clock = ui.label("").classes("kiosk-clock").mark("kiosk-clock")
                day = ui.label("").classes("kiosk-date")
            if on_lock is not None:
                # In the browser itself: a browser enters full screen only straight from the tap.
                ui.button(icon="fullscreen").props(
                    "flat round color=white size=md aria-label='Full screen' title='Full screen'"
                ).classes("kiosk-control").mark("kiosk-fullscreen").on("click", js_handler=FULL_SCREEN_TOGGLE)
                ui.button(icon="lock", on_click=on_lock).props(
                    "flat round color=white size=md aria-label='Lock the kiosk' title='Lock the kiosk (staff)'"
                ).classes("kiosk-lock").mark("kiosk-lock")
    return clock, day


def _unlock_screen(tenant: Tenant) -> None:
    """The screen of a browser that is not (or no longer) a kiosk of this centre."""
    with ui.column().classes("kiosk w-full min-h-screen gap-0"):
        clock, day = _header(tenant)
        _show_time(tenant, clock, day)
        with ui.column().classes("kiosk-main items-center"):
            with ui.column().classes("kiosk-panel max-w-xl gap-4"):
                with ui.row().classes("items-center gap-3 no-wrap"):
                    ui.icon("lock").classes("text-5xl text-primary")
                    ui.label("Unlock the check-in kiosk").classes("kiosk-title")
                ui.label(
                    "A member of staff signs in once on this device. It then stays a check-in kiosk for "
                    f"{tenant.name} until a member of staff locks it."
                ).classes("kiosk-hint")
                form = _StaffForm("unlock")
                button = ui.button("Unlock kiosk").props("unelevated no-caps color=primary").classes("kiosk-go w-full")
                button.mark("unlock")

        async def unlock() -> None:
            user = await form.check(tenant, button)
            if user is None:
                return
            _remember_unlock(tenant.slug, user.id)
            # A reception device must not stay signed in to the back office behind the kiosk.
            forget_sign_in(STAFF_KEY, tenant.slug)
            ui.navigate.to(f"/{tenant.slug}/kiosk")

        button.on_click(unlock)
        form.on_enter(unlock)
    ui.timer(5.0, lambda: _show_time(tenant, clock, day))


class _StaffForm:
    """Email and password of a member of staff, with one message for every failure."""

    def __init__(self, marker: str) -> None:
        self.problem = ui.label("").classes("w-full rounded-lg bg-red-50 text-red-800 p-3 text-xl").props("role=alert")
        self.problem.set_visibility(False)
        self.email = ui.input("Staff email").props("type=email autocomplete=off outlined").classes("w-full text-xl")
        self.email.mark(f"{marker}-email")
        self.password = ui.input("Password", password=True, password_toggle_button=True)
        self.password.props("autocomplete=off outlined").classes("w-full text-xl").mark(f"{marker}-password")

    def on_enter(self, action: Callable[[], Awaitable[None]]) -> None:
        self.email.on("keydown.enter", action)
        self.password.on("keydown.enter", action)

    def clear(self) -> None:
        self.problem.set_visibility(False)
        self.email.value = ""
        self.password.value = ""
        self.email.error = self.password.error = None

    async def check(self, tenant: Tenant, button: ui.button) -> StaffUser | None:
        self.problem.set_visibility(False)
        self.email.error = None if self.email.value.strip() else "Enter your staff email address."
        self.password.error = None if self.password.value else "Enter your password."
        if self.email.error or self.password.error:
            return None
        button.disable()
        try:
            user, message = await _staff_member(tenant, self.email.value, self.password.value)
        finally:
            button.enable()
        if user is None:
            self.problem.set_text(message)
            self.problem.set_visibility(True)
            self.password.value = ""
        return user


def _show_time(tenant: Tenant, clock: ui.label, day: ui.label) -> date:
    local = utcnow().astimezone(ZoneInfo(tenant.timezone))
    # Set only on a change: a message a second to every kiosk would fill what a dropped one must catch up.
    if clock.text != f"{local:%H:%M}":
        clock.set_text(f"{local:%H:%M}")
        day.set_text(f"{local:%A %-d %B}")
    return local.date()


# --- the kiosk itself -----------------------------------------------------------------------------------

PROBLEM_HEADINGS = {
    "not_found": "Booking not found",
    "cancelled": "This booking was cancelled",
    "expired": "This booking was not completed",
    "session_cancelled": "This session was cancelled",
    "not_confirmed": "This booking is not confirmed yet",
    "wrong_day": "Your course is not today",
    "balance_unpaid": "There is a balance to pay",
    "error": "Something went wrong",
}


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


class KioskScreen:
    """One kiosk's page: the check-in, its answers, today's sessions, and the timers that bring the
    start screen back. Made per client, so its subscriptions and timers end with the page."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.cards: dict[str, _SessionCard] | None = None  # None: not shown yet
        self.changed: set[str] = set()
        self.reading = False
        self.searches = 0
        self.last_touch = time.monotonic()
        self.result_until: float | None = None
        self.just_checked_in: str | None = None  # the reference of the answer on screen, when it checked someone in
        self.last_refresh = time.monotonic()
        self.today: date | None = None

    def ctx(self) -> TenantContext:
        return TenantContext(tenant=self.tenant, actor="Kiosk", at_kiosk=True)

    # --- building --------------------------------------------------------------------------------

    async def build(self) -> None:
        with ui.column().classes("kiosk w-full min-h-screen gap-0"):
            self.clock, self.date = _header(self.tenant, self._open_lock)
            with ui.element("div").classes("kiosk-main kiosk-layout"):
                with ui.column().classes("kiosk-left"):
                    with ui.column().classes("kiosk-panel gap-4"):
                        self._reference_part()
                        self._name_part()
                    self.result = ui.column().classes("kiosk-result").mark("kiosk-result").props("role=status")
                    self.result.set_visibility(False)
                with ui.column().classes("gap-4 w-full"):
                    ui.label("Today's courses").classes("kiosk-section")
                    self.sessions = ui.element("div").classes("kiosk-sessions").mark("kiosk-sessions")
        self._lock_dialog()
        self._confirm_dialog()
        self.today = _show_time(self.tenant, self.clock, self.date)
        events.attendance_changed.subscribe(self._attendance_changed)
        events.booking_changed.subscribe(self._booking_changed)
        events.capacity_changed.subscribe(self._capacity_changed)
        await self._read_sessions()
        ui.timer(1.0, self._tick)

    def _reference_part(self) -> None:
        with ui.column().classes("w-full gap-4") as self.by_reference:
            ui.label("Welcome! Check in for today's course").classes("kiosk-title")
            ui.label("Scan the QR code in your booking email, or type your booking reference.").classes("kiosk-hint")
            with ui.row().classes("kiosk-entry w-full no-wrap items-stretch gap-3"):
                self.reference = (
                    ui.input(placeholder="Booking reference, e.g. BGT-7K3QX")
                    .props(
                        "outlined autofocus data-kiosk-focus autocomplete=off autocorrect=off "
                        "autocapitalize=characters spellcheck=false maxlength=40 aria-label='Booking reference'"
                    )
                    .classes("kiosk-field kiosk-reference flex-1 min-w-0")
                    .mark("kiosk-reference")
                )
                self.reference.on_value_change(self._touch)
                # The value is taken in the browser the moment Enter is pressed and the field emptied there,
                # so a second scan typed straight after the first cannot mix with it.
                self.reference.on(
                    "keydown.enter",
                    self._reference_entered,
                    js_handler=(
                        "(e) => { const typed = e.target.value; "
                        f"const field = getElement({self.reference.id}); if (field) field.inputValue = ''; "
                        "emit(typed); }"
                    ),
                )
                ui.button("Check in", on_click=self._check_in_button).props("unelevated no-caps color=primary").classes(
                    "kiosk-go"
                ).mark("kiosk-check-in")
            with ui.row().classes("items-center gap-2"):
                ui.label("No reference with you?").classes("kiosk-hint")
                ui.button("Find my name", icon="person_search", on_click=self._to_names).props(
                    "flat no-caps color=primary"
                ).classes("kiosk-link").mark("kiosk-find-name")

    def _name_part(self) -> None:
        with ui.column().classes("w-full gap-4") as self.by_name:
            with ui.row().classes("w-full items-center justify-between no-wrap gap-2"):
                ui.label("Find your name").classes("kiosk-title")
                ui.button("Use my booking reference", icon="qr_code_scanner", on_click=self._to_start).props(
                    "flat no-caps color=primary"
                ).classes("kiosk-link").mark("kiosk-back")
            ui.label("Type your first name or surname (at least 2 letters).").classes("kiosk-hint")
            self.name = (
                ui.input(placeholder="Your name")
                .props(
                    "outlined data-kiosk-focus autocomplete=off autocorrect=off spellcheck=false maxlength=60 "
                    "aria-label='Your name'"
                )
                .classes("kiosk-field w-full")
                .mark("kiosk-name")
            )
            self.name.on_value_change(self._name_typed)
            self.matches = ui.column().classes("w-full gap-3").mark("kiosk-matches")
        self.by_name.set_visibility(False)

    def _lock_dialog(self) -> None:
        with ui.dialog().props("persistent") as self.lock_dialog, ui.card().classes("kiosk-dialog"):
            ui.label("Lock the kiosk").classes("kiosk-title")
            ui.label("Staff only: sign in again to lock. The screen then asks for a staff sign-in to unlock.").classes(
                "kiosk-hint"
            )
            self.lock_form = _StaffForm("lock")
            with ui.row().classes("w-full justify-end gap-3"):
                ui.button("Cancel", on_click=self._close_lock).props("flat no-caps size=lg").mark("lock-cancel")
                self.lock_button = ui.button("Lock kiosk", on_click=self._lock).props(
                    "unelevated no-caps color=primary size=lg"
                )
                self.lock_button.mark("lock-confirm")
        self.lock_form.on_enter(self._lock)

    # --- today's sessions ------------------------------------------------------------------------

    async def _read_sessions(self) -> None:
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
                        await self._read_sessions()
                        return
                    if self.cards is not None and session_id in self.cards:
                        self.cards[session_id].show(items[0])
        except Exception:
            log.exception("kiosk: figures could not be read")
        finally:
            self.reading = False

    # --- checking in ------------------------------------------------------------------------------

    async def _reference_entered(self, event: object) -> None:
        typed = getattr(event, "args", None)
        if not isinstance(typed, str):  # no browser in between (tests): the field's value as the server has it
            typed = self.reference.value or ""
            self.reference.value = ""
        await self._check_in_reference(typed)

    async def _check_in_button(self) -> None:
        typed = self.reference.value or ""
        self.reference.value = ""
        await self._check_in_reference(typed)

    async def _check_in_reference(self, typed: str) -> None:
        self._touch()
        # Nothing typed, or the QR code just checked in read a second time (scanners do): the answer
        # on screen stays as it is, rather than turning into "already checked in".
        repeated = self.just_checked_in is not None and self.just_checked_in == attendance.normalised_reference(typed)
        if not typed.strip() or (repeated and self.result.visible):
            self._refocus()
            return
        await self._check_in(lambda session: attendance.check_in(session, self.ctx(), typed))

    async def _check_in(self, action: Callable[..., Awaitable[CheckIn]]) -> None:
        try:
            async with database().transaction() as session:
                result = await action(session)
        except Exception:
            log.exception("kiosk: check-in failed")
            result = CheckIn(False, "error", TRY_AGAIN)
        self._show_result(result)

    def _show_result(self, result: CheckIn) -> None:
        self.just_checked_in = result.reference if result.code == "checked_in" else None
        self.result.clear()
        if result.ok and result.code == "checked_in":
            tone, icon, heading = "kiosk-ok", "check_circle", f"Welcome, {result.first_name}!"
            body = f"You are checked in for {result.course}." + (
                f" Please go to {result.where}." if result.where else ""
            )
        elif result.ok:
            tone, icon, heading = "kiosk-again", "how_to_reg", f"Welcome back, {result.first_name}!"
            body = f"You are already checked in for {result.course}."
        else:
            tone, icon = "kiosk-problem", "error_outline"
            heading = PROBLEM_HEADINGS.get(result.code, "Please see the reception staff")
            if result.first_name and result.code not in ("not_found", "error"):
                heading = f"{result.first_name}, {heading[0].lower()}{heading[1:]}"
            body = result.message
        self.result.classes(replace=f"kiosk-result {tone}")
        with self.result, ui.row().classes("items-center no-wrap gap-6"):
            ui.icon(icon).classes("kiosk-result-icon")
            with ui.column().classes("gap-2 min-w-0"):
                ui.label(heading).classes("kiosk-result-heading").mark("kiosk-result-heading")
                ui.label(body).classes("kiosk-result-body").mark("kiosk-result-body")
        self.result.props(f'data-code="{result.code}"')
        self.result.set_visibility(True)
        self.result_until = time.monotonic() + RESULT_SECONDS
        self._show_reference()
        self._refocus()

    # --- finding a name ---------------------------------------------------------------------------

    def _to_names(self) -> None:
        self._touch()
        self.result.set_visibility(False)
        self.reference.value = ""
        self.name.value = ""
        self.matches.clear()
        self.by_reference.set_visibility(False)
        self.by_name.set_visibility(True)
        self._refocus()

    def _to_start(self) -> None:
        self._touch()
        self._show_reference()
        self._refocus()

    def _show_reference(self) -> None:
        self.searches += 1  # a search still running is not shown
        self.name.value = ""
        self.matches.clear()
        self.by_name.set_visibility(False)
        self.by_reference.set_visibility(True)

    async def _name_typed(self) -> None:
        self._touch()
        self.searches += 1
        search = self.searches
        text = self.name.value or ""
        if len(" ".join(text.split())) < 2:
            self.matches.clear()
            return
        try:
            async with database().read() as session:
                found = await attendance.find_by_name(session, self.ctx(), text)
        except Exception:
            log.exception("kiosk: name search failed")
            found = None
        if search != self.searches:  # a later keystroke's search answers instead
            return
        self.matches.clear()
        with self.matches:
            if found is None:
                ui.label(TRY_AGAIN).classes("kiosk-hint")
            elif not found:
                ui.label(
                    "Nobody of that name is booked on a course today. Please check the spelling, or see the "
                    "reception staff."
                ).classes("kiosk-hint").mark("kiosk-no-match")
            for match in found or []:
                self._match_button(match)

    def _match_button(self, match: NameMatch) -> None:
        with (
            ui.button(on_click=lambda m=match: self._ask(m))
            .props("outline no-caps color=primary")
            .classes("kiosk-match")
            .mark("kiosk-match")
        ):
            with ui.column().classes("gap-1 items-start"):
                ui.label(match.name).classes("kiosk-match-name")
                ui.label(f"{match.course} · {match.starts}").classes("kiosk-match-course")

    def _confirm_dialog(self) -> None:
        with ui.dialog() as self.confirm, ui.card().classes("kiosk-dialog items-center text-center"):
            ui.label("Is this you?").classes("kiosk-hint")
            self.confirm_name = ui.label("").classes("kiosk-title").mark("kiosk-confirm-name")
            self.confirm_course = ui.label("").classes("kiosk-result-body text-slate-600")
            with ui.row().classes("w-full justify-center gap-4 mt-2"):
                ui.button("No, go back", on_click=self._not_me).props("outline no-caps color=grey-8").classes(
                    "kiosk-go"
                ).mark("kiosk-not-me")
                ui.button("Yes, check me in", on_click=self._its_me).props("unelevated no-caps color=green-9").classes(
                    "kiosk-go"
                ).mark("kiosk-its-me")
        self.confirm.on("hide", self._refocus)
        self.chosen: NameMatch | None = None

    def _ask(self, match: NameMatch) -> None:
        self._touch()
        self.chosen = match
        self.confirm_name.set_text(match.name)
        self.confirm_course.set_text(f"{match.course} · {match.starts}")
        self.confirm.open()

    def _not_me(self) -> None:
        self._touch()
        self._close_confirm()

    def _close_confirm(self) -> None:
        """Close the question, leaving no name behind in the page."""
        self.chosen = None
        self.confirm.close()
        self.confirm_name.set_text("")
        self.confirm_course.set_text("")

    async def _its_me(self) -> None:
        chosen = self.chosen
        self._close_confirm()
        if chosen is None:
            return
        await self._check_in(lambda session: attendance.check_in_booking(session, self.ctx(), chosen.booking_id))

    # --- locking ---------------------------------------------------------------------------------

    def _open_lock(self) -> None:
        self._touch()
        self.lock_form.clear()
        self.lock_dialog.open()

    def _close_lock(self) -> None:
        self.lock_dialog.close()
        self._refocus()

    async def _lock(self) -> None:
        self._touch()
        user = await self.lock_form.check(self.tenant, self.lock_button)
        if user is None:
            return
        _forget_unlock(self.tenant.slug)
        ui.navigate.to(f"/{self.tenant.slug}/kiosk")

    # --- time ------------------------------------------------------------------------------------

    def _touch(self) -> None:
        self.last_touch = time.monotonic()

    def _refocus(self) -> None:
        # After a closing dialog has left the page (its animation takes a moment).
        ui.run_javascript("setTimeout(() => window.kioskFocus && window.kioskFocus(), 400)")

    async def _tick(self) -> None:
        now = time.monotonic()
        today = _show_time(self.tenant, self.clock, self.date)
        if today != self.today:  # past midnight at the centre: a new day's sessions
            self.today = today
            await self._read_sessions()
        elif now - self.last_refresh >= REFRESH_SECONDS:
            await self._read_sessions()
        if self.result_until is not None and now >= self.result_until:
            self.result_until = None
            self.result.set_visibility(False)
        if now - self.last_touch >= IDLE_SECONDS:
            self._back_to_start()

    def _back_to_start(self) -> None:
        """Whatever was left half done goes: typing, a name search, an open dialog."""
        if not (self.reference.value or self.by_name.visible or self.lock_dialog.value or self.confirm.value):
            return
        self.reference.value = ""
        self._show_reference()
        self._close_confirm()
        if self.lock_dialog.value:
            self.lock_dialog.close()
            self.lock_form.clear()
        self._touch()
        self._refocus()
