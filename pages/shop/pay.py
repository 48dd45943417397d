"""Paying for a booking: /{slug}/pay/{reference}?t={access token}, the link a card booking answers with.

In the offline test mode it offers "Pay (test)" and "Decline (test)"; with Stripe it sends the student
to Stripe's checkout, and /done (Stripe's success URL) looks the checkout up itself before showing how
it went, so a lost webhook never leaves a paid booking pending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import segno
from fastapi.responses import Response
from nicegui import APIRouter, ui

from models import Booking, BookingStatus, Customer, PaymentKind, PaymentOption, Tenant, utcnow
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.banners import banner
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.rate_limited import refused_page
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.formatting import day_and_time, money, time_of_day
from trainhub_ui.payments import ProviderError, provider
from trainhub_ui.rate_limits import Door
from trainhub_ui.services import checkout, invoice_confirmation
from trainhub_ui.services.payments import PAID_AFTER_THE_HOLD, amount_due

from .loading import load_tenant
from .pay_link_expired import link_expired_page

router = APIRouter()

DUE_LABELS = {
    PaymentKind.FULL: "To pay now",
    PaymentKind.DEPOSIT: "Deposit to pay now",
    PaymentKind.BALANCE: "Balance to pay",
}


@router.page("/{slug}/pay/{reference}")
async def pay_page(slug: str, reference: str, t: str = "") -> Response | None:
    if refused := await refused_page(Door.PAY_PAGE, slug):
        return refused
    opened = await _open(slug, reference, t)
    if opened is not None:
        _show(opened, notice=None)
    return None


@router.page("/{slug}/pay/{reference}/done")
async def paid_page(slug: str, reference: str, t: str = "", session_id: str = "") -> Response | None:
    """Stripe's success URL: settle from the checkout itself, then show the booking."""
    if refused := await refused_page(Door.PAY_PAGE, slug):
        return refused
    opened = await _open(slug, reference, t)
    if opened is None:
        return None
    tenant, ctx = opened.tenant, opened.ctx
    notice = None
    if session_id:
        payments = provider()
        try:
            state = await payments.checkout_state(session_id)
            if state.metadata.get("bookingId") == opened.summary.booking.id:
                settled = await checkout.settle_checkout_state(database(), ctx, payments, state)
                if settled is not None and settled.refunded:
                    notice = _refunded_notice(tenant, settled)
                opened.summary = await opened.reload()
        except (ProviderError, DomainError):
            notice = "We could not confirm the payment with the card provider yet; it will show here once it does."
    _show(opened, notice=notice)
    return None


def _refunded_notice(tenant: Tenant, settled: checkout.Settled) -> str:
    given_back = money(settled.refunded, settled.booking.currency, tenant.locale)
    if settled.why == PAID_AFTER_THE_HOLD:
        return (
            f"Your payment came after the place was released and the session filled up, so {given_back} "
            f"has been refunded to your card. Ask {tenant.name} about the waiting list or another date."
        )
    return (
        f"This payment was not needed ({settled.why}), so {given_back} has been refunded to your card. "
        f"Questions: ask {tenant.name}."
    )


@dataclass
class _Opened:
    """A booking its link (or its signed-in student) opened, and how to read it again after a change."""

    tenant: Tenant
    ctx: TenantContext
    student: Customer | None
    summary: checkout.PaySummary
    reload: Callable[[], Awaitable[checkout.PaySummary]]
    token: str


async def _open(slug: str, reference: str, token: str) -> _Opened | None:
    """The booking, or None after showing why not: no centre, no such booking (a wrong token answers the
    same), or a link from before links carried a token."""
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    ctx = TenantContext(tenant=tenant, actor="Student (pay page)")
    student = await signed_in_student(tenant)

    async def reload() -> checkout.PaySummary:
        return await checkout.pay_summary(database(), ctx, reference, token, student_id=student.id if student else None)

    try:
        summary = await reload()
    except NotFound:
        if token:
            not_found_page("There is no booking with this reference. Check the link in your email.")
        else:
            link_expired_page(tenant, reference)
        return None
    return _Opened(tenant, ctx, student, summary, reload, token)


