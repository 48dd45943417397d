"""Staff users as the centre's admins manage them: inviting someone with a one-time set-password link,
changing a role, deactivating and reactivating.

The rules: nobody changes their own role or deactivates themselves; only an OWNER makes someone an
OWNER or touches an OWNER's account; the centre always keeps at least one active OWNER.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import StaffInvite, StaffRole, StaffUser, Tenant
from trainhub_ui.config import get_settings
from trainhub_ui.db import Database
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.notify import staff_emails

from .accounts import STAFF, email_problem, normalise_email
from .passwords import hash_password, password_problem
from .sign_in_throttle import lift_email_lock

INVITE_LIFETIME = timedelta(days=7)
INVITE_PREFIX = "thi_"
NAME_MAX = 200
STAFF_PAGE_SIZE = 50
LINK_INVALID = "This link has expired or has already been used."


class NotAllowed(DomainError):
    """The acting staff member's role does not allow this change."""

    status = 403

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__("not_allowed", message, field=field)


@dataclass(frozen=True)
class SetPasswordLink:
    """A new set-password link: the secret is here once and is never stored."""

    user: StaffUser
    secret: str
    expires_at: datetime

    def path(self, slug: str) -> str:
        return set_password_path(slug, self.secret)


@dataclass(frozen=True)
class StaffPage:
    items: list[StaffUser]
    total: int


@dataclass(frozen=True)
class InviteDetails:
    """What the set-password page shows about a live link."""

    name: str
    email: str
    role: StaffRole
    expires_at: datetime


def set_password_path(slug: str, secret: str) -> str:
    return f"/{slug}/admin/set-password/{secret}"


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def _is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


async def acting_role(session: AsyncSession, ctx: TenantContext, needed: StaffRole) -> StaffRole:
    """The acting staff member's role, read fresh in this transaction, if it reaches `needed`.

    A page stays open after its role check: a user deactivated or demoted since then is refused here.
    Without a user (the CLI, the system) the context's own role counts.
    """
    role = ctx.role
    if ctx.user_id is not None:
        role = await session.scalar(
            select(StaffUser.role).where(
                StaffUser.tenant_id == ctx.tenant_id, StaffUser.id == ctx.user_id, StaffUser.is_active.is_(True)
            )
        )
    if role is None or not role.at_least(needed):
        raise NotAllowed(f"This needs the {needed.value.title()} role or above.")
    return role


async def _lock_centre(session: AsyncSession, ctx: TenantContext) -> None:
    """Take staff changes of one centre one at a time, so two owners demoting each other at the same
    moment cannot leave the centre without one. FOR NO KEY UPDATE leaves bookings free to insert."""
    await session.execute(select(Tenant.id).where(Tenant.id == ctx.tenant_id).with_for_update(key_share=True))


async def _staff_user(session: AsyncSession, ctx: TenantContext, user_id: str) -> StaffUser:
    if not _is_id(user_id):
        raise NotFound("Staff user")
    user = await session.scalar(
        select(StaffUser)
        .where(StaffUser.tenant_id == ctx.tenant_id, StaffUser.id == user_id)
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound("Staff user")
    return user


def _may_touch(actor_role: StaffRole, ctx: TenantContext, target: StaffUser, doing: str) -> None:
    if target.id == ctx.user_id:
        raise NotAllowed(f"You can't {doing} your own account; ask another admin.")
    if target.role is StaffRole.OWNER and actor_role is not StaffRole.OWNER:
        raise NotAllowed(f"Only an owner can {doing} an owner's account.")


def _may_give(actor_role: StaffRole, role: StaffRole) -> None:
    if role is StaffRole.OWNER and actor_role is not StaffRole.OWNER:
        raise NotAllowed("Only an owner can make someone an owner.", field="role")


async def _other_active_owners(session: AsyncSession, ctx: TenantContext, other_than: str) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(
                StaffUser.tenant_id == ctx.tenant_id,
                StaffUser.role == StaffRole.OWNER,
                StaffUser.is_active.is_(True),
                StaffUser.id != other_than,
            )
        )
        or 0
    )


def _role(value: object) -> StaffRole:
    try:
        return StaffRole(value)
    except ValueError:
        raise InvalidInput("role", "Choose a role: owner, admin, staff or instructor.") from None


def assignable_roles(actor_role: StaffRole) -> list[StaffRole]:
    """The roles this staff member may give someone, lowest first."""
    return [role for role in StaffRole if role is not StaffRole.OWNER or actor_role is StaffRole.OWNER]


