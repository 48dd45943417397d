"""Small builders for test data, written through the same models the app uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models import Course, CourseSession, Customer, StaffRole, Tenant
from trainhub_ui.services.accounts import create_staff_user
from trainhub_ui.services.tenants import create_tenant

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Clock:
    """A clock a test can move: pass it as a TenantContext's clock, then set `now`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def centre(session: AsyncSession, slug: str = "test-centre", name: str = "Test Centre") -> Tenant:
    return await create_tenant(session, slug, name)


async def staff(session: AsyncSession, tenant: Tenant, role: StaffRole = StaffRole.ADMIN, email: str = "") -> None:
    await create_staff_user(
        session,
        tenant,
        email=email or f"{role.value.lower()}@{tenant.slug}.example",
        name=f"{role.value.title()} Person",
        role=role,
        password=PASSWORD,
    )


async def course(session: AsyncSession, tenant: Tenant, *, price: int = 49500, slug: str = "ccn1") -> Course:
    item = Course(tenant_id=tenant.id, slug=slug, title="ACS CCN1", price=price, default_capacity=12)
    session.add(item)
    await session.flush()
    return item


async def course_session(
    session: AsyncSession, course: Course, *, spots: int = 12, start: date | None = None
) -> CourseSession:
    start = start or date.today() + timedelta(days=30)
    item = CourseSession(
        tenant_id=course.tenant_id,
        course_id=course.id,
        start_date=start,
        end_date=start + timedelta(days=2),
        start_time=time(9, 0),
        end_time=time(17, 0),
        starts_at=datetime.combine(start, time(9, 0), tzinfo=UTC),
        available_spots=spots,
    )
    session.add(item)
    await session.flush()
    return item


async def customer(session: AsyncSession, tenant: Tenant, email: str = "sam@example.com") -> Customer:
    item = Customer(tenant_id=tenant.id, first_name="Sam", last_name="Student", email=email)
    session.add(item)
    await session.flush()
    return item
