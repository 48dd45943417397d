"""Assembles the web app: database lifecycle, the API and the pages, then serves it with NiceGUI."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

from nicegui import APIRouter, app, ui
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from trainhub_ui import api, events
from trainhub_ui.config import Settings
from trainhub_ui.db import Database, database, set_database
from trainhub_ui.jobs import run_jobs_forever
from trainhub_ui.rate_limits import RateLimits, set_rate_limits
from trainhub_ui.relay import RedisRelay, Relay
from trainhub_ui.request_limits import BodyLimit
from trainhub_ui.security_headers import SecurityHeaders

TITLE = "TrainHub"
GC_YOUNG_THRESHOLD = 100_000  # allocations between young collections (Python's default: 700)


def build(settings: Settings, *, run_jobs: bool = False) -> None:
    """Register everything on NiceGUI's app. Runs once per process (and once per test in the User harness).

    With `run_jobs` (a served process), the background jobs run every `jobs_interval_seconds`.
    """
    from pages.admin import (
        audit,
        booking_page,
        bookings,
        courses,
        dashboard,
        my_sessions,
        outbox,
        reports,
        session_page,
        sessions,
        set_password,
        settings_logo,
        student_data,
        student_page,
        students,
    )
    from pages.admin import settings as centre_settings
    from pages.admin import sign_in as staff_sign_in
    from pages.kiosk import page as kiosk
    from pages.shop import (
        account,
        catalogue,
        certificates,
        course_page,
        erase_my_data,
        feedback,
        home,
        invoice_confirmation,
        my_data,
        pay,
        pay_downloads,
        sign_in,
        sign_up,
        terms,
        verify,
        wizard,
    )

    settings.check_fit_to_run()
    set_rate_limits(RateLimits(settings))

    relays: list[Relay | RedisRelay] = []

    def open_database() -> None:
        # Not async: NiceGUI does not wait for async start-up handlers before the first request.
        set_database(Database(settings.database_url))

    async def start_relay() -> None:
        relay: Relay | RedisRelay
        if settings.redis_url:
            relay = RedisRelay(settings.redis_url, events.publish)
        elif not settings.is_sqlite:
            relay = Relay(settings.database_url, events.publish)
        else:
            return  # one process on SQLite: nobody else to tell
        await relay.start()
        relays.append(relay)
        events.also_send_to(relay.send)

    jobs: list[asyncio.Task[None]] = []

    async def start_jobs() -> None:
        if run_jobs and settings.jobs_interval_seconds > 0:
            task = run_jobs_forever(database, settings.jobs_interval_seconds)
            jobs.append(asyncio.create_task(task, name="trainhub jobs"))

    async def close_database() -> None:
        for task in jobs:  # first: a job must not be cut off from the database mid-run
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        events.also_send_to(None)
        while relays:
            await relays.pop().stop()
        try:
            current = database()
        except RuntimeError:
            return  # closed already (the test harness may run the shutdown twice)
        set_database(None)
        await current.dispose()

    app.on_startup(open_database)
    app.on_startup(start_relay)
    app.on_startup(start_jobs)
    app.on_shutdown(close_database)
    _serve_api_first(api.create_api_app(settings), settings)
    events.install()
    # Literal paths before the catch-all /{slug} pages.
    back_office = (
        dashboard,
        courses,
        sessions,
        session_page,
        my_sessions,
        bookings,
        booking_page,
        students,
        student_page,
        student_data,
        reports,
        outbox,
        audit,
        settings_logo,
        centre_settings,
        set_password,
    )
    shop = (
        sign_in,
        sign_up,
        pay,
        pay_downloads,
        invoice_confirmation,
        wizard,
        verify,
        terms,
        certificates,
        feedback,
        my_data,
        erase_my_data,
        catalogue,
        course_page,
        account,
    )
    _include_routers([module.router for module in (*back_office, staff_sign_in, *shop, kiosk, home)])


_lifespan: Any = None


def _include_routers(routers: list[APIRouter]) -> None:
    """Include the page routers. FastAPI wraps the app's lifespan in each included router's; the test
    harness removes the routes between tests but not those wrappers, so every build starts again from
    the app's own lifespan instead of nesting deeper each time."""
    global _lifespan
    if _lifespan is None:
        _lifespan = app.router.lifespan_context
    app.router.lifespan_context = _lifespan
    for router in routers:
        app.include_router(router)


def run_options(settings: Settings) -> dict[str, object]:
    return {
        "title": TITLE,
        "storage_secret": settings.storage_secret,
        "favicon": "🎓",
        "show_welcome_message": False,
        # Compression is added around the security headers instead (see _serve_api_first), which must see
        # a page before it is compressed to give its scripts their nonce.
        "gzip_middleware_factory": None,
        # The browser id's cookie: never sent over plain http when the site is served over https, and kept
        # off other sites' cross-site posts.
        "session_middleware_kwargs": {"https_only": settings.serves_https, "same_site": "lax"},
        # Every open page keeps a websocket. Compressed per message, each holds zlib's state for both directions
        # (bench/rush.py: 713 KiB a page with it, 530 without) and deflates every update once per page; the
        # updates are small.
        "ws_per_message_deflate": False,
    }


_api_app: ASGIApp | None = None
_settings: Settings | None = None


def _serve_api_first(api_app: ASGIApp, settings: Settings) -> None:
    """Send /api requests to the API's own app, everything else through NiceGUI's middleware and pages;
    both answer with the security headers, and the pages' request bodies are limited here.

    Starlette builds an app's middleware stack on its first request (after ui.run has added NiceGUI's
    middleware), so the dispatch wraps that build. The wrapper is installed once per process; each
    build (the User test harness builds once per test) only swaps which API app and settings it serves.
    """
    global _api_app, _settings
    _api_app = api_app
    _settings = settings
    if getattr(app, "_trainhub_api_first", False):
        return

    build_pages_stack: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        assert _settings is not None
        strict_transport = _settings.serves_https
        pages = GZipMiddleware(
            SecurityHeaders(
                BodyLimit(build_pages_stack(), max_bytes=_settings.max_request_bytes), strict_transport=strict_transport
            )
        )

        async def serve_api(scope: Scope, receive: Receive, send: Send) -> None:
            assert _api_app is not None
            await _api_app(scope, receive, send)

        api_with_headers = SecurityHeaders(serve_api, strict_transport=strict_transport)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            path: str = scope.get("path", "")
            if _api_app is not None and scope["type"] == "http" and (path == "/api" or path.startswith("/api/")):
                await api_with_headers(scope, receive, send)
            else:
                await pages(scope, receive, send)

        return dispatch

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
    app._trainhub_api_first = True  # type: ignore[attr-defined]


def serve(settings: Settings, host: str, port: int) -> None:
    build(settings, run_jobs=True)
    # A page holds thousands of live objects, and with Python's default collector settings a full
    # collection walked them all every few requests, pausing page builds for 250-480 ms (measured by
    # bench/page_render.py). What is loaded by now lives as long as the process and is frozen out of
    # collections; the rest is collected less often, in bigger batches.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 100)
    ui.run(host=host, port=port, reload=False, show=False, **run_options(settings))  # type: ignore[arg-type]
