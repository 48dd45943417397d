"""The centre's terms at /{slug}/terms and its privacy notice at /{slug}/privacy: the version in force, or an
earlier one with `?version=N` (what a booking accepted then), with links to every version published."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from nicegui import APIRouter, ui
from sqlalchemy.ext.asyncio import AsyncSession

from models import CentreTerms, Tenant
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.written_text import written_text
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.domain.formatting import day_and_time
from trainhub_ui.services import centre_terms
from trainhub_ui.services.centre_terms import TermsVersion

from .loading import load_tenant

router = APIRouter()
T = TypeVar("T")

# No centre publishes this many versions; a longer number is not one of theirs.
MOST_DIGITS = 6


def _version_asked(version: str) -> int | None:
    """The version in the address, None for the one in force; NotFound when it cannot be a version."""
    if not version:
        return None
    if not (version.isascii() and version.isdigit()) or len(version) > MOST_DIGITS or int(version) < 1:
        raise NotFound("Version")
    return int(version)


def _document(
    tenant: Tenant,
    path: str,
    title: str,
    text: str,
    version: int | None,
    published_at: datetime | None,
    history: list[TermsVersion],
    other: tuple[str, str],
) -> None:
    """One version of a document, with which version it is, the others, and a link to its companion."""
    in_force = history[0].version if history else None
    base = f"/{tenant.slug}"
    with ui.card().classes("w-full max-w-3xl mx-auto p-4 sm:p-8 gap-3").props("flat bordered").mark("document"):
        ui.label(title).classes("text-2xl sm:text-3xl font-bold text-slate-900")
        if version is not None and published_at is not None:
            ui.label(f"Version {version}, published {day_and_time(tenant, published_at)}").classes(
                "text-sm text-slate-600"
            ).mark("document-version")
        if version is not None and in_force is not None and version != in_force:
            with ui.row().classes("w-full items-center gap-2 bg-amber-50 text-amber-900 rounded p-3 no-wrap"):
                ui.icon("history")
                with ui.row().classes("gap-1 items-baseline"):
                    ui.label(f"This is an earlier version. Version {in_force} is in force:").mark("earlier-version")
                    ui.link("read it", f"{base}{path}").classes("text-amber-900 font-medium")
        written_text(text).mark("document-text")
        if len(history) > 1:
            with ui.row().classes(
                "w-full items-baseline gap-x-3 gap-y-1 text-sm text-slate-600 border-t border-slate-200 pt-3"
            ):
                ui.label("Versions:")
                for item in history:
                    label = f"{item.version}" + (" (in force)" if item.version == in_force else "")
                    if item.version == version:
                        ui.label(label).classes("font-semibold text-slate-900")
                    else:
                        ui.link(label, f"{base}{path}?version={item.version}").classes("text-primary")
        companion, companion_path = other
        ui.link(companion, f"{base}{companion_path}").classes("text-primary text-sm").mark("companion-link")


async def _published(
    slug: str, version: str, what: str, read: Callable[[AsyncSession, TenantContext, int | None], Awaitable[T]]
) -> tuple[Tenant, int | None, list[TermsVersion], T] | None:
    """The centre, the version asked for (None: the one in force), every version, and what `read` found of
    it; None after showing the 404 page for an unknown centre or a version it never published."""
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    ctx = TenantContext(tenant=tenant, actor="public")
    try:
        asked = _version_asked(version)
        async with database().read() as session:
            history = await centre_terms.terms_history(session, ctx)
            return tenant, asked, history, await read(session, ctx, asked)
    except NotFound:
        not_found_page(f"{tenant.name} has published no such version of its {what}.")
        return None


async def _terms_if_any(session: AsyncSession, ctx: TenantContext, asked: int | None) -> CentreTerms | None:
    # Nothing published and nothing asked for: the page says so rather than answering 404.
    if asked is None and await centre_terms.current_version(session, ctx) is None:
        return None
    return await centre_terms.terms_of_version(session, ctx, asked)


@router.page("/{slug}/terms")
async def terms_page(slug: str, version: str = "") -> None:
    found = await _published(slug, version, "terms", _terms_if_any)
    if found is None:
        return
    tenant, asked, history, shown = found
    student = await signed_in_student(tenant)
    with public_frame(tenant, student, "Terms and conditions"):
        if shown is None:
            with ui.card().classes("w-full max-w-3xl mx-auto p-4 sm:p-8 gap-3").props("flat bordered"):
                ui.label("Terms and conditions").classes("text-2xl sm:text-3xl font-bold text-slate-900")
                contact = tenant.contact_email or tenant.contact_phone
                ui.label(
                    f"{tenant.name} has not published its terms on this site yet."
                    + (f" Ask the centre about them: {contact}." if contact else "")
                ).classes("text-slate-700").mark("no-terms")
                ui.link("Privacy notice", f"/{slug}/privacy").classes("text-primary text-sm")
            return
        _document(
            tenant,
            "/terms",
            "Terms and conditions",
            shown.terms,
            shown.version,
            shown.published_at,
            history,
            ("Privacy notice", "/privacy" + (f"?version={shown.version}" if asked else "")),
        )


@router.page("/{slug}/privacy")
async def privacy_page(slug: str, version: str = "") -> None:
    found = await _published(slug, version, "privacy notice", centre_terms.privacy_notice)
    if found is None:
        return
    tenant, asked, history, notice = found
    student = await signed_in_student(tenant)
    with public_frame(tenant, student, "Privacy notice"):
        _document(
            tenant,
            "/privacy",
            "Privacy notice",
            notice.text,
            notice.version,
            notice.published_at,
            history,
            ("Terms and conditions", "/terms" + (f"?version={notice.version}" if asked else "")),
        )
