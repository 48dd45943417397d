"""The security headers on one answer of every kind, from a real server: pages, downloads, static files, the
API and its documentation; HSTS only over https."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import nicegui
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.e2e.conftest import api_token, start_server, stop
from trainhub_ui.config import Settings
from trainhub_ui.security_headers import SecurityHeaders, may_be_framed

SLUG = "bristol-gas-training"
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})' 'unsafe-eval'")


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, str]]]:
    """The app on the demo data: its base URL and an API token's headers."""
    base, process, env = start_server(Path(tempfile.mkdtemp(prefix="trainhub-headers-")))
    try:
        yield base, {"Authorization": f"Bearer {api_token(env, SLUG)}"}
    finally:
        stop(process)


def book(base: str, headers: dict[str, str], **fields: str) -> tuple[str, str]:
    """The link (path and access token) of a new booking of a demo student on an upcoming session."""
    api = f"{base}/api/tenant/{SLUG}"
    student = httpx.post(
        f"{api}/students",
        json={"firstName": "Robin", "lastName": "Headers", "email": f"robin.{len(fields)}@example.com"},
        headers=headers,
        timeout=10,
    )
    assert student.status_code == 201, student.text
    course = httpx.get(f"{api}/courses", timeout=10).json()["items"][0]
    day = (date.today() + timedelta(days=70 + len(fields))).isoformat()
    session = httpx.post(
        f"{api}/courses/{course['id']}/sessions",
        json={"startDate": day, "endDate": day, "startTime": "09:00", "endTime": "17:00"},
        headers=headers,
        timeout=10,
    )
    assert session.status_code == 201, session.text
    booking = httpx.post(
        f"{api}/bookings",
        json={"customerId": student.json()["id"], "sessionId": session.json()["id"], **fields},
        headers=headers,
        timeout=10,
    )
    assert booking.status_code == 201, booking.text
    link = urlsplit(booking.json()["bookingUrl"])
    return link.path, link.query


def assert_secure(answer: httpx.Response, *, framed_by: str) -> None:
    headers = answer.headers
    policy = headers["content-security-policy"]
    is_page = headers.get("content-type", "").startswith("text/html")
    # A page's own scripts run with its nonce; any other answer (JSON, a PDF) runs no inline script at all.
    assert bool(NONCE.search(policy)) == is_page, policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy
    assert f"frame-ancestors {framed_by}" in policy
    assert headers["x-frame-options"] == ("DENY" if framed_by == "'none'" else "SAMEORIGIN")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers  # served over http
    if is_page:
        nonce = NONCE.search(policy).group(1)  # type: ignore[union-attr]
        tags = re.findall(r"<script\b[^>]*>", answer.text)
        assert tags
        assert all(f'nonce="{nonce}"' in tag for tag in tags), tags


def test_every_kind_of_answer_has_the_headers(server: tuple[str, dict[str, str]]) -> None:
    base, headers = server
    api = f"{base}/api/tenant/{SLUG}"
    course_id = httpx.get(f"{api}/courses", timeout=10).json()["items"][0]["id"]
    (card_page, card_token), (invoice_page, invoice_token) = (
        book(base, headers),
        book(base, headers, paymentOption="INVOICE", billingAddress="1 Temple Way, Bristol BS1 6HG"),
    )
    public = {
        "course list": f"/{SLUG}/courses",
        "course page": f"/{SLUG}/courses/{course_id}",
        "wizard": f"/{SLUG}/courses/{course_id}/book",
        "pay page": f"{card_page}?{card_token}",
        "pdf download": f"{invoice_page}/invoice.pdf?{invoice_token}",  # of the public pay link
    }
    private = {
        "kiosk": f"/{SLUG}/kiosk",
        # Its "Confirm" button commits a company to pay: never inside another site's frame.
        "invoice confirmation": f"/{SLUG}/invoice-confirmation/BGT-AAAAA?c=not-the-code",
        "admin sign-in": f"/{SLUG}/admin/login",
        "admin page": f"/{SLUG}/admin/courses",
        "my account": f"/{SLUG}/account",
        "api endpoint": f"/api/tenant/{SLUG}/courses",
        "api error": f"/api/tenant/{SLUG}/bookings",
        "static file": f"/_nicegui/{nicegui.__version__}/static/nicegui.js",
        "api docs": "/api/docs",
    }
    with httpx.Client(base_url=base, timeout=20, follow_redirects=False) as client:
        for kind, path in {**public, **private}.items():
            answer = client.get(path)
            assert answer.status_code < 500, (kind, answer.status_code)
            try:
                assert_secure(answer, framed_by="'self'" if kind in public else "'none'")
            except AssertionError as problem:
                raise AssertionError(f"{kind} ({path}): {problem}") from problem
        assert client.get(private["api error"]).status_code == 401
        assert client.get(public["pdf download"]).headers["content-type"] == "application/pdf"
        first, second = (client.get(public["course page"]).headers["content-security-policy"] for _ in range(2))
        assert NONCE.search(first).group(1) != NONCE.search(second).group(1)  # type: ignore[union-attr]


_PAGE = "<html><body><script>1</script></body></html>"


async def _page(_request: object) -> HTMLResponse:
    return HTMLResponse(_PAGE)


@pytest.mark.parametrize(("base_url", "told"), [("https://book.example.com", True), ("http://localhost:3000", False)])
async def test_browsers_are_told_to_keep_to_https_only_when_served_over_it(base_url: str, told: bool) -> None:
    settings = Settings(base_url=base_url)
    app = SecurityHeaders(Starlette(routes=[Route("/", _page)]), strict_transport=settings.serves_https)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        answer = await client.get("/")
    assert ("strict-transport-security" in answer.headers) is told
    if told:
        assert answer.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize(
    ("path", "framed"),
    [
        (f"/{SLUG}", True),
        (f"/{SLUG}/courses", True),
        (f"/{SLUG}/courses/c1/book", True),
        (f"/{SLUG}/pay/BGT-7K3QX", True),
        (f"/{SLUG}/verify/abc", True),
        ("/", False),
        ("/platform", False),
        ("/api/docs", False),
        ("/_nicegui/3.18.0/static/nicegui.js", False),
        (f"/{SLUG}/admin", False),
        (f"/{SLUG}/admin/courses", False),
        (f"/{SLUG}/kiosk", False),
        (f"/{SLUG}/login", False),
        (f"/{SLUG}/account", False),
        (f"/{SLUG}/feedback/b1/t1", False),
    ],
)
def test_only_the_public_booking_pages_may_be_framed(path: str, framed: bool) -> None:
    assert may_be_framed(path) is framed


async def test_a_head_request_keeps_the_length_of_the_page() -> None:
    app = SecurityHeaders(Starlette(routes=[Route("/", _page, methods=["GET", "HEAD"])]), strict_transport=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        page = await client.get("/")
        head = await client.head("/")
    assert "content-security-policy" in head.headers
    assert int(head.headers["content-length"]) == len(_PAGE)
    assert int(page.headers["content-length"]) == len(page.content) > len(_PAGE)  # the nonce went in
