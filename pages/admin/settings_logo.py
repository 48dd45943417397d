"""The centre's logo: its file served under a name that changes with its content, and the editor on the
settings page that uploads, shows and removes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import HTTPException
from fastapi.responses import FileResponse
from nicegui import APIRouter, events, ui
from sqlalchemy.engine import make_url

from models import Tenant
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.services import tenants

router = APIRouter()


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


LOGO_UPLOAD_STYLE = """
.th-logo-upload .q-uploader__list, .th-logo-upload .q-uploader__subtitle { display: none; }
.th-logo-upload { width: 100%; max-width: 22rem; }
"""


def logo_editor(ctx: TenantContext) -> None:
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
