"""The audit trail: who changed what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry

from .context import TenantContext


def record(
    session: AsyncSession, ctx: TenantContext, action: str, entity_type: str, entity_id: str, /, **details: Any
) -> AuditEntry:
    """Add an audit entry to the current transaction, so it commits or rolls back with the change."""
    entry = AuditEntry(
        tenant_id=ctx.tenant_id,
        actor=ctx.actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=details,
        created_at=ctx.now(),
    )
    session.add(entry)
    return entry
