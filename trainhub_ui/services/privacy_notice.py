"""The privacy notice a centre has before it publishes its own: the centre named as the controller, with what
the booking system holds about a student, why, who else sees it, for how long, and the student's rights."""

from __future__ import annotations

from functools import cache
from importlib import resources

from models import Tenant


@cache
def _template() -> str:
    return resources.files(__package__).joinpath("privacy_notice.md").read_text(encoding="utf-8")


def built_in_privacy_notice(tenant: Tenant) -> str:
    """The notice in Markdown, in the centre's name."""
    address = ", ".join(line.strip() for line in tenant.address.splitlines() if line.strip())
    ways = [way for way in (tenant.contact_email, tenant.contact_phone) if way]
    return _template().format(
        controller=tenant.legal_name or tenant.name,
        where=f", {address}" if address else "",
        contact=" or ".join(ways) if ways else "the contact details on this site",
    )