def _show(opened: _Opened, notice: str | None) -> None:
    tenant, ctx, student, summary = opened.tenant, opened.ctx, opened.student, opened.summary
    reference = summary.booking.reference
    payments = provider()
    with public_frame(tenant, student, f"Booking {summary.booking.reference}"):
        with ui.column().classes("w-full max-w-xl mx-auto gap-4"):
            ui.label(f"Booking {summary.booking.reference}").classes("text-2xl font-bold text-slate-900")
            if notice:
                with ui.card().classes("w-full bg-amber-50 border border-amber-300").props("flat"):
                    ui.label(notice).classes("text-amber-900").mark("notice")
            body = ui.column().classes("w-full gap-4")

    def render(summary: checkout.PaySummary) -> None:
        booking = summary.booking
        body.clear()
        with body:
            with ui.card().classes("w-full gap-1"):
                ui.label(summary.course_title).classes("text-lg font-semibold")
                ui.label(day_and_time(tenant, summary.starts_at)).classes("text-slate-700")
                if summary.venue:
                    ui.label(summary.venue).classes("text-slate-600")
                ui.separator().classes("my-2")
                with ui.row().classes("w-full justify-between"):
                    ui.label("Course price")
                    ui.label(money(booking.total_amount, booking.currency, tenant.locale))
                with ui.row().classes("w-full justify-between"):
                    ui.label("Paid so far")
                    ui.label(money(booking.amount_paid, booking.currency, tenant.locale)).mark("paid")
            _status(tenant, booking, summary.first_name)
            if booking.status is BookingStatus.PENDING and booking.hold_expires_at is not None:
                _countdown(booking.hold_expires_at)
            if booking.status is BookingStatus.PENDING and booking.payment_option is PaymentOption.INVOICE:
                ui.button("Email the link again", on_click=send_link_again).props("outline no-caps").mark(
                    "send-link-again"
                )
            if booking.status is BookingStatus.CONFIRMED:
                _confirmation(tenant, booking)
            if booking.status is BookingStatus.EXPIRED:
                ui.button("Try again", on_click=try_again).props("color=primary size=lg no-caps").mark("try-again")
                return
            due = amount_due(booking)
            if due is None or due.amount <= 0:
                return
            price = money(due.amount, booking.currency, tenant.locale)
            with ui.row().classes("w-full justify-between items-baseline"):
                ui.label(DUE_LABELS[due.kind]).classes("text-lg font-semibold")
                ui.label(price).classes("text-2xl font-bold").mark("due")
            if payments.name == "offline":
                ui.label("Test mode: choose what the card does. No money moves.").classes("text-slate-600")
                with ui.row().classes("w-full gap-2"):
                    ui.button(f"Pay {price} (test)", on_click=lambda: pay_in_test_mode(True)).props(
                        "color=primary size=lg no-caps"
                    ).mark("pay-test")
                    ui.button("Decline (test)", on_click=lambda: pay_in_test_mode(False)).props(
                        "outline color=negative size=lg no-caps"
                    ).mark("decline-test")
            else:
                ui.button(f"Pay {price} by card", on_click=pay_by_card).props("color=primary size=lg no-caps").mark(
                    "pay-card"
                )

    async def pay_in_test_mode(succeed: bool) -> None:
        try:
            settled = await checkout.pay_in_test_mode(database(), ctx, payments, reference, succeed=succeed)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        if settled.refunded:
            ui.notify(_refunded_notice(tenant, settled), type="warning")
        elif not succeed:
            ui.notify("The card was declined (test). Your place is still held: try again.", type="warning")
        else:
            ui.notify("Payment received (test).", type="positive")
        render(await opened.reload())

    async def try_again() -> None:
        try:
            again = await checkout.try_again(database(), ctx, reference)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        if isinstance(again, Booking):
            ui.navigate.to(pay_path(tenant.slug, again))
            return
        with body:
            banner(
                "hourglass_top",
                "The session is full now: you are on its waiting list, and the first place freed is offered to you.",
                "blue",
                "status-waiting",
            )

    async def send_link_again() -> None:
        try:
            await invoice_confirmation.send_again(database(), ctx, reference, opened.token)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        ui.notify("A new link is on its way; the one sent before no longer works.", type="positive")

    async def pay_by_card() -> None:
        try:
            started = await checkout.begin_checkout(database(), ctx, payments, reference, get_settings().base_url)
        except (DomainError, ProviderError) as error:
            ui.notify(str(getattr(error, "message", error)), type="warning")
            return
        ui.navigate.to(started.url)

    render(summary)


