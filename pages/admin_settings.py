"""The centre's settings, staff users and API tokens (ADMIN and OWNER), the centre's logo as a file, and
the public page where an invited staff member chooses their password."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from nicegui import APIRouter, events, ui
from nicegui.elements.mixins.validation_element import ValidationElement
from sqlalchemy.engine import make_url

from models import ApiToken, StaffRole, StaffUser, Tenant, utcnow
from pages.admin.access import admin_access
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.fields import show_password_button, whole_number
from trainhub_ui.components.formatting import day_and_time
from trainhub_ui.components.frames import admin_frame, apply_branding, not_found_page
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.services import staff, tenants, tokens
from trainhub_ui.services.context import TenantContext
from trainhub_ui.services.errors import DomainError

router = APIRouter()

TABS = {"centre": "Centre", "payments": "Payments", "staff": "Staff", "tokens": "API tokens"}
PAGE_SIZE = 25
STRIPE_WEBHOOK_PATH = "/api/payments/stripe/webhook"
STRIPE_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
)
ROLE_NOTES = {
    StaffRole.INSTRUCTOR: "Instructor: their own sessions and rosters",
    StaffRole.STAFF: "Staff: everything but settings, staff and tokens",
    StaffRole.ADMIN: "Admin: everything",
    StaffRole.OWNER: "Owner: everything, and other owners",
}


# --- the logo as a file -------------------------------------------------------------------------------


def logo_directory() -> Path:
    """Logos live beside the SQLite database, or in ./data/logos on PostgreSQL."""
    settings = get_settings()
    if settings.is_sqlite:
        file = make_url(settings.database_url).database
        if file and file != ":memory:":
            return Path(file).resolve().parent / "logos"
    return Path("data/logos").resolve()


@router.get(f"{tenants.LOGO_URL_PREFIX}/{{file_name}}", include_in_schema=False)
async def logo_file(file_name: str) -> FileResponse:
    found = tenants.LOGO_FILE_PATTERN.match(file_name)
    path = logo_directory() / file_name
    if found is None or not await asyncio.to_thread(path.is_file):
        raise HTTPException(status_code=404)
    # The name carries a hash of the content: a new logo gets a new name, so this one never changes.
    return FileResponse(
        path,
        media_type=tenants.LOGO_MEDIA_TYPES[found.group(1)],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


# --- shared bits ----------------------------------------------------------------------------------------


def _context(access: StaffAccess) -> TenantContext:
    user = access.user
    return TenantContext(tenant=access.tenant, actor=f"{user.name} ({user.email})", role=user.role, user_id=user.id)


def _show_error(element: ui.element, message: str | None) -> None:
    if isinstance(element, ValidationElement):
        element.error = message
    else:  # a plain q-input (the colour input) shows Quasar's own error slot
        element.props["error"] = message is not None
        element.props["error-message"] = message or ""


def _copy_field(label: str, value: str, marker: str) -> None:
    """A read-only field with the text selected on focus and a copy button (the clipboard needs https or
    localhost; selecting the text works everywhere)."""
    field = ui.textarea(label, value=value).props("readonly outlined autogrow rows=1").mark(marker)
    field.classes("w-full font-mono text-sm break-all")
    field.on("focus", js_handler="(e) => e.target.select()")
    with field.add_slot("append"):
        ui.button(icon="content_copy", on_click=lambda: (ui.clipboard.write(value), ui.notify("Copied."))).props(
            "flat round dense title='Copy'"
        ).mark(f"copy-{marker}")


def _with(options: list[str], current: str) -> list[str]:
    """The choices plus the value stored now, so a select opens even on a value set outside this page."""
    return options if current in options else sorted([*options, current])


def _when(tenant: Tenant, moment: Any) -> str:
    return day_and_time(tenant, moment) if moment else "never"


def _pager(total: int, offset: int, on_move: Callable[[int], Awaitable[None]], what: str) -> None:
    if total <= PAGE_SIZE:
        return
    with ui.row().classes("w-full items-center justify-end gap-2 text-sm text-slate-600"):
        ui.label(f"{offset + 1}–{min(offset + PAGE_SIZE, total)} of {total} {what}")
        back = ui.button(icon="chevron_left", on_click=lambda: on_move(max(0, offset - PAGE_SIZE)))
        back.props("flat round dense aria-label='Previous page'").set_enabled(offset > 0)
        more = ui.button(icon="chevron_right", on_click=lambda: on_move(offset + PAGE_SIZE))
        more.props("flat round dense aria-label='Next page'").set_enabled(offset + PAGE_SIZE < total)


ROW_GRID = "w-full grid gap-2 md:gap-4 items-center md:grid-cols-[minmax(0,2fr)_minmax(0,1.3fr)_minmax(0,1.2fr)_17rem]"


def _list_header(*titles: str) -> None:
    with ui.element("div").classes(ROW_GRID + " max-md:hidden px-4 text-xs uppercase tracking-wide text-slate-500"):
        for title in titles:
            ui.label(title)


def _chip(text: str, colours: str, marker: str | None = None) -> None:
    chip = ui.label(text).classes(f"text-xs font-medium rounded-full px-2 py-0.5 {colours}")
    if marker:
        chip.mark(marker)


# --- the page -------------------------------------------------------------------------------------------


@router.page("/{slug}/admin/settings")
async def settings_page(slug: str, tab: str = "centre") -> RedirectResponse | None:
    access = await admin_access(slug, StaffRole.ADMIN, f"/{slug}/admin/settings")
    if not isinstance(access, StaffAccess):
        return access
    ctx = _context(access)
    async with database().read() as session:
        currency_fixed = await tenants.currency_locked(session, ctx)
    with admin_frame(access.tenant, access.user, "Settings", "Settings"):
        chosen = tab if tab in TABS else "centre"
        with ui.tabs(value=chosen).props("align=left no-caps inline-label outside-arrows mobile-arrows") as tabs:
            tabs.classes("w-full border-b text-slate-700")
            for name, label in TABS.items():
                ui.tab(name, label).mark(f"tab-{name}")
        tabs.on_value_change(lambda e: ui.navigate.history.replace(f"/{slug}/admin/settings?tab={e.value}"))
        with ui.tab_panels(tabs, value=chosen).classes("w-full bg-transparent").props("keep-alive animated=false"):
            with ui.tab_panel("centre").classes("p-0 pt-2"):
                _centre_panel(ctx)
            with ui.tab_panel("payments").classes("p-0 pt-2"):
                _payments_panel(ctx, currency_fixed)
            with ui.tab_panel("staff").classes("p-0 pt-2"):
                await _staff_panel(ctx, access.user)
            with ui.tab_panel("tokens").classes("p-0 pt-2"):
                await _tokens_panel(ctx)
    return None


class _SettingsForm:
    """Inputs keyed by setting; saved together, with every refused field marked at once."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.inputs: dict[str, ui.element] = {}
        self.problem: ui.label | None = None

    def add(self, field: str, element: ui.element) -> ui.element:
        self.inputs[field] = element.mark(f"setting-{field}")
        return element

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for field, element in self.inputs.items():
            value = element.value  # type: ignore[attr-defined]
            # An emptied text field reads None; an emptied number stays None and is refused as missing.
            values[field] = "" if value is None and not isinstance(element, ui.number) else value
        return values

    async def save(self) -> bool:
        for element in self.inputs.values():
            _show_error(element, None)
        if self.problem is not None:
            self.problem.set_visibility(False)
        try:
            async with database().transaction() as session:
                tenant = await tenants.update_centre_settings(session, self.ctx, self.values())
        except tenants.InvalidSettings as refused:
            for field, message in refused.problems.items():
                if field in self.inputs and not isinstance(self.inputs[field], ui.checkbox):
                    _show_error(self.inputs[field], message)
                elif self.problem is not None:
                    self.problem.set_text(message)
                    self.problem.set_visibility(True)
            ui.notify("Nothing saved: check the fields marked in red.", type="warning")
            return False
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return False
        shown = tenants.centre_settings(tenant)
        for field, element in self.inputs.items():
            element.value = shown[field]  # type: ignore[attr-defined]  # as stored: trimmed, normalised
        ui.notify("Saved.", type="positive")
        return True


