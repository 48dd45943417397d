"""The JSON API under /api, documented at /api/docs. Routes are thin: parse, call a service, answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import text

from trainhub_ui.config import Settings, get_settings
from trainhub_ui.db import database
from trainhub_ui.rate_limits import RateLimits
from trainhub_ui.request_limits import BodyLimit

from . import bookings, courses, dashboard, payments, students
from .common import install_error_handlers, refuse_nul_characters
from .docs import OPENAPI_URL, install_docs

router = APIRouter(prefix="/api", dependencies=[Depends(refuse_nul_characters)])


@router.get("/health", tags=["platform"])
async def health() -> dict[str, str]:
    """Answers when the server is up and its database answers."""
    async with database().read() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}


for module in (courses, bookings, students, dashboard, payments):
    router.include_router(module.router)
router.include_router(payments.webhook_router)


def install_api(app: FastAPI) -> None:
    """Add the API, its error answers and its rate limits to an app."""
    install_error_handlers(app)
    app.state.rate_limits = RateLimits(get_settings())
    app.include_router(router)


def create_api_app(settings: Settings | None = None) -> FastAPI:
    """The API as an ASGI app of its own, documented at /api/docs unless the settings (by default the
    environment's) turn that off.

    The web server hands it every /api request before NiceGUI's page middleware (sessions, gzip,
    request tracking) and page routes see them: none of that serves a JSON client, and on the
    booking path it cost as much CPU as the booking itself. A body over `max_request_bytes` is refused
    with 413 once its Content-Length, or the bytes streamed so far, pass the limit.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="TrainHub API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if settings.api_docs else None,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    install_api(app)
    if settings.api_docs:
        install_docs(app)
    return app
