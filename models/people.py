"""People: students (customers), staff users, API tokens and sign-in throttles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedMixin, IdMixin, TenantOwned, TimestampsMixin, UTCDateTime, str_enum


class StaffRole(enum.StrEnum):
    """Roles in ascending order of power."""

    INSTRUCTOR = "INSTRUCTOR"
    STAFF = "STAFF"
    ADMIN = "ADMIN"
    OWNER = "OWNER"

    @property
    def rank(self) -> int:
        return list(StaffRole).index(self)

    def at_least(self, other: StaffRole) -> bool:
        return self.rank >= other.rank


class Customer(IdMixin, TenantOwned, TimestampsMixin, Base):
    """A student of a centre. The password is optional: a guest booking sets it later."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="uq_customers_tenant_email"),
        Index("ix_customers_tenant_last_name", "tenant_id", "last_name"),
    )

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str] = mapped_column(String(50), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    billing_email: Mapped[str] = mapped_column(String(320), default="")
    po_number: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Kept for the centre's retention period: an account still signed in to is not a past student's.
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the student's personal data is erased (`services/erasure.py`); the row stays, anonymous.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class StaffUser(IdMixin, TenantOwned, TimestampsMixin, Base):
    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_staff_users_tenant_email"),)

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(IdMixin, TenantOwned, CreatedMixin, Base):
    """A bearer token for one centre; only a SHA-256 hash of the secret is stored."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "api_token_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(IdMixin, TenantOwned, Base):
    """Failed sign-ins counted per client address or per email, shared by every server process.

    `kind` is "address" (a delay that grows with each failure), "email" (a lock after many failures) or
    "known" (an address that has signed in to that email before, which the email's lock lets through).
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("tenant_id", "audience", "kind", "key", name="uq_sign_in_throttles_key"),)

    audience: Mapped[str] = mapped_column(String(20))  # "staff" or "customer"
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(400))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
