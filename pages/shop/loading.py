"""Finding the centre of an address, and a course of its public catalogue, for the shop's pages."""

from __future__ import annotations

from models import Tenant
from trainhub_ui.components.frames import not_found_page
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import NotFound
from trainhub_ui.services import storefront
from trainhub_ui.services.storefront import CourseCard
from trainhub_ui.services.tenants import find_tenant


async def load_tenant(slug: str) -> Tenant | None:
    async with database().read() as session:
        return await find_tenant(session, slug)


async def load_course(slug: str, course_id: str, actor: str = "public") -> tuple[TenantContext, CourseCard] | None:
    """The centre and a course of its public catalogue with its upcoming sessions; None after showing
    the 404 page when either is not there."""
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    ctx = TenantContext(tenant=tenant, actor=actor)
    try:
        async with database().read() as session:
            return ctx, await storefront.course_with_sessions(session, ctx, course_id)
    except NotFound:
        not_found_page("This centre has no such course.")
        return None
