"""Staff sign-in at /{slug}/admin/login, and signing out of the back office."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import APIRouter, ui

from models import Tenant, utcnow
from trainhub_ui.auth import STAFF_KEY, begin_sign_in, finish_sign_in, safe_next, same_origin, sign_out
from trainhub_ui.client_address import client_address
from trainhub_ui.components.frames import apply_branding, not_found_page
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.components.sign_in_form import sign_in_form
from trainhub_ui.components.sign_out import sign_out_page
from trainhub_ui.db import database
from trainhub_ui.rate_limits import Door
from trainhub_ui.services.accounts import SignInResult, sign_in_staff
from trainhub_ui.services.tenants import find_tenant

router = APIRouter()


async def _tenant(slug: str) -> Tenant | None:
    async with database().read() as session:
        return await find_tenant(session, slug)


@router.page("/{slug}/admin/login")
async def staff_sign_in(slug: str, next: str = "") -> None:
    tenant = await _tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    ui.page_title(f"Staff sign-in · {tenant.name}")
    address = client_address(ui.context.client.request)

    async def check(email: str, password: str) -> SignInResult:
        if message := await wait_message(Door.SIGN_IN, slug):
            return SignInResult(None, message)
        return await sign_in_staff(database(), tenant, email, password, now=utcnow(), address=address)

    def signed_in(user_id: str) -> None:
        ui.navigate.to(begin_sign_in(STAFF_KEY, slug, user_id, safe_next(slug, next, f"/{slug}/admin")))

    with ui.column().classes("w-full min-h-[80vh] items-center justify-center p-4"):
        ui.label(tenant.name).classes("text-lg font-semibold text-primary")
        sign_in_form("Staff sign-in", "Sign in to the back office.", check, signed_in)
        ui.link("Back to the public site", f"/{slug}").classes("text-slate-600")


@router.get("/{slug}/signed-in/{secret}", include_in_schema=False)
async def signed_in(request: Request, slug: str, secret: str) -> RedirectResponse:
    """Where a checked sign-in (staff or student) lands: a new browser id, then on to where it was going."""
    target = await finish_sign_in(request, slug, secret)
    return RedirectResponse(target or f"/{slug}", status_code=303)


@router.post("/{slug}/admin/logout", include_in_schema=False)
async def staff_sign_out(request: Request, slug: str) -> Response:
    if not same_origin(request):
        return PlainTextResponse("Sign out from the back office's own menu.", status_code=403)
    await sign_out(request, STAFF_KEY, slug)
    return RedirectResponse(f"/{slug}/admin/login", status_code=303)


@router.page("/{slug}/admin/logout")
async def staff_sign_out_page(slug: str) -> None:
    """A link to the sign-out address asks first: only the button's post signs out."""
    tenant = await _tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    sign_out_page(f"Sign out of {tenant.name}'s back office?", f"/{slug}/admin/logout", f"/{slug}/admin")
