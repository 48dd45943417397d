"""People: students (customers), staff users, API tokens and sign-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Index, String, UniqueConstraint
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


class SignInAttempt(IdMixin, TenantOwned, CreatedMixin, Base):
    """One try to sign in, kept to lock an email out after repeated failures."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_lookup", "tenant_id", "audience", "email", "created_at"),)

    audience: Mapped[str] = mapped_column(String(20))  # "staff" or "customer"
    email: Mapped[str] = mapped_column(String(320))
    succeeded: Mapped[bool] = mapped_column(Boolean)
