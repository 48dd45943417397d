"""The address a request came from, as the throttles and rate limits count it."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from trainhub_ui.config import get_settings


def client_address(connection: HTTPConnection) -> str:
    """The peer's address; behind trusted proxies (`forwarded_for_hops`), the one the outermost of them saw.

    Each proxy appends the address it was reached from to X-Forwarded-For, so only the last `hops` entries
    were written by proxies we trust; anything to their left is whatever the client sent.
    """
    hops = get_settings().forwarded_for_hops
    peer = connection.client.host if connection.client else "unknown"
    if hops <= 0:
        return peer
    forwarded = [entry.strip() for entry in connection.headers.get("x-forwarded-for", "").split(",") if entry.strip()]
    if not forwarded:
        return peer
    return forwarded[-min(hops, len(forwarded))]
