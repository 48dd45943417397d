"""Centres (tenants): finding one by its URL slug, and opening a new one."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Tenant

from .errors import DomainError, InvalidInput, NotFound

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
# First path segments the application itself uses; a centre may not take them.
RESERVED_SLUGS = frozenset(
    {"api", "platform", "static", "assets", "admin", "login", "signup", "logout", "health", "docs", "favicon.ico"}
)


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot be a centre's address, or None."""
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        return "Use 3 to 63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen."
    if slug in RESERVED_SLUGS or slug.startswith("_"):
        return f"“{slug}” is reserved."
    return None


async def find_tenant(session: AsyncSession, slug: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.is_active.is_(True)))


async def get_tenant(session: AsyncSession, slug: str) -> Tenant:
    """The active centre at `slug`, or NotFound."""
    tenant = await find_tenant(session, slug)
    if tenant is None:
        raise NotFound("Training centre")
    return tenant


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    return list(await session.scalars(select(Tenant).where(Tenant.is_active.is_(True)).order_by(Tenant.name)))


async def create_tenant(session: AsyncSession, slug: str, name: str) -> Tenant:
    slug = slug.strip().lower()
    name = name.strip()
    if problem := slug_problem(slug):
        raise InvalidInput("slug", problem)
    if not name or len(name) > 200:
        raise InvalidInput("name", "Give the centre a name of 1 to 200 characters.")
    if await session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise DomainError("tenant_exists", f"A centre already uses the address “{slug}”.", field="slug")
    tenant = Tenant(slug=slug, name=name)
    session.add(tenant)
    await session.flush()
    return tenant
