"""A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, and a centre with a course to book."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from models import Course, CourseSession, Customer, Tenant
from tests.e2e.conftest import free_port
from trainhub_ui.config import Settings
from trainhub_ui.db import Database
from trainhub_ui.services.session_schedule import session_starts_at
from trainhub_ui.services.tenants import create_tenant


@dataclass
class Mailbox:
    """What the SMTP server received, as parsed messages."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_RCPT(
        self, server: object, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if str(message["To"]) == address]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; can be stopped and started again on the same port (a mail server outage)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> Settings:
        return Settings(smtp_host="127.0.0.1", smtp_port=self.port, smtp_starttls=False, base_url="http://test")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down() -> SmtpServer:
    """The settings of a mail server that is not running (yet): start() brings it up."""
    return SmtpServer()


@dataclass
class Centre:
    tenant: Tenant
    course: Course
    sessions: list[CourseSession]
    students: list[Customer]


async def centre_with_sessions(db: Database, starts: list[date], *, spots: int = 12) -> Centre:
    """Bristol Gas (Europe/London) with a 09:00-16:30 course on the given start days, and three students."""
    async with db.transaction() as session:
        tenant = await create_tenant(session, "bristol-gas", "Bristol Gas Training")
        tenant.contact_email = "bookings@bristolgas.example"
        tenant.contact_phone = "0117 496 0123"
        tenant.brand_colour = "#b45309"
        course = Course(
            tenant_id=tenant.id,
            slug="ccn1",
            title="ACS CCN1 Core Gas Safety",
            price=89500,
            default_capacity=spots,
            location="Avonmouth centre",
            requirements="Photo ID and safety boots",
        )
        session.add(course)
        await session.flush()
        sessions = []
        for start in starts:
            item = CourseSession(
                tenant_id=tenant.id,
                course_id=course.id,
                start_date=start,
                end_date=start + timedelta(days=1),
                start_time=time(9, 0),
                end_time=time(16, 30),
                starts_at=session_starts_at(tenant, start, time(9, 0)),
                available_spots=spots,
            )
            session.add(item)
            sessions.append(item)
        students = [
            Customer(tenant_id=tenant.id, first_name=first, last_name="Jones", email=f"{first.lower()}@example.com")
            for first in ("Gareth", "Megan", "Rhys")
        ]
        session.add_all(students)
        await session.flush()
    return Centre(tenant, course, sessions, students)


def at(day: date, hour: int = 10) -> datetime:
    """A moment on `day` (UTC), for driving the clock."""
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)
