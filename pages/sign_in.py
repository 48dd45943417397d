"""Sign-in and sign-up: staff at /{slug}/admin/login, students at /{slug}/login and /{slug}/signup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import Tenant, utcnow
from trainhub_ui.auth import (
    STAFF_KEY,
    STUDENT_KEY,
    forget_sign_in,
    remember_sign_in,
    safe_next,
    signed_in_student,
)
from trainhub_ui.components.fields import show_password_button
from trainhub_ui.components.frames import apply_branding, not_found_page, public_frame
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.services.accounts import SignInResult, sign_in_customer, sign_in_staff, sign_up_customer
from trainhub_ui.services.tenants import find_tenant

router = APIRouter()

SignIn = Callable[[str, str], Awaitable[SignInResult]]


async def _tenant(slug: str) -> Tenant | None:
    async with database().read() as session:
        return await find_tenant(session, slug)


def sign_in_form(heading: str, intro: str, on_sign_in: SignIn, on_success: Callable[[str], None]) -> None:
    """Email and password with one message for every failure (it never says which part was wrong)."""
    with ui.card().classes("w-full max-w-md p-6 gap-4 mx-auto"):
        ui.label(heading).classes("text-2xl font-bold")
        ui.label(intro).classes("text-slate-600")
        problem = ui.label("").classes("w-full rounded bg-red-50 text-red-800 p-3").props("role=alert")
        problem.set_visibility(False)
        email = ui.input("Email").props("type=email autocomplete=username outlined").classes("w-full").mark("email")
        password = ui.input("Password", password=True).props("autocomplete=current-password outlined")
        password.classes("w-full").mark("password")
        show_password_button(password)

        async def submit() -> None:
            problem.set_visibility(False)
            email.error = None if email.value.strip() else "Enter your email address."
            password.error = None if password.value else "Enter your password."
            if email.error or password.error:
                return
            button.disable()
            try:
                result = await on_sign_in(email.value, password.value)
            finally:
                button.enable()
            if result.ok and result.account is not None:
                on_success(result.account.id)
                return
            problem.set_text(result.message or "")
            problem.set_visibility(True)
            password.value = ""

        email.on("keydown.enter", submit)
        password.on("keydown.enter", submit)
        button = (
            ui.button("Sign in", on_click=submit).classes("w-full").mark("sign-in").props("unelevated size=lg no-caps")
        )


@router.page("/{slug}/admin/login")
async def staff_sign_in(slug: str, next: str = "") -> None:
    tenant = await _tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    apply_branding(tenant)
    ui.page_title(f"Staff sign-in · {tenant.name}")

    async def check(email: str, password: str) -> SignInResult:
        return await sign_in_staff(database(), tenant, email, password, now=utcnow())

    def signed_in(user_id: str) -> None:
        remember_sign_in(STAFF_KEY, slug, user_id)
        ui.navigate.to(safe_next(slug, next, f"/{slug}/admin"))

    with ui.column().classes("w-full min-h-[80vh] items-center justify-center p-4"):
        ui.label(tenant.name).classes("text-lg font-semibold text-primary")
        sign_in_form("Staff sign-in", "Sign in to the back office.", check, signed_in)
        ui.link("Back to the public site", f"/{slug}").classes("text-slate-600")


@router.page("/{slug}/admin/logout")
async def staff_sign_out(slug: str) -> RedirectResponse:
    forget_sign_in(STAFF_KEY, slug)
    return RedirectResponse(f"/{slug}/admin/login", status_code=303)


@router.page("/{slug}/login")
async def student_sign_in(slug: str, next: str = "") -> None:
    tenant = await _tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return

    async def check(email: str, password: str) -> SignInResult:
        return await sign_in_customer(database(), tenant, email, password, now=utcnow())

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


@router.page("/{slug}/signup")
async def student_sign_up(slug: str, next: str = "") -> None:
    tenant = await _tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    with public_frame(tenant, await signed_in_student(tenant), "Create an account"):
        with ui.card().classes("w-full max-w-md p-6 gap-3 mx-auto"):
            ui.label("Create an account").classes("text-2xl font-bold")
            ui.label("Book courses, pay balances and download certificates.").classes("text-slate-600")
            with ui.row().classes("w-full gap-3 no-wrap"):
                first_name = (
                    ui.input("First name")
                    .props("autocomplete=given-name outlined")
                    .classes("flex-1")
                    .mark("first-name")
                )
                last_name = (
                    ui.input("Last name").props("autocomplete=family-name outlined").classes("flex-1").mark("last-name")
                )
            email = ui.input("Email").props("type=email autocomplete=email outlined").classes("w-full").mark("email")
            phone = (
                ui.input("Phone (optional)").props("type=tel autocomplete=tel outlined").classes("w-full").mark("phone")
            )
            password = ui.input("Password", password=True).props(
                "autocomplete=new-password outlined hint='At least 8 characters'"
            )
            password.classes("w-full").mark("password")
            show_password_button(password)
            repeat = ui.input("Repeat password", password=True).props("autocomplete=new-password outlined")
            repeat.classes("w-full").mark("repeat-password")
            fields = {"firstName": first_name, "lastName": last_name, "email": email, "password": password}

            async def submit() -> None:
                for field in (*fields.values(), repeat):
                    field.error = None
                if password.value != repeat.value:
                    repeat.error = "The two passwords differ."
                    return
                try:
                    async with database().transaction() as session:
                        customer = await sign_up_customer(
                            session,
                            tenant,
                            first_name=first_name.value,
                            last_name=last_name.value,
                            email=email.value,
                            password=password.value,
                            phone=phone.value,
                        )
                except DomainError as error:
                    fields.get(error.field or "email", email).error = error.message
                    return
                remember_sign_in(STUDENT_KEY, slug, customer.id)
                ui.navigate.to(safe_next(slug, next, f"/{slug}/account"))

            repeat.on("keydown.enter", submit)
            ui.button("Create account", on_click=submit).classes("w-full").mark("create-account").props(
                "unelevated size=lg no-caps"
            )
            with ui.row().classes("w-full justify-center gap-1 text-slate-600"):
                ui.label("Already have an account?")
                ui.link("Sign in", f"/{slug}/login").classes("text-primary")
