"""TrainHub's front page with the centres it hosts, and a centre's home: its categories and the soonest
sessions, places left kept live."""

from __future__ import annotations

from urllib.parse import urlencode

from nicegui import APIRouter, ui

from models import Course, Tenant
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.live_places import LivePlaces
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import money, session_dates
from trainhub_ui.services import storefront
from trainhub_ui.services.storefront import SessionCard
from trainhub_ui.services.tenants import list_tenants

from .loading import load_tenant

router = APIRouter()


@router.page("/")
async def directory() -> None:
    """TrainHub's own front page: the centres it hosts."""
    async with database().read() as session:
        tenants = await list_tenants(session)
    ui.page_title("TrainHub · training centres")
    ui.add_head_html("<style>body { background: #f8fafc; }</style>")
    with ui.column().classes("w-full max-w-4xl mx-auto p-6 gap-6"):
        with ui.column().classes("gap-1"):
            ui.label("TrainHub").classes("text-4xl font-bold text-slate-900")
            ui.label("Book courses at your training centre.").classes("text-lg text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 w-full"):
            for tenant in tenants:
                with ui.link(target=f"/{tenant.slug}").classes("th-link no-underline"):
                    with (
                        ui.card()
                        .classes("w-full hover:shadow-lg transition-shadow")
                        .style(f"border-top: 4px solid {tenant.brand_colour}")
                    ):
                        ui.label(tenant.name).classes("text-xl font-semibold text-slate-900")
                        if tenant.tagline:
                            ui.label(tenant.tagline).classes("text-slate-600")
        if not tenants:
            ui.label("No centres yet. An operator adds one with `trainhub tenant create`.").classes("text-slate-600")


@router.page("/{slug}")
async def centre_home(slug: str) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    ctx = TenantContext(tenant=tenant)
    async with database().read() as session:
        soonest = await storefront.upcoming(session, ctx, limit=6)
        groups = await storefront.categories(session, ctx)
    student = await signed_in_student(tenant)
    live = LivePlaces(tenant.id)
    with public_frame(tenant, student, "Home"):
        with ui.column().classes("w-full gap-2 py-4"):
            ui.label(f"Welcome to {tenant.name}").classes("text-3xl sm:text-4xl font-bold text-slate-900")
            if tenant.tagline:
                ui.label(tenant.tagline).classes("text-lg text-slate-600")
            if tenant.address:
                with ui.row().classes("items-center gap-1 text-slate-600"):
                    ui.icon("place")
                    ui.label(tenant.address.replace("\n", ", "))
            with ui.row().classes("gap-2 pt-2"):
                ui.button("Browse all courses", on_click=lambda: ui.navigate.to(f"/{slug}/courses")).props(
                    "color=primary no-caps"
                )
        if groups:
            ui.label("Course categories").classes("text-xl font-semibold text-slate-900")
            with ui.row().classes("gap-2 flex-wrap"):
                for name, count in groups:
                    with ui.link(target=f"/{slug}/courses?{urlencode({'category': name})}").classes("th-link"):
                        ui.chip(f"{name} · {count}", icon="school").props("outline color=primary")
        ui.label("Upcoming sessions").classes("text-xl font-semibold text-slate-900 pt-2")
        if not soonest:
            ui.label("No sessions are scheduled just now. Please check back soon.").classes("text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-3 w-full"):
            for course, card in soonest:
                _session_card(tenant, course, card, live)


def _session_card(tenant: Tenant, course: Course, card: SessionCard, live: LivePlaces) -> None:
    locale = tenant.locale
    with ui.link(target=f"/{tenant.slug}/courses/{course.id}").classes("th-link"):
        with ui.card().classes("w-full h-full hover:shadow-lg transition-shadow gap-1"):
            ui.label(course.category or "Course").classes("text-xs uppercase tracking-wide text-primary")
            ui.label(course.title).classes("text-lg font-semibold text-slate-900 leading-snug")
            ui.label(session_dates(card, locale)).classes("text-slate-700")
            if card.venue or course.location:
                ui.label(card.venue or course.location).classes("text-slate-500 text-sm")
            with ui.row().classes("w-full justify-between items-center pt-2"):
                ui.label(money(course.price, tenant.currency, locale)).classes("text-lg font-bold text-slate-900")
                live.label(card.id, card.places_left)
