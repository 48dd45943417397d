"""Checking in at the kiosk: by the booking reference (scanned from the QR code or typed) or by finding
one's name and confirming it, with the answer shown large for a few seconds; and the start screen back
when the kiosk is left half used."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from nicegui import ui

from models import Tenant
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.rate_limits import Door
from trainhub_ui.services import attendance, workflows
from trainhub_ui.services.attendance import CheckIn, NameMatch

from .screen import refocus

log = logging.getLogger(__name__)

RESULT_SECONDS = 8.0  # a check-in's answer stays this long, then the start screen is back
IDLE_SECONDS = 30.0  # half-typed input, a name search or an open dialog is cleared after this long untouched
TRY_AGAIN = "Sorry, that did not work. Please try again, or see the reception staff."

PROBLEM_HEADINGS = {
    "not_found": "Booking not found",
    "cancelled": "This booking was cancelled",
    "expired": "This booking was not completed",
    "session_cancelled": "This session was cancelled",
    "not_confirmed": "This booking is not confirmed yet",
    "balance_unpaid": "There is a balance to pay",
    "error": "Something went wrong",
    "too_many": "Please wait a moment",
}


class CheckInPanel:
    """Checking in by reference or by name, and the answer."""

    def __init__(self, tenant: Tenant, ctx: Callable[[], TenantContext]) -> None:
        self.tenant = tenant
        self.ctx = ctx
        self.searches = 0
        self.last_touch = time.monotonic()
        self.result_until: float | None = None
        self.just_checked_in: str | None = None  # the reference of the answer on screen, when it checked someone in
        self.chosen: NameMatch | None = None

    def build(self) -> None:
        with ui.column().classes("kiosk-panel gap-4"):
            self._reference_part()
            self._name_part()
        self.result = ui.column().classes("kiosk-result").mark("kiosk-result").props("role=status")
        self.result.set_visibility(False)

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
                self.reference.on_value_change(self.touch)
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

    # --- by reference ----------------------------------------------------------------------------

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
        self.touch()
        # Nothing typed, or the QR code just checked in read a second time (scanners do): the answer
        # on screen stays as it is, rather than turning into "already checked in".
        repeated = self.just_checked_in is not None and self.just_checked_in == attendance.normalised_reference(typed)
        if not typed.strip() or (repeated and self.result.visible):
            refocus()
            return
        if message := await wait_message(Door.KIOSK_LOOKUP, self.tenant.slug):
            self._show_result(CheckIn(False, "too_many", message))
            return
        await self._check_in(lambda: workflows.check_in(database(), self.ctx(), typed))

    async def _check_in(self, action: Callable[..., Awaitable[CheckIn]]) -> None:
        try:
            result = await action()
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
        refocus()

    # --- finding a name ---------------------------------------------------------------------------

    def _to_names(self) -> None:
        self.touch()
        self.result.set_visibility(False)
        self.reference.value = ""
        self.name.value = ""
        self.matches.clear()
        self.by_reference.set_visibility(False)
        self.by_name.set_visibility(True)
        refocus()

    def _to_start(self) -> None:
        self.touch()
        self._show_reference()
        refocus()

    def _show_reference(self) -> None:
        self.searches += 1  # a search still running is not shown
        self.name.value = ""
        self.matches.clear()
        self.by_name.set_visibility(False)
        self.by_reference.set_visibility(True)

    async def _name_typed(self) -> None:
        self.touch()
        self.searches += 1
        search = self.searches
        text = self.name.value or ""
        if len(" ".join(text.split())) < 2:
            self.matches.clear()
            return
        if message := await wait_message(Door.KIOSK_LOOKUP, self.tenant.slug):
            if search == self.searches:
                self.matches.clear()
                with self.matches:
                    ui.label(message).classes("kiosk-hint").mark("kiosk-too-many")
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

    def confirm_dialog(self) -> None:
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
        self.confirm.on("hide", refocus)

    def _ask(self, match: NameMatch) -> None:
        self.touch()
        self.chosen = match
        self.confirm_name.set_text(match.name)
        self.confirm_course.set_text(f"{match.course} · {match.starts}")
        self.confirm.open()

    def _not_me(self) -> None:
        self.touch()
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
        await self._check_in(lambda: workflows.check_in_booking(database(), self.ctx(), chosen.booking_id))

    # --- time ------------------------------------------------------------------------------------

    def touch(self) -> None:
        self.last_touch = time.monotonic()

    def clear_answer_when_due(self, now: float) -> None:
        if self.result_until is not None and now >= self.result_until:
            self.result_until = None
            self.result.set_visibility(False)

    def idle(self, now: float) -> bool:
        return now - self.last_touch >= IDLE_SECONDS

    def half_done(self) -> bool:
        return bool(self.reference.value or self.by_name.visible or self.confirm.value)

    def back_to_start(self) -> None:
        self.reference.value = ""
        self._show_reference()
        self._close_confirm()
