"""Sign-in, sign-up and staff accounts; how often a password may be tried is `sign_in_throttle`'s."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Customer, StaffRole, StaffUser, Tenant
from trainhub_ui.db import Database
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound

from .passwords import hash_password, password_problem, verify_password
from .sign_in_throttle import claim_try, lift_email_lock, take_back_try

WRONG_CREDENTIALS = "That email and password do not match an account."
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

STAFF = "staff"
CUSTOMER = "customer"
# Callers that know the client's address (every page and the kiosk) pass it; a try without one shares this.
UNKNOWN_ADDRESS = "unknown"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    if not email:
        return "Enter your email address."
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        return "Enter an email address like name@example.com."
    return None


@dataclass(frozen=True)
class SignInResult:
    """The outcome of one try. `account` is set on success; `message` says why not otherwise."""

    account: StaffUser | Customer | None
    message: str | None = None
    locked_until: datetime | None = None
    retry_after_seconds: int | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None


async def _sign_in(
    db: Database,
    tenant: Tenant,
    audience: str,
    email: str,
    password: str,
    now: datetime,
    address: str,
    find_account: Callable[[AsyncSession], Awaitable[StaffUser | Customer | None]],
) -> SignInResult:
    # Short steps rather than one transaction: the argon2 check takes a tenth of a second by design and
    # must hold neither a write lock nor the event loop. The try is counted before it, so parallel tries
    # cannot check more passwords than the throttle allows.
    refusal = await claim_try(db, tenant, audience, email, address, now)
    if refusal is not None:
        return SignInResult(None, refusal.message, refusal.until, refusal.retry_after_seconds)
    async with db.read() as session:
        account = await find_account(session)
    ok = await asyncio.to_thread(verify_password, password, account.password_hash if account else None)
    if not ok or account is None:
        return SignInResult(None, WRONG_CREDENTIALS)
    async with db.transaction() as session:
        await take_back_try(session, tenant, audience, email, address, now)
        # A student's last sign-in counts as activity for the centre's retention period.
        kind = StaffUser if isinstance(account, StaffUser) else Customer
        await session.execute(update(kind).where(kind.id == account.id).values(last_signed_in_at=now))
    return SignInResult(account)


async def sign_in_staff(
    db: Database, tenant: Tenant, email: str, password: str, now: datetime, *, address: str = UNKNOWN_ADDRESS
) -> SignInResult:
    """Check a staff member's email and password for this centre, tried from the client `address`."""
    email = normalise_email(email)

    async def find(session: AsyncSession) -> StaffUser | None:
        return await session.scalar(
            select(StaffUser).where(
                StaffUser.tenant_id == tenant.id, StaffUser.email == email, StaffUser.is_active.is_(True)
            )
        )

    return await _sign_in(db, tenant, STAFF, email, password, now, address, find)


async def sign_in_customer(
    db: Database, tenant: Tenant, email: str, password: str, now: datetime, *, address: str = UNKNOWN_ADDRESS
) -> SignInResult:
    """Check a student's email and password for this centre, tried from the client `address`."""
    email = normalise_email(email)

    async def find(session: AsyncSession) -> Customer | None:
        return await session.scalar(select(Customer).where(Customer.tenant_id == tenant.id, Customer.email == email))

    return await _sign_in(db, tenant, CUSTOMER, email, password, now, address, find)


def _required(field: str, value: str, label: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, f"Enter your {label}.")
    if len(value) > max_length:
        raise InvalidInput(field, f"Use at most {max_length} characters.")
    return value


