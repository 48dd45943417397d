"""The rate limits as pages meet them: a plain request past its limit is answered 429 with a page that
says so; an action on a page that is already open shows the same words where the page shows problems."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse
from nicegui import ui
from starlette.requests import Request

from trainhub_ui.client_address import client_address
from trainhub_ui.rate_limits import Door, rate_limits, too_many


async def refused_request(request: Request, door: Door, slug: str) -> HTMLResponse | None:
    """Count a plain request at this door; None if it may be served, else the 429 answer with Retry-After."""
    wait = await rate_limits().wait_seconds(door, slug, client_address(request))
    if wait is None:
        return None
    return HTMLResponse(
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Please wait</title>'
        f'<body style="font-family: sans-serif; padding: 2rem"><p role="alert">{escape(too_many(wait))}</p></body>',
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


async def refused_page(door: Door, slug: str) -> HTMLResponse | None:
    """The same for a page being built (its request is the client's)."""
    return await refused_request(ui.context.client.request, door, slug)


async def wait_message(door: Door, slug: str) -> str | None:
    """Count an action of an open page at this door; None if it may go on, else what to tell the person."""
    wait = await rate_limits().wait_seconds(door, slug, client_address(ui.context.client.request))
    return too_many(wait) if wait else None
