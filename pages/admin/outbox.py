"""The email outbox in the back office: what was sent, what waits, what failed, each email as the student
reads it. Without SMTP settings this is where the emails are (the demo shows them here)."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import OutboxEmail, OutboxStatus, Tenant
from pages.admin.access import admin_access
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame, not_found_page
from trainhub_ui.components.pager import pager
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.notify.outbox import OUTBOX_PAGE, Attachment, get_email, list_outbox, send_again
from trainhub_ui.notify.sender import smtp_configured

router = APIRouter()

FILTERS = {"": "All", "waiting": "Waiting", "sent": "Sent", "failed": "Failed"}
STATUS_LOOK = {
    OutboxStatus.QUEUED: ("Waiting", "amber"),
    OutboxStatus.SENDING: ("Sending", "blue"),
    OutboxStatus.SENT: ("Sent", "green"),
    OutboxStatus.FAILED: ("Failed", "red"),
}


def _status_badge(email: OutboxEmail) -> None:
    text, colour = STATUS_LOOK[email.status]
    ui.badge(text, color=colour).props("outline").mark(f"status-{email.id}")


def _delivery_note(tenant: Tenant) -> None:
    if smtp_configured(get_settings()):
        ui.label("Emails are sent by the mail server within a minute; failures are tried again.").classes(
            "text-slate-600"
        )
    else:
        with ui.row().classes("items-center gap-2 rounded bg-amber-50 text-amber-900 p-3 w-full"):
            ui.icon("info")
            ui.label(
                "No mail server is set up (TRAINHUB_SMTP_HOST), so nothing is sent: the emails wait here, "
                "exactly as students would get them."
            )


@router.page("/{slug}/admin/outbox")
async def outbox(slug: str, status: str = "", page: int = 1) -> RedirectResponse | None:
    access = await admin_access(slug, Permission.OUTBOX, f"/{slug}/admin/outbox")
    if not isinstance(access, StaffAccess):
        return access
    status = status if status in FILTERS else ""
    page = max(page, 1)
    ctx = TenantContext(tenant=access.tenant)
    async with database().read() as session:
        found = await list_outbox(session, ctx, status=status, limit=OUTBOX_PAGE, offset=(page - 1) * OUTBOX_PAGE)
    pages = max((found.total + OUTBOX_PAGE - 1) // OUTBOX_PAGE, 1)
    base = f"/{slug}/admin/outbox"
    with admin_frame(access.tenant, access.user, "Outbox", "Email outbox"):
        _delivery_note(access.tenant)
        with ui.row().classes("gap-2"):
            for value, label in FILTERS.items():
                link = f"{base}?status={value}" if value else base
                button = ui.button(label, on_click=lambda link=link: ui.navigate.to(link)).props("no-caps rounded")
                button.props("unelevated color=primary" if value == status else "outline color=primary")
                button.mark(f"filter-{value or 'all'}")
        ui.label(f"{found.total} email{'s' if found.total != 1 else ''}").classes("text-slate-600")
        with ui.column().classes("w-full gap-2"):
            if not found.items:
                ui.label("No emails here.").classes("text-slate-500")
            for email in found.items:
                with ui.link(target=f"{base}/{email.id}").classes("th-link w-full").mark(f"email-{email.id}"):
                    with ui.card().props("flat bordered").classes("w-full hover:shadow-sm"):
                        with ui.row().classes("w-full items-start justify-between gap-2 no-wrap"):
                            with ui.column().classes("gap-0 min-w-0"):
                                ui.label(email.subject).classes("font-semibold text-slate-900 break-words")
                                ui.label(f"To {email.to_address}").classes("text-sm text-slate-600 break-all")
                                ui.label(day_and_time(access.tenant, email.created_at)).classes(
                                    "text-xs text-slate-500"
                                )
                            _status_badge(email)
        query = f"status={status}&" if status else ""
        pager(page, pages, lambda n: f"{base}?{query}page={n}")
    return None


@router.page("/{slug}/admin/outbox/{email_id}")
async def outbox_email(slug: str, email_id: str) -> RedirectResponse | None:
    access = await admin_access(slug, Permission.OUTBOX, f"/{slug}/admin/outbox/{email_id}")
    if not isinstance(access, StaffAccess):
        return access
    ctx = TenantContext(tenant=access.tenant, actor=access.user.name, role=access.role, user_id=access.user.id)
    try:
        async with database().read() as session:
            email = await get_email(session, ctx, email_id)
    except NotFound:
        not_found_page("There is no such email in this centre's outbox.")
        return None
    tenant = access.tenant
    with admin_frame(tenant, access.user, "Outbox", "Email"):
        ui.link("← All emails", f"/{slug}/admin/outbox").classes("text-primary")
        with ui.card().props("flat bordered").classes("w-full gap-1"):
            with ui.row().classes("w-full items-start justify-between gap-2 no-wrap"):
                ui.label(email.subject).classes("text-lg font-semibold break-words")
                _status_badge(email)
            ui.label(f"To: {email.to_address}").classes("break-all")
            ui.label(f"Written: {day_and_time(tenant, email.created_at)}").classes("text-sm text-slate-600")
            if email.sent_at:
                ui.label(f"Sent: {day_and_time(tenant, email.sent_at)}").classes("text-sm text-slate-600")
            elif email.status is not OutboxStatus.FAILED and email.next_attempt_at and email.attempts:
                ui.label(
                    f"Tried {email.attempts} time{'s' if email.attempts != 1 else ''}; next try "
                    f"{day_and_time(tenant, email.next_attempt_at)}"
                ).classes("text-sm text-slate-600")
            if email.last_error:
                ui.label(f"Last error: {email.last_error}").classes("text-sm text-red-700 break-words").mark(
                    "last-error"
                )
            if email.status is OutboxStatus.FAILED:

                async def retry() -> None:
                    try:
                        async with database().transaction() as session:
                            await send_again(session, ctx, email.id)
                    except DomainError as error:
                        ui.notify(error.message, type="warning")
                        return
                    ui.notify("It will be sent again within a minute.", type="positive")
                    ui.navigate.reload()

                ui.button("Send again", on_click=retry).props("unelevated color=primary no-caps").mark("send-again")
            for item in email.attachments or []:
                attachment = Attachment.from_json(item)
                ui.button(
                    f"Attachment: {attachment.filename}",
                    icon="attach_file",
                    on_click=lambda a=attachment: ui.download.content(a.content, a.filename, a.content_type),
                ).props("flat no-caps color=primary").mark(f"attachment-{attachment.filename}")
        with ui.tabs().props("no-caps align=left").classes("w-full") as tabs:
            as_read = ui.tab("As sent")
            plain = ui.tab("Plain text")
        with ui.tab_panels(tabs, value=as_read).classes("w-full"):
            with ui.tab_panel(as_read):
                # A sandboxed frame: the email's own HTML, shown without running anything in the back office.
                frame = ui.element("iframe").classes("w-full border rounded bg-white").style("height: 70vh")
                frame.props.update(sandbox="", title=email.subject, srcdoc=email.body_html)
                frame.mark("email-html")
            with ui.tab_panel(plain):
                ui.label(email.body_text).classes("whitespace-pre-wrap font-mono text-sm").mark("email-text")
    return None
