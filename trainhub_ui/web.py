"""Assembles the web app: database lifecycle, the API and the pages, then serves it with NiceGUI."""

from __future__ import annotations

from nicegui import app, ui

from trainhub_ui import api, events
from trainhub_ui.config import Settings
from trainhub_ui.db import Database, database, set_database

TITLE = "TrainHub"


def build(settings: Settings) -> None:
    """Register everything on NiceGUI's app. Runs once per process (and once per test in the User harness)."""
    from pages import admin, public, sign_in

    settings.check_fit_to_run()

    def open_database() -> None:
        set_database(Database(settings.database_url))

    async def close_database() -> None:
        await database().dispose()
        set_database(None)

    app.on_startup(open_database)
    app.on_shutdown(close_database)
    app.docs_url = "/api/docs"
    app.redoc_url = None
    app.openapi_url = "/api/openapi.json"
    api.install_api(app)
    events.install()
    # Literal paths before the catch-all /{slug} pages.
    for router in (admin.router, sign_in.router, public.router):
        app.include_router(router)


def run_options(settings: Settings) -> dict[str, object]:
    return {
        "title": TITLE,
        "storage_secret": settings.storage_secret,
        "fastapi_docs": {"title": "TrainHub API", "version": "1"},
        "favicon": "🎓",
        "show_welcome_message": False,
    }


def serve(settings: Settings, host: str, port: int) -> None:
    build(settings)
    ui.run(host=host, port=port, reload=False, show=False, **run_options(settings))  # type: ignore[arg-type]
