"""Who is calling: a bearer token of one centre, or the public (course and session reads only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import ApiToken, Tenant, utcnow
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, NotFound
from trainhub_ui.domain.permissions import LOWEST_ROLE, Permission
from trainhub_ui.services.tenants import find_tenant
from trainhub_ui.services.tokens import find_token, hash_token

# Writing last_used_at on every call would make every read a write; once a minute tells enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Unauthorised(DomainError):
    status = 401

    def __init__(self, message: str = "Send a valid API token: Authorization: Bearer <token>.") -> None:
        super().__init__("unauthorised", message)


class Forbidden(DomainError):
    status = 403

    def __init__(self, needed: Permission) -> None:
        lowest = LOWEST_ROLE[needed].value
        super().__init__("forbidden", f"This token's role cannot do this; it needs {lowest} or above.")


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorised()
    return secret.strip()


# A centre and its tokens change rarely, yet looking them up costs a transaction on every call.
# Found pairs are kept briefly: a revoked token or a changed centre is seen within LOOKUP_TTL.
LOOKUP_TTL = timedelta(seconds=10)
LOOKUPS_KEPT = 10_000
_lookups: dict[tuple[str, str, str], tuple[datetime, Tenant, ApiToken | None]] = {}


async def _look_up(slug: str, secret: str | None, now: datetime) -> tuple[Tenant | None, ApiToken | None]:
    db = database()
    key = (db.key, slug, hash_token(secret) if secret else "")
    kept = _lookups.get(key)
    if kept is not None and now - kept[0] < LOOKUP_TTL:
        return kept[1], kept[2]
    async with db.read() as session:
        tenant = await find_tenant(session, slug)
        token = await find_token(session, secret) if secret else None
    if tenant is not None and (token is not None or not secret):
        if len(_lookups) >= LOOKUPS_KEPT:
            _lookups.clear()
        _lookups[key] = (now, tenant, token)
    return tenant, token


async def _context(slug: str, authorization: str | None, *, public_allowed: bool) -> TenantContext:
    secret = _bearer(authorization)
    now = utcnow()
    tenant, token = await _look_up(slug, secret, now)
    if secret and token is None:
        raise Unauthorised()
    if token is None:
        if not public_allowed:
            raise Unauthorised()
        if tenant is None:
            raise NotFound("Training centre")
        return TenantContext(tenant=tenant, actor="public")
    if tenant is None or token.tenant_id != tenant.id:
        raise NotFound("Training centre")  # another centre's token learns nothing about this one
    await _touch(token, now)
    return TenantContext(tenant=tenant, actor=f"API token “{token.name}”", role=token.role, clock=utcnow)


async def _touch(token: ApiToken, now: datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        async with database().transaction() as session:
            await session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        token.last_used_at = now


async def token_context(slug: str, authorization: Annotated[str | None, Header()] = None) -> TenantContext:
    """A token of this centre is required."""
    return await _context(slug, authorization, public_allowed=False)


async def public_or_token_context(slug: str, authorization: Annotated[str | None, Header()] = None) -> TenantContext:
    """No token: the public view (role None). A token: must be this centre's."""
    return await _context(slug, authorization, public_allowed=True)


def require(ctx: TenantContext, needed: Permission) -> None:
    """The token's role has `needed`, as a sign-in of that role would (`domain/permissions.py`)."""
    if not ctx.may(needed):
        raise Forbidden(needed)


async def write_session(
    _caller: Annotated[TenantContext, Depends(token_context)],
) -> AsyncIterator[AsyncSession]:
    """One transaction for the request; events publish after it commits.

    It depends on the token check so that the check (which may note the token's use in a short
    transaction of its own) always runs first: on SQLite, the other order would wait on the
    request's own write lock.
    """
    async with database().transaction() as session:
        yield session


async def read_session() -> AsyncIterator[AsyncSession]:
    async with database().read() as session:
        yield session


# scope="function": the transaction commits before the answer is sent, so a client that is told
# 201 can read what it made at once, and a failed commit is never answered as a success.
Reader = Annotated[AsyncSession, Depends(read_session, scope="function")]
Writer = Annotated[AsyncSession, Depends(write_session, scope="function")]
Caller = Annotated[TenantContext, Depends(token_context)]
Visitor = Annotated[TenantContext, Depends(public_or_token_context)]


def caller_who_may(needed: Permission) -> Any:
    """A route's caller: a token of this centre whose role has `needed`. As a dependency it is checked
    before the body is read, so a role without it is told 403 whatever it sent."""

    async def check(ctx: Caller) -> TenantContext:
        require(ctx, needed)
        return ctx

    return Annotated[TenantContext, Depends(check)]


MayBook = caller_who_may(Permission.BOOKINGS)
MayRefund = caller_who_may(Permission.REFUNDS)
MayReadStudents = caller_who_may(Permission.STUDENTS)
MayEraseStudents = caller_who_may(Permission.ERASE_STUDENTS)
MayChangeTimetable = caller_who_may(Permission.TIMETABLE)
MayReadReports = caller_who_may(Permission.REPORTS)
