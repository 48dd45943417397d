"""What staff do to a booking from its page, each in a dialog: cancel it (with or without a refund),
refund part or all of what was paid, record a bank transfer, send the confirmation again, and confirm a
guest's company invoice that its billing contact has not confirmed yet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from models import BookingStatus
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput
from trainhub_ui.domain.formatting import currency_symbol, major, money, parse_money, session_dates
from trainhub_ui.notify import emails
from trainhub_ui.payments import provider
from trainhub_ui.services import invoice_confirmation, refunds, workflows
from trainhub_ui.services.booking_search import BookingRecord


@dataclass(frozen=True)
class BookingActions:
    """The dialogs of one booking's page. They open in `dialogs`, outside the page's content, which is
    rebuilt under them by `refresh` once something changed."""

    ctx: TenantContext
    booking_id: str
    dialogs: ui.element
    refresh: Callable[[], Awaitable[None]]
    can_refund: bool

    async def cancel(self, record: BookingRecord) -> None:
        locale = self.ctx.tenant.locale
        booking = record.booking
        currency = booking.currency
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
            ui.label(f"Cancel booking {booking.reference}?").classes("text-lg font-semibold")
            ui.label(
                f"{record.student.full_name} on {record.course.title}, {session_dates(record.course_session, locale)}. "
                "The place goes to the waiting list or back on sale."
            ).classes("text-slate-700")
            reason = ui.input("Reason (kept on the booking)").props("outlined dense maxlength=2000").classes("w-full")
            reason.mark("cancel-reason")
            choices = {
                "POLICY": f"By the centre's policy: {money(record.refund_by_policy, currency, locale)} back",
                "FULL": f"In full, the centre cancels: {money(record.refundable, currency, locale)} back",
                "NONE": "No refund",
            }
            if record.refundable <= 0:
                ui.label("Nothing has been paid that could be refunded.").classes("text-slate-600")
                refund_choice = None
            else:
                ui.label("Refund").classes("font-medium")
                refund_choice = ui.radio(choices, value="POLICY").mark("refund-choice")
                if not self.can_refund:
                    ui.label("The policy's refund is made automatically; the other choices need an admin.").classes(
                        "text-sm text-slate-600"
                    )
                    refund_choice.set_value("POLICY")
                    refund_choice.disable()
            problem = ui.label().classes("text-red-700").mark("cancel-problem")
            problem.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep the booking", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Cancel the booking").props("color=negative no-caps unelevated")
                confirm.mark("confirm-cancel")

            async def do_cancel() -> None:
                confirm.disable()
                refund = refund_choice.value if refund_choice is not None else "NONE"
                try:
                    cancelled = await workflows.cancel_and_refund(
                        database(), self.ctx, provider(), self.booking_id, (reason.value or "").strip(), refund
                    )
                except DomainError as error:
                    problem.set_text(error.message)
                    problem.set_visibility(True)
                    confirm.enable()
                    return
                if cancelled.refund_problem is not None:
                    dialog.close()
                    ui.notify(f"Booking cancelled, but the refund failed: {cancelled.refund_problem}", type="warning")
                    await self.refresh()
                    return
                message = "Booking cancelled."
                if cancelled.refunded:
                    message = f"Booking cancelled; {money(cancelled.refunded, currency, locale)} refunded."
                dialog.close()
                ui.notify(message, type="positive")
                await self.refresh()

            confirm.on_click(do_cancel)
        dialog.open()

    async def refund(self, record: BookingRecord) -> None:
        locale = self.ctx.tenant.locale
        booking = record.booking
        currency = booking.currency
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Refund on {booking.reference}").classes("text-lg font-semibold")
            ui.label(
                f"Up to {money(record.refundable, currency, locale)} can be refunded: what was paid, less earlier "
                "refunds. "
                "The balance payment is refunded before the deposit."
            ).classes("text-slate-700")
            amount = (
                ui.input("Amount", value=major(record.refundable, currency))
                .props(f"outlined dense inputmode=decimal prefix={currency_symbol(currency, locale)!r}")
                .classes("w-full")
                .mark("refund-amount")
            )
            reason = ui.input("Reason", value="").props("outlined dense maxlength=200").classes("w-full")
            reason.mark("refund-reason")
            problem = ui.label().classes("text-red-700").mark("refund-problem")
            problem.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Refund").props("color=primary no-caps unelevated").mark("confirm-refund")

            async def do_refund() -> None:
                amount.error = None
                problem.set_visibility(False)
                try:
                    pence = parse_money("amount", amount.value, currency, locale=self.ctx.tenant.locale)
                    confirm.disable()
                    result = await refunds.refund_booking(
                        database(),
                        self.ctx,
                        provider(),
                        self.booking_id,
                        pence,
                        (reason.value or "").strip() or "Refund by staff",
                    )
                except InvalidInput as error:
                    amount.error = error.message
                    confirm.enable()
                    return
                except DomainError as error:
                    problem.set_text(error.message)
                    problem.set_visibility(True)
                    confirm.enable()
                    await self.refresh()
                    return
                dialog.close()
                ui.notify(f"{money(result.amount, currency, locale)} refunded.", type="positive")
                await self.refresh()

            confirm.on_click(do_refund)
        dialog.open()

    async def bank_transfer(self, record: BookingRecord) -> None:
        locale = self.ctx.tenant.locale
        booking = record.booking
        currency = booking.currency
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Record a bank transfer on {booking.reference}").classes("text-lg font-semibold")
            ui.label(f"Balance due: {money(booking.balance_due, currency, locale)}.").classes("text-slate-700")
            amount = (
                ui.input("Amount received", value=major(booking.balance_due, currency))
                .props(f"outlined dense inputmode=decimal prefix={currency_symbol(currency, locale)!r}")
                .classes("w-full")
                .mark("transfer-amount")
            )
            note = ui.input("Note (e.g. the bank's reference)").props("outlined dense maxlength=200").classes("w-full")
            note.mark("transfer-note")
            problem = ui.label().classes("text-red-700").mark("transfer-problem")
            problem.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Record payment").props("color=primary no-caps unelevated")
                confirm.mark("confirm-transfer")

            async def do_record() -> None:
                amount.error = None
                problem.set_visibility(False)
                try:
                    pence = parse_money("amount", amount.value, currency, locale=self.ctx.tenant.locale)
                    await workflows.record_bank_transfer(
                        database(), self.ctx, self.booking_id, pence, (note.value or "").strip()
                    )
                except InvalidInput as error:
                    amount.error = error.message
                    return
                except DomainError as error:
                    problem.set_text(error.message)
                    problem.set_visibility(True)
                    return
                dialog.close()
                ui.notify(f"{money(pence, currency, locale)} recorded.", type="positive")
                await self.refresh()

            confirm.on_click(do_record)
        dialog.open()

    async def resend(self, record: BookingRecord) -> None:
        async with database().transaction() as session:
            await emails.booking_confirmed(session, self.ctx, record.booking, again=True)
        ui.notify(f"The confirmation is on its way to {record.student.email}.", type="positive")

    async def approve_invoice(self, record: BookingRecord) -> None:
        booking = record.booking
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
            ui.label(f"Confirm the invoice for {booking.reference}?").classes("text-lg font-semibold")
            ui.label(
                f"{booking.company_name} has not confirmed it by the link emailed to "
                f"{booking.billing_email or record.student.email}. Confirm it if you know the company will pay: "
                "the invoice is issued and sent, and the place confirmed (taken again if its hold lapsed and a "
                "place is free)."
            ).classes("text-slate-700")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Confirm the invoice").props("color=primary no-caps unelevated")
                confirm.mark("confirm-approve-invoice")

            async def do_approve() -> None:
                try:
                    approved = await invoice_confirmation.approve_invoice(database(), self.ctx, self.booking_id)
                except DomainError as error:
                    ui.notify(error.message, type="warning")
                    return
                dialog.close()
                if approved.status is BookingStatus.CONFIRMED:
                    ui.notify("Invoice issued; the place is confirmed.", type="positive")
                else:
                    ui.notify("The session filled after the hold lapsed: nothing was invoiced.", type="warning")
                await self.refresh()

            confirm.on_click(do_approve)
        dialog.open()
