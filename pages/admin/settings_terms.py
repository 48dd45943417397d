"""The settings page's Terms tab: the centre's terms and privacy notice, edited and published as a new version
(earlier versions stay as they were), with the history of versions: when, and by whom."""

from __future__ import annotations

from nicegui import ui

from models import CentreTerms
from pages.admin.settings_parts import show_error
from trainhub_ui.components.forms import answer_of
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.services import centre_terms
from trainhub_ui.services.centre_terms import PRIVACY_NOTICE_MAX, TERMS_MAX, TermsDraft, TermsVersion
from trainhub_ui.services.privacy_notice import built_in_privacy_notice

HINT = "At most {limit:,} characters"


async def terms_panel(ctx: TenantContext) -> None:
    tenant = ctx.tenant
    base = f"/{tenant.slug}"
    async with database().read() as session:
        current = await centre_terms.current_terms(session, ctx)
        history = await centre_terms.terms_history(session, ctx)
    state: dict[str, CentreTerms | None] = {"current": current}

    ui.label(
        "Students accept the terms in force when they book online, and each booking keeps the version it "
        "accepted. Publishing a change makes a new version; earlier versions stay as they were, at their own "
        "address."
    ).classes("text-slate-600 max-w-3xl")
    with ui.element("div").classes("grid gap-4 lg:grid-cols-3 w-full items-start"):
        with ui.card().classes("w-full gap-3 lg:col-span-2").props("flat bordered"):
            ui.label("Edit").classes("text-lg font-semibold")
            ui.label(
                "Write in Markdown or plain text: ## starts a heading, - a list item; line breaks are kept."
            ).classes("text-sm text-slate-600")
            terms = ui.textarea("Terms and conditions", value=current.terms if current else "")
            terms.props(f"outlined rows=14 hint='{HINT.format(limit=TERMS_MAX)}'").classes("w-full mb-5")
            terms.mark("terms-text")
            privacy = ui.textarea(
                "Privacy notice", value=current.privacy_notice if current else built_in_privacy_notice(tenant)
            )
            privacy.props(f"outlined rows=14 hint='{HINT.format(limit=PRIVACY_NOTICE_MAX)}'").classes("w-full mb-5")
            privacy.mark("privacy-text")
            if current is None:
                ui.label(
                    "The privacy notice above is the one your site shows until you publish your own: it names "
                    f"{tenant.legal_name or tenant.name} as the controller. Check it says what your centre does."
                ).classes("text-sm text-slate-600")
            with ui.row().classes("w-full items-center gap-3"):
                publish_button = ui.button(on_click=lambda: publish()).props("unelevated color=primary no-caps")
                publish_button.mark("publish-terms")
                ui.label("Bookings made so far keep the version they accepted.").classes("text-sm text-slate-600")
        side = ui.column().classes("w-full gap-4")

    def draw(history: list[TermsVersion]) -> None:
        now_in_force = state["current"]
        publish_button.set_text(f"Publish version {now_in_force.version + 1 if now_in_force else 1}")
        side.clear()
        with side, ui.card().classes("w-full gap-2").props("flat bordered").mark("terms-history"):
            ui.label("Versions").classes("text-lg font-semibold")
            if not history:
                ui.label(
                    "None published yet: checkout shows the built-in privacy notice, and there are no terms to accept."
                ).classes("text-sm text-slate-600").mark("no-terms-yet")
            for item in history:
                with (
                    ui.column()
                    .classes("w-full gap-0 border-t border-slate-200 pt-2")
                    .mark(f"terms-version-{item.version}")
                ):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(f"Version {item.version}").classes("font-semibold text-slate-900")
                        if now_in_force is not None and item.version == now_in_force.version:
                            ui.label("In force").classes(
                                "text-xs font-medium rounded-full px-2 py-0.5 bg-green-50 text-green-800"
                            )
                    ui.label(f"Published {day_and_time(tenant, item.published_at)}").classes("text-sm text-slate-600")
                    ui.label(f"by {item.published_by}").classes("text-sm text-slate-600 break-words")
                    with ui.row().classes("gap-3 text-sm"):
                        ui.link("Terms", f"{base}/terms?version={item.version}", new_tab=True).classes("text-primary")
                        ui.link("Privacy notice", f"{base}/privacy?version={item.version}", new_tab=True).classes(
                            "text-primary"
                        )

    async def publish() -> None:
        show_error(terms, None)
        show_error(privacy, None)
        now_in_force = state["current"]
        try:
            draft = TermsDraft(
                terms=terms.value or "",
                privacy_notice=privacy.value or "",
                based_on_version=now_in_force.version if now_in_force else None,
            )
        except DomainError as error:
            _refused(error)
            return
        next_version = now_in_force.version + 1 if now_in_force else 1
        if not await _confirmed(next_version):
            return
        try:
            published = await centre_terms.publish_terms(database(), ctx, draft)
        except DomainError as error:
            _refused(error)
            return
        state["current"] = published
        terms.value, privacy.value = published.terms, published.privacy_notice  # as stored: trimmed
        async with database().read() as session:
            draw(await centre_terms.terms_history(session, ctx))
        ui.notify(f"Version {published.version} published.", type="positive")

    def _refused(error: DomainError) -> None:
        field = {"terms": terms, "privacyNotice": privacy}.get(error.field or "")
        if field is not None:
            show_error(field, error.message)
            ui.notify("Nothing published: check the field marked in red.", type="warning")
        else:
            ui.notify(error.message, type="negative")

    draw(history)


async def _confirmed(version: int) -> bool:
    with ui.dialog() as dialog, ui.card().classes("max-w-md gap-3").mark("publish-dialog"):
        ui.label(f"Publish version {version}?").classes("text-lg font-semibold")
        ui.label(
            "Students booking from now on accept it. Bookings made so far keep the version they accepted, and "
            "every version stays readable at its own address."
        ).classes("text-slate-700")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Not yet", on_click=lambda: dialog.submit(False)).props("flat no-caps")
            ui.button("Publish", on_click=lambda: dialog.submit(True)).props("unelevated color=primary no-caps").mark(
                "confirm-publish"
            )
    return bool(await answer_of(dialog))
