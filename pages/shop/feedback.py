"""The feedback form at /{slug}/feedback/{booking_id}/{token}, the link a student is sent after a session."""

from __future__ import annotations

from nicegui import APIRouter, ui

from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.services.feedback import feedback_form, give_feedback

from .loading import load_tenant

router = APIRouter()


@router.page("/{slug}/feedback/{booking_id}/{token}")
async def feedback_page(slug: str, booking_id: str, token: str) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    ctx = TenantContext(tenant=tenant, actor="Student (feedback link)")
    try:
        async with database().read() as session:
            form = await feedback_form(session, ctx, booking_id, token)
    except NotFound:
        not_found_page("This feedback link is not valid.")
        return
    with public_frame(tenant, await signed_in_student(tenant), "Your feedback"):
        with ui.card().classes("w-full max-w-xl mx-auto p-6 gap-3") as card:
            ui.label(f"How was {form.course}?").classes("text-2xl font-bold")
            if form.answered is not None:
                ui.label("Thank you: your feedback is in.").classes("text-emerald-800 font-semibold").mark("thanks")
                return
            ui.label(f"Thank you for coming, {form.first_name}. It takes a minute.").classes("text-slate-600")
            ui.label("Your rating").classes("font-semibold").props('id="rating-label"')
            rating = ui.rating(value=0, max=5, size="2.5em", icon="star_border", icon_selected="star").mark("rating")
            rating.props('aria-labelledby="rating-label"')
            rating_problem = ui.label("").classes("text-red-700 text-sm").mark("rating-problem")
            went_well = ui.textarea("What went well? (optional)").props("outlined autogrow").classes("w-full")
            went_well.mark("went-well")
            to_improve = ui.textarea("What could we do better? (optional)").props("outlined autogrow")
            to_improve.classes("w-full").mark("to-improve")
            fields = {"wentWell": went_well, "toImprove": to_improve}

            async def send() -> None:
                rating_problem.set_text("")
                for field in fields.values():
                    field.error = None
                try:
                    async with database().transaction() as session:
                        await give_feedback(
                            session,
                            ctx,
                            booking_id,
                            token,
                            rating=int(rating.value or 0),
                            went_well=went_well.value or "",
                            to_improve=to_improve.value or "",
                        )
                except DomainError as error:
                    if error.field in fields:
                        fields[error.field].error = error.message
                    elif error.code == "feedback_given":
                        card.clear()
                        with card:
                            ui.label(error.message).classes("text-emerald-800 font-semibold").mark("thanks")
                    else:
                        rating_problem.set_text(error.message)
                    return
                card.clear()
                with card:
                    ui.label("Thank you!").classes("text-2xl font-bold")
                    ui.label(f"Your feedback helps {tenant.name} make its courses better.").mark("thanks")

            ui.button("Send feedback", on_click=send).props("unelevated color=primary no-caps").mark("send-feedback")
