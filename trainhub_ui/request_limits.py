"""How big a request body the app takes: the settings' limit everywhere, with room for a logo in an upload.

A body over its limit is refused with 413 in the API's error shape as soon as its Content-Length, or the bytes
streamed so far, pass the limit: the rest is never read.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainhub_ui.services.tenants import LOGO_MAX_BYTES

# A file upload (NiceGUI's `ui.upload` posts to this path) is the logo wrapped in a multipart form.
_UPLOAD_PATH = re.compile(r"^/_nicegui/client/[^/]+/upload/[^/]+$")
MULTIPART_ROOM = 64 * 1024
UPLOAD_MAX_BYTES = LOGO_MAX_BYTES + MULTIPART_ROOM


class BodyTooLarge(HTTPException):
    """Raised while the body is read, so that the app's own handler for HTTP errors answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body is larger than the {limit} bytes taken")


class BodyLimit:
    """Pure ASGI middleware limiting the request bodies of `app` to `max_bytes` (uploads: room for a logo)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit_for(self, path: str) -> int:
        return max(self.max_bytes, UPLOAD_MAX_BYTES) if _UPLOAD_PATH.match(path) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _refuse(BodyTooLarge(limit), scope, receive, send)
            return
        received = 0
        started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_noting_start)
        except BodyTooLarge as refused:
            if started:
                raise
            await _refuse(refused, scope, receive, send)


async def _refuse(refused: BodyTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    body = {"code": "too_large", "message": refused.detail, "field": None}
    await JSONResponse(body, status_code=refused.status_code)(scope, receive, send)
