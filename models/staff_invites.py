"""A one-time link that lets an invited staff member choose their password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedMixin, IdMixin, TenantOwned, UTCDateTime


class StaffInvite(IdMixin, TenantOwned, CreatedMixin, Base):
    """A set-password link for one staff user. Only a SHA-256 hash of the link's secret is stored; the
    link works once, until `expires_at`, and a newer link for the same user replaces it."""

    __tablename__ = "staff_invites"

    staff_user_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
