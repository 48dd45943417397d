"""The demo centres' bookings: the planned ones in every state, a session full with a waiting list, and
the past sessions' students, each with the payments and refunds the booking engine would have recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CourseSession,
    Customer,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
    WaitingListEntry,
    WaitingListStatus,
    new_id,
)
from trainhub_ui.booking import places
from trainhub_ui.booking.states import PAYMENT, settle_invoice
from trainhub_ui.services.invoices import line_description, new_invoice
from trainhub_ui.services.references import random_reference

from .centres import CentreWriter, fits_week
from .specs import CANCELLATION_REASON, DEMO_STUDENT, HOLD_EXPIRED_REASON, BookingSpec, PastSessionSpec


def _ceil_percent(amount: int, percent: int) -> int:
    return -(-amount * percent // 100)


def _reference(writer: CentreWriter) -> str:
    while True:
        reference = random_reference(writer.spec.reference_prefix, writer.rng.choice)
        if reference not in writer.references:
            writer.references.add(reference)
            return reference


def _booking(
    writer: CentreWriter,
    item: CourseSession,
    customer: Customer,
    status: BookingStatus,
    option: PaymentOption,
    created_at: datetime,
) -> Booking:
    price = writer.price_by_course_id[item.course_id]
    if status in LIVE_BOOKING_STATUSES:
        key = (item.id, customer.id)
        if key in writer.live:
            raise ValueError(f"{customer.email} already holds a place on session {item.id}")
        writer.live.add(key)
    invoiced = option is PaymentOption.INVOICE
    booking = Booking(
        id=new_id(),
        tenant_id=writer.tenant.id,
        reference=_reference(writer),
        session_id=item.id,
        customer_id=customer.id,
        status=status,
        payment_option=option,
        currency=writer.tenant.currency,
        total_amount=price,
        deposit_amount=(_ceil_percent(price, writer.tenant.deposit_percent) if option is PaymentOption.DEPOSIT else 0),
        amount_paid=0,
        balance_due=price if status in LIVE_BOOKING_STATUSES else 0,
        company_name=customer.company_name if invoiced else "",
        billing_email=(customer.billing_email or customer.email) if invoiced else "",
        po_number=customer.po_number if invoiced else "",
        billing_address=writer.billing_addresses.get(customer.email, "") if invoiced else "",
        created_at=created_at,
    )
    writer.add(booking)
    writer.bookings.append(booking)
    return booking


def _payment(
    writer: CentreWriter,
    booking: Booking,
    kind: PaymentKind,
    status: PaymentStatus,
    amount: int,
    *,
    method: PaymentMethod = PaymentMethod.CARD,
    paid_at: datetime | None = None,
    failure_reason: str = "",
) -> Payment:
    payment = Payment(
        id=new_id(),
        tenant_id=writer.tenant.id,
        booking_id=booking.id,
        # The course of the booking's session, as services/payments.py: course_paid_for decides it.
        course_id=writer.course_by_session_id[booking.session_id],
        kind=kind,
        status=status,
        payment_method=method,
        currency=writer.tenant.currency,
        amount=amount,
        amount_refunded=0,
        paid_at=paid_at,
        failure_reason=failure_reason,
        created_at=booking.created_at,
    )
    writer.add(payment)
    writer.payments.append(payment)
    return payment


def _pay_in_full(writer: CentreWriter, booking: Booking, method: PaymentMethod, paid_at: datetime) -> Payment:
    booking.amount_paid = booking.total_amount
    booking.balance_due = 0
    booking.confirmed_at = booking.confirmed_at or paid_at
    return _payment(
        writer, booking, PaymentKind.FULL, PaymentStatus.PAID, booking.total_amount, method=method, paid_at=paid_at
    )


def planned_booking(writer: CentreWriter, spec: BookingSpec) -> None:
    item = writer.upcoming[spec.course][spec.session_no]
    customer = writer.customers[spec.email]
    if spec.status is BookingStatus.CONFIRMED:
        _confirmed(writer, item, customer, spec.option, _recently(writer))
    elif spec.status is BookingStatus.PENDING:
        booking = _booking(writer, item, customer, spec.status, spec.option, writer.now)
        booking.hold_expires_at = writer.now + timedelta(minutes=writer.tenant.hold_minutes)
        _payment(writer, booking, PaymentKind.FULL, PaymentStatus.PENDING, booking.total_amount)
    elif spec.status is BookingStatus.EXPIRED:
        created = writer.now - timedelta(hours=3, minutes=writer.rng.randint(0, 50))
        booking = _booking(writer, item, customer, spec.status, spec.option, created)
        booking.hold_expires_at = created + timedelta(minutes=writer.tenant.hold_minutes)
        _payment(
            writer,
            booking,
            PaymentKind.FULL,
            PaymentStatus.FAILED,
            booking.total_amount,
            failure_reason=HOLD_EXPIRED_REASON,
        )
    elif spec.status is BookingStatus.CANCELLED:
        _cancelled(writer, item, customer)
    else:
        raise ValueError(f"no demo booking in status {spec.status}")


def _recently(writer: CentreWriter) -> datetime:
    return writer.now - timedelta(days=writer.rng.randint(1, 21), minutes=writer.rng.randint(0, 600))


def _confirmed(
    writer: CentreWriter, item: CourseSession, customer: Customer, option: PaymentOption, created_at: datetime
) -> Booking:
    booking = _booking(writer, item, customer, BookingStatus.CONFIRMED, option, created_at)
    paid_at = created_at + timedelta(minutes=writer.rng.randint(2, 9))
    if option is PaymentOption.FULL:
        _pay_in_full(writer, booking, PaymentMethod.CARD, paid_at)
    elif option is PaymentOption.DEPOSIT:
        booking.amount_paid = booking.deposit_amount
        booking.balance_due = booking.total_amount - booking.deposit_amount
        booking.confirmed_at = paid_at
        _payment(writer, booking, PaymentKind.DEPOSIT, PaymentStatus.PAID, booking.deposit_amount, paid_at=paid_at)
    else:
        # An invoiced booking holds its place at once; the balance is settled by bank transfer.
        booking.confirmed_at = created_at
    return booking


def _cancelled(writer: CentreWriter, item: CourseSession, customer: Customer) -> None:
    created = writer.now - timedelta(days=writer.rng.randint(15, 25))
    booking = _booking(writer, item, customer, BookingStatus.CANCELLED, PaymentOption.FULL, created)
    paid_at = created + timedelta(minutes=4)
    payment = _pay_in_full(writer, booking, PaymentMethod.CARD, paid_at)
    cancelled_at = writer.now - timedelta(days=writer.rng.randint(2, 6), hours=3)
    booking.cancelled_at = cancelled_at
    booking.cancellation_reason = CANCELLATION_REASON
    booking.amount_paid = 0
    booking.balance_due = 0
    payment.amount_refunded = payment.amount
    PAYMENT.move(payment, "refund_in_full")
    refund = Refund(
        id=new_id(),
        tenant_id=writer.tenant.id,
        payment_id=payment.id,
        amount=payment.amount,
        currency=writer.tenant.currency,
        reason=CANCELLATION_REASON,
        created_by=writer.admin_name,
        created_at=cancelled_at,
    )
    writer.add(refund)
    writer.audit(cancelled_at, "booking.cancelled", "booking", booking.id, reference=booking.reference)
    writer.audit(
        cancelled_at, "refund.issued", "payment", payment.id, reference=booking.reference, amount=refund.amount
    )


def fill(writer: CentreWriter, course_slug: str, session_no: int) -> None:
    """Book a session to capacity and queue a few more students, so the waiting list has someone on it."""
    item = writer.upcoming[course_slug][session_no]
    taken = {customer_id for session_id, customer_id in writer.live if session_id == item.id}
    free = [c for c in writer.customers.values() if c.id not in taken]
    writer.rng.shuffle(free)
    places = item.available_spots - sum(1 for b in writer.bookings if _holds_place(b, item))
    if len(free) < places + writer.spec.waiting:
        raise ValueError("not enough demo students to fill the session and its waiting list")
    for customer in free[:places]:
        option = PaymentOption.INVOICE if customer.company_name else PaymentOption.FULL
        _confirmed(writer, item, customer, option, _recently(writer))
    for offset, customer in enumerate(free[places : places + writer.spec.waiting]):
        writer.add(
            WaitingListEntry(
                id=new_id(),
                tenant_id=writer.tenant.id,
                session_id=item.id,
                customer_id=customer.id,
                status=WaitingListStatus.WAITING,
                created_at=writer.now - timedelta(hours=30 - offset * 6),
            )
        )


def past_session(writer: CentreWriter, spec: PastSessionSpec) -> None:
    """A session that has already run, booked by students who confirmed (and, for companies, paid) beforehand."""
    course_spec = writer.spec_of(spec.course)
    start = writer.today - timedelta(days=spec.days_ago)
    while not fits_week(start, course_spec.duration_days):
        start -= timedelta(days=1)
    item = writer.course_session(course_spec, writer.courses[spec.course], start, staffed=True)
    writer.past.append(item)
    students = list(writer.customers.values())
    writer.rng.shuffle(students)
    if spec.with_demo_student:
        students.sort(key=lambda c: c.email != DEMO_STUDENT)
    for customer in students[: min(spec.bookings, item.available_spots)]:
        created = item.starts_at - timedelta(days=writer.rng.randint(5, 25), minutes=writer.rng.randint(0, 600))
        if customer.company_name:
            booking = _confirmed(writer, item, customer, PaymentOption.INVOICE, created)
            _pay_in_full(writer, booking, PaymentMethod.BANK_TRANSFER, created + timedelta(days=3))
        else:
            _confirmed(writer, item, customer, PaymentOption.FULL, created)


def issue_invoices(writer: CentreWriter) -> None:
    """Every booking on invoice has its invoice, numbered in the order they were issued (when the booking
    was made); one paid by bank transfer is settled on the day the money came."""
    sessions = {item.id: item for item in writer.all_sessions}
    titles = {course.id: course.title for course in writer.courses.values()}
    names = {customer.id: f"{customer.first_name} {customer.last_name}" for customer in writer.customers.values()}
    paid_on = {payment.booking_id: payment.paid_at for payment in writer.payments if payment.paid_at is not None}
    invoiced = sorted(
        (b for b in writer.bookings if b.payment_option is PaymentOption.INVOICE), key=lambda b: b.created_at
    )
    for number, booking in enumerate(invoiced, start=1):
        issued = booking.created_at.astimezone(writer.zone).date()
        item = sessions[booking.session_id]
        invoice = new_invoice(
            writer.tenant,
            booking,
            item.start_date,
            number,
            issued,
            booking.created_at,
            customer_name=names[booking.customer_id],
            description=line_description(titles[item.course_id], item.start_date, item.venue or ""),
        )
        if booking.balance_due == 0 and booking.id in paid_on:
            settle_invoice(invoice, paid_on[booking.id])
        writer.add(invoice)
        writer.audit(booking.created_at, "invoice.issued", "booking", booking.id, number=number)
    writer.tenant.next_invoice_number = len(invoiced) + 1


def _holds_place(booking: Booking, item: CourseSession) -> bool:
    return booking.session_id == item.id and booking.status in LIVE_BOOKING_STATUSES


def count_places(writer: CentreWriter) -> None:
    """Set each session's booked_spots from its live bookings: the count the booking engine keeps."""
    places.count_places(writer.all_sessions, writer.bookings)
