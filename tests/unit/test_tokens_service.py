"""API tokens made and revoked in the back office: shown once, stored as SHA-256, scoped to the centre."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from models import ApiToken, AuditEntry, StaffRole, StaffUser
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.services.staff import NotAllowed
from trainhub_ui.services.tokens import create_token, find_token, list_tokens, revoke_token, token_roles


async def _as(db: Database, role: StaffRole, slug: str = "test-centre") -> TenantContext:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug)
        await factories.staff(session, tenant, role)
        user = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == tenant.id))
    assert user is not None
    return TenantContext(tenant=tenant, actor=user.email, role=role, user_id=user.id, clock=factories.Clock())


async def test_a_token_is_shown_once_stored_hashed_and_works(db: Database) -> None:
    ctx = await _as(db, StaffRole.ADMIN)
    async with db.transaction() as session:
        token, secret = await create_token(session, ctx, name="  Website  ", role="STAFF")
    assert token.name == "Website" and token.role is StaffRole.STAFF and secret.startswith("thk_")
    async with db.read() as session:
        stored = await session.get(ApiToken, token.id)
        found = await find_token(session, secret)
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity_id == token.id))
    assert stored is not None and stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.token_hash, stored.token_prefix) and secret.startswith(stored.token_prefix)
    assert found is not None and found.id == token.id
    assert entry is not None and entry.action == "api_token.created" and secret not in str(entry.details)


async def test_revoked_tokens_stop_working_and_revoking_twice_changes_nothing(db: Database) -> None:
    ctx = await _as(db, StaffRole.ADMIN)
    async with db.transaction() as session:
        token, secret = await create_token(session, ctx, name="Old app")
    async with db.transaction() as session:
        revoked = await revoke_token(session, ctx, token.id)
    assert revoked.revoked_at == ctx.now()
    async with db.transaction() as session:
        again = await revoke_token(session, ctx, token.id)
    assert again.revoked_at == revoked.revoked_at
    async with db.read() as session:
        assert await find_token(session, secret) is None
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == token.id)))
    assert actions.count("api_token.revoked") == 1


async def test_list_shows_live_tokens_first_and_pages_in_sql(db: Database) -> None:
    ctx = await _as(db, StaffRole.ADMIN)
    made = []
    for n in range(4):
        ctx.clock.now = factories.NOW.replace(minute=n)  # type: ignore[attr-defined]
        async with db.transaction() as session:
            made.append((await create_token(session, ctx, name=f"token {n}"))[0])
    async with db.transaction() as session:
        await revoke_token(session, ctx, made[3].id)
    async with db.read() as session:
        first = await list_tokens(session, ctx, limit=2)
        rest = await list_tokens(session, ctx, limit=2, offset=2)
    assert first.total == 4
    assert [t.name for t in first.items + rest.items] == ["token 2", "token 1", "token 0", "token 3"]


@pytest.mark.parametrize(("name", "role"), [("", "ADMIN"), ("x" * 201, "ADMIN"), ("ok", "ROOT"), ("ok", "OWNER")])
async def test_bad_tokens_are_refused_at_the_field(db: Database, name: str, role: str) -> None:
    ctx = await _as(db, StaffRole.ADMIN)
    with pytest.raises(InvalidInput) as refused:
        async with db.transaction() as session:
            await create_token(session, ctx, name=name, role=role)
    assert refused.value.field == ("name" if role == "ADMIN" else "role")
    async with db.read() as session:
        assert (await list_tokens(session, ctx)).total == 0


async def test_a_token_has_at_most_its_makers_role(db: Database) -> None:
    assert token_roles(StaffRole.ADMIN) == [StaffRole.INSTRUCTOR, StaffRole.STAFF, StaffRole.ADMIN]
    owner = await _as(db, StaffRole.OWNER)
    async with db.transaction() as session:
        token, _ = await create_token(session, owner, name="Owner's", role=StaffRole.OWNER)
    assert token.role is StaffRole.OWNER


async def test_staff_cannot_make_list_or_revoke_tokens(db: Database) -> None:
    ctx = await _as(db, StaffRole.STAFF)
    for action in (
        lambda s: create_token(s, ctx, name="sneaky"),
        lambda s: list_tokens(s, ctx),
        lambda s: revoke_token(s, ctx, "anything"),
    ):
        with pytest.raises(NotAllowed):
            async with db.transaction() as session:
                await action(session)


async def test_another_centres_token_is_not_found(db: Database) -> None:
    ours = await _as(db, StaffRole.ADMIN)
    theirs = await _as(db, StaffRole.ADMIN, "other-centre")
    async with db.transaction() as session:
        token, secret = await create_token(session, theirs, name="Theirs")
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await revoke_token(session, ours, token.id)
    async with db.read() as session:
        assert (await list_tokens(session, ours)).total == 0
        assert await find_token(session, secret) is not None
