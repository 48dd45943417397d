"""The certificate check at /{slug}/verify/{code}, where a certificate's QR code leads: valid, expired,
revoked or unknown, with no more than name, course and dates; once its holder's data is erased, "Issued,
holder erased", with the number, course and dates but no name."""

from __future__ import annotations

from nicegui import APIRouter, ui

from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_text
from trainhub_ui.services.certificates import verify

from .loading import load_tenant

router = APIRouter()

STATES = {
    "valid": ("verified", "emerald", "This certificate is valid."),
    "expired": ("event_busy", "amber", "This certificate has expired."),
    "revoked": ("block", "red", "This certificate has been revoked by the centre."),
}
# A revoked certificate says so first; any other of an erased holder says it was issued, to no one named.
HOLDER_ERASED = ("person_off", "slate", "Issued, holder erased.")


@router.page("/{slug}/verify/{code}")
async def verify_page(slug: str, code: str) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    async with database().read() as session:
        found = await verify(session, tenant, code)
    with public_frame(tenant, None, "Certificate check"):
        with ui.card().classes("w-full max-w-xl mx-auto p-6 gap-3").mark("verification"):
            ui.label("Certificate check").classes("text-2xl font-bold")
            if found is None:
                with ui.row().classes("items-center gap-3 text-red-800"):
                    ui.icon("help").classes("text-4xl")
                    ui.label(f"This is not a valid certificate of {tenant.name}.").classes(
                        "text-lg font-semibold"
                    ).mark("state-unknown")
                ui.label("Check the address, or ask the centre.").classes("text-slate-600")
                return
            state = found.state(TenantContext(tenant=tenant).today())
            icon, colour, text = STATES[state]
            if found.holder_erased and state != "revoked":
                (icon, colour, text), state = HOLDER_ERASED, "holder-erased"
            with ui.row().classes(f"items-center gap-3 text-{colour}-800 no-wrap"):
                ui.icon(icon).classes("text-4xl")
                ui.label(text).classes("text-lg font-semibold").mark(f"state-{state}")
            if found.holder_erased:
                ui.label(
                    f"{tenant.name} issued this certificate; its holder's personal data has since been erased at "
                    "their request or under the centre's retention period, so no name is shown."
                ).classes("text-slate-600")
            # No more than name, course and dates: the page is public.
            with ui.element("dl").classes("grid grid-cols-[auto_1fr] gap-x-4 gap-y-1"):
                achievement = found.achievement
                rows = [
                    *([] if found.holder_erased else [("Awarded to", found.student)]),
                    ("Course", found.course),
                    ("Certificate", achievement.number),
                    ("Issued", f"{day_text(achievement.issued_on, tenant.locale, 'long_date')}"),
                    (
                        "Valid until",
                        f"{day_text(achievement.expires_on, tenant.locale, 'long_date')}"
                        if achievement.expires_on
                        else "No expiry",
                    ),
                ]
                for term, value in rows:
                    ui.label(term).classes("text-slate-600")
                    ui.label(value).classes("font-semibold")
            ui.label(f"Issued by {tenant.name}.").classes("text-sm text-slate-500")
