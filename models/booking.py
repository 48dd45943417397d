"""Bookings, the payments and refunds against them, and waiting-list entries."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantOwned, TimestampsMixin, UTCDateTime, str_enum
from .catalog import CourseSession
from .people import Customer


class BookingStatus(enum.StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


LIVE_BOOKING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class PaymentOption(enum.StrEnum):
    FULL = "FULL"
    DEPOSIT = "DEPOSIT"
    INVOICE = "INVOICE"


class PaymentStatus(enum.StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class PaymentMethod(enum.StrEnum):
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    INVOICE = "invoice"
    OFFLINE = "offline"


class RefundStatus(enum.StrEnum):
    # Written before the provider is asked, so a crash in between leaves a refund to retry, not money lost.
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class PaymentKind(enum.StrEnum):
    FULL = "FULL"
    DEPOSIT = "DEPOSIT"
    BALANCE = "BALANCE"
    # Money received that no booking can take (a second charge for a payment already paid): recorded as
    # received, refunded at once, and never counted in the booking's amount paid or refunded.
    EXCESS = "EXCESS"


class CourseResult(enum.StrEnum):
    """The instructor's assessment of one student on a course that requires one."""

    PASSED = "PASSED"
    FAILED = "FAILED"


class WaitingListStatus(enum.StrEnum):
    WAITING = "WAITING"
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


# 24 random bytes, 192 bits: far past guessing, unlike a reference (about 25 bits), which is read out
# over the phone and printed on the QR code shown at reception.
ACCESS_TOKEN_BYTES = 24


def new_access_token() -> str:
    return secrets.token_urlsafe(ACCESS_TOKEN_BYTES)


