"""A student's data for staff to hand over on a subject access request: the same JSON and PDF the student
downloads from My account, each download written in the audit log."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from nicegui import APIRouter

from pages.admin.access import file_access, staff_context
from pages.shop.my_data import KINDS, download
from trainhub_ui.auth import StaffAccess
from trainhub_ui.db import database
from trainhub_ui.domain import audit
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services.personal_data import personal_data, personal_data_pdf

router = APIRouter()


@router.get("/{slug}/admin/students/{customer_id}/data.{kind}")
async def student_data(slug: str, customer_id: str, kind: str, request: Request) -> Response:
    access = await file_access(slug, Permission.STUDENTS, request)
    if not isinstance(access, StaffAccess):
        return access
    if kind not in KINDS:
        return Response("Not found", status_code=404)
    ctx = staff_context(access)
    try:
        async with database().transaction() as session:
            data = await personal_data(session, ctx, customer_id)
            audit.record(session, ctx, "student.data_exported", "customer", customer_id, format=kind)
    except NotFound:
        return Response("Not found", status_code=404)
    content = data.as_json() if kind == "json" else personal_data_pdf(ctx, data)
    return download(content, kind, f"{access.tenant.slug}-student-{customer_id}")