def _countdown(until: datetime) -> None:
    """Minutes and seconds the place stays held, counting down in the browser's own time."""
    label = ui.label().classes("text-blue-900 font-semibold").mark("countdown")

    def tick() -> None:
        left = max(int((until - utcnow()).total_seconds()), 0)
        label.set_text(f"Held for {left // 60}:{left % 60:02d} more" if left else "The hold has run out")

    tick()
    ui.timer(1.0, tick)


def _confirmation(tenant: Tenant, booking: Booking) -> None:
    """What a confirmed booking needs at hand: the reference as a QR code for the kiosk, the calendar entry."""
    with ui.card().classes("w-full items-center gap-2").props("flat bordered"):
        ui.label("Your booking reference").classes("text-slate-600")
        ui.label(booking.reference).classes("text-3xl font-bold tracking-wider").mark("reference")
        qr = segno.make(booking.reference, error="m").svg_inline(scale=6, title=f"Booking {booking.reference}")
        ui.html(qr).classes("my-2").mark("reference-qr")
        ui.link("Add to calendar (.ics)", pay_path(tenant.slug, booking, "/calendar.ics")).mark("calendar-link")
    ui.label("What happens next").classes("text-lg font-semibold")
    ui.label(
        "On the day, show this code at reception (or give your booking reference) to be checked in. "
        f"Questions before then: {tenant.contact_email or tenant.contact_phone or tenant.name}."
    ).classes("text-slate-700")


def _status(tenant: Tenant, booking: Booking, first_name: str) -> None:
    status = booking.status
    on_invoice = booking.payment_option is PaymentOption.INVOICE
    if status is BookingStatus.PENDING and on_invoice:
        held = f" until {time_of_day(tenant, booking.hold_expires_at)}" if booking.hold_expires_at else ""
        who = f"{booking.company_name} ({booking.billing_email})" if booking.billing_email else "you"
        text = (
            f"{first_name}, your place is held{held}. We have emailed {who} a link to confirm the company invoice: "
            "the place is confirmed, and the invoice sent, once it is clicked."
        )
        banner("mark_email_unread", text, "blue", "status-awaiting-invoice")
    elif status is BookingStatus.PENDING:
        held = f" until {time_of_day(tenant, booking.hold_expires_at)}" if booking.hold_expires_at else ""
        banner("schedule", f"{first_name}, your place is held{held}. Pay now to confirm it.", "blue", "status-held")
    elif status is BookingStatus.CONFIRMED and booking.balance_due > 0:
        if on_invoice:
            banner(
                "receipt_long",
                "Your place is confirmed. The invoice is paid by bank transfer.",
                "green",
                "status-invoice",
            )
            if tenant.bank_details:
                ui.label(tenant.bank_details).classes("whitespace-pre-line text-slate-700")
            ui.link("Download the invoice (PDF)", pay_path(tenant.slug, booking, "/invoice.pdf")).mark("invoice-link")
        else:
            due = money(booking.balance_due, booking.currency, tenant.locale)
            banner(
                "check_circle",
                f"Your place is confirmed. The balance of {due} is still to pay.",
                "green",
                "status-balance",
            )
    elif status is BookingStatus.CONFIRMED:
        banner(
            "check_circle", f"Thank you, {first_name}: your place is confirmed and paid.", "green", "status-confirmed"
        )
    elif status is BookingStatus.EXPIRED and on_invoice:
        text = (
            "The hold on this place lapsed before the invoice was confirmed. The link already emailed still works "
            "while a place is free; or try again: for a place and a new link, or the waiting list if full."
        )
        banner("timer_off", text, "amber", "status-expired")
    elif status is BookingStatus.EXPIRED:
        text = "The hold on this place lapsed before it was paid. Try again: for a place, or the waiting list if full."
        banner("timer_off", text, "amber", "status-expired")
    else:
        banner("cancel", f"This booking is {status.value.lower()}.", "slate", "status-closed")
