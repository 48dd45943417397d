"""Staff users managed by a centre's admins: invites with one-time set-password links, roles, deactivation,
and the rules that keep a centre run by someone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEntry, OutboxEmail, StaffInvite, StaffRole, StaffUser
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.services.accounts import find_staff_user, sign_in_staff
from trainhub_ui.services.staff import (
    INVITE_LIFETIME,
    NotAllowed,
    SetPasswordLink,
    assignable_roles,
    change_role,
    find_invite,
    invite_staff,
    list_staff,
    new_set_password_link,
    set_password_from_link,
    set_staff_active,
)

NEW_PASSWORD = "a-new-long-password"


class Centre:
    """A centre with an owner and an admin, and a context for acting as either."""

    def __init__(self, db: Database, clock: factories.Clock) -> None:
        self.db = db
        self.clock = clock
        self.users: dict[str, StaffUser] = {}

    async def open(self, slug: str = "test-centre") -> Centre:
        async with self.db.transaction() as session:
            self.tenant = await factories.centre(session, slug)
            for role in (StaffRole.OWNER, StaffRole.ADMIN):
                await factories.staff(session, self.tenant, role)
            for user in await session.scalars(select(StaffUser).where(StaffUser.tenant_id == self.tenant.id)):
                self.users[user.role.value] = user
        return self

    def as_(self, role: str) -> TenantContext:
        user = self.users[role]
        return TenantContext(tenant=self.tenant, actor=user.email, role=user.role, user_id=user.id, clock=self.clock)

    async def invite(
        self, by: str = "ADMIN", role: StaffRole = StaffRole.STAFF, email: str = "new@example.com"
    ) -> SetPasswordLink:
        async with self.db.transaction() as session:
            link = await invite_staff(session, self.as_(by), name="Nia Newcomer", email=email, role=role)
        self.users[email] = link.user
        return link


@pytest.fixture
async def centre(db: Database) -> Centre:
    return await Centre(db, factories.Clock()).open()


async def test_invite_makes_a_user_without_a_password_and_a_hashed_one_time_link(centre: Centre) -> None:
    link = await centre.invite(email="  Nia@Example.COM ")
    assert link.user.email == "nia@example.com" and link.user.password_hash is None
    assert link.path(centre.tenant.slug) == f"/test-centre/admin/set-password/{link.secret}"
    assert link.expires_at == centre.clock.now + INVITE_LIFETIME
    async with centre.db.read() as session:
        stored = await session.scalar(select(StaffInvite))
        details = await find_invite(session, centre.tenant, link.secret, centre.clock.now)
        audit = await session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == link.user.id))
    assert stored is not None and link.secret not in stored.token_hash and len(stored.token_hash) == 64
    assert details is not None and (details.name, details.role) == ("Nia Newcomer", StaffRole.STAFF)
    assert audit == "staff.invited"
    async with centre.db.read() as session:
        [invitation] = await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "staff_invite"))
    assert invitation.to_address == "nia@example.com" and link.path(centre.tenant.slug) in invitation.body_text
    # Without a password, the invited person cannot sign in yet.
    result = await sign_in_staff(centre.db, centre.tenant, "nia@example.com", "", centre.clock.now)
    assert not result.ok


async def test_the_link_sets_a_password_once_then_they_sign_in(centre: Centre) -> None:
    link = await centre.invite()
    user = await set_password_from_link(centre.db, centre.tenant, link.secret, NEW_PASSWORD, centre.clock.now)
    assert user.email == "new@example.com"
    result = await sign_in_staff(centre.db, centre.tenant, "new@example.com", NEW_PASSWORD, centre.clock.now)
    assert result.ok
    with pytest.raises(DomainError) as refused:
        await set_password_from_link(centre.db, centre.tenant, link.secret, "someone-elses-pass", centre.clock.now)
    assert refused.value.code == "link_invalid"
    async with centre.db.read() as session:
        assert await find_invite(session, centre.tenant, link.secret, centre.clock.now) is None


async def test_a_short_password_is_refused_at_the_field_and_the_link_still_works(centre: Centre) -> None:
    link = await centre.invite()
    with pytest.raises(InvalidInput) as refused:
        await set_password_from_link(centre.db, centre.tenant, link.secret, "short", centre.clock.now)
    assert refused.value.field == "password"
    await set_password_from_link(centre.db, centre.tenant, link.secret, NEW_PASSWORD, centre.clock.now)


async def test_an_expired_link_another_centres_link_and_a_made_up_link_do_nothing(centre: Centre) -> None:
    link = await centre.invite()
    other = await Centre(centre.db, centre.clock).open("other-centre")
    for tenant, secret, moment in (
        (centre.tenant, link.secret, centre.clock.now + INVITE_LIFETIME + timedelta(seconds=1)),
        (other.tenant, link.secret, centre.clock.now),
        (centre.tenant, "thi_made-up", centre.clock.now),
        (centre.tenant, "x" * 500, centre.clock.now),
    ):
        async with centre.db.read() as session:
            assert await find_invite(session, tenant, secret, moment) is None
        with pytest.raises(DomainError):
            await set_password_from_link(centre.db, tenant, secret, NEW_PASSWORD, moment)


async def test_a_new_link_replaces_the_unused_one(centre: Centre) -> None:
    first = await centre.invite()
    async with centre.db.transaction() as session:
        second = await new_set_password_link(session, centre.as_("ADMIN"), first.user.id)
    with pytest.raises(DomainError):
        await set_password_from_link(centre.db, centre.tenant, first.secret, NEW_PASSWORD, centre.clock.now)
    await set_password_from_link(centre.db, centre.tenant, second.secret, NEW_PASSWORD, centre.clock.now)


@pytest.mark.parametrize(
    ("name", "email", "role", "field"),
    [
        ("", "a@example.com", "STAFF", "name"),
        ("x" * 201, "a@example.com", "STAFF", "name"),
        ("Al", "not-an-email", "STAFF", "email"),
        ("Al", "", "STAFF", "email"),
        ("Al", "a@example.com", "BOSS", "role"),
        ("Al", "admin@test-centre.example", "STAFF", "email"),  # already on the staff
    ],
)
async def test_bad_invites_are_refused_at_the_field(
    centre: Centre, name: str, email: str, role: str, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        async with centre.db.transaction() as session:
            await invite_staff(session, centre.as_("ADMIN"), name=name, email=email, role=role)
    assert refused.value.field == field
    async with centre.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(StaffUser)) == 2


async def test_only_an_owner_makes_an_owner(centre: Centre) -> None:
    with pytest.raises(NotAllowed) as refused:
        await centre.invite(by="ADMIN", role=StaffRole.OWNER)
    assert refused.value.field == "role"
    link = await centre.invite(by="OWNER", role=StaffRole.OWNER)
    assert link.user.role is StaffRole.OWNER
    staff = await centre.invite(email="s@example.com")
    with pytest.raises(NotAllowed):
        async with centre.db.transaction() as session:
            await change_role(session, centre.as_("ADMIN"), staff.user.id, StaffRole.OWNER)
    assert assignable_roles(StaffRole.ADMIN) == [StaffRole.INSTRUCTOR, StaffRole.STAFF, StaffRole.ADMIN]
    assert StaffRole.OWNER in assignable_roles(StaffRole.OWNER)


async def test_admin_changes_roles_below_owner_and_it_is_audited(centre: Centre) -> None:
    link = await centre.invite()
    async with centre.db.transaction() as session:
        user = await change_role(session, centre.as_("ADMIN"), link.user.id, "INSTRUCTOR")
    assert user.role is StaffRole.INSTRUCTOR
    async with centre.db.read() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.role_changed"))
    assert entry is not None and entry.details == {"before": "STAFF", "after": "INSTRUCTOR"}


async def test_nobody_changes_their_own_role_or_deactivates_themselves(centre: Centre) -> None:
    for who in ("ADMIN", "OWNER"):
        me = centre.users[who].id
        with pytest.raises(NotAllowed):
            async with centre.db.transaction() as session:
                await change_role(session, centre.as_(who), me, StaffRole.INSTRUCTOR)
        with pytest.raises(NotAllowed):
            async with centre.db.transaction() as session:
                await set_staff_active(session, centre.as_(who), me, active=False)


async def test_an_admin_cannot_touch_an_owner(centre: Centre) -> None:
    owner = centre.users["OWNER"].id
    for action in (
        lambda s: change_role(s, centre.as_("ADMIN"), owner, StaffRole.STAFF),
        lambda s: set_staff_active(s, centre.as_("ADMIN"), owner, active=False),
        lambda s: new_set_password_link(s, centre.as_("ADMIN"), owner),
    ):
        with pytest.raises(NotAllowed):
            async with centre.db.transaction() as session:
                await action(session)


async def test_there_is_always_an_active_owner(centre: Centre) -> None:
    second = await centre.invite(by="OWNER", role=StaffRole.OWNER, email="second@example.com")
    second_ctx = TenantContext(
        tenant=centre.tenant, actor="second", role=StaffRole.OWNER, user_id=second.user.id, clock=centre.clock
    )
    first = centre.users["OWNER"].id
    # The first owner deactivates the second, who then can no longer act, so the first stays.
    async with centre.db.transaction() as session:
        await set_staff_active(session, centre.as_("OWNER"), second.user.id, active=False)
    with pytest.raises(NotAllowed):
        async with centre.db.transaction() as session:
            await set_staff_active(session, second_ctx, first, active=False)
    # Reactivated, the second owner demotes the first; the first can then no longer demote the second.
    async with centre.db.transaction() as session:
        await set_staff_active(session, centre.as_("OWNER"), second.user.id, active=True)
    async with centre.db.transaction() as session:
        await change_role(session, second_ctx, first, StaffRole.ADMIN)
    with pytest.raises(NotAllowed):
        async with centre.db.transaction() as session:
            await change_role(session, centre.as_("OWNER"), second.user.id, StaffRole.ADMIN)
    async with centre.db.read() as session:
        owners = await session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(StaffUser.role == StaffRole.OWNER, StaffUser.is_active.is_(True))
        )
    assert owners == 1


async def test_the_last_owner_cannot_be_demoted_or_deactivated_by_the_system(centre: Centre) -> None:
    system = TenantContext(tenant=centre.tenant, actor="system", role=StaffRole.OWNER, clock=centre.clock)
    owner = centre.users["OWNER"].id
    with pytest.raises(DomainError) as refused:
        async with centre.db.transaction() as session:
            await change_role(session, system, owner, StaffRole.ADMIN)
    assert refused.value.code == "last_owner"
    with pytest.raises(DomainError) as refused:
        async with centre.db.transaction() as session:
            await set_staff_active(session, system, owner, active=False)
    assert refused.value.code == "last_owner"


async def test_a_deactivated_user_cannot_sign_in_nor_use_an_open_page_nor_their_link(centre: Centre) -> None:
    link = await centre.invite()
    admin = centre.users["ADMIN"]
    async with centre.db.transaction() as session:
        await set_staff_active(session, centre.as_("OWNER"), admin.id, active=False)
        await set_staff_active(session, centre.as_("OWNER"), link.user.id, active=False)
    result = await sign_in_staff(centre.db, centre.tenant, admin.email, factories.PASSWORD, centre.clock.now)
    assert not result.ok
    async with centre.db.read() as session:
        assert await find_staff_user(session, centre.tenant, admin.id) is None  # what require_role reads
    with pytest.raises(NotAllowed):
        await centre.invite(by="ADMIN", email="another@example.com")
    with pytest.raises(DomainError):
        await set_password_from_link(centre.db, centre.tenant, link.secret, NEW_PASSWORD, centre.clock.now)
    # Reactivated, they sign in again; the old link stays dead.
    async with centre.db.transaction() as session:
        await set_staff_active(session, centre.as_("OWNER"), admin.id, active=True)
        await set_staff_active(session, centre.as_("OWNER"), link.user.id, active=True)
    assert (await sign_in_staff(centre.db, centre.tenant, admin.email, factories.PASSWORD, centre.clock.now)).ok
    with pytest.raises(DomainError):
        await set_password_from_link(centre.db, centre.tenant, link.secret, NEW_PASSWORD, centre.clock.now)


async def test_reinviting_a_known_email_says_what_to_do(centre: Centre) -> None:
    link = await centre.invite()
    async with centre.db.transaction() as session:
        await set_staff_active(session, centre.as_("ADMIN"), link.user.id, active=False)
    with pytest.raises(DomainError) as refused:
        await centre.invite()
    assert refused.value.field == "email" and "reactivate" in refused.value.message


async def test_another_centres_staff_are_not_found(centre: Centre) -> None:
    other = await Centre(centre.db, centre.clock).open("other-centre")
    stranger = other.users["ADMIN"].id
    for action in (
        lambda s: change_role(s, centre.as_("OWNER"), stranger, StaffRole.STAFF),
        lambda s: set_staff_active(s, centre.as_("OWNER"), stranger, active=False),
        lambda s: new_set_password_link(s, centre.as_("OWNER"), stranger),
        lambda s: change_role(s, centre.as_("OWNER"), "not-an-id", StaffRole.STAFF),
    ):
        with pytest.raises(NotFound):
            async with centre.db.transaction() as session:
                await action(session)
    async with centre.db.read() as session:
        page = await list_staff(session, centre.as_("ADMIN"))
    assert {u.email for u in page.items} == {"owner@test-centre.example", "admin@test-centre.example"}


async def test_staff_list_pages_in_sql_active_first(centre: Centre) -> None:
    for n in range(5):
        await centre.invite(email=f"p{n}@example.com")
    async with centre.db.transaction() as session:
        await set_staff_active(session, centre.as_("ADMIN"), centre.users["p0@example.com"].id, active=False)
    async with centre.db.read() as session:
        first = await list_staff(session, centre.as_("ADMIN"), limit=4)
        rest = await list_staff(session, centre.as_("ADMIN"), limit=4, offset=4)
    assert first.total == rest.total == 7
    assert len(first.items) == 4 and len(rest.items) == 3
    assert rest.items[-1].email == "p0@example.com"
