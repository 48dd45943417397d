"""API tokens: one centre each, with a role; only a hash of the secret is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ApiToken, StaffRole, Tenant
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound

from .staff import acting_role

TOKEN_PREFIX = "thk_"


def hash_token(secret: str) -> str:
    # A token is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_token(
    session: AsyncSession, tenant: Tenant, *, name: str, role: StaffRole = StaffRole.ADMIN
) -> tuple[ApiToken, str]:
    """Make a token; the secret is returned once here and never stored."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name", "Give the token a name of 1 to 200 characters.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=tenant.id, name=name, role=role, token_hash=hash_token(secret), token_prefix=secret[:10])
    session.add(token)
    await session.flush()
    return token, secret


async def find_token(session: AsyncSession, secret: str) -> ApiToken | None:
    """The live (not revoked) token with this secret, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None))
    )


async def revoke_api_token(session: AsyncSession, tenant: Tenant, token_id: str, now: datetime) -> None:
    token = await session.scalar(select(ApiToken).where(ApiToken.tenant_id == tenant.id, ApiToken.id == token_id))
    if token is not None and token.revoked_at is None:
        token.revoked_at = now


# --- the back office's view: tokens made, listed and revoked by a centre's admins ------------------

TOKEN_PAGE_SIZE = 50


@dataclass(frozen=True)
class TokenPage:
    items: list[ApiToken]
    total: int


def token_roles(actor_role: StaffRole) -> list[StaffRole]:
    """The roles a token made by this staff member may have: up to their own."""
    return [role for role in StaffRole if actor_role.at_least(role)]


async def list_tokens(
    session: AsyncSession, ctx: TenantContext, *, limit: int = TOKEN_PAGE_SIZE, offset: int = 0
) -> TokenPage:
    """The centre's tokens, live ones first, newest first."""
    await acting_role(session, ctx, StaffRole.ADMIN)
    where = ApiToken.tenant_id == ctx.tenant_id
    total = await session.scalar(select(func.count()).select_from(ApiToken).where(where)) or 0
    items = await session.scalars(
        select(ApiToken)
        .where(where)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        .limit(max(1, min(limit, 200)))
        .offset(max(0, offset))
    )
    return TokenPage(list(items), total)


async def create_token(
    session: AsyncSession, ctx: TenantContext, *, name: str, role: StaffRole | str = StaffRole.ADMIN
) -> tuple[ApiToken, str]:
    """Make a token for this centre with a role up to the maker's own; the secret is returned once."""
    actor_role = await acting_role(session, ctx, StaffRole.ADMIN)
    try:
        role = StaffRole(role)
    except ValueError:
        raise InvalidInput("role", "Choose a role: owner, admin, staff or instructor.") from None
    if not actor_role.at_least(role):
        raise InvalidInput("role", f"A token can have at most your own role ({actor_role.value.title()}).")
    token, secret = await create_api_token(session, ctx.tenant, name=name, role=role)
    token.created_at = ctx.now()
    record(session, ctx, "api_token.created", "api_token", token.id, name=token.name, role=role.value)
    return token, secret


async def revoke_token(session: AsyncSession, ctx: TenantContext, token_id: str) -> ApiToken:
    """Revoke a token of this centre; calls with it are refused once the API's 10-second lookup cache lapses.
    Revoking twice changes nothing."""
    await acting_role(session, ctx, StaffRole.ADMIN)
    token = await session.scalar(
        select(ApiToken).where(ApiToken.tenant_id == ctx.tenant_id, ApiToken.id == token_id).with_for_update()
    )
    if token is None:
        raise NotFound("API token")
    if token.revoked_at is None:
        token.revoked_at = ctx.now()
        record(session, ctx, "api_token.revoked", "api_token", token.id, name=token.name)
    return token