async def list_staff(
    session: AsyncSession, ctx: TenantContext, *, limit: int = STAFF_PAGE_SIZE, offset: int = 0
) -> StaffPage:
    """The centre's staff users, active ones first, then by name."""
    where = StaffUser.tenant_id == ctx.tenant_id
    total = await session.scalar(select(func.count()).select_from(StaffUser).where(where)) or 0
    items = await session.scalars(
        select(StaffUser)
        .where(where)
        .order_by(StaffUser.is_active.desc(), func.lower(StaffUser.name), StaffUser.email)
        .limit(max(1, min(limit, 200)))
        .offset(max(0, offset))
    )
    return StaffPage(list(items), total)


async def _new_link(session: AsyncSession, ctx: TenantContext, user: StaffUser) -> SetPasswordLink:
    # One live link per person: a new one replaces any they have not used.
    await session.execute(
        delete(StaffInvite).where(
            StaffInvite.tenant_id == ctx.tenant_id, StaffInvite.staff_user_id == user.id, StaffInvite.used_at.is_(None)
        )
    )
    secret = INVITE_PREFIX + secrets.token_urlsafe(32)
    expires_at = ctx.now() + INVITE_LIFETIME
    session.add(
        StaffInvite(
            tenant_id=ctx.tenant_id,
            staff_user_id=user.id,
            token_hash=_hash(secret),
            expires_at=expires_at,
            created_by=ctx.actor[:200],
            created_at=ctx.now(),
        )
    )
    await session.flush()
    return SetPasswordLink(user, secret, expires_at)


async def invite_staff(
    session: AsyncSession, ctx: TenantContext, *, name: str, email: str, role: StaffRole | str
) -> SetPasswordLink:
    """Add a staff user without a password, and a one-time link for them to choose one."""
    actor_role = await acting_role(session, ctx, StaffRole.ADMIN)
    name = name.strip()
    if not name:
        raise InvalidInput("name", "Enter their name.")
    if len(name) > NAME_MAX:
        raise InvalidInput("name", f"Use at most {NAME_MAX} characters.")
    email = normalise_email(email)
    if problem := email_problem(email):
        raise InvalidInput("email", problem.replace("your email", "their email"))
    role = _role(role)
    _may_give(actor_role, role)
    await _lock_centre(session, ctx)
    existing = await session.scalar(
        select(StaffUser.is_active).where(StaffUser.tenant_id == ctx.tenant_id, StaffUser.email == email)
    )
    if existing is not None:
        hint = "" if existing else " Their account is deactivated: reactivate it instead."
        raise DomainError("staff_exists", f"{email} is already a staff user here.{hint}", field="email")
    user = StaffUser(tenant_id=ctx.tenant_id, email=email, name=name, role=role, password_hash=None, is_active=True)
    session.add(user)
    await session.flush()
    link = await _new_link(session, ctx, user)
    await _email_link(session, ctx, link)
    record(session, ctx, "staff.invited", "staff_user", user.id, email=email, role=role.value)
    return link


async def _email_link(session: AsyncSession, ctx: TenantContext, link: SetPasswordLink) -> None:
    """The link goes by email too (with the change, through the outbox); the admin also sees it once."""
    await staff_emails.staff_invite(
        session,
        ctx,
        to=link.user.email,
        name=link.user.name,
        role=link.user.role,
        invited_by=ctx.actor,
        link=get_settings().base_url + link.path(ctx.tenant.slug),
        valid_until=link.expires_at,
    )


async def new_set_password_link(session: AsyncSession, ctx: TenantContext, user_id: str) -> SetPasswordLink:
    """A fresh one-time link for someone who lost their invite or forgot their password; it replaces
    any unused link they have. Their current password keeps working until they use it."""
    actor_role = await acting_role(session, ctx, StaffRole.ADMIN)
    await _lock_centre(session, ctx)
    user = await _staff_user(session, ctx, user_id)
    _may_touch(actor_role, ctx, user, "send a set-password link for")
    if not user.is_active:
        raise DomainError("staff_inactive", f"{user.name}'s account is deactivated: reactivate it first.")
    link = await _new_link(session, ctx, user)
    await _email_link(session, ctx, link)
    record(session, ctx, "staff.set_password_link", "staff_user", user.id)
    return link


