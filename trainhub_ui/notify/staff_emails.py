"""The emails to the centre's staff: the invitation to set a password and join the back office."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxEmail, StaffRole
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import day_and_time

from .outbox import queue
from .render import render


async def staff_invite(
    session: AsyncSession,
    ctx: TenantContext,
    *,
    to: str,
    name: str,
    role: StaffRole,
    invited_by: str,
    link: str,
    valid_until: datetime,
) -> OutboxEmail | None:
    email = render(
        "staff_invite",
        ctx.tenant,
        to,
        {
            "name": name,
            "role": role.value.title(),
            "invited_by": invited_by,
            "link": link,
            "valid_until": day_and_time(ctx.tenant, valid_until),
        },
    )
    return await queue(session, ctx, email)
