"""How often a password may be tried, on SQLite and PostgreSQL: counted before the check, so parallel tries
cannot pass the limits; a delay per client address; a lock per email that a stranger cannot keep the owner in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import StaffRole, StaffUser, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.services.accounts import (
    WRONG_CREDENTIALS,
    SignInResult,
    change_customer_password,
    sign_in_customer,
    sign_in_staff,
    sign_up_customer,
)
from trainhub_ui.services.sign_in_throttle import (
    EMAIL_LOCK,
    EMAIL_LOCK_FAILURES,
    FREE_FAILURES_PER_ADDRESS,
    address_delay,
)
from trainhub_ui.services.staff import new_set_password_link, set_password_from_link

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
OWNER = "owner@test-centre.example"
HOME = "198.51.100.10"
STRANGER = "203.0.113.66"


@pytest.fixture
async def centre(db: Database) -> Tenant:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        await factories.staff(session, tenant, StaffRole.OWNER, email=OWNER)
    return tenant


def _checked(result: SignInResult) -> bool:
    """Whether the password of this try was checked (rather than refused before it)."""
    return result.ok or result.message == WRONG_CREDENTIALS


async def test_twenty_parallel_tries_from_one_address_check_no_more_than_the_free_ones(
    db: Database, centre: Tenant
) -> None:
    tries = [sign_in_staff(db, centre, OWNER, f"wrong-guess-{n}", NOW, address=STRANGER) for n in range(19)]
    tries.append(sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address=STRANGER))
    results = await asyncio.gather(*tries)
    checked = [result for result in results if _checked(result)]
    refused = [result for result in results if not _checked(result)]
    assert len(checked) <= FREE_FAILURES_PER_ADDRESS
    assert len(refused) >= 20 - FREE_FAILURES_PER_ADDRESS
    for result in refused:
        assert result.message and "Try again in" in result.message
        assert result.retry_after_seconds and result.retry_after_seconds >= 1


async def test_twenty_parallel_tries_from_twenty_addresses_lock_the_email(db: Database, centre: Tenant) -> None:
    tries = [sign_in_staff(db, centre, OWNER, f"wrong-guess-{n}", NOW, address=f"203.0.113.{n}") for n in range(20)]
    results = await asyncio.gather(*tries)
    assert sum(_checked(result) for result in results) <= EMAIL_LOCK_FAILURES
    assert not any(result.ok for result in results)
    locked = await sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address="192.0.2.1")
    assert not locked.ok
    assert locked.message and "locked" in locked.message
    assert locked.locked_until == NOW + EMAIL_LOCK


async def test_the_wait_per_address_doubles_after_the_free_failures(db: Database, centre: Tenant) -> None:
    now = NOW
    for _ in range(FREE_FAILURES_PER_ADDRESS):
        assert (
            await sign_in_staff(db, centre, OWNER, "wrong-guess", now, address=STRANGER)
        ).message == WRONG_CREDENTIALS
    waiting = await sign_in_staff(db, centre, OWNER, factories.PASSWORD, now, address=STRANGER)
    assert not waiting.ok and waiting.message == "Too many failed sign-ins from your network. Try again in 1 second."
    assert waiting.retry_after_seconds == 1
    now += address_delay(FREE_FAILURES_PER_ADDRESS)
    assert (await sign_in_staff(db, centre, OWNER, "wrong-guess", now, address=STRANGER)).message == WRONG_CREDENTIALS
    waiting = await sign_in_staff(db, centre, OWNER, factories.PASSWORD, now + timedelta(seconds=1), address=STRANGER)
    assert waiting.retry_after_seconds == 1 and "Try again in 1 second" in (waiting.message or "")
    assert address_delay(FREE_FAILURES_PER_ADDRESS + 1) == timedelta(seconds=2)
    # Another address is not slowed down by this one.
    assert (await sign_in_staff(db, centre, OWNER, factories.PASSWORD, now, address=HOME)).ok


async def test_a_right_password_clears_the_address_count(db: Database, centre: Tenant) -> None:
    for _ in range(FREE_FAILURES_PER_ADDRESS - 1):
        await sign_in_staff(db, centre, OWNER, "wrong-guess", NOW, address=HOME)
    assert (await sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address=HOME)).ok
    for _ in range(FREE_FAILURES_PER_ADDRESS - 1):
        assert (await sign_in_staff(db, centre, OWNER, "wrong-guess", NOW, address=HOME)).message == WRONG_CREDENTIALS


async def _lock_by_strangers(db: Database, tenant: Tenant, email: str) -> None:
    for n in range(EMAIL_LOCK_FAILURES):
        await sign_in_staff(db, tenant, email, "wrong-guess", NOW, address=f"203.0.113.{n}")


async def test_a_stranger_cannot_lock_the_owner_out_of_an_address_they_signed_in_from(
    db: Database, centre: Tenant
) -> None:
    assert (await sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address=HOME)).ok
    await _lock_by_strangers(db, centre, OWNER)
    elsewhere = await sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address="192.0.2.1")
    assert not elsewhere.ok and "locked" in (elsewhere.message or "")
    assert (await sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address=HOME)).ok


async def test_the_email_lock_ends_after_its_time(db: Database, centre: Tenant) -> None:
    await _lock_by_strangers(db, centre, OWNER)
    assert not (await sign_in_staff(db, centre, OWNER, factories.PASSWORD, NOW, address="192.0.2.1")).ok
    later = NOW + EMAIL_LOCK
    assert (await sign_in_staff(db, centre, OWNER, factories.PASSWORD, later, address="192.0.2.1")).ok


async def test_a_new_password_from_a_link_lifts_the_email_lock(db: Database, centre: Tenant) -> None:
    admin_email = "admin@test-centre.example"
    async with db.transaction() as session:
        await factories.staff(session, centre, StaffRole.ADMIN, email=admin_email)
    await _lock_by_strangers(db, centre, admin_email)
    assert not (await sign_in_staff(db, centre, admin_email, factories.PASSWORD, NOW, address="192.0.2.1")).ok
    async with db.read() as session:
        staff = {user.email: user for user in await session.scalars(select(StaffUser))}
    admin, owner = staff[admin_email], staff[OWNER]
    ctx = TenantContext(tenant=centre, actor=owner.email, role=owner.role, user_id=owner.id, clock=lambda: NOW)
    async with db.transaction() as session:
        link = await new_set_password_link(session, ctx, admin.id)
    await set_password_from_link(db, centre, link.secret, "a brand new password", NOW)
    assert (await sign_in_staff(db, centre, admin_email, "a brand new password", NOW, address="192.0.2.1")).ok


async def test_counts_are_per_centre_and_per_audience(db: Database, centre: Tenant) -> None:
    async with db.transaction() as session:
        other = await factories.centre(session, "other-centre")
        await factories.staff(session, other, StaffRole.OWNER, email=OWNER)
        await sign_up_customer(
            session, centre, first_name="Ada", last_name="Lovelace", email=OWNER, password=factories.PASSWORD
        )
    await _lock_by_strangers(db, centre, OWNER)
    assert (await sign_in_staff(db, other, OWNER, factories.PASSWORD, NOW, address="192.0.2.1")).ok
    assert (await sign_in_customer(db, centre, OWNER, factories.PASSWORD, NOW, address="192.0.2.1")).ok


async def test_a_students_wrong_current_passwords_meet_the_same_throttle(db: Database, centre: Tenant) -> None:
    async with db.transaction() as session:
        ada = await sign_up_customer(
            session, centre, first_name="Ada", last_name="Lovelace", email="ada@example.com", password="analytical"
        )
    for _ in range(FREE_FAILURES_PER_ADDRESS):
        with pytest.raises(InvalidInput) as raised:
            await change_customer_password(db, centre, ada.id, "guess", "difference engine", NOW, address=STRANGER)
        assert raised.value.message == "That is not your current password."
    with pytest.raises(InvalidInput) as raised:
        await change_customer_password(db, centre, ada.id, "analytical", "difference engine", NOW, address=STRANGER)
    assert raised.value.field == "currentPassword" and "Try again in" in raised.value.message
    slow = await sign_in_customer(db, centre, "ada@example.com", "analytical", NOW, address=STRANGER)
    assert not slow.ok and "Try again in" in (slow.message or "")
    later = NOW + address_delay(FREE_FAILURES_PER_ADDRESS)
    await change_customer_password(db, centre, ada.id, "analytical", "difference engine", later, address=STRANGER)
    assert (await sign_in_customer(db, centre, "ada@example.com", "difference engine", later, address=STRANGER)).ok
