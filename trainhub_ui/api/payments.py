"""API: the payment provider's webhook, refunds by staff, bank transfers, invoices and their credit notes."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, StrictInt

from trainhub_ui.booking.states import InvoiceState, invoice_state
from trainhub_ui.db import database
from trainhub_ui.domain.inputs import Id, ShortText
from trainhub_ui.payments import BadSignature, provider
from trainhub_ui.services import bookings, credit_notes, invoices, refunds, webhooks, workflows
from trainhub_ui.services import payments as payments_service

from .access import MayBook, MayRefund, Reader
from .common import ERROR_RESPONSES, ApiModel, Page, Paging

log = logging.getLogger(__name__)

webhook_router = APIRouter(prefix="/payments", tags=["payments"])
router = APIRouter(prefix="/tenant/{slug}", tags=["payments"], responses=ERROR_RESPONSES)


@webhook_router.post(
    "/stripe/webhook",
    responses={400: {"description": "Missing or bad Stripe-Signature: nothing changed"}},
)
async def stripe_webhook(request: Request) -> JSONResponse:
    """Stripe's events, verified against the raw body's signature; each event id acts once."""
    payments = provider()
    body = await request.body()
    try:
        event = payments.parse_event(body, request.headers.get("stripe-signature"))
    except BadSignature as error:
        log.info("webhook refused: %s", error)
        return JSONResponse(
            {"code": "bad_signature", "message": "The Stripe-Signature header is missing or wrong.", "field": None},
            status_code=400,
        )
    outcome = await webhooks.handle_event(database(), payments, event)
    log.info("webhook %s %s: %s", event.type, event.id, outcome)
    return JSONResponse({"received": True, "outcome": outcome})


class RefundIn(ApiModel):
    amount: Annotated[StrictInt, Field(gt=0, le=100_000_000, description="minor units (pence)")]
    reason: ShortText = ""


class RefundOut(ApiModel):
    id: str
    payment_id: str
    amount: int
    currency: str
    status: str
    reason: str
    created_at: datetime


@router.post(
    "/bookings/{booking_id}/refunds", status_code=201, response_model=list[RefundOut], response_model_by_alias=True
)
async def refund_booking(booking_id: Id, body: RefundIn, ctx: MayRefund) -> list[RefundOut]:
    """Give money back on a booking: the balance payment before the deposit, never more than was paid."""
    result = await refunds.refund_booking(
        database(), ctx, provider(), booking_id, body.amount, body.reason or "Refund by staff"
    )
    return [RefundOut.model_validate(refund) for refund in result.refunds]


class BankTransferIn(ApiModel):
    amount: Annotated[StrictInt, Field(gt=0, le=100_000_000, description="minor units (pence)")]
    note: ShortText = ""


class PaymentOut(ApiModel):
    id: str
    booking_id: str
    kind: str
    status: str
    payment_method: str
    amount: int
    amount_refunded: int
    currency: str
    stripe_payment_intent_id: str | None
    paid_at: datetime | None
    created_at: datetime


@router.get("/bookings/{booking_id}/payments", response_model=list[PaymentOut], response_model_by_alias=True)
async def list_payments(booking_id: Id, ctx: MayBook, session: Reader) -> list[PaymentOut]:
    """Every payment of a booking, oldest first, with what was refunded of each."""
    items = await payments_service.payments_of(session, ctx, booking_id)
    return [PaymentOut.model_validate(payment) for payment in items]


@router.post(
    "/bookings/{booking_id}/payments", status_code=201, response_model=PaymentOut, response_model_by_alias=True
)
async def record_bank_transfer(booking_id: Id, body: BankTransferIn, ctx: MayBook) -> PaymentOut:
    """Record money received by bank transfer (an invoice, a balance) against a confirmed booking."""
    payment = await workflows.record_bank_transfer(database(), ctx, booking_id, body.amount, body.note)
    return PaymentOut.model_validate(payment)


class InvoiceOut(ApiModel):
    id: str
    number: str
    booking_id: str
    booking_reference: str
    customer_name: str
    course_title: str
    company_name: str
    po_number: str
    issued_on: date
    due_on: date
    currency: str
    net_amount: int
    vat_amount: int
    total_amount: int
    balance_due: int
    paid_at: datetime | None
    credited_amount: int
    status: InvoiceState  # ISSUED, PAID, PART_CREDITED or CREDITED (by its credit notes)


@router.get("/invoices", response_model=Page[InvoiceOut], response_model_by_alias=True)
async def list_invoices(
    ctx: MayBook, session: Reader, paging: Annotated[Paging, Depends()], overdue: bool = False
) -> Page[InvoiceOut]:
    """The centre's company invoices, newest first; `overdue=true`: unpaid past their due date."""
    lines, total = await invoices.list_invoices(session, ctx, overdue=overdue, limit=paging.limit, offset=paging.offset)
    items = [
        InvoiceOut(
            id=line.invoice.id,
            number=invoices.invoice_number(line.invoice),
            booking_id=line.invoice.booking_id,
            booking_reference=line.reference,
            customer_name=line.customer_name,
            course_title=line.course_title,
            company_name=line.invoice.company_name,
            po_number=line.invoice.po_number,
            issued_on=line.invoice.issued_on,
            due_on=line.invoice.due_on,
            currency=line.invoice.currency,
            net_amount=line.invoice.net_amount,
            vat_amount=line.invoice.vat_amount,
            total_amount=line.invoice.total_amount,
            balance_due=line.balance_due,
            paid_at=line.invoice.paid_at,
            credited_amount=line.invoice.credited_amount,
            status=invoice_state(line.invoice),
        )
        for line in lines
    ]
    return Page[InvoiceOut](items=items, total=total)


@router.get(
    "/bookings/{booking_id}/invoice",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice as a PDF"}},
)
async def invoice_pdf(booking_id: Id, ctx: MayBook, session: Reader) -> Response:
    """A company booking's invoice, as a PDF."""
    name, pdf = await invoices.invoice_pdf(session, ctx, booking_id)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


class CreditNoteOut(ApiModel):
    id: str
    number: str
    invoice_id: str
    issued_on: date
    reason: str
    currency: str
    net_amount: int
    vat_rate_basis_points: int | None
    vat_amount: int
    total_amount: int


@router.get("/bookings/{booking_id}/credit-notes", response_model=Page[CreditNoteOut], response_model_by_alias=True)
async def list_credit_notes(booking_id: Id, ctx: MayBook, session: Reader) -> Page[CreditNoteOut]:
    """The credit notes of a company booking's invoice (a cancellation, a refund), oldest first."""
    await bookings.get_booking(session, ctx, booking_id)  # another centre's booking: 404
    notes = await credit_notes.credit_notes_of(session, ctx, booking_id)
    items = [
        CreditNoteOut.model_validate(
            {
                **{name: getattr(note, name) for name in CreditNoteOut.model_fields if name != "number"},
                "number": credit_notes.credit_note_number(note),
            }
        )
        for note in notes
    ]
    return Page[CreditNoteOut](items=items, total=len(items))


@router.get(
    "/bookings/{booking_id}/credit-notes/{credit_note_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The credit note as a PDF"}},
)
async def credit_note_pdf(booking_id: Id, credit_note_id: Id, ctx: MayBook, session: Reader) -> Response:
    """One credit note of a company booking's invoice, as a PDF."""
    name, pdf = await credit_notes.credit_note_pdf(session, ctx, booking_id, credit_note_id)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