def _centre_panel(ctx: TenantContext) -> None:
    tenant = ctx.tenant
    current = tenants.centre_settings(tenant)
    form = _SettingsForm(ctx)
    with ui.element("div").classes("grid gap-4 lg:grid-cols-2 w-full items-start"):
        with ui.card().classes("w-full gap-3").props("flat bordered"):
            ui.label("Profile").classes("text-lg font-semibold")
            ui.label(f"Your public site is at /{tenant.slug}; the address itself does not change here.").classes(
                "text-sm text-slate-600"
            )
            form.add("name", ui.input("Centre name", value=current["name"]).props("outlined").classes("w-full"))
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
                ui.textarea("Address", value=current["address"]).props("outlined autogrow").classes("w-full"),
            )
            form.add(
                "timezone",
                ui.select(
                    _with(tenants.timezone_names(), current["timezone"]),
                    label="Timezone",
                    value=current["timezone"],
                    with_input=True,
                )
                .props("outlined hint='Session dates and times are in this timezone'")
                .classes("w-full"),
            )
            form.add(
                "emailSender",
                ui.input("Emails to students come from", value=current["emailSender"])
                .props("outlined hint='Like bookings@yourcentre.co.uk or Your Centre <bookings@yourcentre.co.uk>'")
                .classes("w-full"),
            )
        with ui.card().classes("w-full gap-3").props("flat bordered"):
            ui.label("Branding").classes("text-lg font-semibold")
            _logo_editor(ctx)
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
                if tenants.COLOUR_PATTERN.match(value):
                    sample.style(f"background: {value}")

            colour.on_value_change(preview)
            form.inputs["name"].on_value_change(lambda e: sample_name.set_text(e.value or ""))
    with ui.row().classes("w-full items-center gap-3"):
        ui.button("Save centre details", on_click=form.save).props("unelevated color=primary no-caps").mark(
            "save-centre"
        )
        ui.label("A new colour or name shows from the next page you open.").classes("text-sm text-slate-600")


