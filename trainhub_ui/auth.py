"""Who is signed in, kept in NiceGUI's per-browser user storage, and the role check of admin pages.

Sign-ins are kept per centre: being signed in at one centre says nothing at another, so a staff
user of one centre meets the sign-in page of any other centre's admin.

NiceGUI finds a browser's user storage by the id in its signed session cookie. A sign-in or sign-out
gives the browser a new id, so a cookie someone planted or copied before no longer finds a signed-in
storage. A password is checked over the page's websocket, which cannot set a cookie; the sign-in is
therefore handed to the browser's next HTTP request through a one-time secret (`begin_sign_in`, then
`finish_sign_in`), and only that request, with the secret, makes the new id.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi.responses import RedirectResponse
from nicegui import app
from starlette.requests import Request

from models import Customer, StaffRole, StaffUser, Tenant
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.permissions import Permission, role_may
from trainhub_ui.services.accounts import find_customer, find_staff_user
from trainhub_ui.services.tenants import find_tenant

STAFF_KEY = "staff_sign_ins"
STUDENT_KEY = "student_sign_ins"
PENDING_KEY = "sign_in_pending"
# Long enough for the browser to follow the page's navigation, short enough that a secret seen later is dead.
PENDING_SECONDS = 60


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


def begin_sign_in(key: str, slug: str, account_id: str, next_path: str) -> str:
    """Keep a checked sign-in waiting for the browser; answers the address that completes it."""
    secret = secrets.token_urlsafe(32)
    now = time.time()
    # Several at once: two tabs may sign in to two centres in the same moment.
    pending = {
        waiting_secret: waiting
        for waiting_secret, waiting in dict(app.storage.user.get(PENDING_KEY, {})).items()
        if float(waiting.get("expires", 0)) >= now
    }
    pending[secret] = {
        "key": key,
        "slug": slug,
        "account": account_id,
        "next": next_path,
        "expires": now + PENDING_SECONDS,
    }
    app.storage.user[PENDING_KEY] = pending
    return f"/{slug}/signed-in/{secret}"


async def finish_sign_in(request: Request, slug: str, secret: str) -> str | None:
    """Sign in the account waiting under this secret, on a new browser id; answers where to go next.

    None when the secret is wrong, used or stale (nothing is signed in then)."""
    waiting = dict(app.storage.user.get(PENDING_KEY, {}))
    # Compared in constant time, so how long a wrong guess takes says nothing of the secrets.
    used = next((known for known in waiting if secrets.compare_digest(known.encode(), secret.encode())), None)
    pending = waiting.pop(used, None) if used else None
    if pending is None or pending.get("slug") != slug or float(pending.get("expires", 0)) < time.time():
        return None
    app.storage.user[PENDING_KEY] = waiting  # another tab's sign-in still waiting goes on with the new id
    await _new_browser_id(request)
    remember_sign_in(str(pending["key"]), slug, str(pending["account"]))
    return str(pending["next"])


async def sign_out(request: Request, key: str, slug: str) -> None:
    """End the sign-in at this centre and give the browser a new id (other centres' sign-ins stay)."""
    forget_sign_in(key, slug)
    await _new_browser_id(request)


async def _new_browser_id(request: Request) -> None:
    """Move what this browser keeps to a new id and leave the old id's storage empty."""
    kept: dict[str, Any] = dict(app.storage.user)
    app.storage.user.clear()
    request.session["id"] = str(uuid.uuid4())
    # NiceGUI makes a browser's storage only as a request begins; this request needs the new one now.
    await app.storage._create_user_storage(request.session["id"])
    app.storage.user.update(kept)


def same_origin(request: Request) -> bool:
    """Whether a form post comes from a page of this site (its Origin, or failing that its Referer).

    SameSite=Lax already keeps the cookie off other sites' posts; this refuses them even without it."""
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if not source or source == "null":
        return False
    ours = {request.headers.get("host", ""), urlsplit(get_settings().base_url).netloc} - {""}
    return urlsplit(source).netloc in ours


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
    if customer is None or customer.erased_at is not None:  # erased: signed out in every browser
        forget_sign_in(STUDENT_KEY, tenant.slug)
        return None
    return customer
