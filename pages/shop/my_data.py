"""A signed-in student's own data, to download from My account: all of it as JSON, and a readable PDF."""

from __future__ import annotations

from fastapi.responses import Response
from nicegui import APIRouter

from trainhub_ui.auth import signed_in_student
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.personal_data import personal_data, personal_data_pdf
from trainhub_ui.services.student_records import student_actor

from .loading import load_tenant

router = APIRouter()
KINDS = {"json": "application/json", "pdf": "application/pdf"}


@router.get("/{slug}/account/my-data.{kind}")
async def my_data(slug: str, kind: str) -> Response:
    """Only for the student signed in at this centre; anyone else finds nothing here."""
    tenant = await load_tenant(slug)
    student = await signed_in_student(tenant) if tenant is not None else None
    if tenant is None or student is None or kind not in KINDS:
        return Response("Not found", status_code=404)
    ctx = TenantContext(tenant=tenant, actor=student_actor(student))
    async with database().read() as session:
        data = await personal_data(session, ctx, student.id)
    content = data.as_json() if kind == "json" else personal_data_pdf(ctx, data)
    return download(content, kind, f"{tenant.slug}-my-data")


def download(content: bytes, kind: str, name: str) -> Response:
    """A personal-data file as an attachment, never cached on the way."""
    return Response(
        content,
        media_type=KINDS[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"', "Cache-Control": "no-store"},
    )