async def change_role(session: AsyncSession, ctx: TenantContext, user_id: str, role: StaffRole | str) -> StaffUser:
    """Give a staff user another role."""
    actor_role = await acting_role(session, ctx, StaffRole.ADMIN)
    role = _role(role)
    await _lock_centre(session, ctx)
    user = await _staff_user(session, ctx, user_id)
    _may_touch(actor_role, ctx, user, "change the role of")
    _may_give(actor_role, role)
    if user.role is role:
        return user
    if user.role is StaffRole.OWNER and user.is_active and await _other_active_owners(session, ctx, user.id) == 0:
        raise DomainError("last_owner", "The centre needs at least one active owner.", field="role")
    before = user.role
    user.role = role
    user.updated_at = ctx.now()
    record(session, ctx, "staff.role_changed", "staff_user", user.id, before=before.value, after=role.value)
    return user


async def set_staff_active(session: AsyncSession, ctx: TenantContext, user_id: str, *, active: bool) -> StaffUser:
    """Deactivate a staff user (they can't sign in, and an open back-office page refuses them on its next
    page or action), or reactivate them."""
    actor_role = await acting_role(session, ctx, StaffRole.ADMIN)
    await _lock_centre(session, ctx)
    user = await _staff_user(session, ctx, user_id)
    _may_touch(actor_role, ctx, user, "deactivate" if not active else "reactivate")
    if user.is_active is active:
        return user
    if not active:
        if user.role is StaffRole.OWNER and await _other_active_owners(session, ctx, user.id) == 0:
            raise DomainError("last_owner", "The centre needs at least one active owner.")
        # A deactivated account's pending link dies with it, so reactivating does not revive it.
        await session.execute(
            delete(StaffInvite).where(
                StaffInvite.tenant_id == ctx.tenant_id,
                StaffInvite.staff_user_id == user.id,
                StaffInvite.used_at.is_(None),
            )
        )
    user.is_active = active
    user.updated_at = ctx.now()
    record(session, ctx, "staff.reactivated" if active else "staff.deactivated", "staff_user", user.id)
    return user


async def _live_invite(
    session: AsyncSession, tenant: Tenant, secret: str, now: datetime
) -> tuple[StaffInvite, StaffUser] | None:
    if not secret.startswith(INVITE_PREFIX) or len(secret) > 200:
        return None
    row = (
        await session.execute(
            select(StaffInvite, StaffUser)
            .join(StaffUser, StaffUser.id == StaffInvite.staff_user_id)
            .where(
                StaffInvite.tenant_id == tenant.id,
                StaffUser.tenant_id == tenant.id,
                StaffInvite.token_hash == _hash(secret),
                StaffInvite.used_at.is_(None),
                StaffInvite.expires_at > now,
                StaffUser.is_active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def find_invite(session: AsyncSession, tenant: Tenant, secret: str, now: datetime) -> InviteDetails | None:
    """Who a set-password link is for, while it is live (unused, unexpired, the account active)."""
    found = await _live_invite(session, tenant, secret, now)
    if found is None:
        return None
    invite, user = found
    return InviteDetails(user.name, user.email, user.role, invite.expires_at)


async def set_password_from_link(db: Database, tenant: Tenant, secret: str, password: str, now: datetime) -> StaffUser:
    """The invited person chooses their password. The link then stops working.

    The argon2 work runs between a read and a short write, holding no lock; the write takes the link
    only if it is still unused, so the link works once even when submitted twice at the same moment.
    The new password lifts a lock of the email after failed sign-ins.
    """
    if problem := password_problem(password):
        raise InvalidInput("password", problem)
    async with db.read() as session:
        found = await _live_invite(session, tenant, secret, now)
    if found is None:
        raise DomainError("link_invalid", LINK_INVALID)
    invite, user = found
    new_hash = await asyncio.to_thread(hash_password, password)
    async with db.transaction() as session:
        taken = await session.execute(
            update(StaffInvite)
            .where(StaffInvite.id == invite.id, StaffInvite.used_at.is_(None), StaffInvite.expires_at > now)
            .values(used_at=now)
        )
        changed = await session.execute(
            update(StaffUser)
            .where(StaffUser.tenant_id == tenant.id, StaffUser.id == user.id, StaffUser.is_active.is_(True))
            .values(password_hash=new_hash, updated_at=now)
        )
        if taken.rowcount != 1 or changed.rowcount != 1:  # type: ignore[attr-defined]
            raise DomainError("link_invalid", LINK_INVALID)
        ctx = TenantContext(tenant=tenant, actor=f"{user.name} ({user.email})", user_id=user.id, clock=lambda: now)
        record(session, ctx, "staff.password_set", "staff_user", user.id)
        await lift_email_lock(session, tenant, STAFF, user.email)
    return user
