"""What the pay link also serves: the company invoice and its credit notes as PDF, and the booked session as
a calendar entry. Each answers only with the booking's access token (`?t=`), as the pay page does; without
it, or with a wrong one, the answer is the same 404 as for a booking that does not exist."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from nicegui import APIRouter

from trainhub_ui.components.rate_limited import refused_request
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.rate_limits import Door
from trainhub_ui.services import checkout, credit_notes, invoices
from trainhub_ui.services.booking_links import open_booking

from .loading import load_tenant

router = APIRouter()


@router.get("/{slug}/pay/{reference}/invoice.pdf", include_in_schema=False)
async def invoice_download(request: Request, slug: str, reference: str, t: str = "") -> Response:
    """The company invoice of an INVOICE booking, for whoever holds its pay link."""
    if refused := await refused_request(request, Door.PAY_PAGE, slug):
        return refused
    tenant = await load_tenant(slug)
    if tenant is None:
        return PlainTextResponse("Not found", status_code=404)
    ctx = TenantContext(tenant=tenant, actor="Student (pay page)")
    try:
        async with database().read() as session:
            booking = await open_booking(session, ctx, reference, t)
            name, pdf = await invoices.invoice_pdf(session, ctx, booking.id)
    except NotFound:
        return PlainTextResponse("Not found", status_code=404)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/{slug}/pay/{reference}/credit-notes/{credit_note_id}.pdf", include_in_schema=False)
async def credit_note_download(
    request: Request, slug: str, reference: str, credit_note_id: str, t: str = ""
) -> Response:
    """A credit note of the booking's invoice (a cancellation, a refund), for whoever holds its pay link."""
    if refused := await refused_request(request, Door.PAY_PAGE, slug):
        return refused
    tenant = await load_tenant(slug)
    if tenant is None:
        return PlainTextResponse("Not found", status_code=404)
    ctx = TenantContext(tenant=tenant, actor="Student (pay page)")
    try:
        async with database().read() as session:
            booking = await open_booking(session, ctx, reference, t)
            name, pdf = await credit_notes.credit_note_pdf(session, ctx, booking.id, credit_note_id)
    except NotFound:
        return PlainTextResponse("Not found", status_code=404)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/{slug}/pay/{reference}/calendar.ics", include_in_schema=False)
async def calendar_download(request: Request, slug: str, reference: str, t: str = "") -> Response:
    """The booked session as a calendar entry, for whoever holds the pay link."""
    if refused := await refused_request(request, Door.PAY_PAGE, slug):
        return refused
    tenant = await load_tenant(slug)
    if tenant is None:
        return PlainTextResponse("Not found", status_code=404)
    try:
        name, text = await checkout.booking_calendar_file(database(), TenantContext(tenant=tenant), reference, t)
    except NotFound:
        return PlainTextResponse("Not found", status_code=404)
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
