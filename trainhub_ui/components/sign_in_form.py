"""The email-and-password form that staff and students sign in with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from trainhub_ui.components.fields import show_password_button
from trainhub_ui.services.accounts import SignInResult

SignIn = Callable[[str, str], Awaitable[SignInResult]]


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
