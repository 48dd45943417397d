"""Students (customers) as the back office sees them: adding one, finding one, searching the list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import PlainValidator, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Customer
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.inputs import ServiceInput, words

from .accounts import email_problem, normalise_email

# The column lengths of models.people.Customer, checked here so that a page gets the same answer as the API.
NAME_MAX = 100  # first and last name each
EMAIL_MAX = 320
PHONE_MAX = 50
COMPANY_NAME_MAX = 200
PO_NUMBER_MAX = 100


class CustomerExists(DomainError):
    """The email already belongs to a student of this centre; `customer_id` says which, so a caller can reuse it."""

    def __init__(self, customer_id: str) -> None:
        super().__init__("customer_exists", "A student with this email already exists at this centre.", field="email")
        self.customer_id = customer_id


def _email(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid", "Enter an email address like name@example.com.")
    value = normalise_email(value)
    if problem := email_problem(value):
        raise PydanticCustomError("invalid", problem)
    return value


Email = Annotated[str, PlainValidator(_email), WithJsonSchema({"type": "string", "maxLength": EMAIL_MAX})]
FirstName = words(NAME_MAX, required="Enter a first name.")
LastName = words(NAME_MAX, required="Enter a last name.")


class NewStudent(ServiceInput):
    """A student's details as staff type them or a program sends them: the API's body of POST /students.
    Names are trimmed, the email is kept in lower case; a detail left out (or null) is empty."""

    first_name: FirstName
    last_name: LastName
    email: Email
    phone: words(PHONE_MAX) = ""
    company_name: words(COMPANY_NAME_MAX) = ""
    billing_email: Email | Literal[""] = ""
    po_number: words(PO_NUMBER_MAX) = ""

    @field_validator("phone", "company_name", "billing_email", "po_number", mode="before")
    @classmethod
    def _empty_when_left_out(cls, value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, str) and not value.strip():
            return ""
        return value


@dataclass(frozen=True)
class StudentPage:
    items: list[Customer]
    total: int


async def _student_id_by_email(session: AsyncSession, ctx: TenantContext, email: str) -> str | None:
    return await session.scalar(select(Customer.id).where(Customer.tenant_id == ctx.tenant_id, Customer.email == email))


async def add_student(session: AsyncSession, ctx: TenantContext, details: NewStudent) -> Customer:
    """Add a student (without a password) to the centre. An email already there raises CustomerExists."""
    email = details.email
    if (existing := await _student_id_by_email(session, ctx, email)) is not None:
        raise CustomerExists(existing)
    customer = Customer(
        tenant_id=ctx.tenant_id,
        first_name=details.first_name,
        last_name=details.last_name,
        email=email,
        phone=details.phone,
        company_name=details.company_name,
        billing_email=details.billing_email,
        po_number=details.po_number,
        password_hash=None,
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    try:
        # On PostgreSQL two requests may both pass the check above; the unique constraint decides, and
        # the savepoint keeps the caller's transaction usable so the loser can answer with the winner's id.
        async with session.begin_nested():
            session.add(customer)
            await session.flush()
    except IntegrityError:
        existing = await _student_id_by_email(session, ctx, email)
        if existing is None:
            raise
        raise CustomerExists(existing) from None
    record(session, ctx, "student.created", "customer", customer.id, email=email)
    return customer


def _matches(query: str) -> ColumnElement[bool]:
    needle = query.lower()
    full_name = Customer.first_name + " " + Customer.last_name
    columns = (Customer.first_name, Customer.last_name, full_name, Customer.email, Customer.company_name)
    # autoescape: a "%" or "_" typed into the search box is a character, not a wildcard.
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


async def search_students(
    session: AsyncSession, ctx: TenantContext, *, query: str = "", limit: int = 50, offset: int = 0
) -> StudentPage:
    """One page of the centre's students, by last then first name; `query` matches names, email and company.
    An erased student is no longer listed (their bookings still lead to their anonymous record)."""
    conditions: list[ColumnElement[bool]] = [Customer.tenant_id == ctx.tenant_id, Customer.erased_at.is_(None)]
    if query := query.strip():
        conditions.append(_matches(query))
    total = await session.scalar(select(func.count()).select_from(Customer).where(*conditions))
    rows = await session.scalars(
        select(Customer)
        .where(*conditions)
        .order_by(func.lower(Customer.last_name), func.lower(Customer.first_name), Customer.id)
        .limit(limit)
        .offset(offset)
    )
    return StudentPage(items=list(rows), total=total or 0)


async def get_student(session: AsyncSession, ctx: TenantContext, customer_id: str) -> Customer:
    """A student of this centre by id; another centre's id is NotFound, like a missing one."""
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == ctx.tenant_id, Customer.id == customer_id)
    )
    if customer is None:
        raise NotFound("Student")
    return customer


async def update_student(session: AsyncSession, ctx: TenantContext, customer_id: str, details: NewStudent) -> Customer:
    """Change a student's details. An email that belongs to another student of the centre raises CustomerExists."""
    customer = await get_student(session, ctx, customer_id)
    if customer.erased_at is not None:
        raise DomainError("student_erased", "This student's data was erased: there are no details to change.")
    if details.email != customer.email:
        existing = await _student_id_by_email(session, ctx, details.email)
        if existing is not None and existing != customer.id:
            raise CustomerExists(existing)
    changed = {name: value for name, value in details.model_dump().items() if getattr(customer, name) != value}
    if not changed:
        return customer
    try:
        # Two students changing to one email at once: the unique constraint decides (see add_student).
        async with session.begin_nested():
            for name, value in changed.items():
                setattr(customer, name, value)
            customer.updated_at = ctx.now()
            await session.flush()
    except IntegrityError:
        existing = await _student_id_by_email(session, ctx, details.email)
        if existing is None:
            raise
        raise CustomerExists(existing) from None
    record(session, ctx, "student.updated", "customer", customer.id, changed=sorted(changed))
    return customer
