"""The JSON API under /api, documented at /api/docs."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from trainhub_ui.db import database

router = APIRouter(prefix="/api")


@router.get("/health", tags=["platform"])
async def health() -> dict[str, str]:
    """Answers when the server is up and its database answers."""
    async with database().read() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}
