"""Who is acting, for which centre, and when: the first argument of every tenant-scoped service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from models import StaffRole, Tenant, utcnow

from .permissions import Permission, role_may


def local_today(tenant: Tenant, now: datetime) -> date:
    """Today's date on the centre's wall calendar."""
    return now.astimezone(ZoneInfo(tenant.timezone)).date()


@dataclass(frozen=True)
class TenantContext:
    tenant: Tenant
    actor: str = "system"
    role: StaffRole | None = None  # None: a student or the public
    user_id: str | None = None
    clock: Callable[[], datetime] = field(default=utcnow)
    # The reception kiosk: no staff member's role, but it may check people in (a student, also role-less,
    # may not).
    at_kiosk: bool = False

    @property
    def tenant_id(self) -> str:
        return self.tenant.id

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today's date on the centre's wall calendar (a due date or a session's day is one of these)."""
        return local_today(self.tenant, self.now())

    def has_role(self, needed: StaffRole) -> bool:
        return self.role is not None and self.role.at_least(needed)

    def may(self, permission: Permission) -> bool:
        """Whether the one acting has `permission` by their role (`domain/permissions.py`)."""
        return role_may(self.role, permission)
