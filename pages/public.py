"""The centre's public site. The catalogue, course pages and booking wizard are built out by the
public-site work; until then those pages say so."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import Tenant
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import coming_soon, not_found_page, public_frame
from trainhub_ui.db import database
from trainhub_ui.services.tenants import find_tenant, list_tenants

router = APIRouter()


async def load_tenant(slug: str) -> Tenant | None:
    async with database().read() as session:
        return await find_tenant(session, slug)


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
    student = await signed_in_student(tenant)
    with public_frame(tenant, student, "Home"):
        with ui.column().classes("w-full gap-2 py-6"):
            ui.label(f"Welcome to {tenant.name}").classes("text-3xl sm:text-4xl font-bold text-slate-900")
            if tenant.tagline:
                ui.label(tenant.tagline).classes("text-lg text-slate-600")
            if tenant.address:
                with ui.row().classes("items-center gap-1 text-slate-600"):
                    ui.icon("place")
                    ui.label(tenant.address.replace("\n", ", "))
        coming_soon(
            "Online booking",
            "Upcoming sessions, course categories and the booking wizard will appear here. Until then, "
            f"call {tenant.contact_phone or 'the centre'} to book a place.",
        )


def _placeholder(path: str, title: str, details: str) -> None:
    @router.page(path)
    async def page(slug: str, course_id: str | None = None) -> None:
        tenant = await load_tenant(slug)
        if tenant is None:
            not_found_page("There is no training centre at this address.")
            return
        student = await signed_in_student(tenant)
        with public_frame(tenant, student, title):
            ui.label(title).classes("text-2xl font-bold")
            coming_soon(title, details)


_placeholder("/{slug}/courses", "Courses", "The catalogue with filters for category, location and dates.")
_placeholder("/{slug}/courses/{course_id}", "Course details", "The course description and every upcoming session.")
_placeholder("/{slug}/courses/{course_id}/book", "Booking", "The booking wizard: session, your details, payment.")


@router.page("/{slug}/account")
async def account(slug: str) -> RedirectResponse | None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    student = await signed_in_student(tenant)
    if student is None:
        return RedirectResponse(f"/{slug}/login?next=/{slug}/account", status_code=303)
    with public_frame(tenant, student, "My account"):
        ui.label(f"Hello, {student.first_name}").classes("text-2xl font-bold")
        with ui.card().classes("w-full max-w-xl"):
            ui.label("Your details").classes("text-lg font-semibold")
            ui.label(student.full_name)
            ui.label(student.email).classes("text-slate-600")
            if student.phone:
                ui.label(student.phone).classes("text-slate-600")
        coming_soon("Your bookings", "Upcoming and past bookings, balances to pay, invoices and certificates.")
    return None
