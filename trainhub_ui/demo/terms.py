"""The demo centres' first version of their terms and privacy notice, written from `terms.md` and `privacy.md`
with each centre's own settings (deposit, balance date, refund days, hold), and accepted by their bookings."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

from sqlalchemy import select

from models import CentreTerms, StaffRole, StaffUser, new_id

from .centres import CentreWriter


def _text(name: str, values: dict[str, object]) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8").format(**values)


async def publish_first_terms(writer: CentreWriter) -> None:
    """Version 1, published by the owner the day after the centre opened. Run after the centre's first flush:
    its settings left to their defaults are filled in by then."""
    tenant = writer.tenant
    owner = await writer.session.scalar(
        select(StaffUser).where(StaffUser.tenant_id == tenant.id, StaffUser.role == StaffRole.OWNER).limit(1)
    )
    assert owner is not None, "a demo centre has an owner"
    values = {
        "name": tenant.name,
        "legal_name": tenant.legal_name or tenant.name,
        "address": ", ".join(line.strip() for line in tenant.address.splitlines() if line.strip()),
        "vat_number": tenant.vat_number,
        "contact_email": tenant.contact_email,
        "contact_phone": tenant.contact_phone,
        "deposit_percent": tenant.deposit_percent,
        "balance_due_days": tenant.balance_due_days,
        "balance_notice_days": tenant.balance_notice_days,
        "full_refund_days": tenant.full_refund_days,
        "hold_minutes": tenant.hold_minutes,
        "owner": owner.name,
    }
    published_at = tenant.created_at + timedelta(days=1)
    terms = CentreTerms(
        id=new_id(),
        tenant_id=tenant.id,
        version=1,
        terms=_text("terms.md", values),
        privacy_notice=_text("privacy.md", values),
        published_at=published_at,
        published_by=f"{owner.name} ({owner.email})",
        published_by_id=owner.id,
    )
    writer.session.add(terms)
    writer.audit(
        published_at, "centre.terms_published", "centre_terms", terms.id, before=None, after=1, changed=["terms"]
    )
    for booking in writer.bookings:
        if booking.created_at >= published_at:
            booking.terms_version = 1
