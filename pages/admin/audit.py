"""The audit log in the back office, for owners: who changed what and when, filtered in the address, paged
in the database, and downloadable as CSV."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import APIRouter, ui

from models import AuditEntry
from pages.admin.access import admin_access, csv_download, file_access, staff_context
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.components.pager import pager
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import audit_log
from trainhub_ui.services.audit_log import AREAS, LIST_PAGE, AuditFilter

router = APIRouter()

# Where an entry's subject is shown in the back office, by the kind of thing it is.
ENTITY_PAGES = {
    "booking": "/admin/bookings/{id}",
    "customer": "/admin/students/{id}",
    "course": "/admin/courses/{id}/sessions",
}


def _query(wanted: AuditFilter, page: int = 1) -> str:
    values = {
        "area": wanted.area,
        "who": wanted.who,
        "from": wanted.start.isoformat() if wanted.start else "",
        "to": wanted.end.isoformat() if wanted.end else "",
        "page": str(page) if page > 1 else "",
    }
    return urlencode({key: value for key, value in values.items() if value})


def _entry_card(slug: str, ctx: TenantContext, entry: AuditEntry) -> None:
    with ui.card().props("flat bordered").classes("w-full gap-0 py-2 px-3").mark(f"audit-{entry.id}"):
        with ui.row().classes("w-full items-baseline justify-between gap-x-3 gap-y-0"):
            ui.label(audit_log.what_happened(entry)).classes("font-semibold text-slate-900")
            ui.label(day_and_time(ctx.tenant, entry.created_at)).classes("text-xs text-slate-500")
        with ui.row().classes("w-full items-baseline justify-between gap-x-3 gap-y-0 no-wrap"):
            with ui.column().classes("gap-0 min-w-0"):
                ui.label(f"By {entry.actor}").classes("text-sm text-slate-700 break-words")
                details = audit_log.details_text(entry, ctx)
                if details:
                    ui.label(details).classes("text-sm text-slate-600 break-words").mark(f"audit-details-{entry.id}")
            page = ENTITY_PAGES.get(entry.entity_type)
            if page:
                ui.link("Open", f"/{slug}" + page.format(id=entry.entity_id)).classes("text-primary text-sm shrink-0")


@router.page("/{slug}/admin/audit")
async def audit_page(slug: str, request: Request) -> RedirectResponse | None:
    path = f"/{slug}/admin/audit"
    access = await admin_access(
        slug, Permission.AUDIT_LOG, path + (f"?{request.url.query}" if request.url.query else "")
    )
    if not isinstance(access, StaffAccess):
        return access
    query = request.query_params
    area, who, start, end = (query.get(key, "") for key in ("area", "who", "from", "to"))
    ctx = staff_context(access)
    problem: InvalidInput | None = None
    try:
        wanted = AuditFilter.read(area, who, start, end)
    except InvalidInput as refused:
        problem, wanted = refused, AuditFilter()
    page = int(query["page"]) if query.get("page", "").isdigit() else 1
    page = max(page, 1)
    async with database().read() as session:
        found = await audit_log.list_audit(session, ctx, wanted, offset=(page - 1) * LIST_PAGE)
    pages = max((found.total + LIST_PAGE - 1) // LIST_PAGE, 1)

    with admin_frame(access.tenant, access.user, "Audit log", "Audit log"):
        ui.label(
            "Every change made in the back office, by the API and by the system, with who made it. "
            "Entries are never edited or removed."
        ).classes("text-slate-600")
        with ui.row().classes("w-full items-start gap-2 flex-wrap"):
            choices = {"": "All areas"} | {key: label for key, (label, _) in AREAS.items()}
            area_choice = ui.select(choices, value=wanted.area, label="Area").props("outlined dense")
            area_choice.classes("w-56").mark("audit-area")
            who_input = ui.input("Who", value=wanted.who).props("outlined dense clearable").classes("w-48")
            who_input.mark("audit-who")
            # A refused date stays in its field, marked, for the owner to correct.
            first = ui.input("From", value=start if problem else (wanted.start.isoformat() if wanted.start else ""))
            first.props("outlined dense type=date").classes("w-40").mark("audit-from")
            last = ui.input("To", value=end if problem else (wanted.end.isoformat() if wanted.end else ""))
            last.props("outlined dense type=date").classes("w-40").mark("audit-to")
            fields = {"area": area_choice, "who": who_input, "from": first, "to": last}
            if problem is not None and problem.field in fields:
                fields[problem.field].error = problem.message

            def apply() -> None:
                for element in fields.values():
                    element.error = None
                try:
                    chosen = AuditFilter.read(area_choice.value or "", who_input.value or "", first.value, last.value)
                except InvalidInput as refused:
                    if refused.field in fields:
                        fields[refused.field].error = refused.message
                    return
                ui.navigate.to(f"{path}?{_query(chosen)}" if _query(chosen) else path)

            ui.button("Show", on_click=apply).props("unelevated color=primary no-caps").mark("audit-apply")
            csv_link = f"/{slug}/admin/audit.csv" + (f"?{_query(wanted)}" if _query(wanted) else "")
            ui.button("Download CSV", icon="download", on_click=lambda: ui.download.from_url(csv_link)).props(
                "outline color=primary no-caps"
            ).mark("audit-csv")
        ui.label(f"{found.total} entr{'ies' if found.total != 1 else 'y'}").classes("text-slate-600").mark(
            "audit-total"
        )
        with ui.column().classes("w-full gap-2"):
            if not found.entries:
                ui.label("Nothing recorded matches.").classes("text-slate-500")
            for entry in found.entries:
                _entry_card(slug, ctx, entry)
        pager(page, pages, lambda n: f"{path}?{_query(wanted, n)}")
    return None


@router.get("/{slug}/admin/audit.csv", include_in_schema=False)
async def audit_csv(slug: str, request: Request) -> Response:
    """The whole filtered log, streamed."""
    access = await file_access(slug, Permission.AUDIT_LOG, request)
    if not isinstance(access, StaffAccess):
        return access
    query = request.query_params
    try:
        wanted = AuditFilter.read(*(query.get(key, "") for key in ("area", "who", "from", "to")))
    except InvalidInput as refused:
        return PlainTextResponse(f"{refused.field}: {refused.message}", status_code=422)
    ctx = staff_context(access)

    async def lines() -> AsyncIterator[bytes]:
        async with database().read() as session:
            async for chunk in audit_log.export_audit(session, ctx, wanted):
                yield chunk

    return csv_download(lines(), f"{access.tenant.slug}-audit-log-{ctx.now():%Y-%m-%d}.csv")
