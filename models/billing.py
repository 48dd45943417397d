"""What money needs beyond payments: the webhook events already handled, company invoices and the credit
notes that reduce them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedMixin, IdMixin, TenantOwned, TimestampsMixin, UTCDateTime


class WebhookEvent(IdMixin, CreatedMixin, Base):
    """A provider's event, recorded in the transaction that acts on it: its id can be acted on once."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),)

    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    # The centre the event was about, when it named one of ours (NULL for events about nothing here).
    tenant_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(200), default="")


def _issue_date(context: Any) -> date:
    return context.get_current_parameters()["issued_on"]


class Invoice(IdMixin, TenantOwned, TimestampsMixin, Base):
    """A company's VAT invoice for a booking, numbered in the centre's own sequence.

    What it shows is kept as it was issued (supplier, customer, line, bank details): an issued invoice is
    never edited. Only what happens to it afterwards changes: `paid_at`, and `credited_amount`, the sum of
    its credit notes.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("net_amount >= 0 AND vat_amount >= 0", name="amounts_nonnegative"),
        CheckConstraint("total_amount = net_amount + vat_amount", name="total_adds_up"),
        CheckConstraint("credited_amount BETWEEN 0 AND total_amount", name="credited_within_total"),
        Index("ix_invoices_tenant_due", "tenant_id", "paid_at", "due_on"),
    )

    booking_id: Mapped[str] = mapped_column(String(36), ForeignKey("bookings.id", ondelete="RESTRICT"), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    billing_email: Mapped[str] = mapped_column(String(320), default="")
    po_number: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str] = mapped_column(String(3))
    net_amount: Mapped[int] = mapped_column(Integer)
    vat_rate_basis_points: Mapped[int | None] = mapped_column(Integer)
    vat_amount: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The date of supply that fixes the VAT: the issue date (unless given), printed as such.
    tax_point: Mapped[date] = mapped_column(Date, default=_issue_date)
    supplier_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    supplier_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    supplier_vat_number: Mapped[str] = mapped_column(String(14), default="", server_default="")
    customer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    billing_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    bank_details: Mapped[str] = mapped_column(Text, default="", server_default="")
    credited_amount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CreditNote(IdMixin, TenantOwned, TimestampsMixin, Base):
    """Part or all of an invoice taken back (a cancellation, a refund), numbered in the centre's own
    sequence of credit notes; the invoice it refers to is never edited."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_credit_notes_tenant_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("net_amount >= 0 AND vat_amount >= 0", name="amounts_nonnegative"),
        CheckConstraint("total_amount > 0", name="total_positive"),
        CheckConstraint("total_amount = net_amount + vat_amount", name="total_adds_up"),
        Index("ix_credit_notes_invoice", "invoice_id"),
    )

    invoice_id: Mapped[str] = mapped_column(String(36), ForeignKey("invoices.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    net_amount: Mapped[int] = mapped_column(Integer)
    vat_rate_basis_points: Mapped[int | None] = mapped_column(Integer)
    vat_amount: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[int] = mapped_column(Integer)