class Booking(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("total_amount >= 0", name="total_nonnegative"),
        CheckConstraint("deposit_amount >= 0", name="deposit_nonnegative"),
        CheckConstraint("deposit_amount <= total_amount", name="deposit_within_total"),
        CheckConstraint("amount_paid >= 0", name="amount_paid_nonnegative"),
        CheckConstraint("balance_due >= 0", name="balance_due_nonnegative"),
        # Rule 2: at most one live booking of a customer on a session, kept by the database itself.
        Index(
            "uq_bookings_live_customer_session",
            "session_id",
            "customer_id",
            unique=True,
            sqlite_where=text("status IN ('PENDING', 'CONFIRMED')"),
            postgresql_where=text("status IN ('PENDING', 'CONFIRMED')"),
        ),
        Index("ix_bookings_tenant_status_created", "tenant_id", "status", "created_at"),
        Index("ix_bookings_session_status", "session_id", "status"),
        Index("ix_bookings_customer", "customer_id"),
        Index("ix_bookings_status_hold", "status", "hold_expires_at"),
        # The back office's newest-first list of a centre's bookings, paged deep, from the index alone.
        Index("ix_bookings_tenant_created_id", "tenant_id", "created_at", "id"),
        # Balances owed (confirmed, balance_due > 0) and the dashboard's "still to pay", read from the index.
        Index("ix_bookings_tenant_status_balance", "tenant_id", "status", "balance_due"),
    )

    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # What a link to the booking carries besides its reference (`domain/booking_links.py`). Kept as it is,
    # not hashed: reminders and receipts queued long after the booking is made must carry it too.
    access_token: Mapped[str] = mapped_column(String(64), default=new_access_token)
    session_id: Mapped[str] = mapped_column(String(36), ForeignKey("course_sessions.id", ondelete="RESTRICT"))
    customer_id: Mapped[str] = mapped_column(String(36), ForeignKey("customers.id", ondelete="RESTRICT"))
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "booking_status"))
    payment_option: Mapped[PaymentOption] = mapped_column(str_enum(PaymentOption, "payment_option"))
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int] = mapped_column(Integer)
    deposit_amount: Mapped[int] = mapped_column(Integer, default=0)
    amount_paid: Mapped[int] = mapped_column(Integer, default=0)
    balance_due: Mapped[int] = mapped_column(Integer, default=0)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    special_requests: Mapped[str] = mapped_column(Text, default="")
    staff_notes: Mapped[str] = mapped_column(Text, default="")
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    billing_email: Mapped[str] = mapped_column(String(320), default="")
    po_number: Mapped[str] = mapped_column(String(100), default="")
    # Where the company's invoice is addressed: required when paying on invoice.
    billing_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A guest's company invoice waits for whoever receives it to confirm it by an emailed link: the hash
    # of the code that link carries (the code itself is only in the email). None once nothing waits.
    invoice_confirmation_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[CourseResult | None] = mapped_column(str_enum(CourseResult, "course_result"))
    # The version of the centre's terms (`CentreTerms.version`) the student accepted when booking online;
    # None for a booking made by staff, by phone, or before the centre published terms.
    terms_version: Mapped[int | None] = mapped_column(Integer)

    session: Mapped[CourseSession] = relationship(lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")


class Payment(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("amount_refunded >= 0", name="refunded_nonnegative"),
        CheckConstraint("amount_refunded <= amount", name="refund_within_amount"),
        Index("ix_payments_booking", "booking_id"),
        # The collected payments by date, with their course and amounts: revenue by month and by course, and
        # the dashboard's sums, from the index alone.
        Index(
            "ix_payments_tenant_status_paid_course_amounts",
            "tenant_id",
            "status",
            "paid_at",
            "course_id",
            "amount",
            "amount_refunded",
        ),
        Index("ix_payments_stripe_intent", "stripe_payment_intent_id"),
        Index("ix_payments_stripe_checkout", "stripe_checkout_session_id"),
        # Few payments are open at a time: the job that asks the provider about long-open ones reads only these.
        Index(
            "ix_payments_open",
            "created_at",
            sqlite_where=text("status = 'PENDING'"),
            postgresql_where=text("status = 'PENDING'"),
        ),
        # Few payments have refunds: the back office's refunded and part-refunded filters find them here.
        Index(
            "ix_payments_tenant_refunded",
            "tenant_id",
            "booking_id",
            sqlite_where=text("amount_refunded > 0"),
            postgresql_where=text("amount_refunded > 0"),
        ),
    )

    booking_id: Mapped[str] = mapped_column(String(36), ForeignKey("bookings.id", ondelete="RESTRICT"))
    # The course the money was for: the course of the booking's session when the payment was made
    # (`services/payments.py: course_paid_for`). A booking moves only to a session of the same course, so it
    # never changes; kept here so that revenue by course is read from the payments alone.
    course_id: Mapped[str] = mapped_column(String(36), ForeignKey("courses.id", ondelete="RESTRICT"))
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind, "payment_kind"))
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, "payment_status"))
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Integer)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_reason: Mapped[str] = mapped_column(Text, default="")


class Refund(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_refunds_payment", "payment_id"),
    )

    payment_id: Mapped[str] = mapped_column(String(36), ForeignKey("payments.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[RefundStatus] = mapped_column(
        str_enum(RefundStatus, "refund_status"), default=RefundStatus.SUCCEEDED, server_default="SUCCEEDED"
    )
    failure_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class WaitingListEntry(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "waiting_list_entries"
    __table_args__ = (
        Index(
            "uq_waiting_list_live_customer_session",
            "session_id",
            "customer_id",
            unique=True,
            sqlite_where=text("status IN ('WAITING', 'OFFERED')"),
            postgresql_where=text("status IN ('WAITING', 'OFFERED')"),
        ),
        Index("ix_waiting_list_session_status_created", "session_id", "status", "created_at"),
    )

    session_id: Mapped[str] = mapped_column(String(36), ForeignKey("course_sessions.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(36), ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[WaitingListStatus] = mapped_column(str_enum(WaitingListStatus, "waiting_list_status"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booking_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("bookings.id", ondelete="SET NULL"))
