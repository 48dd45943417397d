"""The settings page's Payments tab: the currency, how students may pay, deposits, balances, VAT and bank
details, holds and refunds, and whether card payments through Stripe are set up."""

from __future__ import annotations

from nicegui import ui

from pages.admin.settings_parts import SettingsForm, copy_field, with_stored
from trainhub_ui.components.fields import whole_number
from trainhub_ui.config import get_settings
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services import centre_settings

STRIPE_WEBHOOK_PATH = "/api/payments/stripe/webhook"
STRIPE_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
)


def payments_panel(ctx: TenantContext, currency_fixed: bool) -> None:
    current = centre_settings.centre_settings(ctx.tenant)
    form = SettingsForm(ctx)

    def whole(field: str, label: str, hint: str, bounds: tuple[int, int]) -> None:
        form.add(field, whole_number(label, current[field], bounds, hint).classes("w-full"))

    with ui.element("div").classes("grid gap-4 lg:grid-cols-2 w-full items-start"):
        with ui.card().classes("w-full gap-3").props("flat bordered"):
            ui.label("Payments").classes("text-lg font-semibold")
            hint = "Fixed: the centre has bookings in it" if currency_fixed else "ISO 4217, like GBP or EUR"
            currency = ui.select(
                with_stored(sorted(centre_settings.CURRENCIES), current["currency"]),
                label="Currency",
                value=current["currency"],
                with_input=True,
            )
            currency.props(f"outlined hint='{hint}'").classes("w-full")
            currency.set_enabled(not currency_fixed)
            form.add("currency", currency)
            ui.label("Students may pay").classes("font-medium pt-1")
            with ui.column().classes("gap-0"):
                form.add("offersFullPayment", ui.checkbox("In full, by card", value=current["offersFullPayment"]))
                form.add(
                    "offersDeposit", ui.checkbox("A deposit now, the balance later", value=current["offersDeposit"])
                )
                form.add(
                    "offersInvoice",
                    ui.checkbox("By company invoice (company bookings)", value=current["offersInvoice"]),
                )
            form.problem = ui.label("").classes("text-sm text-red-700").props("role=alert").mark("payments-problem")
            form.problem.set_visibility(False)
            whole(
                "depositPercent",
                "Deposit (%)",
                "Of the course price, paid when booking",
                centre_settings.DEPOSIT_PERCENT,
            )
            whole(
                "balanceDueDays",
                "Balance due (days before the start)",
                "When the rest of a deposit booking is due",
                centre_settings.BALANCE_DUE_DAYS,
            )
            whole(
                "balanceNoticeDays",
                "Deposit notice (days)",
                "Deposits only if the balance is due this far ahead",
                centre_settings.BALANCE_NOTICE_DAYS,
            )
            form.add(
                "vatRate",
                ui.input("VAT rate (%)", value=current["vatRate"])
                .props("outlined inputmode=decimal hint='Prices include VAT; leave empty for none'")
                .classes("w-full"),
            )
            form.add(
                "vatNumber",
                ui.input("VAT registration number", value=current["vatNumber"])
                .props("outlined hint='GB and 9 digits, like GB123456789; printed on invoices and credit notes'")
                .classes("w-full"),
            )
            form.add(
                "bankDetails",
                ui.textarea("Bank details for invoices and transfers", value=current["bankDetails"])
                .props("outlined autogrow")
                .classes("w-full"),
            )
        with ui.column().classes("w-full gap-4"):
            with ui.card().classes("w-full gap-3").props("flat bordered"):
                ui.label("Holds and refunds").classes("text-lg font-semibold")
                whole(
                    "holdMinutes",
                    "Hold a place while paying (minutes)",
                    "A card booking keeps its place this long",
                    centre_settings.HOLD_MINUTES,
                )
                whole(
                    "bookingCutoffHours",
                    "Bookings close (hours before the start)",
                    "0 keeps a session on sale until it starts",
                    centre_settings.BOOKING_CUTOFF_HOURS,
                )
                whole(
                    "fullRefundDays",
                    "Full refund until (days before the start)",
                    "Later cancellations keep the deposit",
                    centre_settings.FULL_REFUND_DAYS,
                )
                whole(
                    "offerWindowHours",
                    "Waiting list offer lasts (hours)",
                    "Shorter when the start is near",
                    centre_settings.OFFER_WINDOW_HOURS,
                )
            _stripe_status()
    ui.button("Save payment settings", on_click=form.save).props("unelevated color=primary no-caps").mark(
        "save-payments"
    )


def _stripe_status() -> None:
    """What the server is set up with; keys are never shown, only whether they are set."""
    settings = get_settings()
    key = settings.stripe_secret_key
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("stripe-status"):
        ui.label("Card payments (Stripe)").classes("text-lg font-semibold")
        if not key:
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("science").classes("text-amber-700 text-xl")
                ui.label("Not connected: test mode, no real payments are taken.").classes("font-medium")
            ui.label(
                "To take card payments, your host sets TRAINHUB_STRIPE_SECRET_KEY and "
                "TRAINHUB_STRIPE_WEBHOOK_SECRET on the server."
            ).classes("text-sm text-slate-600")
        else:
            mode = "live" if "_live_" in key else "test" if "_test_" in key else "unknown"
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("check_circle").classes("text-green-700 text-xl")
                ui.label(f"Connected: secret key set ({mode} mode).").classes("font-medium").mark("stripe-mode")
            webhook = settings.stripe_webhook_secret
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("check_circle" if webhook else "error").classes(
                    ("text-green-700" if webhook else "text-red-700") + " text-xl"
                )
                ui.label(
                    "Webhook signing secret set." if webhook else "Webhook signing secret not set: events are refused."
                )
        ui.label("In Stripe's dashboard, send webhook events to:").classes("text-sm text-slate-700 pt-1")
        copy_field("Webhook endpoint", f"{settings.base_url}{STRIPE_WEBHOOK_PATH}", "webhook-url")
        ui.label("Events: " + ", ".join(STRIPE_EVENTS) + ".").classes("text-xs text-slate-500 break-words")
