"""The settings page's Centre tab: the centre's profile (name, contact, address, timezone, email sender),
its branding (logo and colour, with a preview of the header) and how long it keeps past students' data."""

from __future__ import annotations

from nicegui import ui

from pages.admin.settings_logo import logo_editor
from pages.admin.settings_parts import SettingsForm, with_stored
from trainhub_ui.components.fields import whole_number
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import LOCALES
from trainhub_ui.services import centre_settings


def centre_panel(ctx: TenantContext) -> None:
    tenant = ctx.tenant
    current = centre_settings.centre_settings(tenant)
    form = SettingsForm(ctx)
    with ui.element("div").classes("grid gap-4 lg:grid-cols-2 w-full items-start"):
        with ui.card().classes("w-full gap-3").props("flat bordered"):
            ui.label("Profile").classes("text-lg font-semibold")
            ui.label(f"Your public site is at /{tenant.slug}; the address itself does not change here.").classes(
                "text-sm text-slate-600"
            )
            form.add("name", ui.input("Centre name", value=current["name"]).props("outlined").classes("w-full"))
            form.add(
                "legalName",
                ui.input("Legal name (optional)", value=current["legalName"])
                .props("outlined hint='As registered, for VAT invoices, like Bristol Gas Training Ltd'")
                .classes("w-full mb-3"),  # room for the hint when it wraps on a phone
            )
            form.add(
                "tagline",
                ui.input("Tagline (optional)", value=current["tagline"]).props("outlined").classes("w-full"),
            )
            with ui.row().classes("w-full gap-3 max-sm:flex-col"):
                form.add(
                    "contactEmail",
                    ui.input("Contact email", value=current["contactEmail"])
                    .props("type=email outlined")
                    .classes("flex-1 w-full"),
                )
                form.add(
                    "contactPhone",
                    ui.input("Contact phone", value=current["contactPhone"])
                    .props("type=tel outlined")
                    .classes("flex-1 w-full"),
                )
            form.add(
                "address",
                ui.textarea("Address", value=current["address"])
                .props("outlined autogrow hint='Printed on invoices'")
                .classes("w-full"),
            )
            form.add(
                "timezone",
                ui.select(
                    with_stored(centre_settings.timezone_names(), current["timezone"]),
                    label="Timezone",
                    value=current["timezone"],
                    with_input=True,
                )
                .props("outlined hint='Session dates and times are in this timezone'")
                .classes("w-full"),
            )
            form.add(
                "locale",
                ui.select(
                    {code: name for code, (name, _style) in LOCALES.items()},
                    label="Money and dates written as",
                    value=current["locale"],
                )
                .props("outlined hint='British: £495.00, Mon 21 Dec 2026; American: $495.00, Mon, Dec 21, 2026'")
                .classes("w-full mb-3")  # room for the hint when it wraps on a phone
                .mark("locale"),
            )
            form.add(
                "emailSender",
                ui.input("Emails to students come from", value=current["emailSender"])
                .props("outlined hint='Like bookings@yourcentre.co.uk or Your Centre <bookings@yourcentre.co.uk>'")
                .classes("w-full"),
            )
        with ui.column().classes("w-full gap-4"):
            with ui.card().classes("w-full gap-3").props("flat bordered"):
                ui.label("Branding").classes("text-lg font-semibold")
                logo_editor(ctx)
                ui.separator()
                colour = ui.color_input("Brand colour", value=current["brandColour"], preview=True)
                colour.props("outlined hint='Headers and buttons; white text must read on it'").classes("w-full")
                form.add("brandColour", colour)
                with ui.row().classes("items-center gap-3"):
                    sample = ui.element("div").classes("rounded-md px-4 py-2 text-white font-semibold")
                    sample.style(f"background: {current['brandColour']}")
                    with sample:
                        sample_name = ui.label(tenant.name)
                    ui.label("How your header looks").classes("text-sm text-slate-600")

                def preview() -> None:
                    value = (colour.value or "").strip().lower()
                    if centre_settings.COLOUR_PATTERN.match(value):
                        sample.style(f"background: {value}")

                colour.on_value_change(preview)
                form.inputs["name"].on_value_change(lambda e: sample_name.set_text(e.value or ""))
            _retention_card(form, current["retentionMonths"])
    with ui.row().classes("w-full items-center gap-3"):
        ui.button("Save centre details", on_click=form.save).props("unelevated color=primary no-caps").mark(
            "save-centre"
        )
        ui.label("A new colour or name shows from the next page you open.").classes("text-sm text-slate-600")


def _retention_card(form: SettingsForm, months: int) -> None:
    """How long a past student's data is kept: the job anonymises those quiet this long and owing nothing."""
    with ui.card().classes("w-full gap-3").props("flat bordered").mark("retention"):
        ui.label("Students' data").classes("text-lg font-semibold")
        ui.label(
            "Past students with nothing outstanding are anonymised this many months after their last booking, "
            "course or sign-in. Invoices, payments and certificate numbers are kept. 0 keeps their data until "
            "they ask for it to be erased."
        ).classes("text-sm text-slate-600")
        form.add(
            "retentionMonths",
            whole_number(
                "Keep past students' data for (months)", months, centre_settings.RETENTION_MONTHS, "0: until asked"
            ).classes("w-full"),
        )
