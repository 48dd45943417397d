"""A booking made by a student on the centre's site: who books (signed in or as a guest), for whom it
is paid (themselves or their company) and how (in full, a deposit, or a company invoice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, Course, Customer, PaymentOption, WaitingListEntry
from trainhub_ui.booking import rules
from trainhub_ui.booking.amounts import deposit_for
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import day_text, money

from .accounts import email_problem, normalise_email
from .bookings import BookingRequest, create_booking, ensure_billing_address, find_customer_of
from .centre_terms import accepted_version
from .students import COMPANY_NAME_MAX, PO_NUMBER_MAX, CustomerExists, NewStudent, add_student
from .waiting_list import join_waiting_list

SPECIAL_REQUESTS_MAX = 2000


@dataclass(frozen=True)
class Guest:
    first_name: str
    last_name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class OnlineBooking:
    session_id: str
    payment_option: PaymentOption
    customer_id: str | None = None  # a signed-in student; otherwise `guest`
    guest: Guest | None = None
    for_company: bool = False
    company_name: str = ""
    billing_email: str = ""
    po_number: str = ""
    billing_address: str = ""
    special_requests: str = ""
    accepted_terms_version: int | None = None  # the version of the centre's terms shown and accepted


@dataclass(frozen=True)
class PaymentChoice:
    option: PaymentOption
    title: str
    due_now: int
    note: str
    invoiced: int = 0  # what the company's invoice will ask for, where nothing is paid now

    def summary(self, currency: str, locale: str, now: str = "now") -> str:
        """The choice in a line: "Pay in full: £895.00 now", "Company invoice: £895.00, nothing to pay now"."""
        if self.invoiced:
            return f"{self.title}: {money(self.invoiced, currency, locale)}, nothing to pay now"
        return f"{self.title}: {money(self.due_now, currency, locale)} {now}"


def balance_due_date(ctx: TenantContext, starts_on: date) -> date:
    return rules.balance_due_on(ctx.tenant, starts_on)


def payment_choices(
    ctx: TenantContext, course: Course, starts_on: date, *, for_company: bool, signed_in: bool = True
) -> list[PaymentChoice]:
    """How this centre lets a student pay for this session, with what each costs now. A company
    invoice is offered only to a booking made for a company (`book_online` refuses it otherwise), and
    for a guest (not `signed_in`) waits for whoever pays it to confirm it; a deposit only while its
    balance date is far enough away (the full payment then says why)."""
    locale = ctx.tenant.locale
    tenant = ctx.tenant
    choices = []
    deposit = deposit_for(course.price, tenant.deposit_percent)
    no_deposit = rules.deposit_refusal(tenant, starts_on, ctx.today()) if tenant.offers_deposit else None
    if tenant.offers_full_payment:
        note = "Paid by card now." + (f" {no_deposit}" if no_deposit else "")
        choices.append(PaymentChoice(PaymentOption.FULL, "Pay in full", course.price, note))
    if no_deposit is None and tenant.offers_deposit and 0 < deposit < course.price:
        due = balance_due_date(ctx, starts_on)
        choices.append(
            PaymentChoice(
                PaymentOption.DEPOSIT,
                f"Pay a {tenant.deposit_percent} % deposit",
                deposit,
                f"The balance of {money(course.price - deposit, tenant.currency, locale)} is due by "
                f"{day_text(due, locale, 'long_date')}.",
            )
        )
    if tenant.offers_invoice and for_company:
        choices.append(
            PaymentChoice(
                PaymentOption.INVOICE,
                "Company invoice",
                0,
                "Your place is confirmed now; your company pays the invoice by bank transfer."
                if signed_in
                else "We email whoever pays the invoice a link to confirm it; your place is held meanwhile.",
                invoiced=course.price,
            )
        )
    return choices


def _text(field: str, value: str, limit: int, required: str | None = None) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, f"Enter {required}.")
    if len(value) > limit:
        raise InvalidInput(field, f"Use at most {limit} characters.")
    return value


async def _booker(session: AsyncSession, ctx: TenantContext, customer_id: str | None, guest: Guest | None) -> str:
    """The customer the booking is for: the signed-in student, or the guest (found by email, or added)."""
    if customer_id:
        return (await find_customer_of(session, ctx, customer_id)).id
    if guest is None:
        raise InvalidInput("email", "Sign in, create an account, or enter your details to book as a guest.")
    try:
        customer = await add_student(
            session,
            ctx,
            NewStudent(first_name=guest.first_name, last_name=guest.last_name, email=guest.email, phone=guest.phone),
        )
    except CustomerExists as known:
        existing = await session.get(Customer, known.customer_id)
        if existing is not None and existing.password_hash:
            # Booking in an account's name takes its sign-in: a stranger cannot add to someone's bookings
            # (or confirm an invoice in their name) by typing their email.
            raise InvalidInput("email", "There is an account with this email: sign in to book with it.") from None
        # A guest booking under an email the centre knows from an earlier guest booking joins those
        # bookings; nothing of the existing student is shown or changed.
        return known.customer_id
    return customer.id


async def book_online(db: Database, ctx: TenantContext, request: OnlineBooking) -> Booking:
    """Take the place for the student, in one transaction with making the guest's record."""
    special_requests = _text("specialRequests", request.special_requests, SPECIAL_REQUESTS_MAX)
    company_name = billing_email = po_number = billing_address = ""
    if request.for_company:
        company_name = _text("companyName", request.company_name, COMPANY_NAME_MAX, required="the company's name")
        billing_address = request.billing_address.strip()
        ensure_billing_address(request.payment_option, billing_address)
        billing_email = normalise_email(request.billing_email) if request.billing_email.strip() else ""
        if billing_email and (problem := email_problem(billing_email)):
            raise InvalidInput("billingEmail", problem)
        po_number = _text("poNumber", request.po_number, PO_NUMBER_MAX)
    elif request.payment_option is PaymentOption.INVOICE:
        raise InvalidInput("companyName", "A company invoice needs the company's details: book for a company.")
    async with db.transaction() as session:
        terms_version = await accepted_version(session, ctx, request.accepted_terms_version)
        customer_id = await _booker(session, ctx, request.customer_id, request.guest)
        return await create_booking(
            session,
            ctx,
            BookingRequest(
                customer_id=customer_id,
                session_id=request.session_id,
                payment_option=request.payment_option,
                special_requests=special_requests,
                company_name=company_name if request.for_company else None,
                billing_email=billing_email if request.for_company else None,
                po_number=po_number if request.for_company else None,
                billing_address=billing_address if request.for_company else None,
                accepted_terms_version=terms_version,
            ),
            # Nobody signed in: the invoice is issued only once whoever it is billed to confirms it.
            invoice_to_confirm=request.customer_id is None,
        )


async def join_waiting_list_online(
    db: Database, ctx: TenantContext, session_id: str, customer_id: str | None, guest: Guest | None
) -> WaitingListEntry:
    """A full session's waiting list, joined from the site by a signed-in student or a guest."""
    async with db.transaction() as session:
        booker = await _booker(session, ctx, customer_id, guest)
        return await join_waiting_list(session, ctx, session_id, booker)
