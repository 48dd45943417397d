"""The JSON API under /api, documented at /api/docs. Routes are thin: parse, call a service, answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import text

from trainhub_ui.db import database

from . import bookings, courses, dashboard, students
from .common import install_error_handlers, refuse_nul_characters

router = APIRouter(prefix="/api", dependencies=[Depends(refuse_nul_characters)])


@router.get("/health", tags=["platform"])
async def health() -> dict[str, str]:
    """Answers when the server is up and its database answers."""
    async with database().read() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}


for module in (courses, bookings, students, dashboard):
    router.include_router(module.router)


def install_api(app: FastAPI) -> None:
    """Add the API and its error answers to an app (NiceGUI's in production, a bare one in tests)."""
    install_error_handlers(app)
    app.include_router(router)
