"""What every kiosk screen shares: the centre's band across the top with its clock, and the reference
field that keeps the focus, so a scan always lands in it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from nicegui import ui

from models import Tenant, utcnow
from trainhub_ui.domain.formatting import clock_text, day_text
from trainhub_ui.services.tenants import logo_url

# Full screen on or off, and then the reference field has the focus back at once, for the next scan.
FULL_SCREEN_TOGGLE = (
    "() => (document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen())"
    ".catch(() => {}).finally(() => window.kioskFocus && window.kioskFocus())"
)

# The reference field keeps the focus, so a scan always lands in it: whatever takes the focus away (a
# tap on empty space, a closed dialog) hands it back, unless a dialog is open or another field has it.
KEEP_FOCUS = """
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


def header(tenant: Tenant, on_lock: Callable[[], None] | None = None) -> tuple[ui.label, ui.label]:
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


def show_time(tenant: Tenant, clock: ui.label, day: ui.label) -> date:
    local = utcnow().astimezone(ZoneInfo(tenant.timezone))
    # Set only on a change: a message a second to every kiosk would fill what a dropped one must catch up.
    shown = clock_text(local.time(), tenant.locale)
    if clock.text != shown:
        clock.set_text(shown)
        day.set_text(f"{day_text(local, tenant.locale, 'weekday_day_month')}")
    return local.date()


def refocus() -> None:
    # After a closing dialog has left the page (its animation takes a moment).
    ui.run_javascript("setTimeout(() => window.kioskFocus && window.kioskFocus(), 400)")
