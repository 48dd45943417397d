"""What the API answers to bodies it cannot take, and to paths and methods it does not have: always the API's
error shape `{code, message, field}`, never FastAPI's bare `{"detail": ...}` and never a 5xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.api.conftest import Centre
from trainhub_ui.api import create_api_app
from trainhub_ui.config import Settings
from trainhub_ui.db import Database, set_database
from trainhub_ui.request_limits import UPLOAD_MAX_BYTES, BodyLimit
from trainhub_ui.services.tenants import LOGO_MAX_BYTES

LIMIT = 64 * 1024
COURSE = b'{"title": "ACS CCN1 Core Gas Safety", "price": 49500, "durationDays": 3, "location": "Bristol"}'


@pytest.fixture
async def served(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API app as the server builds it, with a small body limit."""
    set_database(db)
    try:
        app = create_api_app(Settings(max_request_bytes=LIMIT))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        set_database(None)


def json_headers(centre: Centre, content_type: str = "application/json") -> dict[str, str]:
    return {**centre.headers, "Content-Type": content_type}


def assert_error_shape(answer: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) >= {"code", "message", "field"}, body
    assert "detail" not in body
    assert body["code"] == code
    assert body["message"]
    return body


async def count_courses(client: httpx.AsyncClient, centre: Centre) -> int:
    return (await client.get(centre.url("/courses"), headers=centre.headers)).json()["total"]


async def test_a_body_over_the_limit_is_refused_by_its_length(served: httpx.AsyncClient, centre: Centre) -> None:
    padded = COURSE[:-1] + b', "description": "' + b"x" * LIMIT + b'"}'
    answer = await served.post(centre.url("/courses"), content=padded, headers=json_headers(centre))
    body = assert_error_shape(answer, 413, "too_large")
    assert str(LIMIT) in str(body["message"])
    assert await count_courses(served, centre) == 0


async def test_a_streamed_body_is_cut_off_once_over_the_limit(served: httpx.AsyncClient, centre: Centre) -> None:
    chunk = b" " * (16 * 1024)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(256):  # 4 MiB of whitespace after the JSON, with no Content-Length
            sent += 1
            yield chunk

    answer = await served.post(centre.url("/courses"), content=body(), headers=json_headers(centre))
    assert "content-length" not in answer.request.headers
    assert_error_shape(answer, 413, "too_large")
    assert sent <= LIMIT // len(chunk) + 2  # reading stopped at the limit, not at the end of the body
    assert await count_courses(served, centre) == 0


async def test_a_body_under_the_limit_is_taken(served: httpx.AsyncClient, centre: Centre) -> None:
    answer = await served.post(centre.url("/courses"), content=COURSE, headers=json_headers(centre))
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"title": "ACS \xff\xfe Core", "price": 49500}', "UTF-8"),
        (b"[" * 10_000 + b"]" * 10_000, "nested"),
        (b'{"title": "ACS", "price": ', "JSON"),
    ],
    ids=["invalid-utf8", "deep-json", "malformed-json"],
)
async def test_an_unreadable_body_is_invalid(
    served: httpx.AsyncClient, centre: Centre, content: bytes, message: str
) -> None:
    answer = await served.post(centre.url("/courses"), content=content, headers=json_headers(centre))
    body = assert_error_shape(answer, 422, "invalid")
    assert body["field"] is None
    assert message in str(body["message"])
    assert await count_courses(served, centre) == 0


async def test_a_body_of_another_content_type_is_refused(served: httpx.AsyncClient, centre: Centre) -> None:
    answer = await served.post(centre.url("/courses"), content=COURSE, headers=json_headers(centre, "text/plain"))
    body = assert_error_shape(answer, 415, "unsupported_media_type")
    assert "application/json" in str(body["message"])
    assert await count_courses(served, centre) == 0
    vendor_json = await served.post(
        centre.url("/courses"), content=COURSE, headers=json_headers(centre, "application/vnd.api+json")
    )
    assert vendor_json.status_code == 201, vendor_json.text
    untyped = await served.post(centre.url("/courses"), content=COURSE, headers=centre.headers)
    assert_error_shape(untyped, 415, "unsupported_media_type")


async def test_an_unknown_api_path_answers_404_in_the_error_shape(served: httpx.AsyncClient) -> None:
    answer = await served.get("/api/no-such-thing")
    assert_error_shape(answer, 404, "not_found")


async def test_a_wrong_method_answers_405_in_the_error_shape(served: httpx.AsyncClient, centre: Centre) -> None:
    answer = await served.put("/api/health")
    assert_error_shape(answer, 405, "method_not_allowed")
    assert "GET" in answer.headers["allow"]


async def _body_size(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/_nicegui/client/c1/upload/7", UPLOAD_MAX_BYTES), ("/bristol-gas-training/admin/settings", LIMIT)],
    ids=["logo-upload", "page"],
)
async def test_pages_take_bodies_up_to_their_limit(path: str, limit: int) -> None:
    app = BodyLimit(Starlette(routes=[Route(path, _body_size, methods=["POST"])]), max_bytes=LIMIT)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        taken = await client.post(path, content=b"x" * limit)
        refused = await client.post(path, content=b"x" * (limit + 1))
    assert taken.status_code == 200 and taken.text == str(limit)
    assert_error_shape(refused, 413, "too_large")
    assert UPLOAD_MAX_BYTES > LOGO_MAX_BYTES  # a logo of the largest size fits with its form around it
