"""Student sign-in at /{slug}/login, and signing out."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import utcnow
from trainhub_ui.auth import STUDENT_KEY, forget_sign_in, remember_sign_in, safe_next, signed_in_student
from trainhub_ui.client_address import client_address
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.sign_in_form import sign_in_form
from trainhub_ui.db import database
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
        return await sign_in_customer(database(), tenant, email, password, now=utcnow(), address=address)

    def signed_in(customer_id: str) -> None:
        remember_sign_in(STUDENT_KEY, slug, customer_id)
        ui.navigate.to(safe_next(slug, next, f"/{slug}/account"))

    with public_frame(tenant, await signed_in_student(tenant), "Sign in"):
        sign_in_form("Sign in", f"Sign in to your account at {tenant.name}.", check, signed_in)
        with ui.row().classes("w-full justify-center gap-1 text-slate-600"):
            ui.label("New here?")
            ui.link("Create an account", f"/{slug}/signup" + (f"?next={next}" if next else "")).classes("text-primary")


@router.page("/{slug}/logout")
async def student_sign_out(slug: str) -> RedirectResponse:
    forget_sign_in(STUDENT_KEY, slug)
    return RedirectResponse(f"/{slug}", status_code=303)
