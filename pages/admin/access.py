"""Who may open a back-office page, and the context a staff member acts in."""

from __future__ import annotations

from fastapi.responses import RedirectResponse

from models import StaffRole
from trainhub_ui.auth import StaffAccess, require_role
from trainhub_ui.components.frames import not_found_page, refused_page
from trainhub_ui.domain.context import TenantContext


async def admin_access(slug: str, needed: StaffRole, path: str) -> StaffAccess | RedirectResponse | None:
    """The signed-in staff member if their role reaches `needed`; otherwise the page is already answered
    (a redirect to sign in is returned, or a not-found / not-allowed page has been rendered)."""
    access = await require_role(slug, needed, path)
    if isinstance(access, StaffAccess | RedirectResponse):
        return access
    if access.tenant is None or access.user is None:
        not_found_page("There is no training centre at this address.")
    else:
        refused_page(access.tenant, access.user)
    return None


def staff_context(access: StaffAccess) -> TenantContext:
    """The context a signed-in staff member acts in: their centre, name, role and id."""
    user = access.user
    return TenantContext(tenant=access.tenant, actor=user.name, role=user.role, user_id=user.id)
