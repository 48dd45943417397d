"""Sign-in, sign-up and password changes, on SQLite and PostgreSQL (the throttle: test_sign_in_throttle.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Customer, StaffRole, StaffUser
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.errors import DomainError, InvalidInput
from trainhub_ui.services.accounts import (
    WRONG_CREDENTIALS,
    change_customer_password,
    sign_in_customer,
    sign_in_staff,
    sign_up_customer,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def _centre_with_admin(db: Database, slug: str = "test-centre") -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session, slug)
        await factories.staff(session, tenant, StaffRole.ADMIN, email=f"admin@{slug}.example")


async def _staff_sign_in(db: Database, slug: str, email: str, password: str, now: datetime = NOW):
    from trainhub_ui.services.tenants import get_tenant

    async with db.read() as session:
        tenant = await get_tenant(session, slug)
    return await sign_in_staff(db, tenant, email, password, now)


async def test_staff_signs_in_with_right_password(db: Database) -> None:
    await _centre_with_admin(db)
    result = await _staff_sign_in(db, "test-centre", "  Admin@Test-Centre.example ", factories.PASSWORD)
    assert result.ok
    assert isinstance(result.account, StaffUser)
    async with db.transaction() as session:
        user = await session.scalar(select(StaffUser))
        assert user is not None and user.last_signed_in_at == NOW
        assert user.password_hash and user.password_hash.startswith("$argon2")


async def test_unknown_email_and_wrong_password_get_the_same_message(db: Database) -> None:
    await _centre_with_admin(db)
    wrong_password = await _staff_sign_in(db, "test-centre", "admin@test-centre.example", "nope-nope")
    unknown_email = await _staff_sign_in(db, "test-centre", "nobody@test-centre.example", factories.PASSWORD)
    assert not wrong_password.ok and not unknown_email.ok
    assert wrong_password.message == unknown_email.message == WRONG_CREDENTIALS


async def test_staff_of_one_centre_cannot_sign_in_at_another(db: Database) -> None:
    await _centre_with_admin(db, "centre-a")
    await _centre_with_admin(db, "centre-b")
    result = await _staff_sign_in(db, "centre-b", "admin@centre-a.example", factories.PASSWORD)
    assert not result.ok


async def test_student_signs_up_then_signs_in(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        customer = await sign_up_customer(
            session, tenant, first_name="Ada", last_name="Lovelace", email="Ada@Example.com", password="analytical"
        )
        assert customer.email == "ada@example.com"
    result = await sign_in_customer(db, tenant, "ada@example.com", "analytical", NOW)
    assert result.ok and isinstance(result.account, Customer)
    wrong = await sign_in_customer(db, tenant, "ada@example.com", "wrong-one", NOW)
    assert wrong.message == WRONG_CREDENTIALS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": "  "}, "firstName"),
        ({"last_name": ""}, "lastName"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "short"}, "password"),
        ({"first_name": "x" * 10_001}, "firstName"),
    ],
)
async def test_sign_up_refuses_bad_input_naming_the_field(db: Database, changes: dict, field: str) -> None:
    values = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "password": "analytical"}
    values.update(changes)
    async with db.transaction() as session:
        tenant = await factories.centre(session)
    with pytest.raises(InvalidInput) as raised:
        async with db.transaction() as session:
            await sign_up_customer(session, tenant, **values)
    assert raised.value.field == field


async def test_sign_up_refuses_an_email_already_known(db: Database) -> None:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        await factories.customer(session, tenant, email="guest@example.com")
    with pytest.raises(DomainError) as raised:
        async with db.transaction() as session:
            await sign_up_customer(
                session, tenant, first_name="G", last_name="Uest", email="GUEST@example.com", password="12345678"
            )
    assert raised.value.code == "customer_exists"
    assert raised.value.field == "email"


async def _ada(db: Database) -> tuple:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        ada = await sign_up_customer(
            session, tenant, first_name="Ada", last_name="Lovelace", email="ada@example.com", password="analytical"
        )
    return tenant, ada


async def test_a_student_changes_their_password_after_giving_the_current_one(db: Database) -> None:
    tenant, ada = await _ada(db)
    await change_customer_password(db, tenant, ada.id, "analytical", "difference engine", NOW)
    assert (await sign_in_customer(db, tenant, "ada@example.com", "difference engine", NOW)).ok
    assert not (await sign_in_customer(db, tenant, "ada@example.com", "analytical", NOW)).ok


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [("wrong-one", "difference engine", "currentPassword"), ("analytical", "short", "newPassword")],
)
async def test_a_password_change_refuses_naming_the_field_and_keeps_the_old_one(
    db: Database, current: str, new: str, field: str
) -> None:
    tenant, ada = await _ada(db)
    with pytest.raises(InvalidInput) as raised:
        await change_customer_password(db, tenant, ada.id, current, new, NOW)
    assert raised.value.field == field
    assert (await sign_in_customer(db, tenant, "ada@example.com", "analytical", NOW)).ok


async def test_another_centres_student_cannot_be_changed(db: Database) -> None:
    tenant, ada = await _ada(db)
    async with db.transaction() as session:
        other = await factories.centre(session, "other-centre")
    with pytest.raises(DomainError) as raised:
        await change_customer_password(db, other, ada.id, "analytical", "difference engine", NOW)
    assert raised.value.code == "not_found"
    assert (await sign_in_customer(db, tenant, "ada@example.com", "analytical", NOW)).ok
