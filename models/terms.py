"""The centre's terms and privacy notice, one row per published version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TenantOwned, UTCDateTime


class CentreTerms(IdMixin, TenantOwned, Base):
    """One version of what a booking agrees to, with the privacy notice published beside it.

    A version is never edited: a change is a new version (1, 2, 3... per centre), so that what each booking
    accepted (`Booking.terms_version`) can always be shown as it was.
    """

    __tablename__ = "centre_terms"
    __table_args__ = (
        UniqueConstraint("tenant_id", "version", name="uq_centre_terms_tenant_version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    version: Mapped[int] = mapped_column(Integer)
    terms: Mapped[str] = mapped_column(Text)
    privacy_notice: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who published it, as the audit log names them; the id is cleared if the staff user is ever removed.
    published_by: Mapped[str] = mapped_column(String(200))
    published_by_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("staff_users.id", ondelete="SET NULL"))
