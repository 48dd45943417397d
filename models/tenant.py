"""A training centre (tenant): everything else belongs to one."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampsMixin


class Tenant(IdMixin, TimestampsMixin, Base):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("deposit_percent BETWEEN 1 AND 100", name="deposit_percent_range"),
        CheckConstraint("hold_minutes BETWEEN 1 AND 1440", name="hold_minutes_range"),
        CheckConstraint("balance_due_days >= 0", name="balance_due_days_nonnegative"),
        CheckConstraint("offer_window_hours >= 1", name="offer_window_positive"),
        CheckConstraint("balance_notice_days BETWEEN 0 AND 365", name="balance_notice_days_range"),
        CheckConstraint("booking_cutoff_hours BETWEEN 0 AND 720", name="booking_cutoff_hours_range"),
        CheckConstraint("full_refund_days >= 0", name="full_refund_days_nonnegative"),
        CheckConstraint("vat_rate_basis_points IS NULL OR vat_rate_basis_points >= 0", name="vat_nonnegative"),
        CheckConstraint("next_invoice_number >= 1", name="invoice_number_positive"),
        CheckConstraint("next_certificate_number >= 1", name="certificate_number_positive"),
        CheckConstraint("next_credit_note_number >= 1", name="credit_note_number_positive"),
        CheckConstraint(
            "retention_months IS NULL OR retention_months BETWEEN 1 AND 240", name="retention_months_range"
        ),
    )

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The registered name a VAT invoice must show when it differs from the trading name (empty: `name`).
    legal_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    tagline: Mapped[str] = mapped_column(String(300), default="")
    brand_colour: Mapped[str] = mapped_column(String(7), default="#1d4ed8")
    logo_path: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # How money and dates are written for this centre (trainhub_ui.domain.formatting.LOCALES).
    locale: Mapped[str] = mapped_column(String(16), default="en_GB", server_default="en_GB")
    deposit_percent: Mapped[int] = mapped_column(Integer, default=30)
    hold_minutes: Mapped[int] = mapped_column(Integer, default=15)
    balance_due_days: Mapped[int] = mapped_column(Integer, default=14)
    # A deposit is offered only while its balance falls due at least this many days from today.
    balance_notice_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # Bookings close this many hours before a session starts (0: until it starts).
    booking_cutoff_hours: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    offer_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    full_refund_days: Mapped[int] = mapped_column(Integer, default=14)
    offers_full_payment: Mapped[bool] = mapped_column(Boolean, default=True)
    offers_deposit: Mapped[bool] = mapped_column(Boolean, default=True)
    offers_invoice: Mapped[bool] = mapped_column(Boolean, default=True)
    vat_rate_basis_points: Mapped[int | None] = mapped_column(Integer)
    bank_details: Mapped[str] = mapped_column(Text, default="")
    # The UK VAT registration number (GB and 9 or 12 digits) printed on every invoice and credit note.
    vat_number: Mapped[str] = mapped_column(String(14), default="", server_default="")
    email_sender: Mapped[str] = mapped_column(String(320), default="")
    next_invoice_number: Mapped[int] = mapped_column(Integer, default=1)
    next_certificate_number: Mapped[int] = mapped_column(Integer, default=1)
    next_credit_note_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Past students with nothing outstanding are anonymised this many months after their last activity
    # (`services/retention.py`); NULL keeps their data until they ask.
    retention_months: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
