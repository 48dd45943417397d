"""Writing one demo centre: the centre itself, its staff and students, its courses and their dated sessions.

A `CentreWriter` holds what has been written so far; the bookings and the delivered past sessions are
added to it by their own modules.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    AuditEntry,
    Base,
    Booking,
    Course,
    CourseSession,
    Customer,
    Invoice,
    Payment,
    Refund,
    StaffRole,
    StaffUser,
    Tenant,
    WaitingListEntry,
    new_id,
)
from trainhub_ui.domain.context import TenantContext

from .specs import FULL_DAY, HALF_DAY, CentreSpec, CourseSpec

ACTOR = "demo seed"

_INSERT_LAYER: dict[type[Base], int] = {
    Tenant: 0,
    StaffUser: 1,
    Customer: 1,
    Course: 1,
    AuditEntry: 1,
    CourseSession: 2,
    Booking: 3,
    Payment: 4,
    WaitingListEntry: 4,
    Refund: 5,
    Invoice: 4,
}


def fits_week(start: date, days: int) -> bool:
    """Whether a course of `days` days starting on `start` runs Monday to Friday without a weekend."""
    return start.weekday() + min(days, 5) - 1 <= 4


class CentreWriter:
    """Adds one centre and everything in it to the session."""

    def __init__(self, session: AsyncSession, spec: CentreSpec, password_hash: str, today: date) -> None:
        self.session = session
        self.spec = spec
        self.password_hash = password_hash
        self.today = today
        self.now = datetime.now(UTC)
        self.rng = random.Random(spec.seed)
        self.zone = ZoneInfo(spec.timezone)
        self.tenant = Tenant(
            id=new_id(),
            slug=spec.slug,
            name=spec.name,
            legal_name=spec.legal_name,
            vat_number=spec.vat_number,
            tagline=spec.tagline,
            brand_colour=spec.brand_colour,
            contact_email=spec.contact_email,
            contact_phone=spec.contact_phone,
            address=spec.address,
            currency=spec.currency,
            timezone=spec.timezone,
            deposit_percent=spec.deposit_percent,
            hold_minutes=spec.hold_minutes,
            vat_rate_basis_points=spec.vat_rate_basis_points,
            bank_details=spec.bank_details,
            created_at=self.now - timedelta(days=240),
        )
        self.instructor: StaffUser | None = None
        self.admin_name = ""
        self.customers: dict[str, Customer] = {}
        # A company's billing address is given with each booking on invoice, not kept on the student.
        self.billing_addresses = {c.email: c.billing_address for c in spec.customers if c.billing_address}
        self.courses: dict[str, Course] = {}
        self.price_by_course_id: dict[str, int] = {}
        self.upcoming: dict[str, list[CourseSession]] = {}
        self.all_sessions: list[CourseSession] = []
        self.course_by_session_id: dict[str, str] = {}
        self.bookings: list[Booking] = []
        self.payments: list[Payment] = []
        self.references: set[str] = set()
        self.live: set[tuple[str, str]] = set()  # (session id, customer id) with a live booking
        self.past: list[CourseSession] = []
        self.layers: defaultdict[int, list[Base]] = defaultdict(list)

    def add(self, row: Base) -> None:
        self.layers[_INSERT_LAYER[type(row)]].append(row)

    async def flush(self) -> None:
        # The models declare foreign keys without relationships, so one flush cannot tell that a
        # payment must follow its booking: insert parents first, one layer per flush.
        for layer in sorted(self.layers):
            self.session.add_all(self.layers.pop(layer))
            await self.session.flush()

    def moment(self, day: date, at: time) -> datetime:
        """A local wall-clock time at the centre, as a UTC moment (British Summer Time included)."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def spec_of(self, slug: str) -> CourseSpec:
        return next(c for c in self.spec.courses if c.slug == slug)

    def context(self, role: StaffRole | None, at: datetime) -> TenantContext:
        actor = "system"
        if role is StaffRole.INSTRUCTOR and self.instructor is not None:
            actor = self.instructor.name
        elif role is StaffRole.ADMIN:
            actor = self.admin_name
        user_id = self.instructor.id if role is StaffRole.INSTRUCTOR and self.instructor else None
        return TenantContext(tenant=self.tenant, actor=actor, role=role, user_id=user_id, clock=lambda: at)

    def audit(self, at: datetime, action: str, entity_type: str, entity_id: str, **details: object) -> None:
        self.add(
            AuditEntry(
                id=new_id(),
                tenant_id=self.tenant.id,
                actor=ACTOR,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                details=details,
                created_at=at,
            )
        )

    # -- people ----------------------------------------------------------------------------------

    def staff(self) -> None:
        for member in self.spec.staff:
            user = StaffUser(
                id=new_id(),
                tenant_id=self.tenant.id,
                email=member.email,
                name=member.name,
                role=member.role,
                password_hash=self.password_hash,
                created_at=self.now - timedelta(days=230),
            )
            self.add(user)
            if member.role is StaffRole.INSTRUCTOR and self.instructor is None:
                self.instructor = user
            if member.role in (StaffRole.ADMIN, StaffRole.OWNER) and not self.admin_name:
                self.admin_name = member.name

    def students(self) -> None:
        for spec in self.spec.customers:
            customer = Customer(
                id=new_id(),
                tenant_id=self.tenant.id,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=spec.email,
                phone=spec.phone,
                company_name=spec.company_name,
                billing_email=spec.billing_email,
                po_number=spec.po_number,
                password_hash=self.password_hash if spec.has_account else None,
                created_at=self.now - timedelta(days=self.rng.randint(70, 200)),
            )
            self.add(customer)
            self.customers[spec.email] = customer

    # -- catalogue -------------------------------------------------------------------------------

    def courses_and_sessions(self) -> None:
        for spec in self.spec.courses:
            course = Course(
                id=new_id(),
                tenant_id=self.tenant.id,
                slug=spec.slug,
                title=spec.title,
                category=spec.category,
                summary=spec.summary,
                description=spec.description,
                requirements=spec.requirements,
                location=self.spec.location,
                duration_days=spec.duration_days,
                duration_hours=spec.duration_hours,
                price=spec.price,
                default_capacity=spec.capacity,
                certificate_validity_months=spec.validity_months,
                is_active=True,
                created_at=self.now - timedelta(days=220),
            )
            self.add(course)
            self.courses[spec.slug] = course
            self.price_by_course_id[course.id] = course.price
            self.upcoming[spec.slug] = [
                self.course_session(spec, course, start, staffed=number < 2)
                for number, start in enumerate(self._upcoming_starts(spec))
            ]

    def _upcoming_starts(self, spec: CourseSpec) -> list[date]:
        """`spec.sessions` start dates spread over the next 90 days, each in its own slot, in order."""
        span = 85 // spec.sessions
        starts = []
        for number in range(spec.sessions):
            start = self.today + timedelta(days=3 + number * span + self.rng.randint(0, max(span - 8, 0)))
            while not fits_week(start, spec.duration_days):
                start += timedelta(days=1)
            starts.append(start)
        return starts

    def course_session(self, spec: CourseSpec, course: Course, start: date, *, staffed: bool) -> CourseSession:
        start_time, end_time = HALF_DAY if spec.half_day else FULL_DAY
        instructor = self.instructor if staffed else None
        item = CourseSession(
            id=new_id(),
            tenant_id=self.tenant.id,
            course_id=course.id,
            start_date=start,
            end_date=start + timedelta(days=spec.duration_days - 1),
            start_time=start_time,
            end_time=end_time,
            starts_at=self.moment(start, start_time),
            available_spots=spec.capacity,
            is_active=True,
            venue=spec.venue,
            instructor_id=instructor.id if instructor else None,
            instructor_notes=spec.instructor_notes if instructor else "",
            created_at=self.now - timedelta(days=self.rng.randint(100, 200)),
        )
        self.add(item)
        self.all_sessions.append(item)
        self.course_by_session_id[item.id] = course.id
        return item
