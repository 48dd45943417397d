"""A course's own page at /{slug}/courses/{course_id}: what it is, its price and its dates to book."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from nicegui import APIRouter, ui

from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import public_frame
from trainhub_ui.components.live_places import LivePlaces
from trainhub_ui.domain.formatting import course_duration, money, session_dates

from .loading import load_course

router = APIRouter()


def _facts(facts: list[tuple[str, str]]) -> str:
    """The course's facts with their icons, as one piece of escaped HTML: every open course page is kept on
    the server while it is open, so the page is made of as few elements as it can be."""
    return "".join(
        '<div class="flex items-center gap-2 py-1">'
        f'<i class="q-icon notranslate material-icons text-xl" aria-hidden="true">{icon}</i>'
        f"<span>{escape(text)}</span></div>"
        for icon, text in facts
    )


@router.page("/{slug}/courses/{course_id}")
async def course_page(slug: str, course_id: str) -> None:
    found = await load_course(slug, course_id)
    if found is None:
        return
    ctx, card = found
    tenant = ctx.tenant
    locale = tenant.locale
    course = card.course
    student = await signed_in_student(tenant)
    live = LivePlaces(tenant.id)
    with public_frame(tenant, student, course.title):
        with ui.row().classes("items-center gap-1 text-sm text-slate-600"):
            ui.link("Courses", f"/{slug}/courses").classes("th-link")
            ui.icon("chevron_right")
            ui.label(course.category or "Course")
        ui.label(course.title).classes("text-3xl font-bold text-slate-900")
        if course.summary:
            ui.label(course.summary).classes("text-lg text-slate-600")
        with ui.element("div").classes("grid gap-6 w-full lg:grid-cols-3"):
            with ui.column().classes("lg:col-span-2 gap-4"):
                if course.description:
                    ui.markdown(course.description).classes("text-slate-800")
                if course.requirements:
                    ui.label("Before you book").classes("text-lg font-semibold")
                    ui.markdown(course.requirements).classes("text-slate-800")
            with ui.card().classes("w-full gap-2").props("flat bordered"):
                ui.label(money(course.price, tenant.currency, locale)).classes("text-3xl font-bold text-slate-900")
                ui.label("per person, VAT included" if tenant.vat_rate_basis_points else "per person").classes(
                    "text-slate-600 text-sm"
                )
                facts = [("schedule", course_duration(course))]
                if course.location:
                    facts.append(("place", course.location))
                if course.certificate_validity_months:
                    facts.append(
                        ("workspace_premium", f"Certificate valid {course.certificate_validity_months} months")
                    )
                ui.html(_facts(facts)).classes("text-slate-700")
        ui.label("Dates").classes("text-xl font-semibold text-slate-900 pt-2")
        if not card.sessions:
            ui.label("No dates are scheduled for this course just now.").classes("text-slate-600")
        with ui.column().classes("w-full gap-2"):
            for session_card in card.sessions:
                with ui.card().classes("w-full").props("flat bordered").mark(f"session-{session_card.id}"):
                    with ui.row().classes("w-full items-center justify-between gap-3"):
                        ui.html(
                            f'<div class="font-semibold text-slate-900">{escape(session_dates(session_card, locale))}'
                            f'</div><div class="text-slate-600 text-sm">'
                            f"{escape(session_card.venue or course.location)}</div>"
                        )
                        with ui.row().classes("items-center gap-3"):
                            live.label(session_card.id, session_card.places_left)
                            target = f"/{slug}/courses/{course.id}/book?{urlencode({'session': session_card.id})}"
                            ui.button("Book", on_click=lambda t=target: ui.navigate.to(t)).props(
                                "color=primary no-caps"
                            ).mark(f"book-{session_card.id}")
