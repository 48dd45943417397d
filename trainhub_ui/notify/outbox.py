"""The email outbox: every email is a row written in the transaction of the change that caused it.

Nothing is sent here. `sender.deliver_due` sends what is due later, so an email exists exactly when
its change committed, and survives SMTP being down or the process stopping.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxEmail, OutboxStatus
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.erased import is_erased_address
from trainhub_ui.domain.errors import DomainError, NotFound


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "contentType": self.content_type,
            "content": base64.b64encode(self.content).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Attachment:
        return cls(data["filename"], data["contentType"], base64.b64decode(data["content"]))


@dataclass(frozen=True)
class Email:
    """A rendered email, ready to queue."""

    kind: str
    to: str
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


async def already_queued(session: AsyncSession, dedupe_key: str) -> bool:
    return await session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key)) is not None


async def queue(
    session: AsyncSession,
    ctx: TenantContext,
    email: Email,
    *,
    booking_id: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxEmail | None:
    """Add the email to the caller's transaction. With a `dedupe_key` it is queued once ever: a second
    attempt (another job runner, a repeated run) answers None and changes nothing."""
    if dedupe_key is not None and await already_queued(session, dedupe_key):
        return None
    now = ctx.now()
    row = OutboxEmail(
        tenant_id=ctx.tenant_id,
        kind=email.kind,
        dedupe_key=dedupe_key,
        to_address=email.to,
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
        attachments=[attachment.to_json() for attachment in email.attachments],
        booking_id=booking_id,
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    if dedupe_key is None:
        session.add(row)
        return row
    try:
        # Two runners may pass the check above at once; the unique key decides, and the savepoint
        # keeps the caller's transaction usable for the loser.
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        if await already_queued(session, dedupe_key):
            return None
        raise
    return row


OUTBOX_PAGE = 25
WAITING = (OutboxStatus.QUEUED, OutboxStatus.SENDING)


@dataclass(frozen=True)
class OutboxPage:
    items: list[OutboxEmail]
    total: int


async def list_outbox(
    session: AsyncSession, ctx: TenantContext, *, status: str = "", limit: int = OUTBOX_PAGE, offset: int = 0
) -> OutboxPage:
    """The centre's emails, newest first; `status` is "waiting", "sent", "failed" or "" for all."""
    conditions = [OutboxEmail.tenant_id == ctx.tenant_id]
    if status == "waiting":
        conditions.append(OutboxEmail.status.in_(WAITING))
    elif status == "sent":
        conditions.append(OutboxEmail.status == OutboxStatus.SENT)
    elif status == "failed":
        conditions.append(OutboxEmail.status == OutboxStatus.FAILED)
    total = await session.scalar(select(func.count()).select_from(OutboxEmail).where(*conditions))
    rows = await session.scalars(
        select(OutboxEmail)
        .where(*conditions)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return OutboxPage(list(rows), total or 0)


async def get_email(session: AsyncSession, ctx: TenantContext, email_id: str) -> OutboxEmail:
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.tenant_id == ctx.tenant_id, OutboxEmail.id == email_id)
    )
    if email is None:
        raise NotFound("Email")
    return email


async def send_again(session: AsyncSession, ctx: TenantContext, email_id: str) -> OutboxEmail:
    """Staff try a failed email again (after fixing an address or the mail server): it is due at once."""
    email = await get_email(session, ctx, email_id)
    if email.status is not OutboxStatus.FAILED:
        raise DomainError("not_failed", "Only an email that failed can be sent again.")
    if is_erased_address(email.to_address):
        raise DomainError("recipient_erased", "Its recipient's data was erased: this email cannot be sent again.")
    now = ctx.now()
    email.status = OutboxStatus.QUEUED
    email.attempts = 0
    email.next_attempt_at = now
    email.updated_at = now
    record(session, ctx, "email.retried", "email", email.id, to=email.to_address)
    return email
