"""Certificates as PDF: a student's own from My account, and any of the centre's for its staff."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import RedirectResponse
from nicegui import APIRouter

from trainhub_ui.auth import StaffAccess, require_role, signed_in_student
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services.certificates import certificate_pdf, certificate_view

from .loading import load_tenant

router = APIRouter()


def _pdf_response(filename: str, pdf: bytes) -> Response:
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get("/{slug}/account/certificates/{achievement_id}.pdf")
async def my_certificate(slug: str, achievement_id: str) -> Response:
    """A student's own certificate; anyone else's is not found."""
    tenant = await load_tenant(slug)
    student = await signed_in_student(tenant) if tenant is not None else None
    if tenant is None or student is None:
        return Response("Not found", status_code=404)
    ctx = TenantContext(tenant=tenant)
    try:
        async with database().read() as session:
            view = await certificate_view(session, ctx, achievement_id)
    except NotFound:
        return Response("Not found", status_code=404)
    if view.achievement.customer_id != student.id or view.achievement.revoked_at is not None:
        return Response("Not found", status_code=404)
    return _pdf_response(
        f"certificate-{view.achievement.number}.pdf", certificate_pdf(tenant, view, get_settings().base_url)
    )


@router.get("/{slug}/admin/certificates/{achievement_id}.pdf")
async def staff_certificate(slug: str, achievement_id: str) -> Response:
    access = await require_role(slug, Permission.STUDENTS, f"/{slug}/admin")
    if not isinstance(access, StaffAccess):
        status = access.status_code if isinstance(access, RedirectResponse) else access.status
        return Response("Not available", status_code=403 if status == 303 else status)
    ctx = TenantContext(tenant=access.tenant, role=access.role)
    try:
        async with database().read() as session:
            view = await certificate_view(session, ctx, achievement_id)
    except NotFound:
        return Response("Not found", status_code=404)
    if view.holder_erased:  # made out to no one: not printed, for staff either
        return Response("Not available: the holder's data was erased", status_code=410)
    pdf = certificate_pdf(access.tenant, view, get_settings().base_url)
    return _pdf_response(f"certificate-{view.achievement.number}.pdf", pdf)
