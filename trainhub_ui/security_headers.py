"""The security headers of every answer, pages and API alike: the Content-Security-Policy (with a fresh
nonce on each page's own scripts), who may frame what, no MIME sniffing, the referrer, and HSTS over https."""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The public booking pages a centre might show inside its own site; every other answer refuses to be framed.
# There is no per-centre setting of who may frame them yet, so only the app's own origin may.
_FRAMEABLE_SECTIONS = frozenset({"courses", "pay", "verify"})
_NOT_A_CENTRE = frozenset({"api", "platform"})

# Only the app writes these tags: NiceGUI escapes `<` in every text it puts into a page.
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def policy(nonce: str | None, frame_ancestors: str) -> str:
    """The Content-Security-Policy of one answer; without a nonce (not a page), no inline script runs."""
    return "; ".join(
        (
            "default-src 'self'",
            # 'unsafe-eval': NiceGUI compiles its components' Vue templates in the browser (Vue's full build uses
            # `new Function`) and runs event handlers, `:prop` bindings and `run_javascript` through `eval`
            # (nicegui.js); none of it works without. Inline scripts run only with this answer's nonce.
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-eval'" if nonce else "script-src 'self' 'unsafe-eval'",
            # Quasar and Tailwind's browser build write style elements and style attributes as they go.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


def may_be_framed(path: str) -> bool:
    """Whether a path is a public booking page: a centre's home, its courses, the wizard, the pay page, a
    certificate check. The back office, the kiosk, sign-in, My account and the API are never framed."""
    parts = path.strip("/").split("/")
    centre = parts[0]
    if not centre or centre.startswith("_") or centre in _NOT_A_CENTRE:
        return False
    return len(parts) == 1 or parts[1] in _FRAMEABLE_SECTIONS


class SecurityHeaders:
    """Pure ASGI middleware adding the headers to every HTTP answer of `app`.

    It must sit inside any compression: it writes the nonce into an HTML page's script tags as they leave the app.
    """

    def __init__(self, app: ASGIApp, *, strict_transport: bool) -> None:
        self.app = app
        self.strict_transport = strict_transport
        # An answer that is not a page (JSON, a PDF, a file) runs no script of ours: its headers are the same
        # every time, written once here, so the API's answers pay no nonce and no header parsing.
        self._fixed = {framed: self._fixed_headers(framed) for framed in (False, True)}
        self._names = {name for name, _ in self._fixed[False]}

    def _fixed_headers(self, framed: bool) -> list[tuple[bytes, bytes]]:
        headers = MutableHeaders()
        self._add_headers(headers, None, framed)
        return headers.raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framed = may_be_framed(scope.get("path", ""))
        rewrite = scope.get("method") != "HEAD"  # a HEAD answer has no page to rewrite, only its length
        page: list[bytes] = []
        start: Message | None = None
        nonce = ""

        async def send_with_headers(message: Message) -> None:
            nonlocal start, nonce
            if message["type"] == "http.response.start":
                if not _is_page(message):
                    # Ours replace any the answer set itself (a served file may say nosniff already).
                    kept = [header for header in message.get("headers", ()) if header[0].lower() not in self._names]
                    message["headers"] = [*kept, *self._fixed[framed]]
                    await send(message)
                    return
                nonce = secrets.token_urlsafe(18)
                headers = MutableHeaders(scope=message)
                self._add_headers(headers, nonce, framed)
                if rewrite and _is_html(headers):
                    start = message  # held until the whole page is in, as its length changes
                    return
            elif message["type"] == "http.response.body" and start is not None:
                page.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = _SCRIPT_TAG.sub(f'<script nonce="{nonce}"'.encode(), b"".join(page))
                headers = MutableHeaders(scope=start)
                headers["content-length"] = str(len(body))
                await send(start)
                message = {"type": "http.response.body", "body": body, "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add_headers(self, headers: MutableHeaders, nonce: str | None, framed: bool) -> None:
        headers["content-security-policy"] = policy(nonce, "'self'" if framed else "'none'")
        headers["x-frame-options"] = "SAMEORIGIN" if framed else "DENY"
        headers["x-content-type-options"] = "nosniff"
        headers["referrer-policy"] = "strict-origin-when-cross-origin"
        if self.strict_transport:
            headers["strict-transport-security"] = "max-age=31536000"


def _is_page(start: Message) -> bool:
    """Whether an answer is HTML, read from its raw headers without parsing them all."""
    return any(name == b"content-type" and value.startswith(b"text/html") for name, value in start.get("headers", ()))


def _is_html(headers: MutableHeaders) -> bool:
    # An encoded page cannot be rewritten; compression belongs outside this middleware.
    return headers.get("content-type", "").startswith("text/html") and "content-encoding" not in headers
