"""The centre's catalogue at /{slug}/courses: search and filters kept in the address, a page of course
cards at a time, places left kept live."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import Request
from nicegui import APIRouter, ui

from models import Tenant
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.live_places import LivePlaces
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import course_duration, day_text, money
from trainhub_ui.services import storefront
from trainhub_ui.services.storefront import CATALOGUE_PAGE, CatalogFilters, CourseCard

from .loading import load_tenant

router = APIRouter()


def _filters_from(query: dict[str, str]) -> tuple[CatalogFilters, dict[str, str]]:
    """The catalogue's filters from the URL query; a value that cannot be read is reported by field."""
    problems: dict[str, str] = {}

    def day(name: str) -> date | None:
        value = query.get(name, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems[name] = "Give a date as YYYY-MM-DD."
            return None

    filters = CatalogFilters(
        category=query.get("category", ""),
        location=query.get("location", ""),
        starts_from=day("from"),
        starts_to=day("to"),
        with_places=query.get("places", "") in {"1", "true", "yes"},
        text=query.get("q", ""),
    )
    return filters, problems


@router.page("/{slug}/courses")
async def catalog(slug: str, request: Request) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    ctx = TenantContext(tenant=tenant)
    # A NUL cannot be stored or searched for; it is dropped from what the address asks.
    query = {name: value.replace("\x00", "") for name, value in request.query_params.items()}
    filters, problems = _filters_from(query)
    page_number = int(query["page"]) if query.get("page", "").isdigit() and 0 < int(query["page"]) < 10_000 else 1
    async with database().read() as session:
        groups = await storefront.categories(session, ctx)
        places = await storefront.locations(session, ctx)
        try:
            cards, total = await storefront.browse(
                session, ctx, filters, limit=CATALOGUE_PAGE, offset=(page_number - 1) * CATALOGUE_PAGE
            )
        except InvalidInput as error:
            problems[error.field or "q"] = error.message
            cards, total = [], 0
    student = await signed_in_student(tenant)
    live = LivePlaces(tenant.id)

    def apply(**changes: object) -> None:
        # A new filter starts from the first page; turning a page keeps the filters.
        chosen = {**query, "page": "", **{k: "" if v is None else str(v) for k, v in changes.items()}}
        kept = {k: v for k, v in chosen.items() if v and k in FILTER_NAMES}
        ui.navigate.to(f"/{slug}/courses" + (f"?{urlencode(kept)}" if kept else ""))

    with public_frame(tenant, student, "Courses"):
        ui.label("Courses").classes("text-3xl font-bold text-slate-900")
        with ui.card().classes("w-full").props("flat bordered"):
            with ui.element("div").classes("grid gap-3 w-full sm:grid-cols-2 lg:grid-cols-3"):
                search = ui.input("Search courses", value=filters.text).props("outlined dense clearable")
                search.props(f'error-message="{problems.get("q", "")}"' if "q" in problems else "")
                search.on("keydown.enter", lambda: apply(q=search.value))
                search.on("clear", lambda: apply(q=""))
                search.mark("filter-q")
                ui.select(
                    {"": "All categories", **{name: name for name, _ in groups}},
                    label="Category",
                    value=filters.category if filters.category in {n for n, _ in groups} else "",
                    on_change=lambda e: apply(category=e.value),
                ).props("outlined dense").mark("filter-category")
                ui.select(
                    {"": "All locations", **{place: place for place in places}},
                    label="Location",
                    value=filters.location if filters.location in places else "",
                    on_change=lambda e: apply(location=e.value),
                ).props("outlined dense").mark("filter-location")
                starts = ui.input("From", value=query.get("from", "")).props("outlined dense type=date")
                starts.on("change", lambda: apply(**{"from": starts.value}))
                starts.mark("filter-from")
                ends = ui.input("To", value=query.get("to", "")).props("outlined dense type=date")
                ends.on("change", lambda: apply(to=ends.value))
                ends.mark("filter-to")
                ui.checkbox(
                    "Only sessions with places",
                    value=filters.with_places,
                    on_change=lambda e: apply(places="1" if e.value else ""),
                ).mark("filter-places")
            for name, message in problems.items():
                ui.label(f"{FILTER_LABELS.get(name, name)}: {message}").classes("text-red-700").mark(f"problem-{name}")
            if any(query.get(name) for name in FILTER_NAMES):
                ui.link("Clear all filters", f"/{slug}/courses").mark("clear-filters")
        ui.label(f"{total} course{'s' if total != 1 else ''}").classes("text-slate-600").mark("result-count")
        if not cards:
            ui.label("No course matches these filters.").classes("text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-3 w-full"):
            for card in cards:
                _course_card(tenant, card, live)
        pages = max((total + CATALOGUE_PAGE - 1) // CATALOGUE_PAGE, 1)
        if pages > 1:
            with ui.row().classes("w-full justify-center items-center gap-4"):
                if page_number > 1:
                    ui.button("Previous", on_click=lambda: apply(page=page_number - 1)).props("flat no-caps")
                ui.label(f"Page {page_number} of {pages}").classes("text-slate-600").mark("page-of")
                if page_number < pages:
                    ui.button("Next", on_click=lambda: apply(page=page_number + 1)).props("flat no-caps").mark(
                        "next-page"
                    )


FILTER_NAMES = ("q", "category", "location", "from", "to", "places", "page")
FILTER_LABELS = {"q": "Search", "from": "From", "to": "To", "category": "Category", "location": "Location"}


def _course_card(tenant: Tenant, card: CourseCard, live: LivePlaces) -> None:
    locale = tenant.locale
    course = card.course
    with ui.link(target=f"/{tenant.slug}/courses/{course.id}").classes("th-link").mark(f"course-{course.id}"):
        with ui.card().classes("w-full h-full hover:shadow-lg transition-shadow gap-1"):
            ui.label(course.category or "Course").classes("text-xs uppercase tracking-wide text-primary")
            ui.label(course.title).classes("text-lg font-semibold text-slate-900 leading-snug")
            if course.summary:
                ui.label(course.summary).classes("text-slate-600 text-sm")
            ui.label(course_duration(course)).classes("text-slate-500 text-sm")
            with ui.row().classes("w-full justify-between items-end pt-2"):
                ui.label(money(course.price, tenant.currency, locale)).classes("text-lg font-bold text-slate-900")
                if card.next_session is None:
                    ui.label("No dates yet").classes("text-slate-500 text-sm")
                else:
                    with ui.column().classes("items-end gap-0"):
                        ui.label(f"Next: {day_text(card.next_session.start_date, tenant.locale, 'date')}").classes(
                            "text-sm text-slate-700"
                        )
                        live.label(card.next_session.id, card.next_session.places_left).classes("text-sm")
