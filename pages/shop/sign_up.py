"""Creating a student account at /{slug}/signup."""

from __future__ import annotations

from nicegui import APIRouter, ui

from trainhub_ui.auth import STUDENT_KEY, begin_sign_in, safe_next, signed_in_student
from trainhub_ui.components.fields import show_password_button
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.db import database
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.rate_limits import Door
from trainhub_ui.services.accounts import sign_up_customer

from .loading import load_tenant

router = APIRouter()


@router.page("/{slug}/signup")
async def student_sign_up(slug: str, next: str = "") -> None:
    tenant = await load_tenant(slug)
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
                if message := await wait_message(Door.SIGN_UP, slug):
                    email.error = message
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
                target = safe_next(slug, next, f"/{slug}/account")
                ui.navigate.to(begin_sign_in(STUDENT_KEY, slug, customer.id, target))

            repeat.on("keydown.enter", submit)
            ui.button("Create account", on_click=submit).classes("w-full").mark("create-account").props(
                "unelevated size=lg no-caps"
            )
            with ui.row().classes("w-full justify-center gap-1 text-slate-600"):
                ui.label("Already have an account?")
                ui.link("Sign in", f"/{slug}/login").classes("text-primary")
