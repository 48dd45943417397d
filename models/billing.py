"""What money needs beyond payments: the webhook events already handled, and company invoices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
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


class Invoice(IdMixin, TenantOwned, TimestampsMixin, Base):
    """A company's invoice for a booking, numbered in the centre's own sequence."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("net_amount >= 0 AND vat_amount >= 0", name="amounts_nonnegative"),
        CheckConstraint("total_amount = net_amount + vat_amount", name="total_adds_up"),
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
