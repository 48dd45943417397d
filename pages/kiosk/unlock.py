"""Unlocking the kiosk on a device, and locking it again, with a staff member's email and password
(STAFF or above). Unlocking marks this browser in NiceGUI's per-browser user storage; it signs nobody
in to the back office."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import app, ui

from models import StaffRole, StaffUser, Tenant, utcnow
from trainhub_ui.auth import STAFF_KEY, forget_sign_in
from trainhub_ui.client_address import client_address
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.db import database
from trainhub_ui.rate_limits import Door
from trainhub_ui.services.accounts import find_staff_user, sign_in_staff

from .check_in import TRY_AGAIN
from .screen import header, refocus, show_time

KIOSK_KEY = "kiosk"  # app.storage.user[KIOSK_KEY] = {slug: {"by": staff user id, "at": ISO time}}
ONLY_STAFF = "Only reception staff, admins and owners can unlock or lock the kiosk."


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


async def unlocked_by(tenant: Tenant) -> StaffUser | None:
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
    if message := await wait_message(Door.SIGN_IN, tenant.slug):
        return None, message
    address = client_address(ui.context.client.request)
    result = await sign_in_staff(database(), tenant, email, password, now=utcnow(), address=address)
    if not isinstance(result.account, StaffUser):
        return None, result.message or TRY_AGAIN
    if not result.account.role.at_least(StaffRole.STAFF):
        return None, ONLY_STAFF
    return result.account, ""


def unlock_screen(tenant: Tenant) -> None:
    """The screen of a browser that is not (or no longer) a kiosk of this centre."""
    with ui.column().classes("kiosk w-full min-h-screen gap-0"):
        clock, day = header(tenant)
        show_time(tenant, clock, day)
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
    ui.timer(5.0, lambda: show_time(tenant, clock, day))


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


class LockDialog:
    """The member of staff signs in again to lock the kiosk; the screen then asks for a staff sign-in to
    unlock."""

    def __init__(self, tenant: Tenant, touch: Callable[[], None]) -> None:
        self.tenant = tenant
        self.touch = touch
        with ui.dialog().props("persistent") as self.dialog, ui.card().classes("kiosk-dialog"):
            ui.label("Lock the kiosk").classes("kiosk-title")
            ui.label("Staff only: sign in again to lock. The screen then asks for a staff sign-in to unlock.").classes(
                "kiosk-hint"
            )
            self.form = _StaffForm("lock")
            with ui.row().classes("w-full justify-end gap-3"):
                ui.button("Cancel", on_click=self._close).props("flat no-caps size=lg").mark("lock-cancel")
                self.button = ui.button("Lock kiosk", on_click=self._lock).props(
                    "unelevated no-caps color=primary size=lg"
                )
                self.button.mark("lock-confirm")
        self.form.on_enter(self._lock)

    @property
    def is_open(self) -> bool:
        return bool(self.dialog.value)

    def open(self) -> None:
        self.touch()
        self.form.clear()
        self.dialog.open()

    def dismiss(self) -> None:
        """Closed when left idle, taking whatever was typed with it."""
        if self.dialog.value:
            self.dialog.close()
            self.form.clear()

    def _close(self) -> None:
        self.dialog.close()
        refocus()

    async def _lock(self) -> None:
        self.touch()
        user = await self.form.check(self.tenant, self.button)
        if user is None:
            return
        _forget_unlock(self.tenant.slug)
        ui.navigate.to(f"/{self.tenant.slug}/kiosk")
