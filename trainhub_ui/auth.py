"""Who is signed in, kept in NiceGUI's per-browser user storage, and the role check of admin pages.

Sign-ins are kept per centre: being signed in at one centre says nothing at another, so a staff
user of one centre meets the sign-in page of any other centre's admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import app

from models import Customer, StaffRole, StaffUser, Tenant
from trainhub_ui.db import database
from trainhub_ui.domain.permissions import Permission, role_may
from trainhub_ui.services.accounts import find_customer, find_staff_user
from trainhub_ui.services.tenants import find_tenant

STAFF_KEY = "staff_sign_ins"
STUDENT_KEY = "student_sign_ins"


def _sign_ins(key: str) -> dict[str, str]:
    return dict(app.storage.user.get(key, {}))


def remember_sign_in(key: str, slug: str, account_id: str) -> None:
    sign_ins = _sign_ins(key)
    sign_ins[slug] = account_id
    app.storage.user[key] = sign_ins


def forget_sign_in(key: str, slug: str) -> None:
    sign_ins = _sign_ins(key)
    sign_ins.pop(slug, None)
    app.storage.user[key] = sign_ins


def signed_in_id(key: str, slug: str) -> str | None:
    return _sign_ins(key).get(slug)


def safe_next(slug: str, target: str | None, default: str) -> str:
    """Follow a `next` link only within this centre, never to another site."""
    if target and target.startswith(f"/{slug}/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@dataclass(frozen=True)
class StaffAccess:
    tenant: Tenant
    user: StaffUser

    @property
    def role(self) -> StaffRole:
        return self.user.role


@dataclass(frozen=True)
class Refusal:
    """Why an admin page is not shown: the centre is unknown (404) or the role is too low (403)."""

    tenant: Tenant | None
    status: int
    user: StaffUser | None = None


async def require_role(slug: str, needed: Permission, path: str) -> StaffAccess | Refusal | RedirectResponse:
    """The check every admin page makes before it renders anything.

    Not signed in at this centre: a redirect to its staff sign-in. Signed in with too low a role: a
    refusal. The user is read fresh, so a deactivated account or a changed role counts at once.
    """
    async with database().read() as session:
        tenant = await find_tenant(session, slug)
        if tenant is None:
            return Refusal(None, 404)
        user_id = signed_in_id(STAFF_KEY, slug)
        user = await find_staff_user(session, tenant, user_id) if user_id else None
    if user is None:
        if user_id:
            forget_sign_in(STAFF_KEY, slug)
        return RedirectResponse(f"/{slug}/admin/login?next={quote(path)}", status_code=303)
    if not role_may(user.role, needed):
        return Refusal(tenant, 403, user)
    return StaffAccess(tenant, user)


async def signed_in_student(tenant: Tenant) -> Customer | None:
    customer_id = signed_in_id(STUDENT_KEY, tenant.slug)
    if not customer_id:
        return None
    async with database().read() as session:
        customer = await find_customer(session, tenant, customer_id)
    if customer is None:
        forget_sign_in(STUDENT_KEY, tenant.slug)
    return customer
