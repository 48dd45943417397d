"""Certificates in public: the verification page a QR code leads to, the student's own downloads, staff
downloads; and the feedback form a student is sent after a session."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import StaffRole
from trainhub_ui.auth import StaffAccess, require_role, signed_in_student
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.services.certificates import certificate_pdf, certificate_view, verify
from trainhub_ui.services.feedback import feedback_form, give_feedback

from .public import load_tenant

router = APIRouter()

STATES = {
    "valid": ("verified", "emerald", "This certificate is valid."),
    "expired": ("event_busy", "amber", "This certificate has expired."),
    "revoked": ("block", "red", "This certificate has been revoked by the centre."),
}


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
            with ui.row().classes(f"items-center gap-3 text-{colour}-800 no-wrap"):
                ui.icon(icon).classes("text-4xl")
                ui.label(text).classes("text-lg font-semibold").mark(f"state-{state}")
            # No more than name, course and dates: the page is public.
            with ui.element("dl").classes("grid grid-cols-[auto_1fr] gap-x-4 gap-y-1"):
                achievement = found.achievement
                rows = [
                    ("Awarded to", found.student),
                    ("Course", found.course),
                    ("Certificate", achievement.number),
                    ("Issued", f"{achievement.issued_on:%-d %B %Y}"),
                    ("Valid until", f"{achievement.expires_on:%-d %B %Y}" if achievement.expires_on else "No expiry"),
                ]
                for term, value in rows:
                    ui.label(term).classes("text-slate-600")
                    ui.label(value).classes("font-semibold")
            ui.label(f"Issued by {tenant.name}.").classes("text-sm text-slate-500")


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
    access = await require_role(slug, StaffRole.STAFF, f"/{slug}/admin")
    if not isinstance(access, StaffAccess):
        status = access.status_code if isinstance(access, RedirectResponse) else access.status
        return Response("Not available", status_code=403 if status == 303 else status)
    ctx = TenantContext(tenant=access.tenant, role=access.role)
    try:
        async with database().read() as session:
            view = await certificate_view(session, ctx, achievement_id)
    except NotFound:
        return Response("Not found", status_code=404)
    pdf = certificate_pdf(access.tenant, view, get_settings().base_url)
    return _pdf_response(f"certificate-{view.achievement.number}.pdf", pdf)


@router.page("/{slug}/feedback/{booking_id}/{token}")
async def feedback_page(slug: str, booking_id: str, token: str) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    ctx = TenantContext(tenant=tenant, actor="Student (feedback link)")
    try:
        async with database().read() as session:
            form = await feedback_form(session, ctx, booking_id, token)
    except NotFound:
        not_found_page("This feedback link is not valid.")
        return
    with public_frame(tenant, await signed_in_student(tenant), "Your feedback"):
        with ui.card().classes("w-full max-w-xl mx-auto p-6 gap-3") as card:
            ui.label(f"How was {form.course}?").classes("text-2xl font-bold")
            if form.answered is not None:
                ui.label("Thank you: your feedback is in.").classes("text-emerald-800 font-semibold").mark("thanks")
                return
            ui.label(f"Thank you for coming, {form.first_name}. It takes a minute.").classes("text-slate-600")
            ui.label("Your rating").classes("font-semibold").props('id="rating-label"')
            rating = ui.rating(value=0, max=5, size="2.5em", icon="star_border", icon_selected="star").mark("rating")
            rating.props('aria-labelledby="rating-label"')
            rating_problem = ui.label("").classes("text-red-700 text-sm").mark("rating-problem")
            went_well = ui.textarea("What went well? (optional)").props("outlined autogrow").classes("w-full")
            went_well.mark("went-well")
            to_improve = ui.textarea("What could we do better? (optional)").props("outlined autogrow")
            to_improve.classes("w-full").mark("to-improve")
            fields = {"wentWell": went_well, "toImprove": to_improve}

            async def send() -> None:
                rating_problem.set_text("")
                for field in fields.values():
                    field.error = None
                try:
                    async with database().transaction() as session:
                        await give_feedback(
                            session,
                            ctx,
                            booking_id,
                            token,
                            rating=int(rating.value or 0),
                            went_well=went_well.value or "",
                            to_improve=to_improve.value or "",
                        )
                except DomainError as error:
                    if error.field in fields:
                        fields[error.field].error = error.message
                    elif error.code == "feedback_given":
                        card.clear()
                        with card:
                            ui.label(error.message).classes("text-emerald-800 font-semibold").mark("thanks")
                    else:
                        rating_problem.set_text(error.message)
                    return
                card.clear()
                with card:
                    ui.label("Thank you!").classes("text-2xl font-bold")
                    ui.label(f"Your feedback helps {tenant.name} make its courses better.").mark("thanks")

            ui.button("Send feedback", on_click=send).props("unelevated color=primary no-caps").mark("send-feedback")
