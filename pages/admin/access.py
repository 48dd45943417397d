"""Who may open a back-office page or file, the context a staff member acts in, and how a file is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

from trainhub_ui.auth import StaffAccess, require_role
from trainhub_ui.components.frames import not_found_page, refused_page
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.permissions import Permission


async def admin_access(slug: str, needed: Permission, path: str) -> StaffAccess | RedirectResponse | None:
    """The signed-in staff member if their role has `needed`; otherwise the page is already answered
    (a redirect to sign in is returned, or a not-found / not-allowed page has been rendered)."""
    access = await require_role(slug, needed, path)
    if isinstance(access, StaffAccess | RedirectResponse):
        return access
    if access.tenant is None or access.user is None:
        not_found_page("There is no training centre at this address.")
    else:
        refused_page(access.tenant, access.user)
    return None


def staff_context(access: StaffAccess) -> TenantContext:
    """The context a signed-in staff member acts in: their centre, name, role and id."""
    user = access.user
    return TenantContext(tenant=access.tenant, actor=user.name, role=user.role, user_id=user.id)


async def file_access(slug: str, needed: Permission, request: Request) -> StaffAccess | Response:
    """The signed-in staff member a file (a CSV) is for; otherwise the answer instead of the file: a redirect
    to sign in (coming back to this file), or 404 / 403 as plain text."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    access = await require_role(slug, needed, path)
    if isinstance(access, StaffAccess | RedirectResponse):
        return access
    return PlainTextResponse("Not found" if access.status == 404 else "Not available to your role", access.status)


def csv_download(lines: AsyncIterator[str] | AsyncIterator[bytes], name: str) -> StreamingResponse:
    """A CSV streamed as it is read, saved under `name`, never cached."""
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
