"""API: students. Never public: reading needs a token of the centre, adding one needs STAFF or above, erasing
one's personal data ADMIN or above."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from models import Customer, ErasedBy, Erasure
from trainhub_ui.db import database
from trainhub_ui.domain.inputs import Id
from trainhub_ui.services import erasure, students
from trainhub_ui.services.erasure import ErasureRequest
from trainhub_ui.services.students import CustomerExists, NewStudent

from .access import MayEraseStudents, MayReadStudents, Reader, Writer
from .common import ERROR_RESPONSES, ApiModel, ErrorBody, Page, Paging

router = APIRouter(prefix="/tenant/{slug}", tags=["students"], responses=ERROR_RESPONSES)


class StudentOut(ApiModel):
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    company_name: str
    billing_email: str
    po_number: str
    created_at: datetime
    has_account: bool

    @classmethod
    def of(cls, customer: Customer) -> StudentOut:
        # Built field by field: the password hash must never reach an answer, not even by accident.
        return cls(
            id=customer.id,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            company_name=customer.company_name,
            billing_email=customer.billing_email,
            po_number=customer.po_number,
            created_at=customer.created_at,
            has_account=customer.password_hash is not None,
        )


class CustomerExistsBody(ErrorBody):
    """The standard error body, plus the id of the student who already has the email."""

    customerId: str  # named as on the wire: ErrorBody's fields have no camelCase aliases


@router.post(
    "/students",
    status_code=201,
    response_model=StudentOut,
    responses={409: {"model": CustomerExistsBody, "description": "`customer_exists`: the email is taken here"}},
)
async def create_student(body: NewStudent, ctx: MayReadStudents, session: Writer) -> StudentOut | JSONResponse:
    """Add a student. An email already at this centre answers 409 with the existing student's `customerId`."""
    # `ctx` is resolved before `session`: the token check may write its last-used time in a transaction of
    # its own, which on SQLite would otherwise wait for the write lock this request's session holds.
    try:
        customer = await students.add_student(session, ctx, body)
    except CustomerExists as exists:
        answer = CustomerExistsBody(
            code=exists.code, message=exists.message, field=exists.field, customerId=exists.customer_id
        )
        return JSONResponse(status_code=exists.status, content=answer.model_dump())
    return StudentOut.of(customer)


@router.get("/students", response_model=Page[StudentOut])
async def list_students(
    ctx: MayReadStudents,
    session: Reader,
    paging: Annotated[Paging, Depends()],
    q: Annotated[str, Query(max_length=200, description="Part of a name, email or company")] = "",
) -> Page[StudentOut]:
    """The centre's students by last name, optionally searched."""
    page = await students.search_students(session, ctx, query=q, limit=paging.limit, offset=paging.offset)
    return Page[StudentOut](items=[StudentOut.of(customer) for customer in page.items], total=page.total)


@router.get("/students/{customerId}", response_model=StudentOut)
async def get_student(
    ctx: MayReadStudents, session: Reader, customer_id: Annotated[Id, Path(alias="customerId")]
) -> StudentOut:
    """One student; another centre's id answers 404 like an unknown one."""
    return StudentOut.of(await students.get_student(session, ctx, customer_id))


class ErasureOut(ApiModel):
    """The record of an erasure: nothing personal, and how many records of each kind were gone through."""

    id: str
    customer_id: str
    requested_by: ErasedBy
    reason: str
    erased_at: datetime
    counts: dict[str, int]

    @classmethod
    def of(cls, done: Erasure) -> ErasureOut:
        return cls(
            id=done.id,
            customer_id=done.customer_id,
            requested_by=done.requested_by,
            reason=done.reason,
            erased_at=done.created_at,
            counts=done.counts,
        )


@router.post(
    "/students/{customerId}/erase",
    response_model=ErasureOut,
    responses={
        409: {
            "model": ErrorBody,
            "description": "`student_has_outstanding`: a booking still to come, money owed or on its way (the "
            "message names each); `already_erased`: done before",
        }
    },
)
async def erase_student(
    body: ErasureRequest, ctx: MayEraseStudents, customer_id: Annotated[Id, Path(alias="customerId")]
) -> ErasureOut:
    """Erase the student's personal data everywhere at this centre (their request, UK GDPR article 17). Their
    bookings, payments, certificates and invoices stay as facts, without anything personal but what the
    invoices keep as issued. It cannot be undone; the erasure itself is recorded, with `reason`."""
    done = await erasure.erase_student(database(), ctx, customer_id, body.reason, ErasedBy.STAFF)
    return ErasureOut.of(done)
