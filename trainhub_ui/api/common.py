"""What every API module shares: camelCase models, list pages, the error answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from trainhub_ui.client_address import client_address
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound, TooManyRequests
from trainhub_ui.domain.inputs import NUL, ServiceInput
from trainhub_ui.rate_limits import Door, RateLimits, too_many
from trainhub_ui.request_limits import BodyTooLarge

T = TypeVar("T")


class ApiModel(ServiceInput):
    """An API body or answer: camelCase on the wire, unknown fields refused, no NUL in text (as the
    services' own inputs, which the API also takes as bodies)."""

    model_config = ConfigDict(frozen=False)


async def refuse_nul_characters(request: Request) -> None:
    """A NUL in an id of the path finds nothing (404); in a query parameter it is invalid (422)."""
    if any(NUL in value for value in request.path_params.values() if isinstance(value, str)):
        raise NotFound("Resource")
    for name, value in request.query_params.multi_items():
        if NUL in value:
            raise InvalidInput(name, "must not contain the NUL character")


class Page(ApiModel, Generic[T]):
    items: list[T]
    total: int


class Paging:
    """`limit` (default 50, at most 200) and `offset` of a list."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


ERROR_RESPONSES: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "No valid token"},
    404: {"model": ErrorBody, "description": "Not found in this centre"},
    409: {"model": ErrorBody, "description": "Refused by a rule; `code` says which"},
}
RATE_LIMITED: dict[int | str, dict] = {
    429: {
        "model": ErrorBody,
        "description": "Too many requests from this address; `Retry-After` says when to try again",
    },
}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=ErrorBody(code=code, message=message, field=field).model_dump())


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    response = error_response(error.status, error.code, error.message, error.field)
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def limited(door: Door) -> Callable[[Request, str], Awaitable[None]]:
    """A dependency that counts the request at this door for its centre and client address (429 past it)."""

    async def count(request: Request, slug: str) -> None:
        limits: RateLimits = request.app.state.rate_limits
        if wait := await limits.wait_seconds(door, slug, client_address(request)):
            raise TooManyRequests(too_many(wait), wait)

    return count


def _sent_as_json(request: Request) -> bool:
    """Whether a body came as JSON (or no body came, so none came as anything else)."""
    if "content-type" not in request.headers:
        return request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers
    content_type = request.headers["content-type"].split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    if not _sent_as_json(request) and any(item.get("loc", ())[:1] == ("body",) for item in error.errors()):
        # FastAPI took the body as bytes, and would blame the first field for not being in it.
        return error_response(415, "unsupported_media_type", "Send the body as JSON (Content-Type: application/json)")
    problems = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "header")]
        if item.get("type") == "json_invalid":
            location = []  # its location is a character position, not a field
        # The top-level name is the field a client sent; deeper parts name union members and the like.
        problems.append(
            {"field": location[0] if location else None, "path": ".".join(location), "message": item.get("msg", "")}
        )
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    body = {"code": "invalid", "message": first["message"], "field": first["field"], "errors": problems}
    return JSONResponse(status_code=422, content=body)


# What a refusal by the web framework itself (before any route of ours ran) is called, by its status.
_HTTP_CODES = {
    400: ("bad_request", "The request could not be read"),
    404: ("not_found", "There is no such API path"),
    405: ("method_not_allowed", "This method is not allowed on this path"),
}
# A body that is no JSON at all: FastAPI turns all but a syntax error into a bare 400.
_UNREADABLE_BODY = {
    UnicodeDecodeError: "The body is not valid UTF-8",
    RecursionError: "The body's JSON is nested too deeply",
}


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    for cause, message in _UNREADABLE_BODY.items():
        if isinstance(error.__cause__, cause):
            # The same answer as a JSON syntax error (FastAPI's 422 `json_invalid`): the body is not JSON.
            return error_response(422, "invalid", message)
    if isinstance(error, BodyTooLarge):
        return error_response(error.status_code, "too_large", error.detail)
    code, message = _HTTP_CODES.get(error.status_code, ("error", str(error.detail)))
    answer = error_response(error.status_code, code, message)
    answer.headers.update(error.headers or {})  # e.g. a 405's Allow
    return answer


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
