"""A session's roster: one row per booking (student, reference, payment status, money paid and still due,
days attended) and what staff do to a booking from it: move it to another session, record money received."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from nicegui import ui

from models import BookingStatus, Tenant
from trainhub_ui.components.forms import Form, answer_of
from trainhub_ui.components.tables import actions, badge, cell, table_row
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput
from trainhub_ui.domain.formatting import currency_symbol, major, money, parse_money, session_dates, time_of_day
from trainhub_ui.services import roster, workflows
from trainhub_ui.services.roster import RosterEntry, payment_status

ROSTER_COLUMNS = "md:grid-cols-[minmax(12rem,2fr)_6.5rem_minmax(8.5rem,1fr)_5.5rem_5.5rem_7.5rem_8rem]"
ROSTER_HEADINGS = ["Student", "Reference", "Payment", "Paid", "Balance due", "Attendance", ""]
# An instructor's roster: no sums of money, and nothing to do to a booking.
ROSTER_COLUMNS_READ_ONLY = "md:grid-cols-[minmax(12rem,2fr)_6.5rem_minmax(8.5rem,1fr)_minmax(7.5rem,1fr)]"
ROSTER_HEADINGS_READ_ONLY = ["Student", "Reference", "Payment", "Attendance"]
STATUS_WORDS = {
    BookingStatus.PENDING: ("Held", "amber-8"),
    BookingStatus.CONFIRMED: ("Confirmed", "green-8"),
    BookingStatus.CANCELLED: ("Cancelled", "grey-7"),
    BookingStatus.EXPIRED: ("Hold lapsed", "grey-6"),
}


def roster_row(
    tenant: Tenant,
    entry: RosterEntry,
    now: datetime,
    is_staff: bool,
    shows_money: bool,
    move: Callable[[RosterEntry], Awaitable[None]],
    receive: Callable[[RosterEntry], Awaitable[None]],
    attended: str,
) -> None:
    words, colour = STATUS_WORDS[entry.status]
    with table_row(ROSTER_COLUMNS if shows_money else ROSTER_COLUMNS_READ_ONLY, f"booking-{entry.reference}"):
        with cell("Student", wide=True):
            ui.label(entry.student).classes("font-semibold text-slate-900 break-words")
            if entry.company_name:
                ui.label(entry.company_name).classes("text-xs text-slate-500")
            ui.link(entry.email, f"mailto:{entry.email}").classes(
                "text-sm th-link text-slate-700 [overflow-wrap:anywhere]"
            )
            if entry.phone:
                ui.link(entry.phone, f"tel:{entry.phone.replace(' ', '')}").classes("text-sm th-link text-slate-700")
            if entry.special_requests:
                ui.label(entry.special_requests).classes("text-xs text-amber-900 break-words")
        with cell("Reference"):
            if is_staff:
                ui.link(entry.reference, f"/{tenant.slug}/admin/bookings/{entry.booking_id}").classes(
                    "font-mono font-semibold text-primary th-link"
                )
            else:
                ui.label(entry.reference).classes("font-mono font-semibold")
        with cell("Payment"):
            with ui.row().classes("gap-1 items-center"):
                badge(words, colour, f"status-{entry.reference}")
            ui.label(payment_status(entry, now)).classes("text-sm text-slate-700").mark(f"payment-{entry.reference}")
            if entry.status is BookingStatus.PENDING and entry.hold_expires_at and entry.hold_expires_at > now:
                ui.label(f"Held until {time_of_day(tenant, entry.hold_expires_at)}").classes("text-xs text-slate-500")
        if shows_money:
            with cell("Paid"):
                ui.label(money(entry.paid, entry.currency, tenant.locale)).classes("tabular-nums")
            with cell("Balance due"):
                due = entry.balance_due if entry.status is BookingStatus.CONFIRMED else 0
                ui.label(money(due, entry.currency, tenant.locale) if due else "—").classes(
                    "tabular-nums font-semibold text-red-800" if due else "tabular-nums"
                ).mark(f"balance-{entry.reference}")
        with cell("Attendance"):
            ui.label(attended if entry.status is BookingStatus.CONFIRMED else "—").classes("text-sm").mark(
                f"attended-{entry.reference}"
            )
        if not is_staff:
            return
        with actions():
            if entry.live:
                ui.button("Move", on_click=lambda: move(entry)).props("flat dense no-caps").mark(
                    f"move-{entry.reference}"
                )
            if entry.status is BookingStatus.CONFIRMED and entry.balance_due > 0:
                ui.button("Record payment", on_click=lambda: receive(entry)).props("flat dense no-caps").mark(
                    f"record-payment-{entry.reference}"
                )


async def move_dialog(ctx: TenantContext, entry: RosterEntry) -> bool:
    """Move a booking to another session of the same course with a place free."""
    async with database().read() as session:
        targets = await roster.move_targets(session, ctx, entry.booking_id)
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
        ui.label(f"Move {entry.student}'s booking {entry.reference}").classes("text-lg font-semibold")
        form = Form()
        if not targets:
            ui.label("No other session of this course is taking bookings with a place free.").classes(
                "text-slate-700"
            ).mark("no-move-targets")
        choices = {
            target.id: f"{session_dates(target, ctx.tenant.locale)} · {target.remaining_spots} place"
            f"{'s' if target.remaining_spots != 1 else ''} left"
            for target in targets
        }
        target = (
            form.add(
                "sessionId", ui.select(choices, label="Move to", value=next(iter(choices), None)).props("outlined")
            )
            .classes("w-full")
            .mark("move-target")
        )
        target.set_visibility(bool(targets))
        ui.label("What has been paid moves with the booking; the place here is freed.").classes(
            "text-sm text-slate-600"
        )
        form.problem.move()

        async def confirm() -> None:
            form.clear()
            if not target.value:
                form.show(InvalidInput("sessionId", "Choose the session to move to."))
                return
            try:
                await workflows.move_to_session(database(), ctx, entry.booking_id, target.value)
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(True)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Move booking", on_click=confirm).props("unelevated color=primary no-caps").mark(
                "confirm-move"
            ).set_enabled(bool(targets))
    moved = bool(await answer_of(dialog))
    if moved:
        ui.notify(f"{entry.reference} moved to {choices[target.value].split(' · ')[0]}.", type="positive")
    return moved


async def payment_dialog(ctx: TenantContext, entry: RosterEntry) -> bool:
    """Record money received for a confirmed booking's balance (a bank transfer, cash at the desk)."""
    locale = ctx.tenant.locale
    currency = ctx.tenant.currency
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
        ui.label(f"Payment received for {entry.reference}").classes("text-lg font-semibold")
        ui.label(f"{entry.student} · balance due {money(entry.balance_due, currency, locale)}").classes(
            "text-slate-700"
        )
        form = Form()
        amount = (
            form.add(
                "amount",
                ui.input(
                    f"Amount ({currency_symbol(currency, locale)})", value=major(entry.balance_due, currency)
                ).props("outlined inputmode=decimal"),
            )
            .classes("w-full")
            .mark("payment-amount")
        )
        note = ui.input("How it came (e.g. BACS reference, cash)").props("outlined").classes("w-full")
        note.mark("payment-note")
        form.problem.move()

        async def confirm() -> None:
            form.clear()
            try:
                pence = parse_money("amount", amount.value, currency, locale=ctx.tenant.locale)
                await workflows.record_bank_transfer(database(), ctx, entry.booking_id, pence, note.value or "")
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(pence)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Record payment", on_click=confirm).props("unelevated color=primary no-caps").mark(
                "confirm-payment"
            )
    received = await answer_of(dialog)
    if received:
        ui.notify(f"{money(received, currency, locale)} recorded for {entry.reference}.", type="positive")
    return bool(received)
