"""Signing out by a form post: a link or an image on another site cannot sign anyone out."""

from __future__ import annotations

import json

from nicegui import ui


def post_sign_out(path: str) -> None:
    """Send the browser to `path` by POST, as a form of this page does (with this site's Origin)."""
    ui.run_javascript(
        "const form = document.createElement('form'); form.method = 'post'; "
        f"form.action = {json.dumps(path)}; document.body.appendChild(form); form.submit();"
    )


def sign_out_page(question: str, path: str, back: str) -> None:
    """What a plain visit to a sign-out address shows: the question, and a button that posts."""
    ui.page_title("Sign out")
    with ui.column().classes("w-full min-h-[60vh] items-center justify-center p-4"):
        with ui.card().classes("w-full max-w-md p-6 gap-4"):
            ui.label(question).classes("text-xl font-bold")
            with ui.row().classes("gap-2"):
                ui.button("Sign out", on_click=lambda: post_sign_out(path)).props("unelevated no-caps").mark("sign-out")
                ui.button("Stay signed in", on_click=lambda: ui.navigate.to(back)).props("flat no-caps")
