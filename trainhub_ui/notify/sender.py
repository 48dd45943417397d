"""Delivering the outbox over SMTP, with retries and backoff.

Rows are claimed before they are sent: a claimed row is SENDING with a lease (`next_attempt_at` a few
minutes ahead). Two runners never claim the same row (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
one writer at a time), and a row whose runner died mid-send is claimed again when its lease runs out,
so nothing is lost. Each message carries a Message-ID fixed by its row, so a rare second delivery
after such a crash is recognisable as the same email.
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from sqlalchemy import or_, select, update

from models import OutboxEmail, OutboxStatus, Tenant
from trainhub_ui.config import Settings, get_settings
from trainhub_ui.db import Database

from .outbox import Attachment

BATCH = 50
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 10
SMTP_TIMEOUT = 20  # seconds for the connection and each command


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 ... minutes, at most 6 hours (10 tries span about a day)."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


@dataclass(frozen=True)
class Outcome:
    error: str = ""
    permanent: bool = False  # the server refused the message itself: trying again will not help

    @property
    def sent(self) -> bool:
        return not self.error


def smtp_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _sender(settings: Settings, tenant: Tenant) -> str:
    """The centre's own sender address when it set one, else the platform's, named after the centre."""
    address = parseaddr(tenant.email_sender)[1] if tenant.email_sender else ""
    return formataddr((tenant.name, address or parseaddr(settings.smtp_from)[1]))


def build_message(row: OutboxEmail, tenant: Tenant, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _sender(settings, tenant)
    message["To"] = row.to_address
    if tenant.contact_email:
        message["Reply-To"] = formataddr((tenant.name, tenant.contact_email))
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = f"<{row.id}@trainhub.outbox>"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    for item in row.attachments or []:
        attachment = Attachment.from_json(item)
        kind = attachment.content_type.split(";")[0]
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )
    return message


def _send_all(settings: Settings, messages: dict[str, EmailMessage]) -> dict[str, Outcome]:
    """One SMTP connection for the batch; runs in a worker thread."""
    outcomes: dict[str, Outcome] = {}
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                # Refuses (SMTPNotSupportedError) rather than send passwords and emails in the clear.
                smtp.starttls()
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            for row_id, message in messages.items():
                try:
                    smtp.send_message(message)
                    outcomes[row_id] = Outcome()
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                    code = getattr(error, "smtp_code", 0) or _first_code(error)
                    outcomes[row_id] = Outcome(_describe(error), permanent=500 <= code < 600)
    except (OSError, smtplib.SMTPException) as error:
        # The server is down or refused the session: everything not yet sent is tried again later.
        for row_id in messages:
            outcomes.setdefault(row_id, Outcome(_describe(error)))
    return outcomes


def _first_code(error: smtplib.SMTPException) -> int:
    recipients = getattr(error, "recipients", {}) or {}
    for code, _ in recipients.values():
        return int(code)
    return 0


def _describe(error: BaseException) -> str:
    text = str(error) or error.__class__.__name__
    return f"{error.__class__.__name__}: {text}"[:1000]


async def _claim(db: Database, now: datetime, batch: int) -> list[tuple[OutboxEmail, Tenant]]:
    due = [
        OutboxEmail.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]),
        or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now),
    ]
    async with db.transaction() as session:
        ids = list(
            await session.scalars(
                select(OutboxEmail.id)
                .where(*due)
                .order_by(OutboxEmail.next_attempt_at, OutboxEmail.created_at)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        # The conditions again: on SQLite FOR UPDATE is not there, and the write lock is what orders runners.
        claimed = await session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids), *due)
            .values(
                status=OutboxStatus.SENDING,
                next_attempt_at=now + LEASE,
                attempts=OutboxEmail.attempts + 1,
                updated_at=now,
            )
            .returning(OutboxEmail.id)
        )
        mine = list(claimed.scalars())
        if not mine:
            return []
        rows = (
            await session.execute(
                select(OutboxEmail, Tenant)
                .join(Tenant, Tenant.id == OutboxEmail.tenant_id)
                .where(OutboxEmail.id.in_(mine))
                .execution_options(populate_existing=True)
            )
        ).all()
    return [(row, tenant) for row, tenant in rows]


async def deliver_due(db: Database, now: datetime, settings: Settings | None = None, *, batch: int = BATCH) -> int:
    """Send what is due, one batch at a time until none is left; answers how many were sent.
    Without SMTP settings nothing is sent: the emails wait in the outbox (staff read them there)."""
    settings = settings or get_settings()
    if not smtp_configured(settings):
        return 0
    sent = 0
    while True:
        claimed = await _claim(db, now, batch)
        if not claimed:
            return sent
        messages = {row.id: build_message(row, tenant, settings) for row, tenant in claimed}
        outcomes = await asyncio.to_thread(_send_all, settings, messages)
        attempts = {row.id: row.attempts for row, _ in claimed}
        async with db.transaction() as session:
            for row_id, outcome in outcomes.items():
                mine = update(OutboxEmail).where(OutboxEmail.id == row_id, OutboxEmail.status == OutboxStatus.SENDING)
                if outcome.sent:
                    values = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": "", "next_attempt_at": None}
                    sent += 1
                elif outcome.permanent or attempts[row_id] >= MAX_ATTEMPTS:
                    values = {"status": OutboxStatus.FAILED, "last_error": outcome.error, "next_attempt_at": None}
                else:
                    values = {
                        "status": OutboxStatus.QUEUED,
                        "last_error": outcome.error,
                        "next_attempt_at": now + backoff(attempts[row_id]),
                    }
                await session.execute(mine.values(updated_at=now, **values))
        if any(not outcome.sent for outcome in outcomes.values()):
            return sent  # the server is struggling: the rest waits for the next run