async def sign_up_customer(
    session: AsyncSession,
    tenant: Tenant,
    *,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    phone: str = "",
) -> Customer:
    """Open a student account at this centre."""
    first_name = _required("firstName", first_name, "first name", 100)
    last_name = _required("lastName", last_name, "last name", 100)
    email = normalise_email(email)
    if problem := email_problem(email):
        raise InvalidInput("email", problem)
    if problem := password_problem(password):
        raise InvalidInput("password", problem)
    if len(phone.strip()) > 50:
        raise InvalidInput("phone", "Use at most 50 characters.")
    existing = await session.scalar(select(Customer.id).where(Customer.tenant_id == tenant.id, Customer.email == email))
    if existing is not None:
        raise DomainError(
            "customer_exists",
            "This email already has an account or bookings here. Sign in instead, or use the link in "
            "your booking email to set a password.",
            field="email",
        )
    customer = Customer(
        tenant_id=tenant.id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone.strip(),
        password_hash=await asyncio.to_thread(hash_password, password),
    )
    session.add(customer)
    await session.flush()
    return customer


async def create_staff_user(
    session: AsyncSession, tenant: Tenant, *, email: str, name: str, role: StaffRole, password: str
) -> StaffUser:
    """Add a staff member to a centre with a password they can sign in with."""
    email = normalise_email(email)
    if problem := email_problem(email):
        raise InvalidInput("email", problem)
    if problem := password_problem(password):
        raise InvalidInput("password", problem)
    name = name.strip() or email.split("@")[0]
    existing = await session.scalar(
        select(StaffUser.id).where(StaffUser.tenant_id == tenant.id, StaffUser.email == email)
    )
    if existing is not None:
        raise DomainError("staff_exists", f"{email} is already a staff user of this centre.", field="email")
    user = StaffUser(
        tenant_id=tenant.id,
        email=email,
        name=name[:200],
        role=role,
        password_hash=await asyncio.to_thread(hash_password, password),
    )
    session.add(user)
    await session.flush()
    return user


async def find_staff_user(session: AsyncSession, tenant: Tenant, user_id: str) -> StaffUser | None:
    """An active staff user of this centre by id; another centre's id finds nothing."""
    return await session.scalar(
        select(StaffUser).where(
            StaffUser.tenant_id == tenant.id, StaffUser.id == user_id, StaffUser.is_active.is_(True)
        )
    )


async def find_customer(session: AsyncSession, tenant: Tenant, customer_id: str) -> Customer | None:
    return await session.scalar(select(Customer).where(Customer.tenant_id == tenant.id, Customer.id == customer_id))


async def prove_customer_password(
    db: Database, tenant: Tenant, customer: Customer, password: str, now: datetime, *, address: str, field: str
) -> None:
    """A signed-in student proves their password again before a change that matters (InvalidInput at `field`
    if wrong). The try meets the sign-in's throttle first, so guessing here is no faster than at the sign-in
    page; a right one is the caller's to take back (`take_back_try`). An account without one proves nothing."""
    if customer.password_hash is None:
        return
    refusal = await claim_try(db, tenant, CUSTOMER, customer.email, address, now)
    if refusal is not None:
        raise InvalidInput(field, refusal.message)
    if not await asyncio.to_thread(verify_password, password, customer.password_hash):
        raise InvalidInput(field, "That is not your current password.")


async def change_customer_password(
    db: Database,
    tenant: Tenant,
    customer_id: str,
    current: str,
    new: str,
    now: datetime,
    *,
    address: str = UNKNOWN_ADDRESS,
) -> None:
    """A signed-in student sets a new password, proving the current one first (when the account has one).

    Like sign-in, the argon2 work runs between short transactions, holding no lock, and the current password
    meets the sign-in's throttle: guessing here is no faster than at the sign-in page. The new password
    lifts a lock of the account's email.
    """
    if problem := password_problem(new):
        raise InvalidInput("newPassword", problem)
    async with db.read() as session:
        customer = await find_customer(session, tenant, customer_id)
    if customer is None:
        raise NotFound("Student")
    await prove_customer_password(db, tenant, customer, current, now, address=address, field="currentPassword")
    new_hash = await asyncio.to_thread(hash_password, new)
    async with db.transaction() as session:
        await session.execute(
            update(Customer)
            .where(Customer.tenant_id == tenant.id, Customer.id == customer_id)
            .values(password_hash=new_hash, updated_at=now)
        )
        await take_back_try(session, tenant, CUSTOMER, customer.email, address, now)
        await lift_email_lock(session, tenant, CUSTOMER, customer.email)
