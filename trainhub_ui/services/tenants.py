"""Centres (tenants): finding one by its URL slug, opening a new one, and its settings: profile,
branding and logo, money and booking rules."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CourseSession, StaffRole, Tenant
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound

from .centre_settings import SETTINGS_FIELDS, InvalidSettings, SettingsChanges
from .session_schedule import session_starts_at
from .staff import acting_role

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


LOGO_MAX_BYTES = 1024 * 1024
LOGO_URL_PREFIX = "/_media/logos"
LOGO_FILE_PATTERN = re.compile(r"^[0-9a-f-]{36}-[0-9a-f]{16}\.(png|jpg|webp)$")
LOGO_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


async def currency_locked(session: AsyncSession, ctx: TenantContext) -> bool:
    """Whether the centre has bookings, whose amounts are in its currency, so the currency stays."""
    return await session.scalar(select(Booking.id).where(Booking.tenant_id == ctx.tenant_id).limit(1)) is not None


async def _lock_tenant(session: AsyncSession, ctx: TenantContext) -> Tenant:
    tenant = await session.scalar(
        select(Tenant)
        .where(Tenant.id == ctx.tenant_id, Tenant.is_active.is_(True))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if tenant is None:
        raise NotFound("Training centre")
    return tenant


async def update_centre_settings(session: AsyncSession, ctx: TenantContext, changes: SettingsChanges) -> Tenant:
    """Change the given settings of the centre (ADMIN and up), recording what changed in the audit trail.

    The currency stays once the centre has bookings: their amounts are in it. VAT is charged only with a
    VAT registration number, which every VAT invoice must show. A new timezone moves no
    session on the wall clock: each session's start is read again in it.
    """
    await acting_role(session, ctx, StaffRole.ADMIN)
    cleaned = changes.given()
    tenant = await _lock_tenant(session, ctx)
    changed = {field: value for field, value in cleaned.items() if getattr(tenant, SETTINGS_FIELDS[field]) != value}
    offers_card = changed.get("offersFullPayment", tenant.offers_full_payment) or changed.get(
        "offersDeposit", tenant.offers_deposit
    )
    if not offers_card:
        raise InvalidSettings(
            {"offersFullPayment": "Offer paying in full or a deposit: a company invoice suits company bookings only."}
        )
    charges_vat = changed.get("vatRate", tenant.vat_rate_basis_points)
    if (
        ("vatRate" in changed or "vatNumber" in changed)
        and charges_vat
        and not changed.get("vatNumber", tenant.vat_number)
    ):
        raise InvalidSettings(
            {
                "vatNumber": "Charging VAT needs the centre's VAT registration number: "
                "enter it, or leave the VAT rate empty."
            }
        )
    if "currency" in changed and await currency_locked(session, ctx):
        raise InvalidSettings({"currency": f"The centre has bookings in {tenant.currency}: its currency stays."})
    if not changed:
        return tenant
    before = {field: getattr(tenant, SETTINGS_FIELDS[field]) for field in changed}
    for field, value in changed.items():
        setattr(tenant, SETTINGS_FIELDS[field], value)
    tenant.updated_at = ctx.now()
    if "timezone" in changed:
        await _restate_session_starts(session, tenant)
    record(
        session,
        ctx,
        "centre.settings_changed",
        "tenant",
        tenant.id,
        changes={field: [before[field], value] for field, value in changed.items()},
    )
    await session.flush()
    return tenant


async def _restate_session_starts(session: AsyncSession, tenant: Tenant) -> None:
    rows = await session.execute(
        select(CourseSession.id, CourseSession.start_date, CourseSession.start_time).where(
            CourseSession.tenant_id == tenant.id
        )
    )
    moved = [{"id": id_, "starts_at": session_starts_at(tenant, day, at)} for id_, day, at in rows]
    if moved:
        await session.execute(update(CourseSession), moved)


# --- the logo ---------------------------------------------------------------------------------------


def logo_url(tenant: Tenant) -> str | None:
    """Where the centre's logo is served, or None without one."""
    return f"{LOGO_URL_PREFIX}/{tenant.logo_path}" if tenant.logo_path else None


def logo_kind(data: bytes) -> str:
    """The file type of an uploaded logo from its first bytes (never from its name or what the browser
    says): png, jpg or webp. SVG is refused: it can carry script."""
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput("logo", f"The logo is {len(data) / 1024 / 1024:.1f} MB: use an image of at most 1 MB.")
    if not data:
        raise InvalidInput("logo", "That file is empty.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise InvalidInput("logo", "Use a PNG, JPEG or WebP image (SVG is not accepted).")


async def set_logo(
    session: AsyncSession, ctx: TenantContext, directory: Path, data: bytes
) -> tuple[Tenant, str | None]:
    """Store a new logo under `directory` and make it the centre's. Returns the centre and the file name
    of the logo it replaced (the caller removes that file once this transaction has committed)."""
    await acting_role(session, ctx, StaffRole.ADMIN)
    kind = logo_kind(data)
    file_name = f"{ctx.tenant_id}-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
    await asyncio.to_thread(_write_file, directory / file_name, data)
    tenant = await _lock_tenant(session, ctx)
    previous = tenant.logo_path
    tenant.logo_path = file_name
    tenant.updated_at = ctx.now()
    record(session, ctx, "centre.logo_changed", "tenant", tenant.id, logo=file_name, before=previous)
    return tenant, previous if previous != file_name else None


async def remove_logo(session: AsyncSession, ctx: TenantContext) -> tuple[Tenant, str | None]:
    """The centre shows its name without a logo. Returns the file name of the logo removed, if any."""
    await acting_role(session, ctx, StaffRole.ADMIN)
    tenant = await _lock_tenant(session, ctx)
    previous = tenant.logo_path
    if previous is not None:
        tenant.logo_path = None
        tenant.updated_at = ctx.now()
        record(session, ctx, "centre.logo_removed", "tenant", tenant.id, before=previous)
    return tenant, previous


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)  # whole or not at all: a reader never sees half a logo


def delete_logo_file(directory: Path, file_name: str | None) -> None:
    """Remove a logo no longer in use; a name that is not a logo's is left alone."""
    if file_name and LOGO_FILE_PATTERN.match(file_name):
        (directory / file_name).unlink(missing_ok=True)
