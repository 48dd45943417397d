"""API tokens: one centre each, with a role; only a hash of the secret is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ApiToken, StaffRole, Tenant

from .errors import InvalidInput

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
