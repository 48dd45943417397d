"""Student sign-in at /{slug}/login, and signing out."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import APIRouter, ui

from models import utcnow
from trainhub_ui.auth import STUDENT_KEY, begin_sign_in, safe_next, same_origin, sign_out, signed_in_student
from trainhub_ui.client_address import client_address
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.components.sign_in_form import sign_in_form
from trainhub_ui.components.sign_out import sign_out_page
from trainhub_ui.db import database
from trainhub_ui.rate_limits import Door
from trainhub_ui.services.accounts import SignInResult, sign_in_customer

from .loading import load_tenant

router = APIRouter()


@router.page("/{slug}/login")
async def student_sign_in(slug: str, next: str = "") -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    address = client_address(ui.context.client.request)

    async def check(email: str, password: str) -> SignInResult:
        if message := await wait_message(Door.SIGN_IN, slug):
            return SignInResult(None, message)
        return await sign_in_customer(database(), tenant, email, password, now=utcnow(), address=address)

    def signed_in(customer_id: str) -> None:
        ui.navigate.to(begin_sign_in(STUDENT_KEY, slug, customer_id, safe_next(slug, next, f"/{slug}/account")))

    with public_frame(tenant, await signed_in_student(tenant), "Sign in"):
        sign_in_form("Sign in", f"Sign in to your account at {tenant.name}.", check, signed_in)
        with ui.row().classes("w-full justify-center gap-1 text-slate-600"):
            ui.label("New here?")
            ui.link("Create an account", f"/{slug}/signup" + (f"?next={next}" if next else "")).classes("text-primary")


@router.post("/{slug}/logout", include_in_schema=False)
async def student_sign_out(request: Request, slug: str) -> Response:
    if not same_origin(request):
        return PlainTextResponse("Sign out from the site's own menu.", status_code=403)
    await sign_out(request, STUDENT_KEY, slug)
    return RedirectResponse(f"/{slug}", status_code=303)


@router.page("/{slug}/logout")
async def student_sign_out_page(slug: str) -> None:
    """A link to the sign-out address asks first: only the button's post signs out."""
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    with public_frame(tenant, await signed_in_student(tenant), "Sign out"):
        sign_out_page(f"Sign out of your account at {tenant.name}?", f"/{slug}/logout", f"/{slug}/account")
