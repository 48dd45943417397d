"""Asking whoever a guest's company invoice would be billed to whether to issue it: a new code on the
booking (its hash kept), and an email carrying the link with the code. Asked when the guest books, again on
request from the pay page, and after a lapsed hold is taken up again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, PaymentOption
from trainhub_ui.config import get_settings
from trainhub_ui.domain import audit
from trainhub_ui.domain.booking_links import confirmation_hash, invoice_confirmation_url, new_confirmation_code
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import session_dates
from trainhub_ui.notify import invoice_emails
from trainhub_ui.notify.facts import booking_facts


def awaits_confirmation(booking: Booking) -> bool:
    """A company invoice not issued yet because nobody has confirmed it (nor staff approved it): held, or
    lapsed (confirming it then takes a place again if one is free)."""
    return (
        booking.payment_option is PaymentOption.INVOICE
        and booking.invoice_confirmation_hash is not None
        and booking.status in (BookingStatus.PENDING, BookingStatus.EXPIRED)
    )


async def ask_to_confirm_invoice(session: AsyncSession, ctx: TenantContext, booking: Booking) -> None:
    """A new link (any earlier one stops working) to the invoice's addressee, in the caller's transaction."""
    code = new_confirmation_code()
    booking.invoice_confirmation_hash = confirmation_hash(code)
    facts = await booking_facts(session, ctx, booking)
    await invoice_emails.invoice_confirmation(
        session,
        ctx,
        booking,
        facts.customer,
        url=invoice_confirmation_url(get_settings().base_url, ctx.tenant.slug, booking, code),
        course=facts.course.title,
        dates=session_dates(facts.course_session, ctx.tenant.locale),
    )
    audit.record(
        session,
        ctx,
        "booking.invoice_confirmation_asked",
        "booking",
        booking.id,
        to="billing email" if booking.billing_email else "student",
    )
