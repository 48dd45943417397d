"""Where a link to a booking without its access token leads (the links of emails sent before links carried
one): how to reach the booking now, and a way to have a new link emailed.

The page is the same whether or not the reference is a booking here, and so is the answer to asking for a
new link: it is sent only to the address the booking was made with.
"""

from __future__ import annotations

from urllib.parse import quote

from nicegui import ui

from models import Tenant
from trainhub_ui.components.frames import public_frame
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.booking_links import send_new_link

REFERENCE_SHOWN = 16  # as long as a reference can be; anything longer is not one


def link_expired_page(tenant: Tenant, reference: str) -> None:
    reference = reference.strip().upper()[:REFERENCE_SHOWN]
    ctx = TenantContext(tenant=tenant, actor="Student (new link)")
    ui.context.client.status_code = 404
    sign_in = f"/{tenant.slug}/login?next={quote(f'/{tenant.slug}/pay/{reference}')}"
    contact = tenant.contact_email or tenant.contact_phone
    with public_frame(tenant, None, "This link has expired"):
        with ui.column().classes("w-full max-w-xl mx-auto gap-4").mark("link-expired"):
            ui.label("This link has expired").classes("text-2xl font-bold text-slate-900")
            ui.label(
                "Links to a booking now carry a code of their own, and this one has none. "
                "Your booking is not affected: here is how to open it."
            ).classes("text-slate-700")
            with ui.column().classes("gap-1"):
                with ui.row().classes("items-baseline gap-1"):
                    ui.label("Have an account?")
                    ui.link("Sign in", sign_in).classes("text-primary").mark("sign-in-link")
                    ui.label("and the booking is in My account.")
                ui.label(
                    f"Or ask {tenant.name}" + (f" ({contact})" if contact else "") + " to send you the link again."
                ).classes("text-slate-700")
            with ui.card().classes("w-full gap-2").props("flat bordered"):
                ui.label("Email me a new link").classes("text-lg font-semibold")
                ui.label(
                    f"We send it to the email address booking {reference} was made with, and to nobody else."
                ).classes("text-slate-700")
                answer = ui.label("").classes("text-green-900").mark("new-link-answer")

                async def send() -> None:
                    button.disable()
                    await send_new_link(database(), ctx, reference)
                    answer.set_text(
                        f"If {reference} is a booking at {tenant.name}, a new link is on its way to the email "
                        "address it was made with. It can take a few minutes to arrive."
                    )

                button = ui.button("Email me a new link", on_click=send).props("color=primary no-caps")
                button.mark("send-new-link")