LOGO_UPLOAD_STYLE = """
.th-logo-upload .q-uploader__list, .th-logo-upload .q-uploader__subtitle { display: none; }
.th-logo-upload { width: 100%; max-width: 22rem; }
"""


def _logo_editor(ctx: TenantContext) -> None:
    ui.add_css(LOGO_UPLOAD_STYLE)
    ui.label("Logo").classes("font-medium")
    with ui.row().classes("w-full items-start gap-4 no-wrap max-sm:flex-col"):
        preview = ui.element("div").classes(
            "w-40 h-20 shrink-0 rounded-md border border-slate-200 bg-slate-50 flex items-center justify-center p-2"
        )
        with ui.column().classes("gap-2 flex-1 w-full"):
            uploader = (
                ui.upload(
                    label="Upload a logo",
                    auto_upload=True,
                    max_file_size=tenants.LOGO_MAX_BYTES,
                    on_upload=lambda e: upload(e),
                    on_rejected=lambda: too_big(),
                )
                .props("accept='image/png,image/jpeg,image/webp' flat bordered")
                .classes("th-logo-upload")
                .mark("logo-upload")
            )
            ui.label("PNG, JPEG or WebP, up to 1 MB. A wide logo on a clear background works best.").classes(
                "text-xs text-slate-500"
            )
            problem = ui.label("").classes("text-sm text-red-700").props("role=alert").mark("logo-problem")
            problem.set_visibility(False)
            remove_button = ui.button("Remove logo", on_click=lambda: remove()).props(
                "flat dense color=negative no-caps"
            )
            remove_button.mark("remove-logo")

    def show(tenant: Tenant) -> None:
        preview.clear()
        url = tenants.logo_url(tenant)
        with preview:
            if url:
                ui.element("img").props(f'src="{url}" alt="Logo of {tenant.name}"').classes(
                    "max-w-full max-h-full object-contain"
                ).mark("logo-preview")
            else:
                ui.label("No logo").classes("text-sm text-slate-500").mark("no-logo")
        remove_button.set_visibility(url is not None)

    async def upload(event: events.UploadEventArguments) -> None:
        problem.set_visibility(False)
        data = await event.file.read()
        directory = logo_directory()
        try:
            async with database().transaction() as session:
                tenant, previous = await tenants.set_logo(session, ctx, directory, data)
        except DomainError as error:
            problem.set_text(error.message)
            problem.set_visibility(True)
            uploader.reset()
            return
        await asyncio.to_thread(tenants.delete_logo_file, directory, previous)
        uploader.reset()
        show(tenant)
        ui.notify("Logo saved. It shows from the next page you open.", type="positive")

    async def remove() -> None:
        directory = logo_directory()
        try:
            async with database().transaction() as session:
                tenant, previous = await tenants.remove_logo(session, ctx)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        await asyncio.to_thread(tenants.delete_logo_file, directory, previous)
        show(tenant)
        ui.notify("Logo removed.")

    def too_big() -> None:
        problem.set_text("Use a PNG, JPEG or WebP image of at most 1 MB.")
        problem.set_visibility(True)

    show(ctx.tenant)


