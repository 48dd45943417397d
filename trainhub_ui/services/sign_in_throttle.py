"""How often a password may be tried: a growing delay per client address, a lock per email.

Each try is counted as a failure before its password is checked, in one short transaction that every
server process shares through the database (the rows are counted with a conditional UPDATE, which
PostgreSQL serialises by row lock and SQLite by its write lock), so a burst of parallel tries cannot
check more passwords than the limits allow. A successful sign-in takes its count back.

The lock per email stops guessing spread over many addresses, but it must not let a stranger keep the
owner of the email out: an address that has signed in to that email before is still let through, and a
new password (from a link, or changed while signed in) lifts the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import ColumnElement, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import SignInThrottle, Tenant
from models.base import new_id
from trainhub_ui.db import Database

# A few typing mistakes cost nothing; after them each further failure from the address doubles the wait.
FREE_FAILURES_PER_ADDRESS = 5
FIRST_DELAY = timedelta(seconds=1)
LONGEST_DELAY = timedelta(minutes=15)
# Many failures for one email, from however many addresses, lock it.
EMAIL_LOCK_FAILURES = 10
EMAIL_LOCK = timedelta(hours=24)
# Failures of an address or email that has been quiet this long are forgotten.
FORGET_AFTER = timedelta(hours=24)
# An address that signed in to an email is remembered this long after its last sign-in there.
KNOWN_ADDRESS_KEPT = timedelta(days=180)

ADDRESS = "address"
EMAIL = "email"
KNOWN = "known"


@dataclass(frozen=True)
class ThrottleRefusal:
    """Why a try is refused before its password is checked, and when to try again."""

    message: str
    until: datetime
    now: datetime

    @property
    def retry_after_seconds(self) -> int:
        return max(1, ceil((self.until - self.now).total_seconds()))


def address_delay(failures: int) -> timedelta:
    """How long an address waits after its `failures`-th failure in a row."""
    if failures < FREE_FAILURES_PER_ADDRESS:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES_PER_ADDRESS, 20)
    return min(FIRST_DELAY * 2**doublings, LONGEST_DELAY)


def _address_refusal(until: datetime, now: datetime) -> ThrottleRefusal:
    seconds = max(1, ceil((until - now).total_seconds()))
    return ThrottleRefusal(
        f"Too many failed sign-ins from your network. Try again in {seconds} second{'s' if seconds != 1 else ''}.",
        until,
        now,
    )


def _email_refusal(until: datetime, now: datetime) -> ThrottleRefusal:
    hours = max(1, ceil((until - now).total_seconds() / 3600))
    return ThrottleRefusal(
        "Too many failed sign-ins for this account, so it is locked. Sign in from a device you have signed "
        "in with before, set a new password from a link, or try again in "
        f"{hours} hour{'s' if hours != 1 else ''}.",
        until,
        now,
    )


def _known_key(email: str, address: str) -> str:
    return f"{address} {email}"[:400]


def _row(tenant: Tenant, audience: str, kind: str, key: str) -> tuple[ColumnElement[bool], ...]:
    return (
        SignInThrottle.tenant_id == tenant.id,
        SignInThrottle.audience == audience,
        SignInThrottle.kind == kind,
        SignInThrottle.key == key[:400],
    )


async def _ensure_row(session: AsyncSession, tenant: Tenant, audience: str, kind: str, key: str, now: datetime) -> None:
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    await session.execute(
        dialect.insert(SignInThrottle)
        .values(
            id=new_id(),
            tenant_id=tenant.id,
            audience=audience,
            kind=kind,
            key=key[:400],
            failures=0,
            blocked_until=None,
            last_attempt_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "audience", "kind", "key"])
    )


async def _count_failure(
    session: AsyncSession, tenant: Tenant, audience: str, kind: str, key: str, now: datetime, *, past_a_block: bool
) -> tuple[int | None, datetime | None]:
    """Add one failure to the row unless it is blocked now (or `past_a_block`): (failures, None), else (None,
    blocked until). One statement, so two tries never both read the same count."""
    await _ensure_row(session, tenant, audience, kind, key, now)
    quiet = SignInThrottle.last_attempt_at < now - FORGET_AFTER
    counting = update(SignInThrottle).where(*_row(tenant, audience, kind, key))
    if not past_a_block:
        counting = counting.where(or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until <= now))
    failures = await session.scalar(
        counting.values(failures=case((quiet, 1), else_=SignInThrottle.failures + 1), last_attempt_at=now).returning(
            SignInThrottle.failures
        )
    )
    if failures is None:
        blocked = await session.scalar(select(SignInThrottle.blocked_until).where(*_row(tenant, audience, kind, key)))
        return None, blocked or now
    return failures, None


async def _block(session: AsyncSession, tenant: Tenant, audience: str, kind: str, key: str, until: datetime) -> None:
    await session.execute(update(SignInThrottle).where(*_row(tenant, audience, kind, key)).values(blocked_until=until))


async def claim_try(
    db: Database, tenant: Tenant, audience: str, email: str, address: str, now: datetime
) -> ThrottleRefusal | None:
    """Count this try as a failure of its address and of its email before its password is checked.

    None: go on and check the password. Otherwise the refusal says why not and until when.
    """
    async with db.transaction() as session:
        failures, blocked = await _count_failure(session, tenant, audience, ADDRESS, address, now, past_a_block=False)
        if failures is None:
            return _address_refusal(blocked or now, now)
        if delay := address_delay(failures):
            await _block(session, tenant, audience, ADDRESS, address, now + delay)
        known = await session.scalar(
            select(SignInThrottle.id).where(*_row(tenant, audience, KNOWN, _known_key(email, address)))
        )
        failures, blocked = await _count_failure(
            session, tenant, audience, EMAIL, email, now, past_a_block=known is not None
        )
        if failures is None:
            return _email_refusal(blocked or now, now)
        if failures >= EMAIL_LOCK_FAILURES:
            await _block(session, tenant, audience, EMAIL, email, now + EMAIL_LOCK)
    return None


async def take_back_try(
    session: AsyncSession, tenant: Tenant, audience: str, email: str, address: str, now: datetime
) -> None:
    """The password was right: clear the address's and the email's failures, and remember the address."""
    for kind, key in ((ADDRESS, address), (EMAIL, email)):
        await session.execute(
            update(SignInThrottle).where(*_row(tenant, audience, kind, key)).values(failures=0, blocked_until=None)
        )
    known = _known_key(email, address)
    await _ensure_row(session, tenant, audience, KNOWN, known, now)
    await session.execute(
        update(SignInThrottle).where(*_row(tenant, audience, KNOWN, known)).values(last_attempt_at=now)
    )


async def lift_email_lock(session: AsyncSession, tenant: Tenant, audience: str, email: str) -> None:
    """A new password was set for this email: its failures no longer count."""
    await session.execute(delete(SignInThrottle).where(*_row(tenant, audience, EMAIL, email)))


async def forget_old_throttles(session: AsyncSession, now: datetime) -> int:
    """Drop counts nobody has added to for a day and addresses that have not signed in for months."""
    result = await session.execute(
        delete(SignInThrottle).where(
            or_(
                (SignInThrottle.kind == KNOWN) & (SignInThrottle.last_attempt_at < now - KNOWN_ADDRESS_KEPT),
                (SignInThrottle.kind != KNOWN)
                & (SignInThrottle.last_attempt_at < now - FORGET_AFTER)
                & or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until < now),
            )
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
