"""The record that a student's personal data was erased: when, at whose request and why, with nothing
personal in it (the erased student's record itself is kept, anonymous, for the bookings and money that
refer to it)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedMixin, IdMixin, TenantOwned, str_enum


class ErasedBy(enum.StrEnum):
    """Who asked for an erasure: a member of staff (for the student), the student themself, or the
    centre's retention period, by the job that applies it."""

    STAFF = "STAFF"
    STUDENT = "STUDENT"
    RETENTION = "RETENTION"


class Erasure(IdMixin, TenantOwned, CreatedMixin, Base):
    __tablename__ = "erasures"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", name="uq_erasures_tenant_customer"),)

    customer_id: Mapped[str] = mapped_column(String(36), ForeignKey("customers.id", ondelete="RESTRICT"))
    requested_by: Mapped[ErasedBy] = mapped_column(str_enum(ErasedBy, "erased_by"))
    staff_user_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("staff_users.id", ondelete="SET NULL"))
    # Why, in the centre's words, with the student's own name, email and phone taken out of it.
    reason: Mapped[str] = mapped_column(Text, default="")
    # How many records of each kind were anonymised ({"bookings": 3, "emails": 7, ...}).
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