def _payments_panel(ctx: TenantContext, currency_fixed: bool) -> None:
    current = tenants.centre_settings(ctx.tenant)
    form = _SettingsForm(ctx)

    def whole(field: str, label: str, hint: str, bounds: tuple[int, int]) -> None:
        form.add(field, whole_number(label, current[field], bounds, hint).classes("w-full"))

    with ui.element("div").classes("grid gap-4 lg:grid-cols-2 w-full items-start"):
        with ui.card().classes("w-full gap-3").props("flat bordered"):
            ui.label("Payments").classes("text-lg font-semibold")
            hint = "Fixed: the centre has bookings in it" if currency_fixed else "ISO 4217, like GBP or EUR"
            currency = ui.select(
                _with(sorted(tenants.CURRENCIES), current["currency"]),
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
            whole("depositPercent", "Deposit (%)", "Of the course price, paid when booking", tenants.DEPOSIT_PERCENT)
            whole(
                "balanceDueDays",
                "Balance due (days before the start)",
                "When the rest of a deposit booking is due",
                tenants.BALANCE_DUE_DAYS,
            )
            whole(
                "balanceNoticeDays",
                "Deposit notice (days)",
                "A deposit is offered only while the balance falls due at least this far ahead",
                tenants.BALANCE_NOTICE_DAYS,
            )
            form.add(
                "vatRate",
                ui.input("VAT rate (%)", value=current["vatRate"])
                .props("outlined inputmode=decimal hint='Prices include VAT; leave empty for none'")
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
                    tenants.HOLD_MINUTES,
                )
                whole(
                    "bookingCutoffHours",
                    "Bookings close (hours before the start)",
                    "0 keeps a session on sale until it starts",
                    tenants.BOOKING_CUTOFF_HOURS,
                )
                whole(
                    "fullRefundDays",
                    "Full refund until (days before the start)",
                    "Later cancellations keep the deposit",
                    tenants.FULL_REFUND_DAYS,
                )
                whole(
                    "offerWindowHours",
                    "Waiting list offer lasts (hours)",
                    "Shorter when the start is near",
                    tenants.OFFER_WINDOW_HOURS,
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
        _copy_field("Webhook endpoint", f"{settings.base_url}{STRIPE_WEBHOOK_PATH}", "webhook-url")
        ui.label("Events: " + ", ".join(STRIPE_EVENTS) + ".").classes("text-xs text-slate-500 break-words")


# --- staff ------------------------------------------------------------------------------------------------


async def _staff_panel(ctx: TenantContext, me: StaffUser) -> None:
    tenant = ctx.tenant
    offset = 0

    with ui.row().classes("w-full items-center justify-between gap-2"):
        ui.label("Who can sign in to the back office, and what they may do.").classes("text-slate-600")
        ui.button("Invite someone", icon="person_add", on_click=lambda: invite()).props(
            "unelevated color=primary no-caps"
        ).mark("invite-staff")
    listing = ui.column().classes("w-full gap-2")

    async def show(new_offset: int | None = None) -> None:
        nonlocal offset
        if new_offset is not None:
            offset = new_offset
        async with database().read() as session:
            page = await staff.list_staff(session, ctx, limit=PAGE_SIZE, offset=offset)
        listing.clear()
        with listing:
            _list_header("Name", "Role", "Last signed in", "")
            for user in page.items:
                _staff_row(user)
            _pager(page.total, offset, show, "staff users")

    def _staff_row(user: StaffUser) -> None:
        is_me = user.id == me.id
        may_touch = not is_me and (user.role is not StaffRole.OWNER or me.role is StaffRole.OWNER)
        with ui.card().classes("w-full py-3").props("flat bordered").mark(f"staff-{user.email}"):
            with ui.element("div").classes(ROW_GRID):
                with ui.column().classes("gap-0 min-w-0"):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(user.name).classes("font-semibold text-slate-900")
                        if is_me:
                            _chip("You", "bg-slate-100 text-slate-700")
                    ui.label(user.email).classes("text-sm text-slate-600 break-all")
                with ui.row().classes("items-center gap-2"):
                    _chip(user.role.value.title(), "bg-blue-50 text-blue-800", f"role-{user.email}")
                    if not user.is_active:
                        _chip("Deactivated", "bg-red-50 text-red-800", f"status-{user.email}")
                    elif user.password_hash is None:
                        _chip("Invited: no password yet", "bg-amber-50 text-amber-900", f"status-{user.email}")
                    else:
                        _chip("Active", "bg-green-50 text-green-800", f"status-{user.email}")
                with ui.row().classes("gap-1 text-sm text-slate-600"):
                    ui.label("Last signed in").classes("md:hidden")
                    ui.label(_when(tenant, user.last_signed_in_at))
                with ui.row().classes("gap-1 md:justify-end"):
                    if may_touch and user.is_active:
                        ui.button("Role", icon="badge", on_click=lambda u=user: change_role(u)).props(
                            "flat dense no-caps"
                        ).mark(f"change-role-{user.email}")
                        ui.button("New link", icon="link", on_click=lambda u=user: new_link(u)).props(
                            "flat dense no-caps title='A new set-password link'"
                        ).mark(f"new-link-{user.email}")
                        ui.button("Deactivate", on_click=lambda u=user: set_active(u, False)).props(
                            "flat dense no-caps color=negative"
                        ).mark(f"deactivate-{user.email}")
                    elif may_touch:
                        ui.button("Reactivate", on_click=lambda u=user: set_active(u, True)).props(
                            "flat dense no-caps color=primary"
                        ).mark(f"reactivate-{user.email}")

    def role_select(value: StaffRole) -> ui.select:
        return (
            ui.select(
                {role.value: ROLE_NOTES[role] for role in reversed(staff.assignable_roles(me.role))},
                label="Role",
                value=value.value,
            )
            .props("outlined")
            .classes("w-full")
        )

    def link_shown(link: staff.SetPasswordLink, heading: str) -> None:
        """The link on screen once, to copy and send; it is never shown again."""
        url = get_settings().base_url + link.path(tenant.slug)
        with ui.dialog().props("persistent") as shown, ui.card().classes("w-full max-w-lg gap-3").mark("link-dialog"):
            ui.label(heading).classes("text-lg font-semibold")
            ui.label(
                f"We have emailed this link to {link.user.name} ({link.user.email}); you can also pass it on "
                f"yourself. It lets them choose a password once, until {day_and_time(tenant, link.expires_at)}, "
                "and is shown here only now."
            ).classes("text-slate-700")
            _copy_field("Set-password link", url, "set-password-link")
            ui.button("Done", on_click=shown.close).props("unelevated color=primary no-caps").mark("link-done")
        shown.open()

    async def invite() -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("invite-dialog"):
            ui.label("Invite someone to the back office").classes("text-lg font-semibold")
            name = ui.input("Name").props("outlined autocomplete=off").classes("w-full").mark("invite-name")
            email = ui.input("Email").props("type=email outlined autocomplete=off").classes("w-full")
            email.mark("invite-email")
            role = role_select(StaffRole.STAFF).mark("invite-role")
            fields: dict[str, ValidationElement[Any]] = {"name": name, "email": email, "role": role}

            async def send() -> None:
                for field in fields.values():
                    field.error = None
                try:
                    async with database().transaction() as session:
                        link = await staff.invite_staff(
                            session, ctx, name=name.value or "", email=email.value or "", role=role.value
                        )
                except DomainError as error:
                    if error.field in fields:
                        fields[error.field].error = error.message
                    else:
                        ui.notify(error.message, type="negative")
                    return
                dialog.close()
                link_shown(link, f"{link.user.name} is invited")
                await show()

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Invite", on_click=send).props("unelevated color=primary no-caps").mark("invite-send")
        dialog.open()

    async def change_role(user: StaffUser) -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("role-dialog"):
            ui.label(f"Role of {user.name}").classes("text-lg font-semibold")
            role = role_select(user.role).mark("role-choice")

            async def save() -> None:
                role.error = None
                try:
                    async with database().transaction() as session:
                        await staff.change_role(session, ctx, user.id, role.value)
                except DomainError as error:
                    role.error = error.message
                    return
                dialog.close()
                ui.notify(f"{user.name} is now {StaffRole(role.value).value.title()}.", type="positive")
                await show()

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Save", on_click=save).props("unelevated color=primary no-caps").mark("role-save")
        dialog.open()

    async def new_link(user: StaffUser) -> None:
        try:
            async with database().transaction() as session:
                link = await staff.new_set_password_link(session, ctx, user.id)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        link_shown(link, f"A new link for {user.name}")
        await show()

    async def set_active(user: StaffUser, active: bool) -> None:
        if not active:
            with ui.dialog() as dialog, ui.card().classes("max-w-md gap-3").mark("deactivate-dialog"):
                ui.label(f"Deactivate {user.name}?").classes("text-lg font-semibold")
                ui.label(
                    "They can no longer sign in, and a back-office page they have open stops working. "
                    "Their name stays on the records; you can reactivate them later."
                ).classes("text-slate-700")
                with ui.row().classes("w-full justify-end gap-2"):
                    ui.button("Keep", on_click=lambda: dialog.submit(False)).props("flat no-caps")
                    ui.button("Deactivate", on_click=lambda: dialog.submit(True)).props(
                        "unelevated color=negative no-caps"
                    ).mark("confirm-deactivate")
            if not await dialog:
                return
        try:
            async with database().transaction() as session:
                await staff.set_staff_active(session, ctx, user.id, active=active)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        ui.notify(f"{user.name} is {'reactivated' if active else 'deactivated'}.", type="positive")
        await show()

    await show()


# --- API tokens ---------------------------------------------------------------------------------------------


async def _tokens_panel(ctx: TenantContext) -> None:
    tenant = ctx.tenant
    offset = 0
    assert ctx.role is not None

    with ui.row().classes("w-full items-center justify-between gap-2"):
        with ui.column().classes("gap-0"):
            ui.label("Tokens let your own systems use the JSON API.").classes("text-slate-600")
            ui.link("API documentation", "/api/docs", new_tab=True).classes("text-sm text-primary")
        ui.button("Create a token", icon="key", on_click=lambda: create()).props(
            "unelevated color=primary no-caps"
        ).mark("create-token")
    listing = ui.column().classes("w-full gap-2")

    async def show(new_offset: int | None = None) -> None:
        nonlocal offset
        if new_offset is not None:
            offset = new_offset
        try:
            async with database().read() as session:
                page = await tokens.list_tokens(session, ctx, limit=PAGE_SIZE, offset=offset)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        listing.clear()
        with listing:
            if not page.items:
                ui.label("No tokens yet.").classes("text-slate-500").mark("no-tokens")
            else:
                _list_header("Token", "Role", "Dates", "")
            for token in page.items:
                _token_row(token)
            _pager(page.total, offset, show, "tokens")

    def _token_row(token: ApiToken) -> None:
        with ui.card().classes("w-full py-3").props("flat bordered").mark(f"token-{token.name}"):
            with ui.element("div").classes(ROW_GRID):
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label(token.name).classes("font-semibold text-slate-900 break-words")
                    ui.label(f"{token.token_prefix}…").classes("text-sm font-mono text-slate-600")
                with ui.row().classes("items-center gap-2"):
                    _chip(token.role.value.title(), "bg-blue-50 text-blue-800")
                    if token.revoked_at:
                        _chip("Revoked", "bg-red-50 text-red-800", f"token-status-{token.name}")
                    else:
                        _chip("Active", "bg-green-50 text-green-800", f"token-status-{token.name}")
                with ui.column().classes("gap-0 text-sm text-slate-600"):
                    ui.label(f"Created {day_and_time(tenant, token.created_at)}")
                    if token.revoked_at:
                        ui.label(f"Revoked {day_and_time(tenant, token.revoked_at)}")
                    ui.label(f"Last used {_when(tenant, token.last_used_at)}")
                with ui.row().classes("md:justify-end"):
                    if token.revoked_at is None:
                        ui.button("Revoke", on_click=lambda t=token: revoke(t)).props(
                            "flat dense no-caps color=negative"
                        ).mark(f"revoke-{token.name}")

    async def create() -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("token-dialog"):
            ui.label("Create an API token").classes("text-lg font-semibold")
            name = ui.input("What is it for?").props("outlined autocomplete=off hint='For example: our website'")
            name.classes("w-full").mark("token-name")
            assert ctx.role is not None
            role = (
                ui.select(
                    {r.value: ROLE_NOTES[r] for r in reversed(tokens.token_roles(ctx.role))},
                    label="What it may do",
                    value=StaffRole.ADMIN.value,
                )
                .props("outlined")
                .classes("w-full")
                .mark("token-role")
            )
            made = ui.column().classes("w-full gap-2")
            buttons = ui.row().classes("w-full justify-end gap-2")

            async def make() -> None:
                name.error = role.error = None
                try:
                    async with database().transaction() as session:
                        _token, secret = await tokens.create_token(session, ctx, name=name.value or "", role=role.value)
                except DomainError as error:
                    (role if error.field == "role" else name).error = error.message
                    return
                name.disable()
                role.disable()
                buttons.clear()
                with made:
                    ui.label("Copy the token now: it is shown only once, and only its hash is kept.").classes(
                        "font-medium text-amber-900 bg-amber-50 rounded p-2"
                    )
                    _copy_field("Token", secret, "new-token")
                with buttons:
                    ui.button("Done", on_click=dialog.close).props("unelevated color=primary no-caps").mark(
                        "token-done"
                    )
                dialog.props("persistent")
                await show()

            with buttons:
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Create", on_click=make).props("unelevated color=primary no-caps").mark("token-create")
        dialog.open()

    async def revoke(token: ApiToken) -> None:
        with ui.dialog() as dialog, ui.card().classes("max-w-md gap-3").mark("revoke-dialog"):
            ui.label(f"Revoke “{token.name}”?").classes("text-lg font-semibold")
            ui.label("Anything using it is refused within seconds. This cannot be undone.").classes("text-slate-700")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep", on_click=lambda: dialog.submit(False)).props("flat no-caps")
                ui.button("Revoke", on_click=lambda: dialog.submit(True)).props(
                    "unelevated color=negative no-caps"
                ).mark("confirm-revoke")
        if not await dialog:
            return
        try:
            async with database().transaction() as session:
                await tokens.revoke_token(session, ctx, token.id)
        except DomainError as error:
            ui.notify(error.message, type="negative")
            return
        ui.notify(f"“{token.name}” is revoked.", type="positive")
        await show()

    await show()


# --- the invited person's page --------------------------------------------------------------------------


@router.page("/{slug}/admin/set-password/{secret}")
async def set_password_page(slug: str, secret: str) -> None:
    async with database().read() as session:
        tenant = await tenants.find_tenant(session, slug)
        invite = await staff.find_invite(session, tenant, secret, utcnow()) if tenant else None
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    # The link is a secret: keep it out of the Referer of anything this page loads or links to.
    ui.add_head_html('<meta name="referrer" content="no-referrer">')
    ui.page_title(f"Choose your password · {tenant.name}")
    with ui.column().classes("w-full min-h-[80vh] items-center justify-center p-4"):
        ui.label(tenant.name).classes("text-lg font-semibold text-primary")
        card = ui.card().classes("w-full max-w-md p-6 gap-4")
    if invite is None:
        ui.context.client.status_code = 404
        with card:
            ui.label("This link no longer works").classes("text-2xl font-bold")
            ui.label(f"{staff.LINK_INVALID} Ask an admin of {tenant.name} for a new one.").classes(
                "text-slate-600"
            ).mark("link-invalid")
            ui.link("Go to staff sign-in", f"/{slug}/admin/login").classes("text-primary")
        return

    with card:
        ui.label(f"Welcome, {invite.name.split()[0]}").classes("text-2xl font-bold")
        ui.label(
            f"Choose a password for {invite.email} to sign in to {tenant.name}'s back office as "
            f"{invite.role.value.title()}."
        ).classes("text-slate-600")
        password = ui.input("New password", password=True).props(
            "outlined autocomplete=new-password hint='At least 8 characters'"
        )
        password.classes("w-full").mark("password")
        show_password_button(password)
        repeat = ui.input("Repeat the password", password=True).props("outlined autocomplete=new-password")
        repeat.classes("w-full").mark("repeat-password")
        problem = ui.label("").classes("w-full rounded bg-red-50 text-red-800 p-3").props("role=alert")
        problem.set_visibility(False)

        async def choose() -> None:
            password.error = repeat.error = None
            problem.set_visibility(False)
            if (password.value or "") != (repeat.value or ""):
                repeat.error = "The two passwords differ."
                return
            button.disable()
            try:
                await staff.set_password_from_link(database(), tenant, secret, password.value or "", utcnow())
            except DomainError as error:
                if error.field == "password":
                    password.error = error.message
                else:
                    problem.set_text(f"{error.message} Ask an admin of {tenant.name} for a new one.")
                    problem.set_visibility(True)
                return
            finally:
                button.enable()
            card.clear()
            with card:
                ui.label("Your password is set").classes("text-2xl font-bold").mark("password-set")
                ui.label(f"Sign in with {invite.email} and your new password.").classes("text-slate-600")
                ui.button("Sign in", on_click=lambda: ui.navigate.to(f"/{slug}/admin/login")).classes("w-full").props(
                    "unelevated size=lg no-caps"
                ).mark("go-sign-in")

        repeat.on("keydown.enter", choose)
        button = ui.button("Set password", on_click=choose).classes("w-full").props("unelevated size=lg no-caps")
        button.mark("set-password")
